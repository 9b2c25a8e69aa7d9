/**
 * Validation of one CMS SignedData over content whose digest the caller can compute (PDF byte
 * ranges, or a detached file), as the building blocks of ETSI EN 319 102-1 §5.2, each a small
 * function that records its own checks:
 *
 * - {@link checkFormat}: format checking (§5.2.2) — the CMS can be read, one SignerInfo, detached
 *   content, a usable digest algorithm, the signed attributes RFC 5652 §5.3 requires;
 * - {@link identifySigningCertificate}: identification of the signing certificate (§5.2.3),
 *   with the ESS signing-certificate(-v2) reference (§5.2.3.4);
 * - {@link verifyCryptographically}: cryptographic verification (§5.2.7) — content digest and
 *   signature value;
 * - {@link validateSignatureTimestamp}: the signature timestamp as proof of existence
 *   (§5.4, §5.6.2.1 in a simplified form), which gives the best-signature-time;
 * - {@link validateCertificate}: X.509 certificate validation (§5.2.6) — key usage, extended key
 *   usage, validity and the path to a trust anchor;
 * - {@link checkCertificateRevocation}: revocation with freshness (§5.2.5, §5.2.6);
 * - {@link checkOrganBinding}: signature acceptance (§5.2.8) — the signer belongs to the organ.
 *
 * {@link validateSignedData} composes them; validatePdf and validateDetached call it.
 */

import { bytesEqual } from "../asn1/der.ts";
import { OID as PKI_OID } from "../asn1/oids.ts";
import { digest } from "../cms/algorithms.ts";
import { type ParsedSignedData, type ParsedSignerInfo, parseSignedData } from "../cms/parse.ts";
import { essMatches, verifySignerInfo } from "../cms/verify.ts";
import { ExchangeError } from "../errors/exchange-error.ts";
import type { Certificate } from "../pki/certificate.ts";
import { buildChain, type ChainResult } from "../pki/chain.ts";
import { type Crl, parseCrl } from "../pki/crl.ts";
import { checkRevocation, type RevocationStatus } from "../pki/revocation.ts";
import { DEFAULT_SIGNER_EXTENDED_KEY_USAGES, type ValidationContext } from "./options.ts";
import type { Outcome } from "./outcome.ts";
import type { CertificateSummary, RevocationSummary, SignerSummary, TimestampSummary } from "./report.ts";
import { validateTimestampToken } from "./timestamp-validation.ts";

const CONTENT_HASHES = new Set(["sha256", "sha384", "sha512"]);
/** SHA-1 content digests: broken for collision resistance (ETSI TS 119 312); a crypto constraint failure. */
const WEAK_HASHES = new Set(["sha1", "md5"]);

export interface SignedDataInput {
  /** DER CMS ContentInfo (PDF /Contents with its zero padding, or a .p7s). */
  readonly cms: Uint8Array;
  /** Digest of the signed content with the named hash. */
  readonly contentDigest: (hashAlgorithm: string) => Uint8Array | Promise<Uint8Array>;
  /**
   * PAdES / CAdES baseline (ETSI.CAdES.detached): signed attributes with ESS signing-certificate-v2
   * must be present (ETSI EN 319 142-1 §5.3, §6.3). False for adbe.pkcs7.detached and plain CMS,
   * which may lack both.
   */
  readonly requireSigningCertificateV2: boolean;
  /** Certificates and CRLs from the document (PDF /DSS). */
  readonly documentCertificates?: readonly Certificate[];
  readonly documentCrls?: readonly Crl[];
}

export interface SignedDataResult {
  readonly hashAlgorithm?: string;
  readonly signer?: SignerSummary;
  readonly signerCertificate?: Certificate;
  readonly chain: readonly CertificateSummary[];
  readonly cmsSigningTime?: Date;
  readonly provenSigningTime?: Date;
  readonly timestamp?: TimestampSummary;
  readonly revocation: RevocationSummary;
}

