/**
 * Validation of an RFC 3161 TimeStampToken: as a signature timestamp (imprint over the SignerInfo's
 * signature value, RFC 3161 Appendix A; CAdES-T / PAdES B-T) or a document timestamp (imprint over
 * the byte ranges, ETSI EN 319 142-1 §5.4). The token's own signature, the TSA certificate's
 * id-kp-timeStamping EKU (RFC 3161 §2.3) and its chain to a trust anchor at genTime are checked.
 */

import { bytesEqual } from "../asn1/der.ts";
import { digest } from "../cms/algorithms.ts";
import { parseTimestampToken } from "../cms/timestamp.ts";
import { verifySignerInfo } from "../cms/verify.ts";
import type { Certificate } from "../pki/certificate.ts";
import { buildChain } from "../pki/chain.ts";
import type { ValidationContext } from "./options.ts";

const EKU_TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
const IMPRINT_HASHES = new Set(["sha256", "sha384", "sha512"]);

export interface TimestampValidation {
  readonly valid: boolean;
  /** genTime, when the token could be read (valid or not). */
  readonly genTime?: Date;
  readonly tsa?: Certificate;
  /** Code of the first problem, e.g. TIMESTAMP_IMPRINT_MISMATCH; TIMESTAMP_VALID when valid. */
  readonly code: string;
  readonly detail: string;
}

/**
 * Validates `token` against the data it should stamp; `imprintOf(hash)` returns the digest of that data.
 *
 * @example
 * const result = await validateTimestampToken(token, async (h) => digest(h, signatureValue), context);
 */
export async function validateTimestampToken(
  token: Uint8Array,
  imprintOf: (hashAlgorithm: string) => Uint8Array | Promise<Uint8Array>,
  context: ValidationContext,
): Promise<TimestampValidation> {
  let parsed: ReturnType<typeof parseTimestampToken>;
  try {
    parsed = parseTimestampToken(token);
  } catch (error) {
    return {
      valid: false,
      code: "TIMESTAMP_MALFORMED",
      detail: `unreadable token: ${(error as Error).message}`,
    };
  }
  const genTime = parsed.genTime;
  const fail = (code: string, detail: string, tsa?: Certificate): TimestampValidation => ({
    valid: false,
    genTime,
    ...(tsa ? { tsa } : {}),
    code,
    detail,
  });
  if (!IMPRINT_HASHES.has(parsed.hashAlgorithm)) {
    return fail("TIMESTAMP_HASH_UNSUPPORTED", `expected a SHA-2 imprint, got ${parsed.hashAlgorithm}`);
  }
  if (!bytesEqual(await imprintOf(parsed.hashAlgorithm), parsed.messageImprint)) {
    return fail(
      "TIMESTAMP_IMPRINT_MISMATCH",
      "the token's messageImprint is not the digest of the stamped data",
    );
  }
  const info = parsed.signedData.signerInfos[0];
  if (!info || parsed.signedData.signerInfos.length !== 1) {
    return fail(
      "TIMESTAMP_MALFORMED",
      `expected one SignerInfo, found ${parsed.signedData.signerInfos.length}`,
    );
  }
  const pool = [
    ...parsed.signedData.certificates,
    ...context.extraCertificates,
    ...context.anchors.certificates,
  ];
  const sid = info.sid;
  const tsa = pool.find((certificate) =>
    "subjectKeyIdentifier" in sid
      ? certificate.subjectKeyIdentifier === sid.subjectKeyIdentifier
      : bytesEqual(certificate.issuerDer, sid.issuerDer) &&
        certificate.serialNumberHex === sid.serialNumberHex,
  );
  if (!tsa) {
    return fail(
      "TIMESTAMP_TSA_CERTIFICATE_MISSING",
      "the TSA certificate is neither in the token nor configured",
    );
  }
  if (!IMPRINT_HASHES.has(info.digestAlgorithm)) {
    return fail("TIMESTAMP_HASH_UNSUPPORTED", `token digest algorithm ${info.digestAlgorithm}`, tsa);
  }
  const check = verifySignerInfo(info, tsa, digest(info.digestAlgorithm, parsed.tstInfoDer));
  if (!check.digestMatches || !check.signatureValid || check.essMatches === false) {
    return fail(
      "TIMESTAMP_SIGNATURE_INVALID",
      `token signature check: digest ${check.digestMatches}, signature ${check.signatureValid}, ESS ${check.essMatches}`,
      tsa,
    );
  }
  if (!tsa.extendedKeyUsage.includes(EKU_TIME_STAMPING)) {
    return fail("TIMESTAMP_TSA_NOT_AUTHORISED", `${tsa.subject.text} lacks EKU id-kp-timeStamping`, tsa);
  }
  const chain = buildChain(tsa, { anchors: context.anchors, pool, at: genTime });
  if (chain.status !== "valid") {
    return fail(
      "TIMESTAMP_TSA_UNTRUSTED",
      `TSA ${tsa.subject.text}: ${chain.problems.map((p) => p.detail).join("; ")}`,
      tsa,
    );
  }
  if (genTime.getTime() > context.validationTime.getTime() + 300_000) {
    return fail("TIMESTAMP_IN_FUTURE", `genTime ${genTime.toISOString()} is after the validation time`, tsa);
  }
  return {
    valid: true,
    genTime,
    tsa,
    code: "TIMESTAMP_VALID",
    detail: `genTime ${genTime.toISOString()} by ${tsa.subject.text}`,
  };
}
