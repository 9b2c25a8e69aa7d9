/**
 * The validation report, in the terms of ETSI EN 319 102-1 §5.1.3 (indications and sub-indications)
 * and pyHanko's split of "intact" (digest), "valid" (signature value) and "trusted" (chain). Plain,
 * frozen, JSON-serialisable data: dates are ISO 8601 strings, bytes are hex fingerprints or offsets,
 * never document content. The bytes of a signed revision are offered through offsets
 * (`signedRevision`) and {@link signedRevisionBytes}, not embedded.
 */

/** ETSI EN 319 102-1 §5.1.3 main status indication. */
export type Indication = "TOTAL_PASSED" | "TOTAL_FAILED" | "INDETERMINATE";

/**
 * ETSI EN 319 102-1 §5.1.3 sub-indications used here. TOTAL_FAILED: FORMAT_FAILURE, HASH_FAILURE,
 * SIG_CRYPTO_FAILURE, REVOKED, EXPIRED, NOT_YET_VALID. INDETERMINATE: the others.
 */
export type SubIndication =
  | "FORMAT_FAILURE"
  | "HASH_FAILURE"
  | "SIG_CRYPTO_FAILURE"
  | "REVOKED"
  | "EXPIRED"
  | "NOT_YET_VALID"
  | "NO_SIGNING_CERTIFICATE_FOUND"
  | "NO_CERTIFICATE_CHAIN_FOUND"
  | "CHAIN_CONSTRAINTS_FAILURE"
  | "SIG_CONSTRAINTS_FAILURE"
  | "CRYPTO_CONSTRAINTS_FAILURE"
  | "TIMESTAMP_ORDER_FAILURE"
  | "TRY_LATER";

/** Outcome of one named check. "unknown": could not be decided (e.g. revocation source unreachable). */
export type CheckStatus = "passed" | "failed" | "unknown" | "skipped";

export type CheckName =
  | "byte-range"
  | "cms-structure"
  | "signer-certificate"
  | "message-digest"
  | "signature-value"
  | "signing-certificate-reference"
  | "timestamp"
  | "key-usage"
  | "certificate-validity"
  | "certificate-chain"
  | "revocation"
  | "organ-binding"
  | "modifications"
  | "docmdp";

export interface Check {
  readonly name: CheckName;
  readonly status: CheckStatus;
  /** Stable SCREAMING_SNAKE code of the outcome, e.g. BYTE_RANGE_GAP_MISMATCH, DIGEST_MATCHES. */
  readonly code: string;
  /** Expected versus actual, for people. Never keys or document content. */
  readonly detail?: string;
}

/** Who a certificate is for; enough to recognise it, not the certificate itself. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly sha256: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly organCode?: string;
}

export interface SignerSummary {
  readonly name?: string;
  readonly organization?: string;
  readonly organCode?: string;
  readonly title?: string;
  readonly certificate: CertificateSummary;
}

export type RevocationSourceName = "crl" | "ocsp" | "embedded-crl" | "none";

export interface RevocationSummary {
  readonly source: RevocationSourceName;
  readonly status: "good" | "revoked" | "unknown";
  /** Revocation time (ISO), when revoked. */
  readonly at?: string;
  readonly reason?: string;
  /** thisUpdate of the deciding CRL/OCSP answer. */
  readonly thisUpdate?: string;
}

export interface TimestampSummary {
  readonly genTime: string;
  readonly tsa?: string;
  readonly valid: boolean;
}

/** "whole-file": the signature covers the whole file. "revision": a revision followed by allowed updates. */
export type Coverage = "whole-file" | "revision" | "unclear";

/** Worst change made after the signed revision (ISO 32000-1 §12.8.2.2 DocMDP levels, plus "other"). */
export type ModificationLevel = "none" | "signatures-and-validation-data" | "form-filling" | "other";

/** One change made after a signature (see shared/verification/changes). */
export interface ChangeReport {
  readonly revision?: number;
  readonly object?: number;
  readonly role: string;
  readonly rule: string;
  readonly verdict: "allowed" | "refused";
  readonly class: "bookkeeping" | "metadata" | "validation" | "signature" | "form" | "content";
  readonly code: string;
  readonly detail: string;
}

