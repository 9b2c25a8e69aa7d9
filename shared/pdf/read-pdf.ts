/**
 * Reading a PDF file: the cross-reference chain into revisions, and lazy object resolution
 * (ISO 32000-1 §7.5). Shared by signing (where to append) and verification (what each revision saw).
 */
import { ExchangeError } from "../errors/exchange-error.ts";
import {
  indexOfAscii,
  lastIndexOfAscii,
  malformed,
  PdfLexer,
  parseIndirectObject,
  parseObjectAt,
} from "./lexer.ts";
import { PdfDict, type PdfObject, PdfRef, PdfStream } from "./objects.ts";
import type { PdfFile, PdfRevision, ResolvedObject } from "./pdf-file.ts";
import { listSignatures, type PdfSignatureInfo } from "./signatures.ts";
import { decodeStream } from "./stream-decode.ts";
import { readXrefSection, requireIntegerTokens, type XrefEntry, type XrefSection } from "./xref.ts";

export type { PdfFile, PdfRevision, ResolvedObject } from "./pdf-file.ts";

/**
 * Bound on revisions (incremental updates). A letter with every signature, timestamp and DSS update
 * has a few dozen; thousands are a denial-of-service, refused before any analysis
 * (PDF_TOO_MANY_REVISIONS). Sections of one revision (hybrid and linearized files) count once.
 */
export const MAX_REVISIONS = 1_000;
/** Bound on the /Prev chain length and on nested resolution (cycles, hostile files). */
const MAX_SECTIONS = 2 * MAX_REVISIONS;
const MAX_RESOLVE_DEPTH = 16;
/** Bound on objects per object stream. */
const MAX_OBJSTM_OBJECTS = 1_000_000;

/**
 * Parses the cross-reference chain (lazily: objects are parsed when resolved) and never copies
 * the file. Throws ExchangeError PDF_ENCRYPTED for encrypted files and PDF_MALFORMED for anything
 * unreadable.
 *
 * @example
 * const pdf = readPdf(bytes);
 * const catalog = pdf.resolve(pdf.trailer.getRef("Root")!);
 */
export function readPdf(bytes: Uint8Array): PdfFile {
  try {
    return new PdfFileImpl(bytes);
  } catch (error) {
    throw asExchangeError(error);
  }
}

export function asExchangeError(error: unknown): ExchangeError {
  if (error instanceof ExchangeError) {
    return error;
  }
  return malformed(`unexpected parser failure (${(error as Error)?.message ?? String(error)})`, error);
}

interface ObjectStreamCache {
  readonly data: Uint8Array;
  readonly first: number;
  readonly offsets: readonly (readonly [number, number])[];
}

