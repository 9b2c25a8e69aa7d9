/**
 * Validation of one CMS SignedData over content whose digest the caller can compute (PDF byte ranges,
 * or a detached file): ETSI EN 319 102-1 §5.2 building blocks in order — format (§5.2.2), signing
 * certificate identification (§5.2.3), cryptographic verification (§5.2.7), X.509 certificate
 * validation with revocation (§5.2.6, §5.2.5), signature acceptance (§5.2.8: key usage, organ binding),
 * and the signature timestamp as proof of existence (§5.6.2.1 in a simplified form).
 */
import { digest } from "../cms/algorithms.ts";
import { type ParsedSignedData, type ParsedSignerInfo, parseSignedData } from "../cms/parse.ts";
import { verifySignerInfo } from "../cms/verify.ts";
import type { Certificate } from "../pki/certificate.ts";
import { buildChain, type ChainResult } from "../pki/chain.ts";
import { type Crl, parseCrl } from "../pki/crl.ts";
import { bytesEqual } from "../pki/der.ts";
import { checkRevocation, type RevocationStatus } from "../pki/revocation.ts";
import type { ValidationContext } from "./options.ts";
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
  /** PAdES / CAdES baseline: ESS signing-certificate-v2 must be present (ETSI EN 319 142-1 §5.3). */
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

const NO_REVOCATION: RevocationSummary = { source: "none", status: "unknown" };

function revocationSummary(status: RevocationStatus): RevocationSummary {
  return {
    source: status.source,
    status: status.status,
    ...(status.revokedAt ? { at: status.revokedAt.toISOString() } : {}),
    ...(status.reason ? { reason: status.reason } : {}),
    ...(status.thisUpdate ? { thisUpdate: status.thisUpdate.toISOString() } : {}),
  };
}

