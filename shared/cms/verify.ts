/**
 * Cryptographic checks of one SignerInfo (RFC 5652 §5.4, §5.6) and of signature values, with
 * node:crypto. No chain building, no trust, no revocation: that is shared/verification's job.
 */
import { constants, verify as cryptoVerify, type KeyObject } from "node:crypto";
import {
  BER,
  bytesEqual,
  children,
  DerError,
  decodeDer,
  decodeOid,
  decodeSmallInteger,
  encodeInteger,
  encodeSequence,
  expectTag,
  isContext,
  TAG,
} from "../asn1/der.ts";
import type { Certificate } from "../pki/certificate.ts";
import { digest, ECDSA_OIDS, HASH_OIDS, hashNameForOid, OID, RSA_WITH_HASH_OIDS } from "./algorithms.ts";
import { recoverPkcs1Digest, verifyDigestSignature } from "./digest-signature.ts";
import type { EssCertId, ParsedSignerInfo } from "./parse.ts";

/** Outcome of {@link verifySignerInfo}; pyHanko's "intact" / "valid" split. */
export interface SignerInfoCheck {
  /**
   * The messageDigest attribute equals the content digest. Without signed attributes: the
   * signature is over the content digest (for RSASSA-PKCS1-v1_5 the recovered DigestInfo tells a
   * changed content from a foreign signature; for PSS and ECDSA both flags are the same answer).
   */
  readonly digestMatches: boolean;
  /** The signature verifies with the certificate's public key. */
  readonly signatureValid: boolean;
  /** ESS signing-certificate(-v2) names this certificate; undefined when the attribute is absent. */
  readonly essMatches: boolean | undefined;
}

/**
 * Checks one SignerInfo against a candidate signer certificate and the digest of the content
 * (computed by the caller with `info.digestAlgorithm` over the signed bytes).
 *
 * @example
 * const parsed = parseSignedData(cms);
 * const info = parsed.signerInfos[0]!;
 * const check = verifySignerInfo(info, parsed.certificates[0]!, sha256(content));
 * const ok = check.digestMatches && check.signatureValid && check.essMatches !== false;
 */
export function verifySignerInfo(
  info: ParsedSignerInfo,
  certificate: Certificate,
  contentDigest: Uint8Array,
): SignerInfoCheck {
  const hash = signatureHash(info);
  if (!info.signedAttributesDer) {
    // No signed attributes (§5.4): the signature is over the content itself, so the only thing
    // we can check from a digest is the signature over that digest.
    return { ...verifyOverDigest(info, certificate, contentDigest), essMatches: undefined };
  }
  const digestMatches = info.messageDigest !== undefined && bytesEqual(info.messageDigest, contentDigest);
  const signatureValid =
    hash !== undefined && verifySignatureOverMessage(info, certificate, hash, info.signedAttributesDer);
  return { digestMatches, signatureValid, essMatches: essMatches(info, certificate) };
}

/**
 * ESS check (RFC 5035 §5.4 processing): the first ESSCertID(v2) must hash the certificate with
 * its algorithm, and its IssuerSerial, when present, must name the certificate's issuer and
 * serial. v2 is preferred over v1 when both are present.
 */
export function essMatches(info: ParsedSignerInfo, certificate: Certificate): boolean | undefined {
  const first: EssCertId | undefined = info.signingCertificateV2?.[0] ?? info.signingCertificate?.[0];
  if (!info.signingCertificateV2 && !info.signingCertificate) {
    return undefined;
  }
  if (!first || !HASH_OIDS[first.hashAlgorithm]) {
    return false;
  }
  if (!bytesEqual(digest(first.hashAlgorithm, certificate.der), first.certHash)) {
    return false;
  }
  if (first.issuerSerial) {
    return (
      bytesEqual(first.issuerSerial.issuerDer, certificate.issuerDer) &&
      first.issuerSerial.serialNumberHex === certificate.serialNumberHex
    );
  }
  return true;
}

/** The digest the signature algorithm uses: from an ecdsa-with-*, sha*WithRSA OID, or digestAlgorithm. */
function signatureHash(info: ParsedSignerInfo): string | undefined {
  for (const [name, oid] of Object.entries(ECDSA_OIDS)) {
    if (oid === info.signatureAlgorithmOid) {
      return name;
    }
  }
  for (const [name, oid] of Object.entries(RSA_WITH_HASH_OIDS)) {
    if (oid === info.signatureAlgorithmOid) {
      return name;
    }
  }
  if (info.signatureAlgorithmOid === OID.rsassaPss) {
    return pssParameters(info)?.hash;
  }
  return HASH_OIDS[info.digestAlgorithm] ? info.digestAlgorithm : undefined;
}

function keyTypeFor(oid: string): "rsa" | "ec" | "rsa-pss" | undefined {
  if (oid === OID.rsaEncryption || Object.values(RSA_WITH_HASH_OIDS).includes(oid)) {
    return "rsa";
  }
  if (oid === OID.rsassaPss) {
    return "rsa-pss";
  }
  if (oid === OID.ecPublicKey || Object.values(ECDSA_OIDS).includes(oid)) {
    return "ec";
  }
  return undefined;
}

