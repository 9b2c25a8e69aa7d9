/**
 * Lexer and object parser over the file's bytes (ISO 32000-1 §7.2, §7.3). Works on offsets into
 * the one `Uint8Array`: it never copies the file and never builds a string of it.
 */
import { ExchangeError } from "../errors/exchange-error.ts";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from "./objects.ts";

/** Nesting limit for arrays and dictionaries: a hostile file must not exhaust the stack. */
const MAX_DEPTH = 256;

export function malformed(detail: string, cause?: unknown): ExchangeError {
  return new ExchangeError("PDF_MALFORMED", { detail, cause });
}

/** §7.2.2: NUL, TAB, LF, FF, CR, SP. */
export function isWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x0c || byte === 0x00;
}

/** §7.2.2 delimiters: ( ) < > [ ] { } / %. */
export function isDelimiter(byte: number | undefined): boolean {
  return (
    byte === 0x28 ||
    byte === 0x29 ||
    byte === 0x3c ||
    byte === 0x3e ||
    byte === 0x5b ||
    byte === 0x5d ||
    byte === 0x7b ||
    byte === 0x7d ||
    byte === 0x2f ||
    byte === 0x25
  );
}

function isRegular(byte: number | undefined): boolean {
  return byte !== undefined && !isWhitespace(byte) && !isDelimiter(byte);
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/**
 * Whether `bytes[start, end)` is an integer token as §7.3.3 writes one: an optional sign, then one
 * or more digits, and no '.'. `7`, `-3`, `+0` are; `7.0`, `7.`, `.5`, `-` are not.
 */
export function isIntegerToken(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  if (bytes[i] === 0x2b || bytes[i] === 0x2d) {
    i++;
  }
  if (i >= end) {
    return false;
  }
  for (; i < end; i++) {
    if (!isDigit(bytes[i])) {
      return false;
    }
  }
  return true;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) {
    return byte - 0x30;
  }
  if (byte >= 0x41 && byte <= 0x46) {
    return byte - 0x37;
  }
  if (byte >= 0x61 && byte <= 0x66) {
    return byte - 0x57;
  }
  return -1;
}

/** Resolves an indirect /Length (§7.3.8.2); returns undefined when it cannot. */
export type LengthResolver = (ref: PdfRef) => number | undefined;

/** Finds `needle` (ASCII) in `bytes` from `from`, before `to`; -1 when absent. */
export function indexOfAscii(bytes: Uint8Array, needle: string, from = 0, to = bytes.length): number {
  const last = Math.min(to, bytes.length) - needle.length;
  for (let i = Math.max(0, from); i <= last; i++) {
    if (matchesAt(bytes, i, needle)) {
      return i;
    }
  }
  return -1;
}

/** Finds the last `needle` (ASCII) starting at or after `from` and ending before `to`; -1 when absent. */
export function lastIndexOfAscii(bytes: Uint8Array, needle: string, from = 0, to = bytes.length): number {
  for (let i = Math.min(to, bytes.length) - needle.length; i >= Math.max(0, from); i--) {
    if (matchesAt(bytes, i, needle)) {
      return i;
    }
  }
  return -1;
}

function matchesAt(bytes: Uint8Array, at: number, needle: string): boolean {
  for (let j = 0; j < needle.length; j++) {
    if (bytes[at + j] !== needle.charCodeAt(j)) {
      return false;
    }
  }
  return true;
}

/** A cursor over the file's bytes. */
export class PdfLexer {
  readonly bytes: Uint8Array;
  pos: number;
  /**
   * Whether the last number {@link parseObject} read was written as an integer (§7.3.3: an
   * optional sign and digits, no '.'), e.g. `33` but not `33.0` or `33.`. Poppler reads the others
   * as reals, which it refuses where an integer is needed (/Size, /Prev, /W, offsets).
   */
  lastNumberIsInteger = false;
  constructor(bytes: Uint8Array, pos = 0) {
    this.bytes = bytes;
    this.pos = pos;
  }

