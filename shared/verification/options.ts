/**
 * Options of `validatePdf` / `validateDetached`, and their resolution into one context object with
 * the defaults applied.
 */
import type { Certificate } from "../pki/certificate.ts";
import { type Crl, type CrlCache, parseCrl } from "../pki/crl.ts";
import { httpFetcher, type OcspCache, type RevocationFetcher } from "../pki/revocation.ts";
import { loadTrustAnchors, type TrustAnchors, trustAnchorsFrom } from "../pki/trust.ts";

/**
 * Which certificates may sign for an organ (the exchange's organ directory). Either method may be
 * async (a DynamoDB lookup).
 */
export interface OrganDirectory {
  /** True when `certificate` is registered for `organCode` (any of its codes or aliases). */
  isBound(organCode: string, certificate: Certificate): boolean | Promise<boolean>;
  /** The certificates registered for `organCode`; optional, for reports and the pool. */
  certificatesFor?(organCode: string): readonly Certificate[] | Promise<readonly Certificate[]>;
}

/** Revocation policy: "require" (default) gives TRY_LATER without an answer; "prefer" notes it; "off" skips. */
export type RevocationPolicy = "require" | "prefer" | "off";

/**
 * The extended key usages (RFC 5280 §4.2.1.12) that allow a certificate to sign letters, with
 * their names for reports: a signer certificate that has the EKU extension must name one of them
 * (one without the extension may be used for any purpose). Others — serverAuth or clientAuth
 * alone, codeSigning, timeStamping, OCSPSigning … — say the key is meant for something else.
 */
export const DEFAULT_SIGNER_EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = {
  "1.3.6.1.5.5.7.3.36": "id-kp-documentSigning (RFC 9336)",
  "1.3.6.1.4.1.311.10.3.12": "Microsoft document signing",
  "1.2.840.113583.1.1.5": "Adobe Authentic Documents Trust",
  "1.3.6.1.5.5.7.3.4": "id-kp-emailProtection",
  "2.5.29.37.0": "anyExtendedKeyUsage",
};

export interface ValidationOptions {
  /** Trusted roots: parsed anchors, certificates, or PEM bundle text(s). */
  readonly trustAnchors: TrustAnchors | readonly Certificate[] | string | readonly string[];
  /** More candidate intermediates for chain building (e.g. the national CA's sub-CAs). */
  readonly extraCertificates?: readonly Certificate[];
  /** CRLs supplied by the caller (`--crl`), DER/PEM or parsed: enough for offline validation. */
  readonly crls?: readonly (Crl | Uint8Array | string)[];
  /** Default "require". */
  readonly revocation?: RevocationPolicy;
  /** No network: OCSP and CRL distribution points are not asked. Default false. */
  readonly offline?: boolean;
  /** Network port for OCSP and CRL fetching; default {@link httpFetcher} with a 5 s timeout. */
  readonly fetcher?: RevocationFetcher;
  /** Cache of fetched CRLs; default the process-wide cache. */
  readonly crlCache?: CrlCache;
  /** Verified OCSP answers to reuse; default none (every check asks the responder). */
  readonly ocspCache?: OcspCache;
  readonly organDirectory?: OrganDirectory;
  /** The organ that claims to send the letter: every signer must be bound to it. */
  readonly expectedOrganCode?: string;
  /** The time the signatures are judged at; default now. */
  readonly validationTime?: Date;
  /** The current time, for the freshness of CRLs and OCSP answers; default `validationTime`. */
  readonly now?: Date;
  /**
   * Extended key usage OIDs a signer certificate with the EKU extension must carry one of; default
   * the keys of {@link DEFAULT_SIGNER_EXTENDED_KEY_USAGES}.
   */
  readonly signerExtendedKeyUsages?: readonly string[];
  /**
   * Maximum accepted freshness of revocation data (ETSI EN 319 102-1 §5.2.5.4) in ms: how long
   * before the validation time a CRL or OCSP answer proving "good" may have been issued when it
   * was not issued after the proven signing time. Default: the answer's own nextUpdate − thisUpdate.
   */
  readonly revocationMaxAgeMs?: number;
  /** Which changes after a signature are allowed (shared/verification/changes/policy.ts); default "letter". */
  readonly changePolicy?: "letter" | "form-filling";
}

/** Options with defaults applied; what the validators work with. */
export interface ValidationContext {
  readonly anchors: TrustAnchors;
  readonly extraCertificates: readonly Certificate[];
  readonly crls: readonly Crl[];
  readonly revocation: RevocationPolicy;
  readonly fetcher?: RevocationFetcher;
  readonly crlCache?: CrlCache;
  readonly ocspCache?: OcspCache;
  readonly organDirectory?: OrganDirectory;
  readonly expectedOrganCode?: string;
  readonly validationTime: Date;
  readonly now: Date;
  readonly signerExtendedKeyUsages: readonly string[];
  readonly revocationMaxAgeMs?: number;
}

function isTrustAnchors(value: ValidationOptions["trustAnchors"]): value is TrustAnchors {
  return typeof value === "object" && value !== null && "isAnchor" in value;
}

/** Applies defaults; parses PEM anchors and CRL bytes (throws CERT_MALFORMED / CRL_MALFORMED / TRUST_ANCHORS_MISSING). */
export function resolveOptions(options: ValidationOptions): ValidationContext {
  let anchors: TrustAnchors;
  const given = options.trustAnchors;
  if (isTrustAnchors(given)) {
    anchors = given;
  } else if (typeof given === "string") {
    anchors = loadTrustAnchors(given);
  } else if (given.length > 0 && typeof given[0] === "string") {
    anchors = loadTrustAnchors(given as readonly string[]);
  } else {
    anchors = trustAnchorsFrom(given as readonly Certificate[]);
  }
  const crls = (options.crls ?? []).map((crl) =>
    crl instanceof Uint8Array || typeof crl === "string" ? parseCrl(crl) : crl,
  );
  const validationTime = options.validationTime ?? options.now ?? new Date();
  const fetcher = options.offline ? undefined : (options.fetcher ?? httpFetcher());
  return {
    anchors,
    extraCertificates: options.extraCertificates ?? [],
    crls,
    revocation: options.revocation ?? "require",
    ...(fetcher ? { fetcher } : {}),
    ...(options.crlCache ? { crlCache: options.crlCache } : {}),
    ...(options.ocspCache ? { ocspCache: options.ocspCache } : {}),
    ...(options.organDirectory ? { organDirectory: options.organDirectory } : {}),
    ...(options.expectedOrganCode ? { expectedOrganCode: options.expectedOrganCode } : {}),
    validationTime,
    now: options.now ?? validationTime,
    signerExtendedKeyUsages:
      options.signerExtendedKeyUsages ?? Object.keys(DEFAULT_SIGNER_EXTENDED_KEY_USAGES),
    ...(options.revocationMaxAgeMs !== undefined ? { revocationMaxAgeMs: options.revocationMaxAgeMs } : {}),
  };
}
