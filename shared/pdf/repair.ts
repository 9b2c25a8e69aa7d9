/**
 * Damaged but readable PDFs (issue 9 item 14): a wrong /Length, cross-reference offsets that miss
 * their objects, a wrong `startxref` — what qpdf and poppler read anyway by scanning the file.
 *
 * {@link findDamage} says what is wrong with a parsed file; {@link repairPdf} rebuilds the file as
 * those readers do (every `N G obj` found by scanning, the last definition of a number winning,
 * object streams expanded) and writes it out as one clean revision with a classic cross-reference
 * table and every /Length right. Stream data is copied byte for byte, so pages render as before.
 * A rewrite moves every byte, which breaks any signature in the file: callers repair only files
 * without one (see `signPdf`'s `repair`).
 *
 * Hand-written on the project's lexer and writer rather than pdf-lib load+save: it keeps the
 * parse rules the verifier uses (one notion of an object), never drops an object pdf-lib cannot
 * model, and keeps the 2.6 MB pdf-lib/fontkit bundle out of signing.
 */
import { ExchangeError } from "../errors/exchange-error.ts";
import { isDelimiter, isWhitespace, malformed, parseIndirectObject, parseObjectAt } from "./lexer.ts";
import { PdfDict, type PdfObject, PdfRef, PdfStream } from "./objects.ts";
import type { PdfFile } from "./pdf-file.ts";
import { formatObject, serializeBody } from "./serialize.ts";
import { decodeStream } from "./stream-decode.ts";

/** At most this many problems are reported (the first ones say enough). */
const MAX_PROBLEMS = 20;
/** Bound on objects examined or recovered (hostile files). */
const MAX_OBJECTS = 1_000_000;
/**
 * Bounds on work a hostile file can cause: each failed parse may have read far (an unterminated
 * string, a stream without `endstream`), and each `trailer` keyword is parsed. A file needing more
 * is not repaired (PDF_MALFORMED).
 */
const MAX_FAILED_PARSES = 100;
const MAX_TRAILERS = 1_000;

/**
 * What a careful reader would have to work around in `file`: each object the newest
 * cross-reference lists that cannot be read where it says, or whose /Length is wrong. Empty when
 * the file is intact. Never throws for damage; bounded.
 *
 * @example
 * findDamage(readPdf(bytes)); // ["object 7 0: /Length does not match its stream data"]
 */
export function findDamage(file: PdfFile): string[] {
  const problems: string[] = [];
  const newest = new Map<number, { generation: number }>();
  for (const revision of file.revisions) {
    for (const [objectNumber, entry] of revision.entries) {
      if (entry.type === "free") {
        newest.delete(objectNumber);
      } else {
        newest.set(objectNumber, { generation: entry.type === "offset" ? entry.generation : 0 });
      }
    }
  }
  let examined = 0;
  for (const [objectNumber, { generation }] of newest) {
    if (problems.length >= MAX_PROBLEMS || ++examined > MAX_OBJECTS) {
      break;
    }
    try {
      const value = file.resolve(new PdfRef(objectNumber, generation));
      if (value instanceof PdfStream && value.lengthRecovered) {
        problems.push(`object ${objectNumber} ${generation}: /Length does not match its stream data`);
      }
    } catch (error) {
      problems.push(`object ${objectNumber} ${generation}: ${detailOf(error)}`);
    }
  }
  return problems;
}

/** A rebuilt file. */
export interface RepairedPdf {
  /** One revision, classic cross-reference table. */
  readonly bytes: Uint8Array;
  /** Objects written. */
  readonly objects: number;
}

interface Found {
  readonly generation: number;
  readonly value: PdfObject;
}

/**
 * Rebuilds a damaged PDF from the objects found by scanning it. Throws PDF_ENCRYPTED for an
 * encrypted file and PDF_MALFORMED when no catalog can be found.
 *
 * @example
 * const { bytes } = repairPdf(damaged); // then sign `bytes` as a new, unsigned file
 */