  /** Skips whitespace and comments (§7.2.3). */
  skipWhitespace(): void {
    const bytes = this.bytes;
    while (this.pos < bytes.length) {
      const byte = bytes[this.pos];
      if (isWhitespace(byte)) {
        this.pos++;
      } else if (byte === 0x25) {
        while (this.pos < bytes.length && bytes[this.pos] !== 0x0a && bytes[this.pos] !== 0x0d) {
          this.pos++;
        }
      } else {
        return;
      }
    }
  }

  /** Reads a keyword or other regular-character run (after whitespace); "" at a delimiter or EOF. */
  readKeyword(): string {
    this.skipWhitespace();
    const start = this.pos;
    while (this.pos < this.bytes.length && isRegular(this.bytes[this.pos])) {
      this.pos++;
      if (this.pos - start > 64) {
        throw malformed(`token longer than 64 bytes at offset ${start}`);
      }
    }
    return asciiString(this.bytes, start, this.pos);
  }

  /** Reads a non-negative integer, or undefined (position unchanged) when there is none. */
  readUnsigned(): number | undefined {
    this.skipWhitespace();
    const start = this.pos;
    let value = 0;
    while (isDigit(this.bytes[this.pos])) {
      value = value * 10 + (this.bytes[this.pos]! - 0x30);
      this.pos++;
    }
    if (this.pos === start || this.pos - start > 15 || isRegular(this.bytes[this.pos])) {
      this.pos = start;
      return undefined;
    }
    return value;
  }

  /** Expects a keyword; throws PDF_MALFORMED when a different token is there. */
  expectKeyword(keyword: string): void {
    const at = this.pos;
    const got = this.readKeyword();
    if (got !== keyword) {
      throw malformed(`expected '${keyword}' at offset ${at}, found '${got.slice(0, 20)}'`);
    }
  }

  /** Parses one direct object (§7.3); `N G R` becomes a PdfRef. Streams are handled by parseIndirectObject. */
  parseObject(depth = 0): PdfObject {
    if (depth > MAX_DEPTH) {
      throw malformed(`objects nested deeper than ${MAX_DEPTH} at offset ${this.pos}`);
    }
    this.skipWhitespace();
    const bytes = this.bytes;
    const start = this.pos;
    const byte = bytes[start];
    if (byte === undefined) {
      throw malformed("unexpected end of file while reading an object");
    }
    if (byte === 0x2f) {
      return this.parseName();
    }
    if (byte === 0x28) {
      return this.parseLiteralString();
    }
    if (byte === 0x3c) {
      if (bytes[start + 1] === 0x3c) {
        return this.parseDict(depth);
      }
      return this.parseHexString();
    }
    if (byte === 0x5b) {
      this.pos++;
      const items: PdfObject[] = [];
      for (;;) {
        this.skipWhitespace();
        if (this.pos >= bytes.length) {
          throw malformed(`unterminated array starting at offset ${start}`);
        }
        if (bytes[this.pos] === 0x5d) {
          this.pos++;
          return items;
        }
        items.push(this.parseObject(depth + 1));
      }
    }
    if (isDigit(byte) || byte === 0x2b || byte === 0x2d || byte === 0x2e) {
      return this.parseNumberOrRef();
    }
    const keyword = this.readKeyword();
    if (keyword === "true") {
      return true;
    }
    if (keyword === "false") {
      return false;
    }
    if (keyword === "null") {
      return null;
    }
    throw malformed(
      `unexpected token '${keyword.slice(0, 20) || String.fromCharCode(byte)}' at offset ${start}`,
    );
  }

  private parseNumberOrRef(): PdfObject {
    const start = this.pos;
    const number = this.parseNumber();
    // A reference's object number is digits only (§7.3.10): `7.0 0 R` or `+7 0 R` are numbers
    // followed by a keyword, as poppler reads them.
    if (!this.lastNumberIsInteger || !isDigit(this.bytes[start])) {
      return number;
    }
    // Look ahead for "G R" (§7.3.10); readUnsigned takes digits only, ending at a non-regular byte.
    const save = this.pos;
    const generation = this.readUnsigned();
    if (generation !== undefined) {
      this.skipWhitespace();
      if (this.bytes[this.pos] === 0x52 && !isRegular(this.bytes[this.pos + 1])) {
        this.pos++;
        return new PdfRef(number, generation);
      }
    }
    this.pos = save;
    return number;
  }

