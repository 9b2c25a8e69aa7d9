/**
 * Cross-reference sections (ISO 32000-1 §7.5.4 tables, §7.5.8 streams, §7.5.8.4 hybrid files).
 */
import { indexOfAscii, malformed, PdfLexer, parseIndirectObject } from "./lexer.ts";
import { PdfDict, PdfName, PdfStream } from "./objects.ts";
import { decodeStream } from "./stream-decode.ts";

/** One cross-reference entry (§7.5.4 Table 17 / §7.5.8.3 Table 18). */
export type XrefEntry =
  | { readonly type: "free"; readonly generation: number; readonly nextFree: number }
  | { readonly type: "offset"; readonly generation: number; readonly offset: number }
  | {
      readonly type: "compressed";
      readonly generation: 0;
      readonly streamObjectNumber: number;
      readonly index: number;
    };

/** One parsed section: the entries it defines and its trailer (for a stream: the stream's dictionary). */
export interface XrefSection {
  readonly offset: number;
  readonly kind: "table" | "stream";
  readonly entries: Map<number, XrefEntry>;
  readonly trailer: PdfDict;
  /** File offset just after the section (after the trailer dictionary or `endobj`). */
  readonly end: number;
}

/** Bound on xref stream data: 64 MiB decoded is ~10 million entries. */
const MAX_XREF_STREAM_BYTES = 64 * 1024 * 1024;
/** Bound on the object numbers a section may define (Annex C: 8,388,607). */
const MAX_OBJECT_NUMBER = 8_388_607;

/** Reads the section at `offset`, merging a hybrid file's /XRefStm entries into a table section. */
export function readXrefSection(bytes: Uint8Array, offset: number): XrefSection {
  if (!Number.isInteger(offset) || offset < 0 || offset >= bytes.length) {
    throw malformed(`startxref/Prev offset ${offset} is outside the file (${bytes.length} bytes)`);
  }
  const lexer = new PdfLexer(bytes, offset);
  lexer.skipWhitespace();
  if (indexOfAscii(bytes, "xref", lexer.pos, lexer.pos + 4) === lexer.pos) {
    const table = readXrefTable(bytes, lexer.pos);
    requireIntegerTokens(bytes, table.trailer, ["Size", "Prev", "XRefStm"], `trailer at offset ${offset}`);
    const xrefStm = table.trailer.getNumber("XRefStm");
    if (xrefStm === undefined) {
      return table;
    }
    // Hybrid file (§7.5.8.4): the table wins; the stream supplies what the table omits or marks free.
    const stream = readXrefStream(bytes, xrefStm);
    for (const [objectNumber, entry] of stream.entries) {
      const existing = table.entries.get(objectNumber);
      if (existing === undefined || existing.type === "free") {
        table.entries.set(objectNumber, entry);
      }
    }
    return table;
  }
  return readXrefStream(bytes, offset);
}

function readXrefTable(bytes: Uint8Array, offset: number): XrefSection {
  const lexer = new PdfLexer(bytes, offset + 4);
  const entries = new Map<number, XrefEntry>();
  for (;;) {
    const save = lexer.pos;
    const keyword = lexer.readKeyword();
    if (keyword === "trailer") {
      break;
    }
    lexer.pos = save;
    const first = lexer.readUnsigned();
    const count = lexer.readUnsigned();
    if (first === undefined || count === undefined) {
      throw malformed(`bad xref subsection header at offset ${save}`);
    }
    if (first + count > MAX_OBJECT_NUMBER + 1) {
      throw malformed(`xref subsection ${first} ${count} exceeds object number limit ${MAX_OBJECT_NUMBER}`);
    }
    for (let i = 0; i < count; i++) {
      const at = lexer.pos;
      const field1 = lexer.readUnsigned();
      const generation = lexer.readUnsigned();
      const type = lexer.readKeyword();
      if (field1 === undefined || generation === undefined || (type !== "n" && type !== "f")) {
        throw malformed(`bad xref entry ${first + i} at offset ${at}`);
      }
      // Poppler (after old pdfTeX) renumbers a subsection `1 n` that opens with object 0's free
      // entry from 0: every entry of it would name a different object for poppler than for us.
      if (i === 0 && first === 1 && type === "f" && field1 === 0 && generation === 65535) {
        throw malformed(`xref subsection '1 ${count}' at offset ${save} opens with object 0's entry`);
      }
      // Within one section the first entry for a number wins (duplicates are a producer bug).
      if (!entries.has(first + i)) {
        entries.set(
          first + i,
          type === "n"
            ? { type: "offset", offset: field1, generation }
            : { type: "free", nextFree: field1, generation },
        );
      }
    }
  }
  const trailer = lexer.parseObject();
  if (!(trailer instanceof PdfDict)) {
    throw malformed(`trailer at offset ${lexer.pos} is not a dictionary`);
  }
  return { offset, kind: "table", entries, trailer, end: lexer.pos };
}

