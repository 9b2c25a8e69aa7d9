/**
 * Shared pieces of the verification tests: signed letters made with the project's own signer, and
 * validation options over the test PKI. Letters are cached per process (signing takes a few ms, the
 * unsigned letter with its font subset longer).
 */

import type { Tsa } from "../../../shared/cms/ports.ts";
import type { AppearanceOptions } from "../../../shared/pdf/appearance/index.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { signPdf } from "../../../shared/signing/sign-pdf.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import type { ValidationOptions } from "../../../shared/verification/options.ts";
import { makeLetterPdf } from "../../support/pdf.ts";
import type { IssuedCert, TestPki } from "../../support/pki.ts";

/** The organ of the test PKI's person and organisation certificates. */
export const ORGAN = "000.00.11.H53";

let letter: Promise<Uint8Array> | undefined;

/** An unsigned one-page Vietnamese letter (pdf-lib, classic xref table). */
export function unsignedLetter(): Promise<Uint8Array> {
  letter ??= makeLetterPdf({ pages: 1 });
  return letter;
}

/** Signs `pdf` (default: the unsigned letter) once per signer, in order, each as an incremental update. */
export async function signWith(
  signers: readonly IssuedCert[],
  options: {
    readonly pdf?: Uint8Array;
    readonly tsa?: Tsa;
    readonly signingTime?: Date;
    /** One per signer, in order; default invisible. */
    readonly appearances?: readonly (AppearanceOptions | undefined)[];
  } = {},
): Promise<Uint8Array> {
  let bytes = options.pdf ?? (await unsignedLetter());
  for (const [index, issued] of signers.entries()) {
    const signer = SoftwareSigner.fromPkcs12(issued.p12, issued.p12Password);
    const appearance = options.appearances?.[index];
    bytes = await signPdf(bytes, {
      signer,
      reason: "Ký số văn bản",
      ...(options.tsa ? { tsa: options.tsa } : {}),
      ...(options.signingTime ? { signingTime: options.signingTime } : {}),
      ...(appearance ? { appearance } : {}),
    });
  }
  return bytes;
}

/** Offline validation against the test root with both CAs' CRLs: a good signature passes with no network. */
export function offlineOptions(pki: TestPki, extra: Partial<ValidationOptions> = {}): ValidationOptions {
  return {
    trustAnchors: [pki.root.certificate],
    crls: [pki.rootCrl, pki.intermediateCrl],
    offline: true,
    ...extra,
  };
}

/** The byte offset of `needle` (latin1) in `bytes` searching from `from`; -1 when absent. */
export function indexOf(bytes: Uint8Array, needle: string, from = 0): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(
    Buffer.from(needle, "latin1"),
    from,
  );
}

/** The newest signature's /ByteRange array text and its trailing padding: [start of "[", end of the spaces after "]"). */
export function byteRangeSpan(bytes: Uint8Array, signatureIndex = -1): { start: number; end: number } {
  const pdf = readPdf(bytes);
  const signatures = pdf.signatures();
  const signature = signatures.at(signatureIndex)!;
  const contents = signature.contentsOffsets!;
  // The /ByteRange array sits in the same dictionary; search around the /Contents string.
  const dictStart = signature.dictionary.start;
  const key = indexOf(bytes, "/ByteRange", dictStart);
  const open = indexOf(bytes, "[", key);
  const close = indexOf(bytes, "]", open);
  if (key < 0 || close < 0 || (key > contents.start && dictStart < 0)) {
    throw new Error("no /ByteRange found");
  }
  let end = close + 1;
  while (bytes[end] === 0x20) {
    end++; // the writer pads after "]" so the numbers can be patched in place
  }
  return { start: open, end };
}

/** A copy of `bytes` with the newest signature's /ByteRange replaced by `values`, padded to the same width. */
export function withByteRange(bytes: Uint8Array, values: readonly number[], signatureIndex = -1): Uint8Array {
  const span = byteRangeSpan(bytes, signatureIndex);
  const width = span.end - span.start;
  const text = `[${values.join(" ")}]`;
  if (text.length > width) {
    throw new Error(`/ByteRange ${text} does not fit in ${width} bytes`);
  }
  const copy = new Uint8Array(bytes); // a copy: Buffer#slice would be a view
  copy.set(Buffer.from(text.padEnd(width, " "), "latin1"), span.start);
  return copy;
}
