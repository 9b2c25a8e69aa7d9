/**
 * PAdES signing of a PDF (ETSI EN 319 142-1 baseline B-B, B-T with a TSA): one incremental update
 * with a placeholder, the digest of its byte ranges, a CAdES signature from the CMS package, and
 * the CMS written into the placeholder. Earlier signatures stay valid (ISO 32000-1 §12.8.1).
 */

import type { HashAlgorithm } from "../cms/algorithms.ts";
import { createCmsSignature, estimateCmsSize } from "../cms/index.ts";
import type { Signer, Tsa } from "../cms/ports.ts";
import type { AppearanceOptions } from "../pdf/appearance/index.ts";
import { hashByteRange } from "../pdf/byte-range.ts";
import {
  insertSignaturePlaceholder,
  type SignaturePlaceholder,
} from "../pdf/insert-signature-placeholder.ts";
import { embedSignatureContents } from "../pdf/signature-placeholder.ts";
import type { Certificate } from "../pki/certificate.ts";

/** Options of {@link signPdf}. */
export interface SignPdfOptions {
  readonly signer: Signer;
  /** Adds a signature timestamp (PAdES B-T). A TSA failure is an error and nothing is produced. */
  readonly tsa?: Tsa;
  /** /Reason; default none. The CLI defaults to "Ký số văn bản". */
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  /** /M of the signature dictionary (written in Vietnam time, UTC+07:00); default now. */
  readonly signingTime?: Date;
  /** Default invisible (`{ kind: "none" }`). */
  readonly appearance?: AppearanceOptions;
  /** /T of the new field; default the first free "SignatureN". */
  readonly fieldName?: string;
  /** Default "sha256". */
  readonly hashAlgorithm?: HashAlgorithm;
  /** /Name of the signature dictionary; default none (the certificate names the signer). */
  readonly name?: string;
  /**
   * Bytes reserved for the CMS in /Contents. Default: `estimateCmsSize` for the signer's chain
   * (with a timestamp when `tsa` is given).
   */
  readonly placeholderBytes?: number;
}

/**
 * Signs `pdf` and returns the new file (the original bytes plus one incremental update).
 * Throws PDF_MALFORMED / PDF_ENCRYPTED for unusable input, PLACEHOLDER_TOO_SMALL when the CMS
 * does not fit, and the CMS package's errors (KEY_UNSUPPORTED, TSA_UNAVAILABLE, …).
 *
 * @example
 * const signer = SoftwareSigner.fromPkcs12(p12, password);
 * const signed = await signPdf(pdf, { signer, reason: "Ký số văn bản", appearance: { kind: "signer", image } });
 */
export async function signPdf(pdf: Uint8Array, options: SignPdfOptions): Promise<Uint8Array> {
  const { signer } = options;
  const { placeholder, contentDigest, hashAlgorithm } = await placeSignature(pdf, {
    ...options,
    certificate: signer.certificate,
    chain: signer.chain,
    timestamp: options.tsa !== undefined,
  });
  const cms = await createCmsSignature({ contentDigest, hashAlgorithm, signer, tsa: options.tsa });
  embedSignatureContents(placeholder.bytes, placeholder.contentsStart, placeholder.contentsEnd, cms);
  return placeholder.bytes;
}

/** Input of {@link placeSignature}: the PDF options plus who signs, for sizing /Contents. */
export interface PlaceSignatureOptions extends Omit<SignPdfOptions, "signer" | "tsa"> {
  readonly certificate: Certificate;
  /** Issuers, nearest first. */
  readonly chain: readonly Certificate[];
  /** Reserve room for a signature timestamp. */
  readonly timestamp: boolean;
}

/** The placed signature: the file with the placeholder and the digest of its byte ranges. */
export interface PlacedSignature {
  readonly placeholder: SignaturePlaceholder;
  /** Digest of the byte ranges under `hashAlgorithm`: the CMS messageDigest. */
  readonly contentDigest: Uint8Array;
  readonly hashAlgorithm: HashAlgorithm;
}

/**
 * The first half of every PDF signature, one-step ({@link signPdf}) or two-phase
 * (`preparePdfSignature`): sizes /Contents (`placeholderBytes`, or `estimateCmsSize` for the
 * chain and the timestamp), appends the placeholder as an incremental update and digests the
 * byte ranges (ISO 32000-1 §12.8.1). Internal to shared/signing.
 */
export async function placeSignature(
  pdf: Uint8Array,
  options: PlaceSignatureOptions,
): Promise<PlacedSignature> {
  const hashAlgorithm = options.hashAlgorithm ?? "sha256";
  const contentsBytes =
    options.placeholderBytes ??
    estimateCmsSize({ certificate: options.certificate, chain: options.chain, timestamp: options.timestamp });
  const placeholder = await insertSignaturePlaceholder(pdf, {
    contentsBytes,
    signingTime: options.signingTime,
    reason: options.reason,
    location: options.location,
    contactInfo: options.contactInfo,
    name: options.name,
    fieldName: options.fieldName,
    appearance: options.appearance,
  });
  const contentDigest = hashByteRange(placeholder.bytes, placeholder.byteRange, hashAlgorithm);
  return { placeholder, contentDigest, hashAlgorithm };
}
