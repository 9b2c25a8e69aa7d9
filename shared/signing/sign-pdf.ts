/**
 * PAdES signing of a PDF (ETSI EN 319 142-1 baseline B-B, B-T with a TSA): one incremental update
 * with a placeholder, the digest of its byte ranges, a CAdES signature from the CMS package, and
 * the CMS written into the placeholder. Earlier signatures stay valid (ISO 32000-1 §12.8.1).
 *
 * The input is never copied: the byte ranges are hashed over the input and the update as they
 * are, and {@link signPdfParts} hands both back for a gathered write (a 20 MB letter is read once
 * by the hash and once by the write, and held once). {@link readPdfForSigning} hashes a file
 * while reading it, chunk by chunk from the CPU cache, so that signing does not read it again.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { HashAlgorithm } from "../cms/algorithms.ts";
import { createCmsSignature, estimateCmsSize } from "../cms/index.ts";
import type { Signer, Tsa } from "../cms/ports.ts";
import { ExchangeError, isExchangeError } from "../errors/index.ts";
import type { AppearanceOptions } from "../pdf/appearance/index.ts";
import {
  buildSignatureUpdate,
  type InsertSignaturePlaceholderOptions,
  type SignatureUpdate,
} from "../pdf/insert-signature-placeholder.ts";
import { readPdf } from "../pdf/read-pdf.ts";
import { findDamage, repairPdf } from "../pdf/repair.ts";
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
  /**
   * A damaged but readable file (wrong /Length, cross-reference offsets that miss their objects,
   * a wrong startxref) without any signature is rewritten as a clean file first, and the result
   * says so (`repaired`). Default false: such a file is refused (PDF_MALFORMED) or, when it reads,
   * signed as it is. With a signature in it, a damaged file is refused (PDF_DAMAGED_SIGNED).
   */
  readonly repair?: boolean;
}

/** A signed PDF in two parts, never copied into one another: the file is `base` followed by `update`. */
export interface SignPdfResult {
  /** The file that was signed: the input itself, or its rewrite when `repaired` is set. */
  readonly base: Uint8Array;
  /** The incremental update holding the new signature. */
  readonly update: Uint8Array;
  readonly fieldName: string;
  /** Set when the input was damaged and was rewritten before signing (option `repair`). */
  readonly repaired?: PdfRepairReport;
}

/**
 * A PDF read from a file together with the digest state of all its bytes (see
 * {@link readPdfForSigning}). The byte ranges of a new signature begin with the whole input, so
 * the signer continues from a copy of `state`; it falls back to hashing `bytes` when the input is
 * repaired or another hash algorithm is asked for. `bytes` must not be changed.
 */
export interface PrehashedPdf {
  readonly bytes: Uint8Array;
  readonly hashAlgorithm: HashAlgorithm;
  readonly state: Hash;
}

/** Chunk of {@link readPdfForSigning}: small enough to be hashed from the CPU cache it was just read into. */
const READ_CHUNK = 256 * 1024;

/**
 * Reads a file whole, hashing each chunk as it arrives (20 MB: measured about a fifth less time
 * than reading it, then hashing it from memory). Throws what node:fs throws (ENOENT, EISDIR, …).
 *
 * @example
 * const pdf = readPdfForSigning("letter.pdf");
 * const { base, update } = await signPdfParts(pdf, { signer });
 */
export function readPdfForSigning(path: string, hashAlgorithm: HashAlgorithm = "sha256"): PrehashedPdf {
  const fd = openSync(path, "r");
  try {
    let bytes = Buffer.allocUnsafe(fstatSync(fd).size);
    const state = createHash(hashAlgorithm);
    let length = 0;
    for (;;) {
      if (length === bytes.length) {
        // All fstat promised is read; a file that grew meanwhile has more (rare: then a copy).
        const more = Buffer.allocUnsafe(READ_CHUNK);
        const read = readSync(fd, more, 0, READ_CHUNK, null);
        if (read === 0) {
          break;
        }
        bytes = Buffer.concat([bytes, more.subarray(0, read)]);
        state.update(more.subarray(0, read));
        length += read;
        continue;
      }
      const read = readSync(fd, bytes, length, Math.min(READ_CHUNK, bytes.length - length), null);
      if (read === 0) {
        break;
      }
      state.update(bytes.subarray(length, length + read));
      length += read;
    }
    return { bytes: bytes.subarray(0, length), hashAlgorithm, state };
  } finally {
    closeSync(fd);
  }
}

/** What was wrong with a file that was rewritten before signing. */
export interface PdfRepairReport {
  /** What a reader would have had to work around, e.g. "object 7 0: /Length does not match its stream data". */
  readonly problems: readonly string[];
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
  const { base, update } = await signPdfParts(pdf, options);
  return Buffer.concat([base, update]);
}

/**
 * Like {@link signPdf}, without joining the parts (write them with one gathered write), and
 * saying whether the input was repaired. With `repair`, also throws PDF_DAMAGED_SIGNED for a
 * damaged file that carries a signature.
 *
 * @example
 * const { base, update, repaired } = await signPdfParts(pdf, { signer, repair: true });
 * fs.writevSync(fd, [base, update]);
 */
