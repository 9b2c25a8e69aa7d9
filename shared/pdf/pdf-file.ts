/**
 * The parsed-PDF types (ISO 32000-1 §7.5): a file, its revisions, resolved objects and signature
 * fields. Types only, so that the reader (read-pdf.ts) and the signature-field walker
 * (signatures.ts) both depend on them and not on each other.
 */
import type { PdfDict, PdfObject, PdfRef } from "./objects.ts";
import type { XrefEntry } from "./xref.ts";

/** One revision: the original file or one incremental update (§7.5.6). */
export interface PdfRevision {
  readonly index: number;
  /** Offset of this revision's (newest) cross-reference section: what its `startxref` says. */
  readonly startxref: number;
  /** Just after this revision's `%%EOF` and its end-of-line marker. */
  readonly endOffset: number;
  readonly xrefKind: "table" | "stream";
  readonly trailer: PdfDict;
  /** Only the entries this revision's own section(s) define. */
  readonly entries: ReadonlyMap<number, XrefEntry>;
}

/** Where and as what an object was found. */
export interface ResolvedObject {
  readonly value: PdfObject;
  readonly entry: XrefEntry;
  /** Index of the revision whose section defines the entry used. */
  readonly revision: number;
  /** File offsets of `N G obj` and just after `endobj`; undefined for objects in object streams. */
  readonly start?: number;
  readonly end?: number;
}

/** A parsed PDF. See {@link readPdf}. */
export interface PdfFile {
  readonly bytes: Uint8Array;
  /** Oldest first. Each revision = the bytes [0, endOffset). */
  readonly revisions: readonly PdfRevision[];
  /** Object as seen by the given revision (default: the newest); undefined for free/missing objects. */
  resolve(ref: PdfRef, revision?: number): PdfObject | undefined;
  /** Like resolve, with the entry, the defining revision and file offsets. */
  locate(ref: PdfRef, revision?: number): ResolvedObject | undefined;
  /** Follows a reference once: a PdfRef resolves, anything else is returned as is (null for missing). */
  deref(value: PdfObject | undefined, revision?: number): PdfObject | undefined;
  /** The newest trailer. */
  readonly trailer: PdfDict;
  /** Every signature field reachable from the newest AcroForm, in revision order. */
  signatures(): readonly PdfSignatureInfo[];
}

/** One signature field with a value, as the newest revision sees it. */
export interface PdfSignatureInfo {
  /** Fully qualified field name (§12.7.3.2): parents' /T joined with ".". */
  readonly fieldName: string;
  readonly fieldRef: PdfRef;
  /** The signature dictionary's reference (the field's own when /V is a direct dictionary). */
  readonly signatureRef: PdfRef;
  readonly dictionary: PdfDict;
  readonly subFilter?: string;
  readonly byteRange?: readonly number[];
  /** /Contents decoded; trailing zero padding kept. */
  readonly contents?: Uint8Array;
  /** The hex string incl. `<` `>`, as file offsets; absent when the dictionary is in an object stream. */
  readonly contentsOffsets?: { readonly start: number; readonly end: number };
  /** Raw /M, e.g. "D:20240305140211+07'00'". */
  readonly signingTime?: string;
  readonly reason?: string;
  readonly name?: string;
  readonly location?: string;
  /** Index of the revision that defines the signature dictionary. */
  readonly revision: number;
}