export function repairPdf(bytes: Uint8Array): RepairedPdf {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const objects = new Map<number, Found>();
  const trailers: PdfDict[] = [];
  const lengthOf = (ref: PdfRef): number | undefined => {
    const found = objects.get(ref.objectNumber);
    return typeof found?.value === "number" ? found.value : undefined;
  };

  let position = 0;
  /** End of the last object read: a `trailer` before it is inside that object (stream data). */
  let objectEnd = 0;
  let failures = 0;
  let trailerAt = view.indexOf("trailer", 0, "latin1");
  const tooDamaged = (what: string): ExchangeError =>
    malformed(`the file is too damaged to be repaired (${what})`);
  for (;;) {
    const at = view.indexOf("obj", position, "latin1");
    // `trailer` dictionaries in file order, interleaved with the objects.
    while (trailerAt >= 0 && (at < 0 || trailerAt < at)) {
      if (trailerAt >= objectEnd) {
        if (trailers.length >= MAX_TRAILERS) {
          throw tooDamaged(`more than ${MAX_TRAILERS} trailers`);
        }
        const dict = parseTrailerAt(bytes, trailerAt + 7);
        if (dict) {
          trailers.push(dict);
        }
      }
      trailerAt = view.indexOf("trailer", trailerAt + 7, "latin1");
    }
    if (at < 0 || objects.size >= MAX_OBJECTS) {
      break;
    }
    position = at + 3;
    const header = objectHeaderBefore(bytes, at);
    if (
      header < 0 ||
      !(isWhitespace(bytes[at + 3]) || isDelimiter(bytes[at + 3]) || at + 3 === bytes.length)
    ) {
      continue;
    }
    let parsed: ReturnType<typeof parseIndirectObject>;
    try {
      parsed = parseIndirectObject(bytes, header, lengthOf);
    } catch {
      if (++failures > MAX_FAILED_PARSES) {
        throw tooDamaged(`more than ${MAX_FAILED_PARSES} objects that do not parse`);
      }
      continue;
    }
    position = Math.max(position, parsed.end);
    objectEnd = position;
    const { value } = parsed;
    if (value instanceof PdfStream && value.dict.getName("Type") === "XRef") {
      trailers.push(value.dict);
      continue;
    }
    if (value instanceof PdfStream && value.dict.getName("Type") === "ObjStm") {
      // Members are defined where their container is: a later direct definition wins.
      for (const [number, member] of objectStreamMembers(value)) {
        objects.delete(number);
        objects.set(number, { generation: 0, value: member });
      }
      continue;
    }
    if (value instanceof PdfDict && value.has("Linearized")) {
      continue; // the rewrite is not linearized
    }
    objects.delete(parsed.objectNumber); // re-insert: iteration order is file order
    objects.set(parsed.objectNumber, { generation: parsed.generation, value });
  }

  if (trailers.some((trailer) => trailer.has("Encrypt"))) {
    throw new ExchangeError("PDF_ENCRYPTED", { detail: "a trailer has an /Encrypt entry" });
  }
  const trailer = chooseTrailer(trailers, objects);
  return { bytes: writeFile(bytes, objects, trailer), objects: objects.size };
}