function readXrefStream(bytes: Uint8Array, offset: number): XrefSection {
  const object = parseIndirectObject(bytes, offset);
  const stream = object.value;
  if (!(stream instanceof PdfStream) || stream.dict.getName("Type") !== "XRef") {
    throw malformed(`no cross-reference table or /Type /XRef stream at offset ${offset}`);
  }
  const dict = stream.dict;
  requireIntegerTokens(bytes, dict, ["Size", "Prev", "W", "Index"], `xref stream at offset ${offset}`);
  const size = dict.getNumber("Size");
  const w = dict.getArray("W");
  if (size === undefined || !Number.isInteger(size) || size < 0 || size > MAX_OBJECT_NUMBER + 1) {
    throw malformed(`xref stream at offset ${offset} has a bad /Size`);
  }
  if (!w || w.length < 3 || w.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 8)) {
    throw malformed(`xref stream at offset ${offset} has a bad /W`);
  }
  const widths = w.slice(0, 3) as number[];
  const [w0, w1, w2] = widths as [number, number, number];
  // Poppler keeps the type field in an int: a wider one makes it refuse the section and rebuild.
  if (w0 > 4) {
    throw malformed(`xref stream at offset ${offset} has a type field of ${w0} bytes (at most 4)`);
  }
  const rowWidth = w0 + w1 + w2;
  if (rowWidth === 0) {
    throw malformed(`xref stream at offset ${offset} has /W of zero width`);
  }
  const index = dict.getArray("Index") ?? [0, size];
  if (index.length % 2 !== 0 || index.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < 0)) {
    throw malformed(`xref stream at offset ${offset} has a bad /Index`);
  }
  const data = decodeStream(stream, { maxBytes: MAX_XREF_STREAM_BYTES });
  const entries = new Map<number, XrefEntry>();
  let pos = 0;
  for (let k = 0; k < index.length; k += 2) {
    const first = index[k] as number;
    const count = index[k + 1] as number;
    if (first + count > MAX_OBJECT_NUMBER + 1) {
      throw malformed(`xref stream /Index ${first} ${count} exceeds object number limit`);
    }
    for (let i = 0; i < count; i++) {
      if (pos + rowWidth > data.length) {
        throw malformed(`xref stream at offset ${offset} is shorter than its /Index says`);
      }
      // A zero-width type field defaults to type 1 (§7.5.8.2).
      const type = w0 === 0 ? 1 : readField(data, pos, w0);
      const field2 = readField(data, pos + w0, w1);
      const field3 = readField(data, pos + w0 + w1, w2);
      pos += rowWidth;
      const objectNumber = first + i;
      if (entries.has(objectNumber)) {
        continue;
      }
      if (type === 0) {
        entries.set(objectNumber, { type: "free", nextFree: field2, generation: field3 });
      } else if (type === 1) {
        entries.set(objectNumber, { type: "offset", offset: field2, generation: field3 });
      } else if (type === 2) {
        entries.set(objectNumber, {
          type: "compressed",
          streamObjectNumber: field2,
          index: field3,
          generation: 0,
        });
      } else {
        // §7.5.8.3 reads other types as the null object; poppler refuses the section and rebuilds
        // the cross-reference by scanning, showing objects no section defines.
        throw malformed(
          `xref stream at offset ${offset} has an entry of type ${type} (object ${objectNumber})`,
        );
      }
    }
  }
  return { offset, kind: "stream", entries, trailer: dict, end: object.end };
}

function readField(data: Uint8Array, pos: number, width: number): number {
  let value = 0;
  for (let i = 0; i < width; i++) {
    value = value * 256 + data[pos + i]!;
  }
  return value;
}

/**
 * Throws PDF_MALFORMED when one of `keys` of a dictionary parsed from `bytes` holds a number (or,
 * for an array, an element) written as a real (`33.0`, `33.`): poppler needs an integer there and
 * refuses the structure (for a cross-reference section: rebuilds the table by scanning), while the
 * parsed value is a whole number for us. Re-reads the dictionary's own tokens from the file; a
 * dictionary built in code (no source offsets) passes.
 */
export function requireIntegerTokens(
  bytes: Uint8Array,
  dict: PdfDict,
  keys: readonly string[],
  where: string,
): void {
  if (dict.start < 0 || dict.end > bytes.length || bytes[dict.start] !== 0x3c) {
    return;
  }
  const lexer = new PdfLexer(bytes.subarray(0, dict.end), dict.start + 2);
  // The last entry for a key is the one the map holds.
  const written = new Map<string, boolean>();
  for (;;) {
    lexer.skipWhitespace();
    if (lexer.pos >= dict.end - 2) {
      break;
    }
    const key = lexer.parseObject();
    if (!(key instanceof PdfName)) {
      return;
    }
    lexer.skipWhitespace();
    if (!keys.includes(key.value)) {
      lexer.parseObject();
      continue;
    }
    let integral = true;
    if (bytes[lexer.pos] === 0x5b) {
      lexer.pos++;
      for (;;) {
        lexer.skipWhitespace();
        if (lexer.pos >= dict.end || bytes[lexer.pos] === 0x5d) {
          lexer.pos++;
          break;
        }
        integral = readsAsInteger(lexer) && integral;
      }
    } else {
      integral = readsAsInteger(lexer);
    }
    written.set(key.value, integral);
  }
  for (const [key, integral] of written) {
    if (!integral) {
      throw malformed(`${where}: /${key} holds a real number where an integer is required`);
    }
  }
}

/** Parses the next object; false when it is a number whose token is not digits (with a sign). */
function readsAsInteger(lexer: PdfLexer): boolean {
  lexer.skipWhitespace();
  const start = lexer.pos;
  const value = lexer.parseObject();
  if (typeof value !== "number") {
    return true;
  }
  for (let i = start; i < lexer.pos; i++) {
    const byte = lexer.bytes[i]!;
    if (!(byte >= 0x30 && byte <= 0x39) && !(i === start && (byte === 0x2b || byte === 0x2d))) {
      return false;
    }
  }
  return true;
}