/** A certificate for the report. */
export function summariseCertificate(certificate: Certificate): CertificateSummary {
  // A decoded certificate is frozen (shared/pki/certificate.ts): its summary is too, made once.
  if (!Object.isFrozen(certificate)) {
    return summaryOf(certificate);
  }
  let summary = summaries.get(certificate);
  if (!summary) {
    summary = Object.freeze(summaryOf(certificate));
    summaries.set(certificate, summary);
  }
  return summary;
}

const summaries = new WeakMap<Certificate, CertificateSummary>();

function summaryOf(certificate: Certificate): CertificateSummary {
  return {
    subject: certificate.subject.text,
    issuer: certificate.issuer.text,
    serialNumber: certificate.serialNumberHex,
    sha256: certificate.sha256,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    ...(certificate.subject.organCode ? { organCode: certificate.subject.organCode } : {}),
  };
}

function signerSummary(certificate: Certificate): SignerSummary {
  const subject = certificate.subject;
  return {
    ...(subject.commonName ? { name: subject.commonName } : {}),
    ...(subject.organization ? { organization: subject.organization } : {}),
    ...(subject.organCode ? { organCode: subject.organCode } : {}),
    ...(subject.title ? { title: subject.title } : {}),
    certificate: summariseCertificate(certificate),
  };
}

const NO_REVOCATION: RevocationSummary = { source: "none", status: "unknown" };

// ---------------------------------------------------------------------------------------------
// Format checking (ETSI EN 319 102-1 §5.2.2)

/** A SignedData that passed format checking. */
export interface CheckedFormat {
  readonly parsed: ParsedSignedData;
  readonly info: ParsedSignerInfo;
  readonly hashAlgorithm: string;
}

/**
 * Format checking: returns the parsed CMS when it can be processed, else undefined (with the
 * digest algorithm when it got that far) after recording why.
 */
export function checkFormat(
  input: Pick<SignedDataInput, "cms" | "requireSigningCertificateV2">,
  outcome: Outcome,
): { readonly format?: CheckedFormat; readonly hashAlgorithm?: string } {
  let parsed: ParsedSignedData;
  try {
    parsed = parseSignedData(input.cms);
  } catch (error) {
    // Unreadable is not "changed": the container itself could not be decoded.
    const detail = error instanceof ExchangeError ? (error.detail ?? error.code) : (error as Error).message;
    outcome.failed(
      "cms-structure",
      "CMS_UNREADABLE",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      `the signature container (CMS SignedData, RFC 5652) could not be read: ${detail}`,
    );
    return {};
  }
  const info = parsed.signerInfos[0];
  if (!info || parsed.signerInfos.length !== 1) {
    outcome.failed(
      "cms-structure",
      "CMS_SIGNER_COUNT",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      `expected exactly one SignerInfo (ETSI EN 319 142-1 §6.3), found ${parsed.signerInfos.length}`,
    );
    return {};
  }
  if (!parsed.detached) {
    outcome.failed(
      "cms-structure",
      "CMS_NOT_DETACHED",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      "expected detached content (no eContent)",
    );
    return {};
  }
  const hashAlgorithm = info.digestAlgorithm;
  if (WEAK_HASHES.has(hashAlgorithm)) {
    outcome.failed(
      "cms-structure",
      "DIGEST_ALGORITHM_WEAK",
      "INDETERMINATE",
      "CRYPTO_CONSTRAINTS_FAILURE",
      `digest algorithm ${hashAlgorithm} is no longer acceptable for new signatures`,
    );
    return { hashAlgorithm };
  }
  if (!CONTENT_HASHES.has(hashAlgorithm)) {
    outcome.failed(
      "cms-structure",
      "DIGEST_ALGORITHM_UNSUPPORTED",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      `unsupported digest algorithm ${hashAlgorithm}`,
    );
    return { hashAlgorithm };
  }
  if (!checkSignedAttributes(info, parsed, input.requireSigningCertificateV2, outcome)) {
    return { hashAlgorithm };
  }
  outcome.passed(
    "cms-structure",
    "CMS_WELL_FORMED",
    `one SignerInfo, ${hashAlgorithm}${
      info.signedAttributesFromBer
        ? "; BER signed attributes, verified in their DER form (RFC 5652 §5.4)"
        : ""
    }`,
  );
  return { format: { parsed, info, hashAlgorithm }, hashAlgorithm };
}

