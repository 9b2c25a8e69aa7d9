/**
 * Costly files for the verifier's bounded-cost tests and benchmark (issue 7, "bounded cost"):
 * signed letters followed by thousands of incremental updates, each one as the PDF package's writer
 * (`writeIncrementalUpdate`) would append it — a classic cross-reference section, a trailer carrying
 * /Root, /Info and /ID, chained by /Prev — but generated in one linear pass (appending through the
 * writer re-reads the whole chain each time: quadratic).
 *
 * - {@link manyEmptyUpdates}: a one-page signed letter and 9,500 empty updates (about 0.75 MB);
 * - {@link manyPagesManyUpdates}: a 200-page signed letter and 6,000 updates, each re-emitting one
 *   page object byte for byte (pages in turn), so every revision holds an object to compare.
 *
 * @example
 * const { bytes, updates } = await manyEmptyUpdates(pki.person);
 * const report = await validatePdf(bytes, options); // passes, or is refused with a clear code
 */
import { type UpdateObject, writeIncrementalUpdate } from "../../shared/pdf/incremental-update.ts";
import { PdfDict, type PdfRef } from "../../shared/pdf/objects.ts";
import { listPages } from "../../shared/pdf/pages.ts";
import { type PdfFile, readPdf } from "../../shared/pdf/read-pdf.ts";
import { formatObject } from "../../shared/pdf/serialize.ts";
import { signAll } from "./attacks.ts";
import { makeLetterPdf } from "./pdf.ts";
import type { IssuedCert } from "./pki.ts";

export interface CostlyFile {
  readonly label: string;
  readonly bytes: Uint8Array;
  /** The signed letter the updates were appended to. */
  readonly signed: Uint8Array;
  readonly pages: number;
  /** Incremental updates after the signature. */
  readonly updates: number;
}

/** What one update re-emits: an object's reference and its body bytes, exactly as in the file. */
interface Reemission {
  readonly ref: PdfRef;
  readonly body: Uint8Array;
}

/** The bytes between `N G obj` and `endobj` of a plain (not compressed) object, trimmed. */
function objectBody(file: PdfFile, ref: PdfRef): Uint8Array {
  const located = file.locate(ref);
  if (located?.start === undefined || located.end === undefined) {
    throw new Error(`object ${ref} is not a plain object in the file`);
  }
  const text = Buffer.from(file.bytes.subarray(located.start, located.end)).toString("latin1");
  const body = /^\s*\d+\s+\d+\s+obj\b([\s\S]*)\bendobj\s*$/.exec(text)?.[1]?.trim();
  if (body === undefined) {
    throw new Error(`object ${ref} is not an 'N G obj … endobj' object`);
  }
  return Buffer.from(body, "latin1");
}

/**
 * Appends `count` updates to `signed`; update i re-emits `reemit(i)` (or nothing). Linear in the
 * output size. The first update is checked byte for byte against `writeIncrementalUpdate`'s.
 */
export function appendManyUpdates(
  signed: Uint8Array,
  count: number,
  reemit: (index: number) => Reemission | undefined = () => undefined,
): Uint8Array {
  const file = readPdf(signed);
  const newest = file.revisions[file.revisions.length - 1]!;
  if (newest.xrefKind !== "table") {
    throw new Error("appendManyUpdates writes classic cross-reference tables only");
  }
  const size = file.trailer.getNumber("Size") ?? 0;
  const carried = new PdfDict();
  for (const key of ["Root", "Info", "ID"]) {
    const value = file.trailer.get(key);
    if (value !== undefined) {
      carried.map.set(key, value);
    }
  }
  const chunks: Buffer[] = [Buffer.from(signed.buffer, signed.byteOffset, signed.byteLength)];
  let position = signed.length;
  const push = (text: string | Uint8Array): void => {
    const chunk = typeof text === "string" ? Buffer.from(text, "latin1") : Buffer.from(text);
    chunks.push(chunk);
    position += chunk.length;
  };
  const lastByte = signed[signed.length - 1];
  if (lastByte !== 0x0a && lastByte !== 0x0d) {
    push("\n");
  }
  let prev = newest.startxref;
  let firstUpdateEnd = 0;
  for (let i = 0; i < count; i++) {
    const object = reemit(i);
    let xref = "xref\n0 1\n0000000000 65535 f \n";
    let maxNumber = 0;
    if (object) {
      const offset = position;
      push(`${object.ref.objectNumber} ${object.ref.generation} obj\n`);
      push(object.body);
      push("\nendobj\n");
      xref +=
        `${object.ref.objectNumber} 1\n` +
        `${String(offset).padStart(10, "0")} ${String(object.ref.generation).padStart(5, "0")} n \n`;
      maxNumber = object.ref.objectNumber;
    }
    const startxref = position;
    const trailer = new PdfDict(carried.map);
    trailer.map.set("Prev", prev);
    trailer.map.set("Size", Math.max(size, maxNumber + 1));
    push(`${xref}trailer\n${formatObject(trailer)}\nstartxref\n${startxref}\n%%EOF\n`);
    prev = startxref;
    if (i === 0) {
      firstUpdateEnd = position;
    }
  }
  const bytes = new Uint8Array(Buffer.concat(chunks, position));
  if (count > 0) {
    const object = reemit(0);
    const objects: UpdateObject[] = object
      ? [{ objectNumber: object.ref.objectNumber, generation: object.ref.generation, body: object.body }]
      : [];
    const expected = writeIncrementalUpdate(file, objects).bytes;
    if (Buffer.compare(Buffer.from(expected), Buffer.from(bytes.subarray(0, firstUpdateEnd))) !== 0) {
      throw new Error("the generated update differs from what writeIncrementalUpdate appends");
    }
  }
  return bytes;
}

/** A one-page letter signed by `signer` (our signer), then 9,500 empty incremental updates (~0.75 MB). */
export async function manyEmptyUpdates(signer: IssuedCert, updates = 9_500): Promise<CostlyFile> {
  const signed = await signAll(await makeLetterPdf({ pages: 1 }), [signer]);
  return {
    label: `1 page, signed, ${updates} empty updates`,
    bytes: appendManyUpdates(signed, updates),
    signed,
    pages: 1,
    updates,
  };
}

/**
 * A 200-page letter (pdf-lib) signed by `signer`, then 6,000 incremental updates, update i
 * re-emitting page i mod 200 unchanged (byte for byte).
 */
export async function manyPagesManyUpdates(
  signer: IssuedCert,
  pages = 200,
  updates = 6_000,
): Promise<CostlyFile> {
  const signed = await signAll(await makeLetterPdf({ pages }), [signer]);
  const file = readPdf(signed);
  const reemissions = listPages(file).map((page) => ({ ref: page.ref, body: objectBody(file, page.ref) }));
  return {
    label: `${pages} pages, signed, ${updates} updates re-emitting a page each`,
    bytes: appendManyUpdates(signed, updates, (i) => reemissions[i % reemissions.length]),
    signed,
    pages,
    updates,
  };
}