  private parseNumber(): number {
    const bytes = this.bytes;
    const start = this.pos;
    if (bytes[this.pos] === 0x2b || bytes[this.pos] === 0x2d) {
      this.pos++;
    }
    while (isDigit(bytes[this.pos]) || bytes[this.pos] === 0x2e) {
      this.pos++;
    }
    const text = asciiString(bytes, start, this.pos);
    const value = Number(text === "-" || text === "+" || text === "." ? "0" : text);
    if (!Number.isFinite(value) || this.pos - start > 40) {
      throw malformed(`bad number '${text.slice(0, 20)}' at offset ${start}`);
    }
    this.lastNumberIsInteger = isIntegerToken(bytes, start, this.pos);
    return value;
  }

  private parseName(): PdfName {
    const bytes = this.bytes;
    const start = this.pos;
    this.pos++;
    let value = "";
    while (this.pos < bytes.length && isRegular(bytes[this.pos])) {
      const byte = bytes[this.pos]!;
      if (byte === 0x23) {
        const hi = hexValue(bytes[this.pos + 1] ?? 0);
        const lo = hexValue(bytes[this.pos + 2] ?? 0);
        if (hi >= 0 && lo >= 0) {
          value += String.fromCharCode(hi * 16 + lo);
          this.pos += 3;
          continue;
        }
      }
      value += String.fromCharCode(byte);
      this.pos++;
      if (this.pos - start > 1024) {
        throw malformed(`name longer than 1024 bytes at offset ${start}`);
      }
    }
    return new PdfName(value);
  }

  private parseLiteralString(): PdfString {
    const bytes = this.bytes;
    const start = this.pos;
    this.pos++;
    const out: number[] = [];
    let depth = 1;
    while (this.pos < bytes.length) {
      const byte = bytes[this.pos++]!;
      if (byte === 0x5c) {
        const next = bytes[this.pos++];
        switch (next) {
          case 0x6e:
            out.push(0x0a);
            break;
          case 0x72:
            out.push(0x0d);
            break;
          case 0x74:
            out.push(0x09);
            break;
          case 0x62:
            out.push(0x08);
            break;
          case 0x66:
            out.push(0x0c);
            break;
          case 0x0d:
            // Backslash-EOL: line continuation, nothing is added (§7.3.4.2).
            if (bytes[this.pos] === 0x0a) {
              this.pos++;
            }
            break;
          case 0x0a:
            break;
          case undefined:
            break;
          default:
            if (next >= 0x30 && next <= 0x37) {
              let value = next - 0x30;
              for (
                let k = 0;
                k < 2 && (bytes[this.pos] ?? 0) >= 0x30 && (bytes[this.pos] ?? 0) <= 0x37;
                k++
              ) {
                value = value * 8 + (bytes[this.pos++]! - 0x30);
              }
              out.push(value & 0xff);
            } else {
              out.push(next);
            }
        }
        continue;
      }
      if (byte === 0x28) {
        depth++;
      } else if (byte === 0x29) {
        depth--;
        if (depth === 0) {
          return new PdfString(Uint8Array.from(out), false, start, this.pos);
        }
      } else if (byte === 0x0d) {
        // An unescaped EOL of any kind reads as a single LF (§7.3.4.2).
        if (bytes[this.pos] === 0x0a) {
          this.pos++;
        }
        out.push(0x0a);
        continue;
      }
      out.push(byte);
    }
    throw malformed(`unterminated literal string starting at offset ${start}`);
  }