/** A widget a later signature paints on a page. */
export interface PaintingReport {
  readonly fieldName: string;
  readonly kind: "signature" | "document-timestamp";
  /** 1-based. */
  readonly page: number;
  /** [llx lly urx ury] in default user space. */
  readonly rect: readonly [number, number, number, number];
  /** Index of the painting signature in `signatures`, and its signer's name. */
  readonly by?: number;
  readonly signer?: string;
  readonly signatureObject?: number;
}

export interface SignatureReport {
  /** 0-based, in revision order. */
  readonly index: number;
  readonly kind: "pdf-signature" | "document-timestamp" | "detached";
  readonly indication: Indication;
  readonly subIndication?: SubIndication;
  readonly checks: readonly Check[];
  readonly fieldName?: string;
  readonly subFilter?: string;
  readonly reason?: string;
  readonly location?: string;
  readonly hashAlgorithm?: string;
  readonly signer?: SignerSummary;
  /** Signer first, trust anchor last (empty when no certificate was found). */
  readonly chain: readonly CertificateSummary[];
  /** /M of the signature dictionary (or the CMS signing-time attribute), as claimed: not proof. */
  readonly claimedSigningTime?: string;
  /** genTime of a valid signature timestamp: proof that the signature existed then. */
  readonly provenSigningTime?: string;
  readonly timestamp?: TimestampSummary;
  readonly revocation: RevocationSummary;
  readonly coverage: Coverage;
  readonly modification: ModificationLevel;
  /** Every change after the signed revision, classified and judged; refused ones first. */
  readonly changes: readonly ChangeReport[];
  /** Visible widgets of later signatures over the pages: who painted what, where. */
  readonly paintedAfter: readonly PaintingReport[];
  readonly byteRange?: readonly number[];
  /** What was actually signed: the bytes [0, length) of the file, i.e. revision `revision`. */
  readonly signedRevision?: { readonly revision: number; readonly length: number };
  /** DocMDP permission (1, 2, 3) when this is a certification signature. */
  readonly certificationLevel?: 1 | 2 | 3;
}

export interface ValidationReport {
  /** The worst indication over all signatures; never TOTAL_PASSED without a signature. */
  readonly verdict: Indication;
  readonly validationTime: string;
  readonly document: {
    readonly kind: "pdf" | "detached";
    readonly sha256: string;
    readonly size: number;
    /** Number of revisions (1 + incremental updates); 1 for detached content. */
    readonly revisions: number;
  };
  readonly policy: {
    readonly revocation: "require" | "prefer" | "off";
    readonly expectedOrganCode?: string;
  };
  /** Problems of the document as a whole (e.g. NO_SIGNATURE, TRAILING_DATA). */
  readonly problems: readonly { readonly code: string; readonly detail: string }[];
  readonly signatures: readonly SignatureReport[];
}

const INDICATION_RANK: Readonly<Record<Indication, number>> = {
  TOTAL_PASSED: 0,
  INDETERMINATE: 1,
  TOTAL_FAILED: 2,
};

/** The worse of indications (TOTAL_FAILED > INDETERMINATE > TOTAL_PASSED). */
export function worstIndication(indications: readonly Indication[]): Indication {
  let worst: Indication = "TOTAL_PASSED";
  for (const indication of indications) {
    if (INDICATION_RANK[indication] > INDICATION_RANK[worst]) {
      worst = indication;
    }
  }
  return worst;
}

/** Deep-freezes plain report data. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) {
      deepFreeze(child);
    }
  }
  return value;
}

/**
 * The bytes a signature actually signed (the signed revision), as a view of the validated file.
 * Undefined for detached signatures and signatures whose ranges did not end at a revision.
 *
 * @example
 * const signed = signedRevisionBytes(report, pdfBytes, 0); // show the clerk what was signed
 */
export function signedRevisionBytes(
  report: ValidationReport,
  file: Uint8Array,
  index: number,
): Uint8Array | undefined {
  const signature = report.signatures[index];
  if (!signature?.signedRevision || signature.signedRevision.length > file.length) {
    return undefined;
  }
  return file.subarray(0, signature.signedRevision.length);
}