class PdfFileImpl implements PdfFile {
  readonly bytes: Uint8Array;
  readonly revisions: readonly PdfRevision[];
  readonly trailer: PdfDict;
  private readonly direct = new Map<
    number,
    { value: PdfObject; objectNumber: number; generation: number; start: number; end: number }
  >();
  private readonly objectStreams = new Map<string, ObjectStreamCache>();
  private readonly inProgress = new Set<string>();
  /**
   * Per object number, the revisions whose sections define it, oldest first: a lookup "as of
   * revision r" is a binary search, so resolution costs O(log revisions), not O(revisions).
   */
  private history: Map<number, { revision: number; entry: XrefEntry }[]> | undefined;
  private depth = 0;
  private signatureCache: readonly PdfSignatureInfo[] | undefined;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    if (indexOfAscii(bytes, "%PDF-", 0, 1024) < 0) {
      throw malformed("no %PDF- header in the first 1024 bytes");
    }
    const startxref = findStartxref(bytes);
    const sections: { section: XrefSection; endOffset: number }[] = [];
    const seen = new Set<number>();
    let offset: number | undefined = startxref;
    while (offset !== undefined) {
      if (seen.has(offset)) {
        throw malformed(`cross-reference /Prev chain loops back to offset ${offset}`);
      }
      if (seen.size >= MAX_SECTIONS) {
        throw tooManyRevisions(`more than ${MAX_SECTIONS} cross-reference sections`);
      }
      seen.add(offset);
      const section = readXrefSection(bytes, offset);
      sections.push({ section, endOffset: findEofEnd(bytes, section.end) });
      const prev = section.trailer.get("Prev");
      if (prev !== undefined && typeof prev !== "number") {
        // Poppler follows `/Prev N 0 R` to offset N; no reader agrees on what else would mean.
        throw malformed(`the trailer of the section at offset ${offset} has a /Prev that is not a number`);
      }
      offset = prev;
    }
    const newestTrailer = sections[0]!.section.trailer;
    if (newestTrailer.has("Encrypt")) {
      throw new ExchangeError("PDF_ENCRYPTED", { detail: "the trailer has an /Encrypt entry" });
    }
    this.trailer = newestTrailer;
    this.revisions = groupRevisions(sections.reverse());
    if (this.revisions.length > MAX_REVISIONS) {
      throw tooManyRevisions(`${this.revisions.length} revisions`);
    }
  }

  resolve(ref: PdfRef, revision?: number): PdfObject | undefined {
    return this.locate(ref, revision)?.value;
  }

  deref(value: PdfObject | undefined, revision?: number): PdfObject | undefined {
    if (value instanceof PdfRef) {
      return this.resolve(value, revision) ?? null;
    }
    return value;
  }

  locate(ref: PdfRef, revision?: number): ResolvedObject | undefined {
    const newest = this.revisions.length - 1;
    const at = revision === undefined ? newest : revision;
    if (!Number.isInteger(at) || at < 0 || at > newest) {
      throw new RangeError(`revision ${at} does not exist (0..${newest})`);
    }
    const key = `${ref.objectNumber} ${ref.generation} @${at}`;
    if (this.inProgress.has(key) || this.depth >= MAX_RESOLVE_DEPTH) {
      throw malformed(`object ${ref.objectNumber} ${ref.generation} R refers to itself while being resolved`);
    }
    this.inProgress.add(key);
    this.depth++;
    try {
      return this.locateUnguarded(ref, at);
    } catch (error) {
      throw asExchangeError(error);
    } finally {
      this.depth--;
      this.inProgress.delete(key);
    }
  }

  /** The entry a reader of revision `at` uses for an object: the newest defined at or before `at`. */
  private entryAt(objectNumber: number, at: number): { revision: number; entry: XrefEntry } | undefined {
    if (!this.history) {
      this.history = new Map();
      for (const revision of this.revisions) {
        for (const [number, entry] of revision.entries) {
          let list = this.history.get(number);
          if (!list) {
            list = [];
            this.history.set(number, list);
          }
          list.push({ revision: revision.index, entry });
        }
      }
    }
    const list = this.history.get(objectNumber);
    if (!list) {
      return undefined;
    }
    let low = 0;
    let high = list.length - 1;
    let found: { revision: number; entry: XrefEntry } | undefined;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const item = list[middle]!;
      if (item.revision <= at) {
        found = item;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  private locateUnguarded(ref: PdfRef, at: number): ResolvedObject | undefined {
    const found = this.entryAt(ref.objectNumber, at);
    if (!found || found.entry.type === "free") {
      return undefined;
    }
    const { entry, revision: r } = found;
    if (entry.type === "offset") {
      if (entry.generation !== ref.generation) {
        return undefined;
      }
      const object = this.readDirect(entry.offset, at);
      if (object.objectNumber !== ref.objectNumber || object.generation !== ref.generation) {
        throw malformed(
          `xref says object ${ref.objectNumber} ${ref.generation} is at offset ${entry.offset}, found ${object.objectNumber} ${object.generation} obj`,
        );
      }
      return { value: object.value, entry, revision: r, start: object.start, end: object.end };
    }
    // A compressed object's generation is 0 and the reference's is not compared (as poppler and
    // Acrobat do): `20 1 R` is filled by a compressed object 20, so change analysis sees it.
    // The container is resolved as of `at`, as a conforming reader does with the newest xref: a later
    // revision that redefines an object stream changes what the objects inside it are.
    const value = this.readCompressed(entry.streamObjectNumber, entry.index, ref.objectNumber, at);
    return value === undefined ? undefined : { value, entry, revision: r };
  }

  private readDirect(offset: number, revision: number) {
    const cached = this.direct.get(offset);
    if (cached) {
      return cached;
    }
    const object = parseIndirectObject(this.bytes, offset, (lengthRef) => {
      // An unresolvable /Length (missing, looping) falls back to scanning for `endstream`.
      try {
        const length = this.resolve(lengthRef, revision);
        return typeof length === "number" ? length : undefined;
      } catch {
        return undefined;
      }
    });
    this.direct.set(offset, object);
    return object;
  }

  private readCompressed(streamNumber: number, index: number, objectNumber: number, revision: number) {
    const container = this.locate(new PdfRef(streamNumber, 0), revision);
    if (!container) {
      throw malformed(`object stream ${streamNumber} 0 R holding object ${objectNumber} does not exist`);
    }
    if (container.entry.type !== "offset" || !(container.value instanceof PdfStream)) {
      throw malformed(`object stream ${streamNumber} 0 R is not a stream stored at a file offset`);
    }
    const cacheKey = `${container.entry.offset}`;
    let cache = this.objectStreams.get(cacheKey);
    if (!cache) {
      cache = parseObjectStreamHeader(this.bytes, container.value, streamNumber);
      this.objectStreams.set(cacheKey, cache);
    }
    const slot = cache.offsets[index];
    if (!slot || slot[0] !== objectNumber) {
      throw malformed(`object stream ${streamNumber} 0 R has no object ${objectNumber} at index ${index}`);
    }
    // Each member is parsed within its own slot, [offset_i, offset_i+1), as poppler does: an object
    // running on past the next member's offset is read differently by it, so it is malformed.
    const start = cache.first + slot[1];
    const next = cache.offsets[index + 1];
    const end = next === undefined ? cache.data.length : cache.first + next[1];
    const slotData = cache.data.subarray(0, end);
    let parsed: { value: PdfObject; end: number };
    try {
      parsed = parseObjectAt(slotData, start);
    } catch (error) {
      throw malformed(
        `object ${objectNumber} in object stream ${streamNumber} 0 R does not fit in its slot [${slot[1]}, ${end - cache.first})`,
        error,
      );
    }
    const lexer = new PdfLexer(slotData, parsed.end);
    lexer.skipWhitespace();
    if (lexer.pos !== end) {
      throw malformed(
        `object ${objectNumber} in object stream ${streamNumber} 0 R is followed by other data in its slot (at ${lexer.pos - cache.first})`,
      );
    }
    return parsed.value;
  }

  signatures(): readonly PdfSignatureInfo[] {
    if (!this.signatureCache) {
      try {
        this.signatureCache = listSignatures(this);
      } catch (error) {
        throw asExchangeError(error);
      }
    }
    return this.signatureCache;
  }
}

function tooManyRevisions(detail: string): ExchangeError {
  return new ExchangeError("PDF_TOO_MANY_REVISIONS", {
    detail: `${detail}; at most ${MAX_REVISIONS} revisions are analysed`,
  });
}

function parseObjectStreamHeader(
  bytes: Uint8Array,
  stream: PdfStream,
  streamNumber: number,
): ObjectStreamCache {
  requireIntegerTokens(bytes, stream.dict, ["N", "First"], `object stream ${streamNumber} 0 R`);
  const n = stream.dict.getNumber("N");
  const first = stream.dict.getNumber("First");
  if (
    n === undefined ||
    first === undefined ||
    !Number.isInteger(n) ||
    !Number.isInteger(first) ||
    n < 1 ||
    first < 0
  ) {
    // N = 0 is legal but holds nothing a compressed entry could name: refused as useless.
    throw malformed(`object stream ${streamNumber} 0 R lacks a valid /N or /First`);
  }
  if (n > MAX_OBJSTM_OBJECTS) {
    throw malformed(`object stream ${streamNumber} 0 R claims ${n} objects (limit ${MAX_OBJSTM_OBJECTS})`);
  }
  const data = decodeStream(stream);
  if (first > data.length) {
    throw malformed(`object stream ${streamNumber} 0 R has /First beyond its data`);
  }
  const lexer = new PdfLexer(data.subarray(0, first), 0);
  const offsets: (readonly [number, number])[] = [];
  for (let i = 0; i < n; i++) {
    const objectNumber = lexer.readUnsigned();
    const offset = lexer.readUnsigned();
    if (objectNumber === undefined || offset === undefined) {
      throw malformed(`object stream ${streamNumber} 0 R has a short header (${i} of ${n} pairs)`);
    }
    const previous = offsets[offsets.length - 1];
    if (previous !== undefined && offset <= previous[1]) {
      throw malformed(
        `object stream ${streamNumber} 0 R has offsets that do not increase (${previous[1]} then ${offset})`,
      );
    }
    offsets.push([objectNumber, offset]);
  }
  const last = offsets[offsets.length - 1]!;
  if (first + last[1] >= data.length) {
    throw malformed(`object stream ${streamNumber} 0 R has a member offset beyond its data`);
  }
  return { data, first, offsets };
}

/** The offset in the last `startxref` of the file (§7.5.5). */
function findStartxref(bytes: Uint8Array): number {
  let at = lastIndexOfAscii(bytes, "startxref", Math.max(0, bytes.length - 4096));
  if (at < 0) {
    at = lastIndexOfAscii(bytes, "startxref");
  }
  if (at < 0) {
    throw malformed("no 'startxref' in the file");
  }
  const lexer = new PdfLexer(bytes, at + 9);
  const offset = lexer.readUnsigned();
  if (offset === undefined) {
    throw malformed(`no offset after 'startxref' at offset ${at}`);
  }
  return offset;
}

/** Just after the first `%%EOF` (and its EOL) after `from`; the file end when there is none. */
function findEofEnd(bytes: Uint8Array, from: number): number {
  const at = indexOfAscii(bytes, "%%EOF", from);
  if (at < 0) {
    return bytes.length;
  }
  let end = at + 5;
  if (bytes[end] === 0x0d) {
    end++;
  }
  if (bytes[end] === 0x0a) {
    end++;
  }
  return end;
}

/**
 * Oldest-first sections into revisions. A section that ends no later than the revision before it
 * belongs to that revision (a linearized file's first-page section sits before its main one, Annex F).
 */
function groupRevisions(sections: readonly { section: XrefSection; endOffset: number }[]): PdfRevision[] {
  const revisions: {
    startxref: number;
    endOffset: number;
    kind: "table" | "stream";
    trailer: PdfDict;
    entries: Map<number, XrefEntry>;
  }[] = [];
  for (const { section, endOffset } of sections) {
    const last = revisions[revisions.length - 1];
    if (last && endOffset <= last.endOffset) {
      for (const [number, entry] of section.entries) {
        last.entries.set(number, entry);
      }
      last.startxref = section.offset;
      last.kind = section.kind;
      last.trailer = mergeTrailers(last.trailer, section.trailer);
      continue;
    }
    revisions.push({
      startxref: section.offset,
      endOffset,
      kind: section.kind,
      trailer: section.trailer,
      entries: new Map(section.entries),
    });
  }
  return revisions.map((r, index) => ({
    index,
    startxref: r.startxref,
    endOffset: r.endOffset,
    xrefKind: r.kind,
    trailer: r.trailer,
    entries: r.entries,
  }));
}

function mergeTrailers(older: PdfDict, newer: PdfDict): PdfDict {
  const merged = new PdfDict(older.map);
  for (const [key, value] of newer.map) {
    merged.map.set(key, value);
  }
  return merged;
}
