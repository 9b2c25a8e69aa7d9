/**
 * The cryptographic check of an evidence signature against the exchange's own, pinned
 * certificates: the detached CMS is intact over the content, its signer is one of the given
 * certificates (so no chain building or revocation is needed: the exchange knows its keys), and
 * when a timestamp is required, a token over the signature value verifies (RFC 3161 Appendix A).
 * Full AdES validation against trust anchors is shared/verification's `validateDetached`.
 */
import { bytesEqual } from "../asn1/der.ts";
import { digest } from "../cms/algorithms.ts";
import { type ParsedSignedData, parseSignedData, type SignerIdentifier } from "../cms/parse.ts";
import { checkTimestampToken } from "../cms/timestamp.ts";
import { verifySignerInfo } from "../cms/verify.ts";
import { ExchangeError } from "../errors/index.ts";
import type { Certificate } from "../pki/certificate.ts";

/** Options of {@link checkEvidenceSignature}. */
export interface CheckEvidenceSignatureOptions {
  /** The exchange's signing certificates, current and retired. */
  readonly trustedSigners: readonly Certificate[];
  /** Require a signature timestamp (seals); default false. */
  readonly requireTimestamp?: boolean;
  /** When given, the timestamp must come from one of these TSA certificates. */
  readonly trustedTsas?: readonly Certificate[];
}

/** Outcome of {@link checkEvidenceSignature}: who signed, and when (claimed and proven). */
export type EvidenceSignatureCheck =
  | {
      readonly ok: true;
      readonly signer: Certificate;
      readonly signingTime?: Date;
      readonly timestampTime?: Date;
    }
  | { readonly ok: false; readonly detail: string };

/**
 * Checks a detached evidence signature over `content`; never throws for bad input.
 *
 * @example
 * const check = checkEvidenceSignature(sealJson, sealP7s, { trustedSigners: [exchangeCert], requireTimestamp: true });
 */
export function checkEvidenceSignature(
  content: Uint8Array,
  p7s: Uint8Array,
  options: CheckEvidenceSignatureOptions,
): EvidenceSignatureCheck {
  let parsed: ParsedSignedData;
  try {
    parsed = parseSignedData(p7s);
  } catch (error) {
    return { ok: false, detail: `the signature is not CMS (${detailOf(error)})` };
  }
  const info = parsed.signerInfos[0];
  if (!info || parsed.signerInfos.length !== 1 || !parsed.detached) {
    return { ok: false, detail: "expected a detached SignedData with exactly one SignerInfo" };
  }
  if (info.digestAlgorithm !== "sha256") {
    return { ok: false, detail: `expected SHA-256, got ${info.digestAlgorithm}` };
  }
  const signer = options.trustedSigners.find((cert) => identifies(info.sid, cert));
  if (!signer) {
    return { ok: false, detail: "not signed by one of the exchange's certificates" };
  }
  const check = verifySignerInfo(info, signer, digest("sha256", content));
  if (!check.digestMatches) {
    return { ok: false, detail: "the signed digest does not match the content: the content was changed" };
  }
  if (!check.signatureValid || check.essMatches !== true) {
    return {
      ok: false,
      detail: `the signature does not verify (signature ${check.signatureValid}, ESS ${check.essMatches})`,
    };
  }
  const token = info.timestampTokens[0];
  let timestampTime: Date | undefined;
  if (token) {
    try {
      const parsedToken = checkTimestampToken(token, {
        messageImprint: digest("sha256", info.signature),
        hashAlgorithm: "sha256",
      });
      // The certificate checkTimestampToken verified the token with: the first one its sid names.
      const tsaSid = parsedToken.signedData.signerInfos[0]!.sid;
      const tsa = parsedToken.signedData.certificates.find((cert) => identifies(tsaSid, cert));
      if (options.trustedTsas && !options.trustedTsas.some((cert) => tsa && bytesEqual(cert.der, tsa.der))) {
        return { ok: false, detail: "the timestamp is not from a trusted TSA" };
      }
      timestampTime = parsedToken.genTime;
      if (timestampTime < signer.notBefore || timestampTime > signer.notAfter) {
        return {
          ok: false,
          detail: `signed at ${timestampTime.toISOString()}, outside the certificate's validity`,
        };
      }
    } catch (error) {
      return { ok: false, detail: `the timestamp does not verify (${detailOf(error)})` };
    }
  } else if (options.requireTimestamp) {
    return { ok: false, detail: "the signature carries no timestamp" };
  }
  return {
    ok: true,
    signer,
    ...(info.signingTime ? { signingTime: info.signingTime } : {}),
    ...(timestampTime ? { timestampTime } : {}),
  };
}

function identifies(sid: SignerIdentifier, cert: Certificate): boolean {
  return "subjectKeyIdentifier" in sid
    ? cert.subjectKeyIdentifier === sid.subjectKeyIdentifier
    : bytesEqual(cert.issuerDer, sid.issuerDer) && cert.serialNumberHex === sid.serialNumberHex;
}

function detailOf(error: unknown): string {
  return error instanceof ExchangeError ? (error.detail ?? error.code) : "unexpected structure";
}