function chainCheck(
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

/** Revocation of every certificate of the path but the anchor; the worst answer is reported. */
async function revocationCheck(
  outcome: Outcome,
  chain: ChainResult,
  context: ValidationContext,
  documentCrls: readonly Crl[],
  provenSigningTime: Date | undefined,
): Promise<RevocationSummary> {
  if (context.revocation === "off") {
    outcome.skipped("revocation", "REVOCATION_NOT_CHECKED", "revocation checking is switched off by policy");
    return NO_REVOCATION;
  }
  if (chain.status === "no-chain") {
    outcome.unknown("revocation", "REVOCATION_NO_ISSUER", "no certification path, so no issuer to ask");
    return NO_REVOCATION;
  }
  const statuses: { certificate: Certificate; status: RevocationStatus }[] = [];
  for (let i = 0; i + 1 < chain.path.length; i++) {
    const certificate = chain.path[i]!;
    const status = await checkRevocation(certificate, chain.path[i + 1]!, {
      now: context.now,
      crls: context.crls,
      embeddedCrls: documentCrls,
      ...(context.fetcher ? { fetcher: context.fetcher } : {}),
      ...(context.crlCache ? { crlCache: context.crlCache } : {}),
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
    const detail = `no trustworthy revocation answer for ${unknown.certificate.subject.text}: ${
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
        (s) => `${s.certificate.subject.commonName ?? s.certificate.subject.text}: good (${s.status.source})`,
      )
      .join("; "),
  );
  return revocationSummary(leaf.status);
}

async function organCheck(outcome: Outcome, signer: Certificate, context: ValidationContext): Promise<void> {
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

function parseDocumentCrls(parsed: ParsedSignedData, outcome: Outcome): Crl[] {
  const crls: Crl[] = [];
  for (const der of parsed.crls) {
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
 * Validates one CMS SignedData, recording every check in `outcome`.
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
  const none: SignedDataResult = { chain: [], revocation: NO_REVOCATION };
  let parsed: ParsedSignedData;
  try {
    parsed = parseSignedData(input.cms);
  } catch (error) {
    outcome.failed(
      "cms-structure",
      "CMS_MALFORMED",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      (error as Error).message,
    );
    return none;
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
    return none;
  }
  if (!parsed.detached) {
    outcome.failed(
      "cms-structure",
      "CMS_NOT_DETACHED",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      "expected detached content (no eContent)",
    );
    return none;
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
    return { ...none, hashAlgorithm };
  }
  if (!CONTENT_HASHES.has(hashAlgorithm)) {
    outcome.failed(
      "cms-structure",
      "DIGEST_ALGORITHM_UNSUPPORTED",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      `unsupported digest algorithm ${hashAlgorithm}`,
    );
    return { ...none, hashAlgorithm };
  }
  if (!info.signedAttributesDer) {
    outcome.failed(
      "cms-structure",
      "NO_SIGNED_ATTRIBUTES",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      "expected signed attributes with content-type and message-digest (ETSI EN 319 122-1 §5.1)",
    );
    return { ...none, hashAlgorithm };
  }
  outcome.passed("cms-structure", "CMS_WELL_FORMED", `one SignerInfo, ${hashAlgorithm}`);
  const documentCrls = [...(input.documentCrls ?? []), ...parseDocumentCrls(parsed, outcome)];

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
    return { ...none, hashAlgorithm };
  }
  outcome.passed("signer-certificate", "SIGNER_CERTIFICATE_FOUND", signer.subject.text);
  const base = {
    hashAlgorithm,
    signer: signerSummary(signer),
    signerCertificate: signer,
    ...(info.signingTime ? { cmsSigningTime: info.signingTime } : {}),
  };

  const contentDigest = await input.contentDigest(hashAlgorithm);
  const check = verifySignerInfo(info, signer, contentDigest);
  if (check.digestMatches) {
    outcome.passed(
      "message-digest",
      "DIGEST_MATCHES",
      `${hashAlgorithm} of the signed content equals message-digest`,
    );
  } else {
    outcome.failed(
      "message-digest",
      "DIGEST_MISMATCH",
      "TOTAL_FAILED",
      "HASH_FAILURE",
      `${hashAlgorithm} of the signed content differs from the message-digest attribute`,
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
      "the signature value does not verify with the signer certificate's key",
    );
  }
  if (check.essMatches === true) {
    outcome.passed(
      "signing-certificate-reference",
      "ESS_CERT_ID_MATCHES",
      "ESS signing-certificate(-v2) names this certificate",
    );
  } else if (check.essMatches === false) {
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
      "no ESS attribute (allowed for adbe.pkcs7.detached)",
    );
  }

  // Signature timestamp (RFC 3161 Appendix A): imprint over the signature value.
  let provenSigningTime: Date | undefined;
  let timestamp: TimestampSummary | undefined;
  const token = info.timestampTokens[0];
  if (token) {
    const ts = await validateTimestampToken(token, (hash) => digest(hash, info.signature), context);
    timestamp = {
      genTime: ts.genTime?.toISOString() ?? "",
      ...(ts.tsa ? { tsa: ts.tsa.subject.text } : {}),
      valid: ts.valid,
    };
    if (ts.valid && ts.genTime) {
      provenSigningTime = ts.genTime;
      outcome.passed("timestamp", ts.code, ts.detail);
    } else {
      outcome.failed("timestamp", ts.code, "INDETERMINATE", "SIG_CONSTRAINTS_FAILURE", ts.detail);
    }
  } else {
    outcome.skipped(
      "timestamp",
      "NO_SIGNATURE_TIMESTAMP",
      "no signature timestamp: the signing time is not proven",
    );
  }

  // Signature acceptance: the key must be meant for signatures (RFC 5280 §4.2.1.3).
  if (
    signer.keyUsage === undefined ||
    signer.keyUsage.includes("nonRepudiation") ||
    signer.keyUsage.includes("digitalSignature")
  ) {
    outcome.passed(
      "key-usage",
      "KEY_USAGE_ALLOWS_SIGNING",
      signer.keyUsage ? `keyUsage ${signer.keyUsage.join(", ")}` : "no keyUsage extension (any use)",
    );
  } else {
    outcome.failed(
      "key-usage",
      "KEY_USAGE_NOT_FOR_SIGNING",
      "INDETERMINATE",
      "CHAIN_CONSTRAINTS_FAILURE",
      `expected keyUsage nonRepudiation or digitalSignature, the certificate has ${signer.keyUsage.join(", ") || "none"}`,
    );
  }

  const at = provenSigningTime ?? context.validationTime;
  const pool = [...parsed.certificates, ...(input.documentCertificates ?? []), ...context.extraCertificates];
  const chain = buildChain(signer, { anchors: context.anchors, pool, at });
  chainCheck(outcome, chain, signer, at, provenSigningTime !== undefined);
  const revocation = await revocationCheck(outcome, chain, context, documentCrls, provenSigningTime);
  await organCheck(outcome, signer, context);

  return {
    ...base,
    chain: chain.path.map(summariseCertificate),
    ...(provenSigningTime ? { provenSigningTime } : {}),
    ...(timestamp ? { timestamp } : {}),
    revocation,
  };
}
