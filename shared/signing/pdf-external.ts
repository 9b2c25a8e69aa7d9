/**
 * Two-phase (external) PDF signing, for USB tokens behind a local plugin and CAs' remote-signing
 * services: phase 1 lays out the placeholder and returns what must be signed; phase 2 takes the
 * signature value (or a whole CMS) and writes it into the prepared file. The prepared state is a
 * plain, serialisable object (bytes, strings, numbers): storing it is the caller's business.
 */
import { createHash } from "node:crypto";
import type { HashAlgorithm } from "../cms/algorithms.ts";
import type { PreparedCmsSignature } from "../cms/index.ts";
import { completeCmsSignature, completeWithCms, prepareCmsSignature } from "../cms/index.ts";
import type { Tsa } from "../cms/ports.ts";
import { ExchangeError } from "../errors/exchange-error.ts";
import { hashByteRange } from "../pdf/byte-range.ts";
import { embedSignatureContents } from "../pdf/signature-placeholder.ts";
import { type Certificate, parseCertificate } from "../pki/certificate.ts";
import { placeSignature, type SignPdfOptions } from "./sign-pdf.ts";

/** Options of {@link preparePdfSignature}: those of `signPdf` with the certificates instead of a signer. */
export interface PreparePdfSignatureOptions extends Omit<SignPdfOptions, "signer" | "tsa"> {
  readonly certificate: Certificate;
  /** Issuers, nearest first, to embed. */
  readonly chain: readonly Certificate[];
  /** Reserve room for a signature timestamp added at completion; default false. */
  readonly timestamp?: boolean;
}

/** Phase-1 result. Every field is plain data. */
export interface PreparedPdfSignature {
  /** Lowercase hex SHA-256 of `preparedPdf`: the session id. */
  readonly id: string;
  /** The PDF with the placeholder (zero /Contents). */
  readonly preparedPdf: Uint8Array;
  /** The DER signed attributes (SET OF Attribute): the message the signer signs. */
  readonly toBeSigned: Uint8Array;
  /** Digest of `toBeSigned` under `hashAlgorithm`: what a remote signer signs. */
  readonly digestToSign: Uint8Array;
  readonly hashAlgorithm: HashAlgorithm;
  /** Digest of the byte ranges (the CMS messageDigest). */
  readonly contentDigest: Uint8Array;
  readonly byteRange: readonly number[];
  readonly contentsStart: number;
  readonly contentsEnd: number;
  readonly fieldName: string;
  /** DER certificates: the signer's first, then its issuers. */
  readonly certificates: readonly Uint8Array[];
}

/**
 * Phase 1: inserts the placeholder and builds the signed attributes.
 *
 * @example
 * const prepared = await preparePdfSignature(pdf, { certificate, chain, reason: "Ký số văn bản" });
 * const value = await token.sign(prepared.digestToSign);
 * const signed = await completePdfSignature(prepared, value);
 */
export async function preparePdfSignature(
  pdf: Uint8Array,
  options: PreparePdfSignatureOptions,
): Promise<PreparedPdfSignature> {
  const { placeholder, contentDigest, hashAlgorithm } = await placeSignature(pdf, {
    ...options,
    timestamp: options.timestamp === true,
  });
  const cms = prepareCmsSignature({
    contentDigest,
    hashAlgorithm,
    certificate: options.certificate,
    chain: options.chain,
  });
  const preparedPdf = Buffer.concat([placeholder.original, placeholder.update]);
  return {
    id: sha256Hex(preparedPdf),
    preparedPdf,
    toBeSigned: cms.signedAttributes,
    digestToSign: cms.digestToSign,
    hashAlgorithm,
    contentDigest,
    byteRange: placeholder.byteRange,
    contentsStart: placeholder.contentsStart,
    contentsEnd: placeholder.contentsEnd,
    fieldName: placeholder.fieldName,
    certificates: [options.certificate.der, ...options.chain.map((c) => c.der)],
  };
}

/** Options of {@link completePdfSignature}. */
export interface CompletePdfSignatureOptions {
  /** Adds a signature timestamp (room must have been reserved with `timestamp: true`). */
  readonly tsa?: Tsa;
}

/**
 * Phase 2: checks the prepared state is intact, checks the signature value (or the returned CMS)
 * against it, and returns the signed PDF. The prepared object is not modified.
 * Throws VALIDATION_FAILED for a tampered prepared state, SIGNATURE_VALUE_INVALID for a value that
 * does not verify, PLACEHOLDER_TOO_SMALL when the CMS does not fit.
 *
 * @example
 * const signed = await completePdfSignature(prepared, { cms: cmsFromRemoteService });
 */
export async function completePdfSignature(
  prepared: PreparedPdfSignature,
  response: Uint8Array | { readonly cms: Uint8Array },
  options: CompletePdfSignatureOptions = {},
): Promise<Uint8Array> {
  const cmsPrepared = restore(prepared);
  const cms =
    response instanceof Uint8Array
      ? await completeCmsSignature(cmsPrepared, response, { tsa: options.tsa })
      : await completeWithCms(cmsPrepared, response.cms, { tsa: options.tsa });
  const output = Buffer.from(prepared.preparedPdf);
  embedSignatureContents(output, prepared.contentsStart, prepared.contentsEnd, cms);
  return output;
}

function restore(prepared: PreparedPdfSignature): PreparedCmsSignature {
  const tampered = (what: string): ExchangeError =>
    new ExchangeError("VALIDATION_FAILED", { detail: `prepared signature state: ${what}` });
  if (sha256Hex(prepared.preparedPdf) !== prepared.id) {
    throw tampered("the prepared PDF does not match its id");
  }
  const [start, end] = [prepared.contentsStart, prepared.contentsEnd];
  const range = prepared.byteRange;
  if (
    range.length !== 4 ||
    range[0] !== 0 ||
    range[1] !== start ||
    range[2] !== end ||
    range[2] + range[3]! !== prepared.preparedPdf.length
  ) {
    throw tampered("the byte range does not surround the /Contents placeholder");
  }
  const contentDigest = hashByteRange(prepared.preparedPdf, range, prepared.hashAlgorithm);
  if (!Buffer.from(contentDigest).equals(Buffer.from(prepared.contentDigest))) {
    throw tampered("the content digest does not match the prepared PDF");
  }
  const [leaf, ...issuers] = prepared.certificates;
  if (!leaf) {
    throw tampered("no signer certificate");
  }
  const cms = prepareCmsSignature({
    contentDigest,
    hashAlgorithm: prepared.hashAlgorithm,
    certificate: parseCertificate(leaf),
    chain: issuers.map((der) => parseCertificate(der)),
  });
  // The signed attributes are deterministic (no signing-time): they must come out identical.
  if (!Buffer.from(cms.signedAttributes).equals(Buffer.from(prepared.toBeSigned))) {
    throw tampered("the signed attributes do not match the prepared PDF and certificate");
  }
  return cms;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