export async function signPdfParts(
  pdf: Uint8Array | PrehashedPdf,
  options: SignPdfOptions,
): Promise<SignPdfResult> {
  const { signer } = options;
  const { placeholder, contentDigest, hashAlgorithm, repaired } = await placeSignature(pdf, {
    ...options,
    certificate: signer.certificate,
    chain: signer.chain,
    timestamp: options.tsa !== undefined,
  });
  const cms = await createCmsSignature({ contentDigest, hashAlgorithm, signer, tsa: options.tsa });
  const at = placeholder.original.length;
  embedSignatureContents(
    placeholder.update,
    placeholder.contentsStart - at,
    placeholder.contentsEnd - at,
    cms,
  );
  return {
    base: placeholder.original,
    update: placeholder.update,
    fieldName: placeholder.fieldName,
    ...(repaired ? { repaired } : {}),
  };
}

/** Input of {@link placeSignature}: the PDF options plus who signs, for sizing /Contents. */
export interface PlaceSignatureOptions extends Omit<SignPdfOptions, "signer" | "tsa"> {
  readonly certificate: Certificate;
  /** Issuers, nearest first. */
  readonly chain: readonly Certificate[];
  /** Reserve room for a signature timestamp. */
  readonly timestamp: boolean;
}

/** The placed signature: the file and the update with the placeholder, and the digest of its byte ranges. */
export interface PlacedSignature {
  readonly placeholder: SignatureUpdate;
  /** Digest of the byte ranges under `hashAlgorithm`: the CMS messageDigest. */
  readonly contentDigest: Uint8Array;
  readonly hashAlgorithm: HashAlgorithm;
  readonly repaired?: PdfRepairReport;
}

/**
 * The first half of every PDF signature, one-step ({@link signPdf}) or two-phase
 * (`preparePdfSignature`): sizes /Contents (`placeholderBytes`, or `estimateCmsSize` for the
 * chain and the timestamp), appends the placeholder as an incremental update and digests the
 * byte ranges (ISO 32000-1 §12.8.1). Internal to shared/signing.
 */
export async function placeSignature(
  input: Uint8Array | PrehashedPdf,
  options: PlaceSignatureOptions,
): Promise<PlacedSignature> {
  const pdf = input instanceof Uint8Array ? input : input.bytes;
  const hashAlgorithm = options.hashAlgorithm ?? "sha256";
  const contentsBytes =
    options.placeholderBytes ??
    estimateCmsSize({ certificate: options.certificate, chain: options.chain, timestamp: options.timestamp });
  const { placeholder, repaired } = await placeholderUpdate(
    pdf,
    {
      contentsBytes,
      signingTime: options.signingTime,
      reason: options.reason,
      location: options.location,
      contactInfo: options.contactInfo,
      name: options.name,
      fieldName: options.fieldName,
      appearance: options.appearance,
    },
    options.repair === true,
  );
  const prefix =
    !(input instanceof Uint8Array) &&
    input.hashAlgorithm === hashAlgorithm &&
    placeholder.original === input.bytes
      ? input.state.copy()
      : undefined;
  const contentDigest = digestByteRanges(placeholder, hashAlgorithm, prefix);
  return { placeholder, contentDigest, hashAlgorithm, ...(repaired ? { repaired } : {}) };
}

/**
 * The placeholder update for `pdf`; with `repair`, for its rewrite when it is damaged and unsigned.
 * Damage is what the reader refuses (PDF_MALFORMED) or has to work around ({@link findDamage}).
 */
async function placeholderUpdate(
  pdf: Uint8Array,
  options: InsertSignaturePlaceholderOptions,
  repair: boolean,
): Promise<{ placeholder: SignatureUpdate; repaired?: PdfRepairReport }> {
  let problems: string[];
  try {
    const file = readPdf(pdf);
    problems = repair ? findDamage(file) : [];
    if (problems.length === 0) {
      return { placeholder: await buildSignatureUpdate(file, options) };
    }
  } catch (error) {
    if (!repair || !isExchangeError(error) || error.code !== "PDF_MALFORMED") {
      throw error;
    }
    problems = [error.detail ?? error.message];
  }
  const signed = (): ExchangeError =>
    new ExchangeError("PDF_DAMAGED_SIGNED", {
      detail: `the file is damaged (${problems[0]}) and has a signature`,
    });
  // Conservative: any /ByteRange in the raw bytes is taken for a signature, even one the scan loses.
  if (Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).includes("/ByteRange", 0, "latin1")) {
    throw signed();
  }
  const rebuilt = readPdf(repairPdf(pdf).bytes);
  let signatures: number;
  try {
    signatures = rebuilt.signatures().length;
  } catch {
    signatures = 1;
  }
  if (signatures > 0) {
    throw signed();
  }
  const left = findDamage(rebuilt);
  if (left.length > 0) {
    throw new ExchangeError("PDF_MALFORMED", {
      detail: `the file is damaged and could not be repaired: ${left[0]}`,
    });
  }
  return { placeholder: await buildSignatureUpdate(rebuilt, options), repaired: { problems } };
}

/**
 * Digest of the byte ranges [0, contentsStart) and [contentsEnd, end) over the two parts, uncopied;
 * `prefix`, when given, is the state after all of `original`.
 */
function digestByteRanges(
  placeholder: SignatureUpdate,
  hashAlgorithm: HashAlgorithm,
  prefix?: Hash,
): Uint8Array {
  const { original, update, contentsStart, contentsEnd } = placeholder;
  const hash = prefix ?? createHash(hashAlgorithm).update(original);
  hash.update(update.subarray(0, contentsStart - original.length));
  hash.update(update.subarray(contentsEnd - original.length));
  return new Uint8Array(hash.digest());
}