  private parseHexString(): PdfString {
    const bytes = this.bytes;
    const start = this.pos;
    this.pos++;
    const end = bytes.indexOf(0x3e, this.pos);
    if (end < 0) {
      throw malformed(`unterminated hex string starting at offset ${start}`);
    }
    const digits = end - this.pos;
    const out = new Uint8Array(Math.ceil(digits / 2));
    // Fast path for the common case, a signature's /Contents: only hex digits, an even number.
    // Node's hex decoder stops at the first pair that is not two hex digits, so writing them all
    // means there was nothing else; otherwise the loop below reads (or refuses) the string.
    if (digits % 2 === 0) {
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
        "latin1",
        this.pos,
        end,
      );
      if (Buffer.from(out.buffer).write(text, "hex") === digits / 2) {
        this.pos = end + 1;
        return new PdfString(out, true, start, this.pos);
      }
    }
    let count = 0;
    let high = -1;
    for (let i = this.pos; i < end; i++) {
      const byte = bytes[i]!;
      if (isWhitespace(byte)) {
        continue;
      }
      const value = hexValue(byte);
      if (value < 0) {
        throw malformed(`invalid character in hex string at offset ${i}`);
      }
      if (high < 0) {
        high = value;
      } else {
        out[count++] = high * 16 + value;
        high = -1;
      }
    }
    if (high >= 0) {
      // An odd final digit is followed by an implied 0 (§7.3.4.3).
      out[count++] = high * 16;
    }
    this.pos = end + 1;
    return new PdfString(out.subarray(0, count), true, start, this.pos);
  }

  private parseDict(depth: number): PdfDict {
    const bytes = this.bytes;
    const start = this.pos;
    this.pos += 2;
    // Built as it is read, the bookkeeping allocated only when a key needs it: a letter's
    // verification reads thousands of dictionaries.
    const map = new Map<string, PdfObject>();
    let duplicates: string[] | undefined;
    let realKeys: Set<string> | undefined;
    for (;;) {
      this.skipWhitespace();
      const byte = bytes[this.pos];
      if (byte === undefined) {
        throw malformed(`unterminated dictionary starting at offset ${start}`);
      }
      if (byte === 0x3e && bytes[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return PdfDict.adopt(map, start, this.pos, {
          ...(duplicates ? { duplicateKeys: duplicates } : {}),
          ...(realKeys ? { realNumberKeys: [...realKeys] } : {}),
        });
      }
      if (byte !== 0x2f) {
        throw malformed(`dictionary key expected at offset ${this.pos}`);
      }
      const key = this.parseName().value;
      const value = this.parseObject(depth + 1);
      // Readers disagree on which of two entries with one key counts (we keep the last; poppler
      // sorts dictionaries of 32 entries or more and finds any): remember that there were two.
      if (map.has(key)) {
        duplicates ??= [];
        if (!duplicates.includes(key)) {
          duplicates.push(key);
        }
      }
      if (typeof value === "number" && !this.lastNumberIsInteger) {
        realKeys ??= new Set();
        realKeys.add(key);
      } else {
        realKeys?.delete(key);
      }
      // As `new Map(entries)` would: a repeated key keeps its first place and takes the last value.
      map.set(key, value);
    }
  }
}

/** ASCII/Latin-1 text of a small slice. */
export function asciiString(bytes: Uint8Array, start: number, end: number): string {
  let out = "";
  for (let i = start; i < end; i++) {
    out += String.fromCharCode(bytes[i]!);
  }
  return out;
}

/** The result of parsing `N G obj … endobj` (§7.3.10). */
export interface IndirectObject {
  readonly objectNumber: number;
  readonly generation: number;
  readonly value: PdfObject;
  /** Offset of the object header and just after `endobj` (or the value, when endobj is missing). */
  readonly start: number;
  readonly end: number;
}

/**
 * Parses the indirect object at `offset`. A stream's data is found from /Length (resolved with
 * `resolveLength` when indirect); when that does not land on `endstream`, the data end is found by
 * scanning and the stream is flagged `lengthRecovered`.
 */