function verifySignatureOverMessage(
  info: ParsedSignerInfo,
  certificate: Certificate,
  hash: string,
  message: Uint8Array,
): boolean {
  const kind = keyTypeFor(info.signatureAlgorithmOid);
  if (kind === "rsa-pss") {
    const pss = pssParameters(info);
    if (!pss || certificate.keyType !== "rsa") {
      return false;
    }
    return safeVerify(
      hash,
      message,
      {
        key: certificate.publicKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: pss.saltLength,
      },
      info.signature,
    );
  }
  if (kind === undefined || kind !== certificate.keyType) {
    return false;
  }
  // A stored CMS must carry DER ECDSA-Sig-Value (RFC 5753 §7.2): no raw r‖s leniency here.
  return (
    checkSignatureValue(certificate.publicKey, certificate.keyType, hash, message, info.signature, {
      acceptRawEcdsa: false,
    }) !== undefined
  );
}

/**
 * No signed attributes (RFC 5652 §5.4): the signature is over the content digest itself, computed
 * with the SignerInfo's digestAlgorithm, so the signature algorithm must use that same hash.
 */
function verifyOverDigest(
  info: ParsedSignerInfo,
  certificate: Certificate,
  contentDigest: Uint8Array,
): { digestMatches: boolean; signatureValid: boolean } {
  const hash = info.digestAlgorithm;
  const scheme = keyTypeFor(info.signatureAlgorithmOid);
  const pss = scheme === "rsa-pss" ? pssParameters(info) : undefined;
  if (
    !HASH_OIDS[hash] ||
    signatureHash(info) !== hash ||
    scheme === undefined ||
    (scheme === "rsa-pss" && !pss)
  ) {
    return { digestMatches: false, signatureValid: false };
  }
  if (scheme === "rsa") {
    const recovered = recoverPkcs1Digest(certificate, info.signature);
    const signatureValid = recovered !== undefined && recovered.hash === hash;
    return { digestMatches: signatureValid && bytesEqual(recovered.digest, contentDigest), signatureValid };
  }
  const valid = verifyDigestSignature({
    certificate,
    scheme,
    hash,
    digest: contentDigest,
    signature: info.signature,
    ...(pss ? { saltLength: pss.saltLength } : {}),
  });
  return { digestMatches: valid, signatureValid: valid };
}

/** RSASSA-PSS-params (RFC 4055 §3.1): hash [0], maskGenAlgorithm [1] (MGF1 with the same hash), saltLength [2]. */
function pssParameters(info: ParsedSignerInfo): { hash: string; saltLength: number } | undefined {
  const der = info.signatureAlgorithmParameters;
  if (!der) {
    return undefined;
  }
  try {
    let hash = "sha1";
    let saltLength = 20;
    const params = decodeDer(der, BER);
    for (const field of children(expectTag(params, TAG.SEQUENCE, "RSASSA-PSS-params"), BER)) {
      if (isContext(field, 0)) {
        const [algorithm] = children(field, BER);
        const [oid] = children(expectTag(algorithm, TAG.SEQUENCE, "hashAlgorithm"), BER);
        const name = hashNameForOid(decodeOid(expectTag(oid, TAG.OID, "hash OID")));
        if (!name) {
          return undefined;
        }
        hash = name;
      } else if (isContext(field, 2)) {
        const [value] = children(field, BER);
        // A negative saltLength would select node's RSA_PSS_SALTLEN_* modes: refuse it.
        saltLength = decodeSmallInteger(expectTag(value, TAG.INTEGER, "saltLength"), { min: 0 });
      }
    }
    return { hash, saltLength };
  } catch (error) {
    if (error instanceof DerError) {
      return undefined;
    }
    throw error;
  }
}

function safeVerify(
  hash: string,
  message: Uint8Array,
  key: Parameters<typeof cryptoVerify>[2],
  signature: Uint8Array,
): boolean {
  try {
    return cryptoVerify(hash, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies a signature value over `message` (RSASSA-PKCS1-v1_5, or ECDSA in DER or the raw
 * r‖s form some tokens and remote services return) and returns it in the DER form CMS stores
 * (RFC 5753 §7.2: ECDSA-Sig-Value), or undefined when it does not verify.
 * `acceptRawEcdsa` (default true) allows the r‖s form.
 */
export function checkSignatureValue(
  publicKey: KeyObject,
  keyType: "rsa" | "ec",
  hash: string,
  message: Uint8Array,
  signature: Uint8Array,
  options: { readonly acceptRawEcdsa?: boolean } = {},
): Uint8Array | undefined {
  if (keyType === "rsa") {
    const ok = safeVerify(hash, message, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
    return ok ? signature : undefined;
  }
  if (safeVerify(hash, message, { key: publicKey, dsaEncoding: "der" }, signature)) {
    return signature;
  }
  const acceptRaw = options.acceptRawEcdsa ?? true;
  if (
    acceptRaw &&
    signature.length % 2 === 0 &&
    safeVerify(hash, message, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)
  ) {
    return ecdsaRawToDer(signature);
  }
  return undefined;
}

/** r‖s (IEEE P1363) → DER ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return encodeSequence(encodeInteger(raw.subarray(0, half)), encodeInteger(raw.subarray(half)));
}
