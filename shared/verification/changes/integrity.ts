/**
 * The integrity of each incremental update as a file structure (ISO 32000-1 §7.5.6), whatever it
 * changes: an update may only define objects inside its own bytes, through its own cross-reference
 * section, and never re-point the catalog. Otherwise a lenient reader (one that repairs a broken
 * cross-reference by scanning) or a shadow definition could show other objects than the ones
 * judged ("incremental saving" and "shadow" attacks, Mladenov et al. 2019, Mainka et al. 2021).
 * Linear in the file: every revision's own entries and bytes are read once.
 */
import { parseIndirectObject } from "../../pdf/lexer.ts";
import { PdfDict, type PdfObject, PdfRef, PdfStream } from "../../pdf/objects.ts";
import type { PdfFile } from "../../pdf/read-pdf.ts";
import type { Change } from "./model.ts";

const cache = new WeakMap<PdfFile, readonly Change[]>();

const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x30 && byte <= 0x39;
/** The white-space bytes of ISO 32000-1 §7.2.2 plus vertical tab, which repairing readers also skip. */
const isSpace = (byte: number | undefined): boolean =>
  byte === 0x20 ||
  byte === 0x0a ||
  byte === 0x0d ||
  byte === 0x09 ||
  byte === 0x0c ||
  byte === 0x00 ||
  byte === 0x0b;
const isAlphanumeric = (byte: number | undefined): boolean =>
  byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a));
const OBJ = Buffer.from("obj", "latin1");

/**
 * Offsets of `N G obj` headers in `bytes[from, to)`, as loosely as a repairing reader scans: any
 * number of digits (leading zeros too), white space including vertical tab, `obj` not followed by
 * a letter or digit, `N` not preceded by a digit inside the range. Hand-written rather than a regular
 * expression over a latin1 copy of the range: the keyword is found with the native `indexOf` and
 * the numbers are read backwards from it, with no copy of a 200 MB letter and about 20× faster (the
 * same matches as /(?<![0-9])(\d+)[\0\t\n\v\f\r ]+(\d+)[\0\t\n\v\f\r ]+obj(?![A-Za-z0-9])/g,
 * which test/unit/verification/changes/integrity.test.ts compares it with on generated inputs).
 */
export function objectHeaders(
  bytes: Uint8Array,
  from: number,
  to: number,
): { offset: number; objectNumber: number }[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headers: { offset: number; objectNumber: number }[] = [];
  const at = (i: number): number | undefined => (i >= from && i < to ? bytes[i] : undefined);
  for (let keyword = buffer.indexOf(OBJ, from); keyword >= 0 && keyword + 3 <= to; ) {
    const next = keyword + 3;
    let i = keyword - 1;
    const spaceEnd = i;
    while (isSpace(at(i))) {
      i--;
    }
    const generationEnd = i;
    while (isDigit(at(i))) {
      i--;
    }
    const generationStart = i;
    while (isSpace(at(i))) {
      i--;
    }
    const numberEnd = i;
    while (isDigit(at(i))) {
      i--;
    }
    const matched =
      spaceEnd > generationEnd &&
      generationEnd > generationStart &&
      generationStart > numberEnd &&
      numberEnd > i &&
      !isAlphanumeric(at(next));
    if (matched) {
      const start = i + 1;
      headers.push({ offset: start, objectNumber: Number(buffer.toString("latin1", start, numberEnd + 1)) });
    }
    keyword = buffer.indexOf(OBJ, next);
  }
  return headers;
}

function refuse(revision: number, code: string, detail: string, object?: number): Change {
  return {
    revision,
    ...(object !== undefined ? { object } : {}),
    role: "revision",
    rule: "integrity",
    verdict: "refused",
    class: "content",
    code,
    detail,
  };
}

/** A key written twice in a dictionary of `value`, at any depth of its direct objects; else undefined. */
function duplicateKeyIn(value: PdfObject): string | undefined {
  const pending: PdfObject[] = [value];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const dict = item instanceof PdfStream ? item.dict : item;
    if (dict instanceof PdfDict) {
      if (dict.duplicateKeys.length > 0) {
        return dict.duplicateKeys[0];
      }
      for (const entry of dict.map.values()) {
        pending.push(entry);
      }
    } else if (Array.isArray(dict)) {
      for (const entry of dict) {
        pending.push(entry);
      }
    }
  }
  return undefined;
}