/** The trailer dictionary after a `trailer` keyword at `from`, if one parses there. */
function parseTrailerAt(bytes: Uint8Array, from: number): PdfDict | undefined {
  try {
    const { value } = parseObjectAt(bytes, from);
    return value instanceof PdfDict ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Start of `N G ` before the `obj` at `at` (digits, whitespace, digits, whitespace), or -1. */
function objectHeaderBefore(bytes: Uint8Array, at: number): number {
  let i = at - 1;
  const skip = (test: (byte: number | undefined) => boolean, max: number): number => {
    let count = 0;
    while (i >= 0 && count < max && test(bytes[i])) {
      i--;
      count++;
    }
    return count;
  };
  const digit = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x30 && byte <= 0x39;
  if (
    skip(isWhitespace, 8) === 0 ||
    skip(digit, 5) === 0 ||
    skip(isWhitespace, 8) === 0 ||
    skip(digit, 10) === 0
  ) {
    return -1;
  }
  const before = bytes[i];
  return i < 0 || isWhitespace(before) || isDelimiter(before) ? i + 1 : -1;
}

/** The objects an object stream holds (§7.5.7); none when it cannot be decoded. */
function objectStreamMembers(stream: PdfStream): [number, PdfObject][] {
  const n = stream.dict.getNumber("N");
  const first = stream.dict.getNumber("First");
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(first) || n! < 0 || first! < 0) {
    return [];
  }
  try {
    const data = decodeStream(stream);
    const members: [number, PdfObject][] = [];
    let offset = 0;
    for (let i = 0; i < n! && members.length < MAX_OBJECTS; i++) {
      const number = parseObjectAt(data, offset);
      const relative = parseObjectAt(data, number.end);
      offset = relative.end;
      if (typeof number.value !== "number" || typeof relative.value !== "number") {
        break;
      }
      members.push([number.value, parseObjectAt(data, first! + relative.value).value]);
    }
    return members;
  } catch {
    return [];
  }
}

/** The newest trailer whose /Root is a recovered catalog, else one made for the last catalog found. */
function chooseTrailer(trailers: readonly PdfDict[], objects: ReadonlyMap<number, Found>): PdfDict {
  const isCatalog = (ref: PdfObject | undefined): ref is PdfRef => {
    const value = ref instanceof PdfRef ? objects.get(ref.objectNumber)?.value : undefined;
    return value instanceof PdfDict && (value.getName("Type") === "Catalog" || value.has("Pages"));
  };
  const resolvable = (value: PdfObject | undefined): boolean =>
    !(value instanceof PdfRef) || objects.has(value.objectNumber);
  const out = new PdfDict();
  const chosen = [...trailers].reverse().find((trailer) => isCatalog(trailer.get("Root")));
  if (chosen) {
    out.map.set("Root", chosen.get("Root")!);
    for (const key of ["Info", "ID"]) {
      const value = chosen.get(key);
      if (value !== undefined && resolvable(value)) {
        out.map.set(key, value);
      }
    }
    return out;
  }
  let catalog: number | undefined;
  for (const [number, { value }] of objects) {
    if (value instanceof PdfDict && value.getName("Type") === "Catalog") {
      catalog = number;
    }
  }
  if (catalog === undefined) {
    throw malformed("the file is damaged and no document catalog could be found in it");
  }
  out.map.set("Root", new PdfRef(catalog, objects.get(catalog)!.generation));
  return out;
}

/** The clean file: header, the objects by number, a classic xref table and the trailer. */
function writeFile(original: Uint8Array, objects: ReadonlyMap<number, Found>, trailer: PdfDict): Uint8Array {
  const version =
    /^%PDF-(\d\.\d)/.exec(Buffer.from(original.subarray(0, 16)).toString("latin1"))?.[1] ?? "1.7";
  const chunks: Uint8Array[] = [];
  let length = 0;
  const push = (chunk: Uint8Array | string): void => {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk;
    chunks.push(bytes);
    length += bytes.length;
  };
  push(`%PDF-${version}\n%\xe2\xe3\xcf\xd3\n`);
  const numbers = [...objects.keys()].sort((a, b) => a - b);
  const offsets = new Map<number, number>();
  for (const number of numbers) {
    const { generation, value } = objects.get(number)!;
    offsets.set(number, length);
    push(`${number} ${generation} obj\n`);
    push(serializeBody(value, { exactNumbers: true }));
    push("\nendobj\n");
  }
  const size = (numbers.at(-1) ?? 0) + 1;
  const startxref = length;
  let xref = `xref\n0 ${size}\n`;
  // Numbers without an object are free entries; one free list through them is not needed (§7.5.4).
  for (let number = 0; number < size; number++) {
    const offset = offsets.get(number);
    xref +=
      offset === undefined
        ? `0000000000 ${number === 0 ? "65535" : "00000"} f \n`
        : `${String(offset).padStart(10, "0")} ${String(objects.get(number)!.generation).padStart(5, "0")} n \n`;
  }
  push(xref);
  push(
    `trailer\n${formatObject(new PdfDict([["Size", size], ...trailer.map]))}\nstartxref\n${startxref}\n%%EOF\n`,
  );
  return Buffer.concat(chunks, length);
}

function detailOf(error: unknown): string {
  if (error instanceof ExchangeError) {
    return error.detail ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