export function parseIndirectObject(
  bytes: Uint8Array,
  offset: number,
  resolveLength?: LengthResolver,
): IndirectObject {
  if (!Number.isInteger(offset) || offset < 0 || offset >= bytes.length) {
    throw malformed(`object offset ${offset} is outside the file (${bytes.length} bytes)`);
  }
  const lexer = new PdfLexer(bytes, offset);
  const objectNumber = lexer.readUnsigned();
  const generation = objectNumber === undefined ? undefined : lexer.readUnsigned();
  if (objectNumber === undefined || generation === undefined) {
    throw malformed(`no object header at offset ${offset}`);
  }
  const start = lexer.pos;
  lexer.expectKeyword("obj");
  let value = lexer.parseObject();
  lexer.skipWhitespace();
  if (value instanceof PdfDict && indexOfAscii(bytes, "stream", lexer.pos, lexer.pos + 6) === lexer.pos) {
    value = parseStreamBody(bytes, value, lexer.pos + 6, resolveLength);
    lexer.pos = value.dataOffset + value.data.length;
    const endstream = indexOfAscii(bytes, "endstream", lexer.pos, lexer.pos + 64);
    lexer.pos = endstream < 0 ? lexer.pos : endstream + 9;
  }
  const save = lexer.pos;
  const end = lexer.readKeyword() === "endobj" ? lexer.pos : save;
  return { objectNumber, generation, value, start: Math.min(start, offset), end };
}

function parseStreamBody(
  bytes: Uint8Array,
  dict: PdfDict,
  afterKeyword: number,
  resolveLength?: LengthResolver,
): PdfStream {
  // The keyword is followed by CRLF or LF (§7.3.8.1); a lone CR is tolerated.
  let dataOffset = afterKeyword;
  if (bytes[dataOffset] === 0x0d) {
    dataOffset++;
  }
  if (bytes[dataOffset] === 0x0a) {
    dataOffset++;
  }
  const lengthValue = dict.get("Length");
  let length: number | undefined;
  if (typeof lengthValue === "number") {
    length = lengthValue;
  } else if (lengthValue instanceof PdfRef && resolveLength) {
    length = resolveLength(lengthValue);
  }
  if (
    length !== undefined &&
    Number.isInteger(length) &&
    length >= 0 &&
    dataOffset + length <= bytes.length
  ) {
    let after = dataOffset + length;
    while (isWhitespace(bytes[after]) && after < dataOffset + length + 4) {
      after++;
    }
    if (endsStreamAt(bytes, after)) {
      return new PdfStream(dict, bytes.subarray(dataOffset, dataOffset + length), dataOffset, false);
    }
  }
  const endstream = indexOfAscii(bytes, "endstream", dataOffset);
  if (endstream < 0) {
    throw malformed(`stream at offset ${dataOffset} has no 'endstream'`);
  }
  let dataEnd = endstream;
  if (bytes[dataEnd - 1] === 0x0a) {
    dataEnd--;
  }
  if (bytes[dataEnd - 1] === 0x0d) {
    dataEnd--;
  }
  dataEnd = Math.max(dataEnd, dataOffset);
  return new PdfStream(dict, bytes.subarray(dataOffset, dataEnd), dataOffset, true);
}

/**
 * Whether `endstream` at `at` is a keyword of its own (followed by whitespace, a delimiter or the
 * end of the file), and so is an `endobj` right after it. `endstreamendobj` is one token for
 * poppler, not `endstream`: it then distrusts /Length and reads the stream further.
 */
function endsStreamAt(bytes: Uint8Array, at: number): boolean {
  if (!matchesAt(bytes, at, "endstream") || isRegular(bytes[at + 9])) {
    return false;
  }
  let next = at + 9;
  while (isWhitespace(bytes[next])) {
    next++;
  }
  return !matchesAt(bytes, next, "endobj") || !isRegular(bytes[next + 6]);
}

/** Parses a standalone object from bytes (e.g. inside an object stream). */
export function parseObjectAt(
  bytes: Uint8Array,
  offset: number,
): { readonly value: PdfObject; readonly end: number } {
  const lexer = new PdfLexer(bytes, offset);
  const value = lexer.parseObject();
  return { value, end: lexer.pos };
}