function checkRevision(file: PdfFile, revision: number): Change[] {
  const problems: Change[] = [];
  const current = file.revisions[revision]!;
  const previous = file.revisions[revision - 1]!;
  const bodyStart = previous.endOffset;
  const bodyEnd = current.endOffset;
  const rootBefore = previous.trailer.getRef("Root");
  const rootAfter = current.trailer.getRef("Root");
  if (!rootBefore || !rootAfter || !rootBefore.equals(rootAfter)) {
    problems.push(
      refuse(revision, "ROOT_REPLACED", `revision ${revision} points the trailer's /Root to another catalog`),
    );
  }
  const spans: { start: number; end: number }[] = [];
  for (const [objectNumber, entry] of current.entries) {
    if (entry.type === "free") {
      continue; // a freed signed object is judged as deleted; others do not matter
    }
    if (entry.type === "offset" && (entry.offset < bodyStart || entry.offset >= bodyEnd)) {
      problems.push(
        refuse(
          revision,
          "OBJECT_OUTSIDE_ITS_REVISION",
          `revision ${revision} points object ${objectNumber} to offset ${entry.offset}, outside its own bytes [${bodyStart}, ${bodyEnd})`,
          objectNumber,
        ),
      );
      continue;
    }
    if (entry.type === "compressed" && current.entries.get(entry.streamObjectNumber)?.type !== "offset") {
      problems.push(
        refuse(
          revision,
          "OBJECT_OUTSIDE_ITS_REVISION",
          `revision ${revision} puts object ${objectNumber} in object stream ${entry.streamObjectNumber}, which it does not define`,
          objectNumber,
        ),
      );
      continue;
    }
    try {
      const located = file.locate(new PdfRef(objectNumber, entry.generation), revision);
      if (located?.start !== undefined && located.end !== undefined) {
        spans.push({ start: located.start, end: located.end });
      }
      // Where readers disagree on a stream's end (its /Length does not end on a keyword of its
      // own, e.g. `endstreamendobj`) or on which of a key's entries counts, each shows its own.
      if (located?.value instanceof PdfStream && located.value.lengthRecovered) {
        problems.push(
          refuse(
            revision,
            "STREAM_LENGTH_WRONG",
            `object ${objectNumber} of revision ${revision} is a stream whose /Length does not end on 'endstream': readers disagree on where its data ends`,
            objectNumber,
          ),
        );
      }
      const duplicate = located ? duplicateKeyIn(located.value) : undefined;
      if (duplicate !== undefined) {
        problems.push(
          refuse(
            revision,
            "DUPLICATE_DICTIONARY_KEY",
            `object ${objectNumber} of revision ${revision} holds a dictionary with two /${duplicate} entries: readers disagree on which one counts`,
            objectNumber,
          ),
        );
      }
    } catch (error) {
      problems.push(
        refuse(
          revision,
          "OBJECT_UNREADABLE",
          `object ${objectNumber} of revision ${revision}: ${(error as Error).message}`,
          objectNumber,
        ),
      );
    }
  }
  // An object defined in this revision's bytes that its cross-reference section does not use,
  // anywhere, stream data included: a reader that rebuilds a broken cross-reference by scanning
  // (poppler does) takes the last definition it finds. The cross-reference stream itself (and a
  // hybrid file's /XRefStm, §7.5.8.4) need not list itself.
  const starts = new Set([current.startxref, ...spans.map((span) => span.start)]);
  const hybrid = current.trailer.get("XRefStm");
  if (typeof hybrid === "number") {
    starts.add(hybrid);
  }
  for (const header of objectHeaders(file.bytes, bodyStart, bodyEnd)) {
    if (!starts.has(header.offset)) {
      const hidden = spans.some((span) => header.offset > span.start && header.offset < span.end);
      problems.push(
        refuse(
          revision,
          "UNREFERENCED_OBJECT_DEFINITION",
          `revision ${revision} defines object ${header.objectNumber} at offset ${header.offset}${hidden ? " inside another object's data" : ""}, which its cross-reference section does not use`,
          header.objectNumber,
        ),
      );
    }
  }
  return problems;
}