/**
 * RFC 5652 §5.3: signed attributes, when present, must hold content-type (equal to the
 * eContentType, §11.1) and message-digest. Without any, ETSI.CAdES.detached fails (ETSI EN 319
 * 122-1 §5.1); an older adbe.pkcs7.detached / plain CMS signature is verified over the content
 * digest directly (§5.4) and noted as not PAdES baseline.
 */
function checkSignedAttributes(
  info: ParsedSignerInfo,
  parsed: ParsedSignedData,
  baselineRequired: boolean,
  outcome: Outcome,
): boolean {
  if (!info.signedAttributesDer) {
    if (baselineRequired) {
      outcome.failed(
        "cms-structure",
        "NO_SIGNED_ATTRIBUTES",
        "TOTAL_FAILED",
        "FORMAT_FAILURE",
        "ETSI.CAdES.detached requires signed attributes with content-type, message-digest and signing-certificate-v2 (ETSI EN 319 122-1 §5.1, EN 319 142-1 §6.3)",
      );
      return false;
    }
    outcome.passed(
      "cms-structure",
      "NOT_PADES_BASELINE",
      "no signed attributes: the signature value is over the content digest itself (RFC 5652 §5.4), as older adbe.pkcs7.detached signers make it; valid CMS, but not a PAdES baseline signature (ETSI EN 319 142-1 §6.3 requires signed attributes and signing-certificate-v2)",
    );
    return true;
  }
  const missing = [
    ...(info.contentType === undefined ? ["content-type"] : []),
    ...(info.messageDigest === undefined ? ["message-digest"] : []),
  ];
  if (missing.length > 0) {
    outcome.failed(
      "cms-structure",
      "SIGNED_ATTRIBUTES_INCOMPLETE",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      `the signed attributes lack ${missing.join(" and ")} (RFC 5652 §5.3 requires both)`,
    );
    return false;
  }
  if (info.contentType !== parsed.contentType) {
    outcome.failed(
      "cms-structure",
      "CONTENT_TYPE_MISMATCH",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      `the content-type attribute ${info.contentType} differs from the eContentType ${parsed.contentType} (RFC 5652 §11.1)`,
    );
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Identification of the signing certificate (§5.2.3)

function findSigner(
  parsed: ParsedSignedData,
  info: ParsedSignerInfo,
  extra: readonly Certificate[],
): Certificate | undefined {
  const sid = info.sid;
  // RFC 5652 §5.3: the SignerIdentifier names the certificate; only the CMS's own and configured ones count.
  return [...parsed.certificates, ...extra].find((certificate) =>
    "subjectKeyIdentifier" in sid
      ? certificate.subjectKeyIdentifier === sid.subjectKeyIdentifier
      : bytesEqual(certificate.issuerDer, sid.issuerDer) &&
        certificate.serialNumberHex === sid.serialNumberHex,
  );
}

/**
 * Identification of the signing certificate: the certificate the SignerIdentifier names, and the
 * ESS signing-certificate(-v2) reference that binds it into the signed attributes.
 */
export function identifySigningCertificate(
  format: CheckedFormat,
  input: Pick<SignedDataInput, "documentCertificates" | "requireSigningCertificateV2">,
  context: ValidationContext,
  outcome: Outcome,
): Certificate | undefined {
  const { parsed, info } = format;
  const signer = findSigner(parsed, info, [
    ...(input.documentCertificates ?? []),
    ...context.extraCertificates,
  ]);
  if (!signer) {
    outcome.failed(
      "signer-certificate",
      "SIGNER_CERTIFICATE_MISSING",
      "INDETERMINATE",
      "NO_SIGNING_CERTIFICATE_FOUND",
      "the certificate named by the SignerInfo is not in the signature",
    );
    return undefined;
  }
  outcome.passed("signer-certificate", "SIGNER_CERTIFICATE_FOUND", signer.subject.text);
  const ess = essMatches(info, signer);
  if (ess === true) {
    outcome.passed(
      "signing-certificate-reference",
      "ESS_CERT_ID_MATCHES",
      "ESS signing-certificate(-v2) names this certificate",
    );
  } else if (ess === false) {
    // ETSI EN 319 102-1 §5.2.3.4: the reference does not identify the certificate.
    outcome.failed(
      "signing-certificate-reference",
      "ESS_CERT_ID_MISMATCH",
      "INDETERMINATE",
      "NO_SIGNING_CERTIFICATE_FOUND",
      "the ESS signing-certificate attribute names a different certificate (substituted certificate?)",
    );
  } else if (input.requireSigningCertificateV2) {
    outcome.failed(
      "signing-certificate-reference",
      "ESS_CERT_ID_MISSING",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      "ETSI.CAdES.detached requires the signing-certificate-v2 signed attribute (ETSI EN 319 142-1 §5.3)",
    );
  } else {
    outcome.skipped(
      "signing-certificate-reference",
      "ESS_CERT_ID_ABSENT",
      info.signedAttributesDer
        ? "no ESS attribute (allowed for adbe.pkcs7.detached)"
        : "no signed attributes, so no ESS attribute (allowed for adbe.pkcs7.detached)",
    );
  }
  return signer;
}

// ---------------------------------------------------------------------------------------------
// Cryptographic verification (§5.2.7)

/** The content digest against the signature (message-digest) and the signature value against the key. */
export async function verifyCryptographically(
  format: CheckedFormat,
  signer: Certificate,
  contentDigest: SignedDataInput["contentDigest"],
  outcome: Outcome,
): Promise<void> {
  const { info, hashAlgorithm } = format;
  const check = verifySignerInfo(info, signer, await contentDigest(hashAlgorithm));
  const direct = !info.signedAttributesDer;
  if (check.digestMatches) {
    outcome.passed(
      "message-digest",
      "DIGEST_MATCHES",
      direct
        ? `${hashAlgorithm} of the signed content is the digest the signature value is over`
        : `${hashAlgorithm} of the signed content equals message-digest`,
    );
  } else if (direct && !check.signatureValid) {
    // Without a message-digest attribute a failed PSS/ECDSA check cannot say which part is wrong.
    outcome.unknown(
      "message-digest",
      "DIGEST_NOT_SEPARATELY_CHECKABLE",
      "no message-digest attribute: the digest is only checked through the signature value",
    );
  } else {
    outcome.failed(
      "message-digest",
      "DIGEST_MISMATCH",
      "TOTAL_FAILED",
      "HASH_FAILURE",
      direct
        ? `${hashAlgorithm} of the signed content differs from the digest the signature value is over`
        : `${hashAlgorithm} of the signed content differs from the message-digest attribute`,
    );
  }
  if (check.signatureValid) {
    outcome.passed(
      "signature-value",
      "SIGNATURE_VALID",
      "the signature value verifies with the signer's key",
    );
  } else {
    outcome.failed(
      "signature-value",
      "SIGNATURE_INVALID",
      "TOTAL_FAILED",
      "SIG_CRYPTO_FAILURE",
      direct
        ? "the signature value does not verify over the content digest with the signer certificate's key"
        : "the signature value does not verify with the signer certificate's key",
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Signature timestamp (§5.4; best-signature-time §5.6.2.1)

/** The timestamp block's result: the proven signing time when a valid signature timestamp gives one. */
export interface TimestampBlock {
  readonly provenSigningTime?: Date;
  readonly timestamp?: TimestampSummary;
}

/** The first signature timestamp (RFC 3161 Appendix A): its imprint must be over the signature value. */
export async function validateSignatureTimestamp(
  info: ParsedSignerInfo,
  context: ValidationContext,
  outcome: Outcome,
): Promise<TimestampBlock> {
  const token = info.timestampTokens[0];
  if (!token) {
    outcome.skipped(
      "timestamp",
      "NO_SIGNATURE_TIMESTAMP",
      "no signature timestamp: the signing time is not proven",
    );
    return {};
  }
  const ts = await validateTimestampToken(token, (hash) => digest(hash, info.signature), context);
  const timestamp: TimestampSummary = {
    genTime: ts.genTime?.toISOString() ?? "",
    ...(ts.tsa ? { tsa: ts.tsa.subject.text } : {}),
    valid: ts.valid,
  };
  if (ts.valid && ts.genTime) {
    outcome.passed("timestamp", ts.code, ts.detail);
    return { provenSigningTime: ts.genTime, timestamp };
  }
  outcome.failed("timestamp", ts.code, "INDETERMINATE", "SIG_CONSTRAINTS_FAILURE", ts.detail);
  return { timestamp };
}

// ---------------------------------------------------------------------------------------------
// X.509 certificate validation (§5.2.6)

function ekuName(oid: string): string {
  const known = DEFAULT_SIGNER_EXTENDED_KEY_USAGES[oid];
  if (known) {
    return known;
  }
  const entry = Object.entries(PKI_OID).find(([, value]) => value === oid);
  return entry ? `${entry[0]} (${oid})` : oid;
}

/**
 * The signer key's purpose: keyUsage (RFC 5280 §4.2.1.3) must allow digitalSignature or
 * nonRepudiation, and an extendedKeyUsage extension (§4.2.1.12), when present, must name one of
 * the policy's signing purposes (`context.signerExtendedKeyUsages`). Both are X.509 certificate
 * validation constraints of ETSI EN 319 102-1 §5.2.6, so a failure is INDETERMINATE /
 * CHAIN_CONSTRAINTS_FAILURE. One check: its first problem decides.
 */
function checkKeyPurpose(signer: Certificate, context: ValidationContext, outcome: Outcome): void {
  const keyUsage = signer.keyUsage;
  const keyUsageOk =
    keyUsage === undefined || keyUsage.includes("nonRepudiation") || keyUsage.includes("digitalSignature");
  const hasEku = signer.extensions.some((extension) => extension.oid === PKI_OID.extKeyUsage);
  const allowed = signer.extendedKeyUsage.filter((oid) => context.signerExtendedKeyUsages.includes(oid));
  const ekuText = hasEku
    ? `extendedKeyUsage ${signer.extendedKeyUsage.map(ekuName).join(", ") || "(empty)"}`
    : "no extendedKeyUsage extension";
  const keyUsageText = keyUsage
    ? `keyUsage ${keyUsage.join(", ") || "(none)"}`
    : "no keyUsage extension (any use)";
  if (!keyUsageOk) {
    outcome.failed(
      "key-usage",
      "KEY_USAGE_NOT_FOR_SIGNING",
      "INDETERMINATE",
      "CHAIN_CONSTRAINTS_FAILURE",
      `expected keyUsage nonRepudiation or digitalSignature, the certificate has ${keyUsage?.join(", ") || "none"}`,
    );
    return;
  }
  if (hasEku && allowed.length === 0) {
    outcome.failed(
      "key-usage",
      "EXTENDED_KEY_USAGE_NOT_FOR_SIGNING",
      "INDETERMINATE",
      "CHAIN_CONSTRAINTS_FAILURE",
      `the certificate's ${ekuText} is for other purposes; a signing certificate must name one of ${context.signerExtendedKeyUsages
        .map(ekuName)
        .join(", ")} (RFC 5280 §4.2.1.12; an X.509 validation constraint, ETSI EN 319 102-1 §5.2.6)`,
    );
    return;
  }
  outcome.passed("key-usage", "KEY_USAGE_ALLOWS_SIGNING", `${keyUsageText}; ${ekuText}`);
}

/** The signer certificate's validity and its certification path (RFC 5280 §6) at `at`. */
function checkValidityAndChain(
  outcome: Outcome,
  chain: ChainResult,
  signer: Certificate,
  at: Date,
  proven: boolean,
): void {
  const when = `${proven ? "proven signing time" : "validation time"} ${at.toISOString()}`;
  const leafExpired = chain.problems.find(
    (p) => p.code === "CERT_EXPIRED" && p.certificate === signer.sha256,
  );
  const leafNotYet = chain.problems.find(
    (p) => p.code === "CERT_NOT_YET_VALID" && p.certificate === signer.sha256,
  );
  if (leafExpired) {
    outcome.failed(
      "certificate-validity",
      "SIGNER_CERTIFICATE_EXPIRED",
      "TOTAL_FAILED",
      "EXPIRED",
      `${leafExpired.detail} (${when})`,
    );
  } else if (leafNotYet) {
    outcome.failed(
      "certificate-validity",
      "SIGNER_CERTIFICATE_NOT_YET_VALID",
      "TOTAL_FAILED",
      "NOT_YET_VALID",
      `${leafNotYet.detail} (${when})`,
    );
  } else {
    outcome.passed(
      "certificate-validity",
      "SIGNER_CERTIFICATE_IN_VALIDITY",
      `valid ${signer.notBefore.toISOString()} .. ${signer.notAfter.toISOString()} at ${when}`,
    );
  }
  if (chain.status === "no-chain") {
    outcome.failed(
      "certificate-chain",
      "NO_PATH_TO_TRUST_ANCHOR",
      "INDETERMINATE",
      "NO_CERTIFICATE_CHAIN_FOUND",
      chain.problems[0]?.detail ?? "no path to a trust anchor",
    );
    return;
  }
  const other = chain.problems.filter((p) => p.certificate !== signer.sha256 || !p.code.startsWith("CERT_"));
  const constraint = other.find((p) => !p.code.startsWith("CERT_"));
  if (constraint) {
    outcome.failed(
      "certificate-chain",
      constraint.code,
      "INDETERMINATE",
      "CHAIN_CONSTRAINTS_FAILURE",
      constraint.detail,
    );
    return;
  }
  const caOutOfValidity = other.find((p) => p.code.startsWith("CERT_"));
  if (caOutOfValidity) {
    outcome.failed(
      "certificate-chain",
      `CA_${caOutOfValidity.code}`,
      "TOTAL_FAILED",
      caOutOfValidity.code === "CERT_EXPIRED" ? "EXPIRED" : "NOT_YET_VALID",
      `${caOutOfValidity.detail} (${when})`,
    );
    return;
  }
  outcome.passed(
    "certificate-chain",
    "CHAIN_TO_TRUST_ANCHOR",
    chain.path.map((c) => c.subject.commonName ?? c.subject.text).join(" → "),
  );
}

/**
 * X.509 certificate validation of the signer: key purpose (keyUsage, extendedKeyUsage), validity
 * and the path to a trust anchor, at the proven signing time when there is one, else at the
 * validation time. Returns the path for revocation checking.
 */
export function validateCertificate(
  signer: Certificate,
  format: CheckedFormat,
  input: Pick<SignedDataInput, "documentCertificates">,
  context: ValidationContext,
  provenSigningTime: Date | undefined,
  outcome: Outcome,
): ChainResult {
  checkKeyPurpose(signer, context, outcome);
  const at = provenSigningTime ?? context.validationTime;
  const pool = [
    ...format.parsed.certificates,
    ...(input.documentCertificates ?? []),
    ...context.extraCertificates,
  ];
  const chain = buildChain(signer, { anchors: context.anchors, pool, at });
  checkValidityAndChain(outcome, chain, signer, at, provenSigningTime !== undefined);
  return chain;
}

// ---------------------------------------------------------------------------------------------
// Revocation (§5.2.5 freshness, §5.2.6 status)

function revocationSummary(status: RevocationStatus): RevocationSummary {
  return {
    source: status.source,
    status: status.status,
    ...(status.revokedAt ? { at: status.revokedAt.toISOString() } : {}),
    ...(status.reason ? { reason: status.reason } : {}),
    ...(status.thisUpdate ? { thisUpdate: status.thisUpdate.toISOString() } : {}),
  };
}

/** CRLs of the CMS: its revocationInfoChoices (RFC 5652 §10.2.1) and an adbe-revocationInfoArchival attribute. */
function parseEmbeddedCrls(format: CheckedFormat, outcome: Outcome): Crl[] {
  const crls: Crl[] = [];
  for (const der of [...format.parsed.crls, ...(format.info.archivedCrls ?? [])]) {
    try {
      crls.push(parseCrl(der));
    } catch {
      outcome.skipped(
        "revocation",
        "EMBEDDED_CRL_UNREADABLE",
        "a CRL inside the CMS could not be read and was ignored",
      );
    }
  }
  return crls;
}

/**
 * Revocation of every certificate of the path but the anchor, with the freshness rules of
 * shared/pki/revocation.ts (data issued after the best-signature-time, else fresh for the
 * validation time; online data preferred; stale data alone is no answer). The worst answer is
 * reported.
 */
export async function checkCertificateRevocation(
  chain: ChainResult,
  format: CheckedFormat,
  input: Pick<SignedDataInput, "documentCrls">,
  context: ValidationContext,
  provenSigningTime: Date | undefined,
  outcome: Outcome,
): Promise<RevocationSummary> {
  if (context.revocation === "off") {
    outcome.skipped("revocation", "REVOCATION_NOT_CHECKED", "revocation checking is switched off by policy");
    return NO_REVOCATION;
  }
  const embeddedCrls = [...(input.documentCrls ?? []), ...parseEmbeddedCrls(format, outcome)];
  if (chain.status === "no-chain") {
    outcome.unknown("revocation", "REVOCATION_NO_ISSUER", "no certification path, so no issuer to ask");
    return NO_REVOCATION;
  }
  const statuses: { certificate: Certificate; status: RevocationStatus }[] = [];
  for (let i = 0; i + 1 < chain.path.length; i++) {
    const certificate = chain.path[i]!;
    const status = await checkRevocation(certificate, chain.path[i + 1]!, {
      now: context.now,
      validationTime: context.validationTime,
      ...(provenSigningTime ? { bestSignatureTime: provenSigningTime } : {}),
      ...(context.revocationMaxAgeMs !== undefined ? { maxAgeMs: context.revocationMaxAgeMs } : {}),
      crls: context.crls,
      embeddedCrls,
      ...(context.fetcher ? { fetcher: context.fetcher } : {}),
      ...(context.crlCache ? { crlCache: context.crlCache } : {}),
      ...(context.ocspCache ? { ocspCache: context.ocspCache } : {}),
    });
    statuses.push({ certificate, status });
  }
  const leaf = statuses[0];
  if (!leaf) {
    outcome.passed("revocation", "SIGNER_IS_TRUST_ANCHOR", "the signer certificate is itself a trust anchor");
    return NO_REVOCATION;
  }
  const revoked = statuses.find((s) => s.status.status === "revoked");
  if (revoked) {
    const revokedAt = revoked.status.revokedAt;
    const summary = revocationSummary(revoked.status);
    // ETSI EN 319 102-1 §5.6.2.1: a proof of existence before the revocation keeps the signature good.
    if (provenSigningTime && revokedAt && provenSigningTime.getTime() < revokedAt.getTime()) {
      outcome.passed(
        "revocation",
        "REVOKED_AFTER_PROVEN_SIGNING_TIME",
        `${revoked.certificate.subject.text} revoked ${revokedAt.toISOString()}, after the proven signing time ${provenSigningTime.toISOString()}`,
      );
      return summary;
    }
    outcome.failed(
      "revocation",
      revoked === leaf ? "SIGNER_CERTIFICATE_REVOKED" : "CA_CERTIFICATE_REVOKED",
      "TOTAL_FAILED",
      "REVOKED",
      `${revoked.certificate.subject.text} revoked${revokedAt ? ` ${revokedAt.toISOString()}` : ""}${
        revoked.status.reason ? ` (${revoked.status.reason})` : ""
      } per ${revoked.status.source}; no proof the signature existed before`,
    );
    return summary;
  }
  const unknown = statuses.find((s) => s.status.status === "unknown");
  if (unknown) {
    const detail = `no fresh, trustworthy revocation answer for ${unknown.certificate.subject.text}: ${
      unknown.status.problems.join("; ") || "no source"
    }`;
    outcome.unknown(
      "revocation",
      "REVOCATION_UNKNOWN",
      detail,
      context.revocation === "require"
        ? { indication: "INDETERMINATE", subIndication: "TRY_LATER" }
        : undefined,
    );
    return revocationSummary(unknown.status);
  }
  outcome.passed(
    "revocation",
    "NOT_REVOKED",
    statuses
      .map(
        (s) =>
          `${s.certificate.subject.commonName ?? s.certificate.subject.text}: good (${s.status.source}${
            s.status.thisUpdate ? `, issued ${s.status.thisUpdate.toISOString()}` : ""
          })`,
      )
      .join("; "),
  );
  return revocationSummary(leaf.status);
}

// ---------------------------------------------------------------------------------------------
// Signature acceptance: organ binding (§5.2.8)

/** The signer must belong to the organ that sends the letter: by the organ code in the certificate or the directory. */
export async function checkOrganBinding(
  signer: Certificate,
  context: ValidationContext,
  outcome: Outcome,
): Promise<void> {
  const expected = context.expectedOrganCode;
  if (!expected) {
    outcome.skipped("organ-binding", "ORGAN_NOT_ASKED", "no sending organ given");
    return;
  }
  if (signer.subject.organCode === expected) {
    outcome.passed("organ-binding", "ORGAN_CODE_IN_CERTIFICATE", `the certificate names organ ${expected}`);
    return;
  }
  if (context.organDirectory) {
    let bound: boolean;
    try {
      bound = await context.organDirectory.isBound(expected, signer);
    } catch (error) {
      outcome.unknown(
        "organ-binding",
        "ORGAN_DIRECTORY_UNAVAILABLE",
        `organ directory: ${(error as Error).message}`,
        {
          indication: "INDETERMINATE",
          subIndication: "TRY_LATER",
        },
      );
      return;
    }
    if (bound) {
      outcome.passed(
        "organ-binding",
        "ORGAN_DIRECTORY_BINDS_CERTIFICATE",
        `the organ directory binds the certificate to ${expected}`,
      );
      return;
    }
  }
  outcome.failed(
    "organ-binding",
    "SIGNER_NOT_BOUND_TO_ORGAN",
    "INDETERMINATE",
    "SIG_CONSTRAINTS_FAILURE",
    `expected a signer of organ ${expected}, the certificate names ${signer.subject.organCode ?? "no organ"}${
      context.organDirectory ? " and the organ directory does not bind it" : ""
    }`,
  );
}

// ---------------------------------------------------------------------------------------------
// Composition

/**
 * Validates one CMS SignedData, recording every check in `outcome`: the building blocks above,
 * in the order the later ones need the earlier ones' results.
 *
 * @example
 * const outcome = new Outcome();
 * const result = await validateSignedData({ cms, contentDigest: (h) => hashByteRange(pdf, range, h), requireSigningCertificateV2: true }, context, outcome);
 */
export async function validateSignedData(
  input: SignedDataInput,
  context: ValidationContext,
  outcome: Outcome,
): Promise<SignedDataResult> {
  const { format, hashAlgorithm } = checkFormat(input, outcome);
  const stopped: SignedDataResult = {
    ...(hashAlgorithm ? { hashAlgorithm } : {}),
    chain: [],
    revocation: NO_REVOCATION,
  };
  if (!format) {
    return stopped;
  }
  const signer = identifySigningCertificate(format, input, context, outcome);
  if (!signer) {
    return stopped;
  }
  await verifyCryptographically(format, signer, input.contentDigest, outcome);
  const { provenSigningTime, timestamp } = await validateSignatureTimestamp(format.info, context, outcome);
  const chain = validateCertificate(signer, format, input, context, provenSigningTime, outcome);
  const revocation = await checkCertificateRevocation(
    chain,
    format,
    input,
    context,
    provenSigningTime,
    outcome,
  );
  await checkOrganBinding(signer, context, outcome);
  return {
    hashAlgorithm: format.hashAlgorithm,
    signer: signerSummary(signer),
    signerCertificate: signer,
    ...(format.info.signingTime ? { cmsSigningTime: format.info.signingTime } : {}),
    chain: chain.path.map(summariseCertificate),
    ...(provenSigningTime ? { provenSigningTime } : {}),
    ...(timestamp ? { timestamp } : {}),
    revocation,
  };
}