/** The structural problems of every incremental update after revision `after`. */
export function revisionIntegrity(file: PdfFile, after: number): readonly Change[] {
  let all = cache.get(file);
  if (!all) {
    const list: Change[] = [];
    for (let revision = 1; revision < file.revisions.length; revision++) {
      list.push(...checkRevision(file, revision));
    }
    const linearized = linearizationClaimingWholeFile(file);
    if (linearized) {
      list.push(linearized);
    }
    all = list;
    cache.set(file, all);
  }
  return all.filter((change) => (change.revision ?? 0) > after);
}

/**
 * A linearization dictionary (ISO 32000-1 Annex F) whose /L equals the length of an updated file:
 * a reader then trusts the first-page cross-reference section near the start of the file instead of
 * the last `startxref` (poppler does), and may show other objects than the ones judged. A linearized
 * letter that was signed no longer has its original length, so this only happens on purpose.
 */
function linearizationClaimingWholeFile(file: PdfFile): Change | undefined {
  if (file.revisions.length < 2) {
    return undefined;
  }
  const head = Buffer.from(
    file.bytes.buffer,
    file.bytes.byteOffset,
    Math.min(file.bytes.length, 2048),
  ).toString("latin1");
  const first = /\d+[\0\t\n\v\f\r ]+\d+[\0\t\n\v\f\r ]+obj[\0\t\n\v\f\r ]*<<([\s\S]*?)>>/.exec(head);
  const length = first?.[1]?.includes("/Linearized") ? /\/L[\0\t\n\v\f\r ]+(\d+)/.exec(first[1]) : null;
  if (!length || Number(length[1]) !== file.bytes.length) {
    return undefined;
  }
  return refuse(
    file.revisions.length - 1,
    "LINEARIZATION_POINTS_ELSEWHERE",
    `the first object is a linearization dictionary whose /L (${length[1]}) is this updated file's length: readers would use its first-page cross-reference instead of the last one`,
  );
}

function isSignatureDictionary(value: unknown): boolean {
  return value instanceof PdfDict && value.has("ByteRange") && value.has("Contents");
}

const signatureCache = new WeakMap<PdfFile, readonly { object: number; revision: number }[]>();

/**
 * Every signature dictionary (§12.8.1: /ByteRange and /Contents) any revision defines as an object
 * of its own, oldest first. A signature a revision held and the newest one no longer lists was
 * removed (its field dropped from /Fields, its number reused, its revision cut off the /Prev chain):
 * the letter no longer shows who signed it, while its image may still be on the page.
 */
export function signatureObjects(file: PdfFile): readonly { object: number; revision: number }[] {
  let found = signatureCache.get(file);
  if (!found) {
    const list: { object: number; revision: number }[] = [];
    for (const revision of file.revisions) {
      const starts = new Set<number>();
      const spans: [number, number][] = [];
      for (const [objectNumber, entry] of revision.entries) {
        if (entry.type !== "offset") {
          continue;
        }
        try {
          const located = file.locate(new PdfRef(objectNumber, entry.generation), revision.index);
          if (located?.start !== undefined && located.end !== undefined) {
            starts.add(located.start);
            spans.push([located.start, located.end]);
          }
          if (isSignatureDictionary(located?.value)) {
            list.push({ object: objectNumber, revision: revision.index });
          }
        } catch {
          // unreadable objects are judged by checkRevision
        }
      }
      // Signatures in bytes no cross-reference uses: a revision cut off the /Prev chain leaves its
      // signature in the file, unlisted. (Inside another object's data, e.g. an attached signed
      // PDF stored uncompressed, they are that object's content, not this letter's signatures.)
      const from = revision.index === 0 ? 0 : file.revisions[revision.index - 1]!.endOffset;
      for (const header of objectHeaders(file.bytes, from, revision.endOffset)) {
        if (starts.has(header.offset) || spans.some(([a, b]) => header.offset > a && header.offset < b)) {
          continue;
        }
        try {
          if (isSignatureDictionary(parseIndirectObject(file.bytes, header.offset, () => undefined).value)) {
            list.push({ object: header.objectNumber, revision: revision.index });
          }
        } catch {
          // not an object a reader could use either
        }
      }
    }
    found = list;
    signatureCache.set(file, found);
  }
  return found;
}
