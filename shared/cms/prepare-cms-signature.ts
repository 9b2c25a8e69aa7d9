/**
 * Two-phase CMS signing for external signers (USB token plugins, a CA's remote-signing service,
 * a browser): phase 1 builds the signed attributes and says what must be signed; phase 2 checks
 * what came back and assembles the SignedData (RFC 5652 §5.4–§5.5).
 */

import { BER, bytesEqual, readElement } from "../asn1/der.ts";
import { ExchangeError } from "../errors/index.ts";
import type { Certificate } from "../pki/certificate.ts";
import { digest, HASH_LENGTHS, type HashAlgorithm, isHashAlgorithm, OID } from "./algorithms.ts";
import { type ParsedSignerInfo, parseSignedData, type SignerIdentifier } from "./parse.ts";
import type { Tsa } from "./ports.ts";
import {
  assembleSignedData,
  assertSupportedKey,
  buildSignedAttributes,
  timestampAttribute,
} from "./signed-data.ts";
import { addUnsignedAttribute } from "./signer-info-edit.ts";
import { timestampSignatureValue } from "./timestamp.ts";
import { checkSignatureValue, verifySignerInfo } from "./verify.ts";

/** Input of {@link prepareCmsSignature}. */
export interface PrepareCmsSignatureOptions {
  /** Digest of the signed content (the PDF byte ranges, or the whole file for CAdES). */
  readonly contentDigest: Uint8Array;
  /** Digest algorithm of `contentDigest` and of the signature; default "sha256". */
  readonly hashAlgorithm?: HashAlgorithm;
  readonly certificate: Certificate;
  /** Issuers, nearest first, to embed. */
  readonly chain: readonly Certificate[];
  /** eContentType; default id-data (1.2.840.113549.1.7.1). */
  readonly contentType?: string;
}

/** Phase-1 result: everything needed to finish the CMS once a signature value is back. */
export interface PreparedCmsSignature {
  /** DER SET OF Attribute (tag 0x31): the message the signer signs. */
  readonly signedAttributes: Uint8Array;
  /** Digest of `signedAttributes` under `hashAlgorithm`: what a remote signer signs. */
  readonly digestToSign: Uint8Array;
  readonly hashAlgorithm: HashAlgorithm;
  readonly certificate: Certificate;
  readonly chain: readonly Certificate[];
  /** The content digest the signed attributes carry (messageDigest). */
  readonly contentDigest: Uint8Array;
  readonly contentType: string;
}

/** Options of phase 2. */
export interface CompleteCmsOptions {
  /** Adds a signature timestamp (CAdES-T / PAdES B-T); a TSA failure yields an error and no CMS. */
  readonly tsa?: Tsa;
}

/**
 * Phase 1: builds the signed attributes (contentType, messageDigest, signing-certificate-v2; no
 * signing-time) and their digest. Throws KEY_UNSUPPORTED for keys other than RSA 2048–4096 and
 * ECDSA P-256/P-384.
 *
 * @example
 * const prepared = prepareCmsSignature({ contentDigest, certificate, chain });
 * const value = await remoteService.sign(prepared.digestToSign); // RSASSA-PKCS1-v1_5 or ECDSA
 * const cms = await completeCmsSignature(prepared, value);
 */
export function prepareCmsSignature(options: PrepareCmsSignatureOptions): PreparedCmsSignature {
  const hashAlgorithm = options.hashAlgorithm ?? "sha256";
  if (!isHashAlgorithm(hashAlgorithm)) {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: `hashAlgorithm: expected sha256, sha384 or sha512, got ${String(hashAlgorithm)}`,
    });
  }
  if (options.contentDigest.length !== HASH_LENGTHS[hashAlgorithm]) {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: `contentDigest for ${hashAlgorithm}: expected ${HASH_LENGTHS[hashAlgorithm]} bytes, got ${options.contentDigest.length}`,
    });
  }
  assertSupportedKey(options.certificate);
  const contentType = options.contentType ?? OID.data;
  const signedAttributes = buildSignedAttributes({
    contentDigest: options.contentDigest,
    certificate: options.certificate,
    contentType,
  });
  return {
    signedAttributes,
    digestToSign: digest(hashAlgorithm, signedAttributes),
    hashAlgorithm,
    certificate: options.certificate,
    chain: [...options.chain],
    contentDigest: options.contentDigest.slice(),
    contentType,
  };
}

/**
 * Phase 2: checks that `signatureValue` verifies with the certificate's public key over the
 * prepared signed attributes, then assembles the CMS (timestamped when `tsa` is given).
 * A value that does not verify yields SIGNATURE_VALUE_INVALID and nothing is assembled.
 * ECDSA values are accepted as DER ECDSA-Sig-Value or raw r‖s and stored as DER.
 *
 * @example
 * const cms = await completeCmsSignature(prepared, signatureValue, { tsa });
 */
export async function completeCmsSignature(
  prepared: PreparedCmsSignature,
  signatureValue: Uint8Array,
  options: CompleteCmsOptions = {},
): Promise<Uint8Array> {
  const signature = checkPreparedSignature(prepared, signatureValue);
  if (!signature) {
    throw new ExchangeError("SIGNATURE_VALUE_INVALID", {
      detail: `the ${signatureValue.length}-byte value does not verify over the prepared signed attributes with the key of certificate ${prepared.certificate.serialNumberHex} (${prepared.hashAlgorithm})`,
    });
  }
  return finishCmsSignature(prepared, signature, options);
}

/**
 * Checks a signature value over the prepared signed attributes with the prepared certificate's
 * key; returns it in the form CMS stores (ECDSA r‖s as DER), or undefined when it does not verify.
 */
export function checkPreparedSignature(
  prepared: PreparedCmsSignature,
  value: Uint8Array,
): Uint8Array | undefined {
  return checkSignatureValue(
    prepared.certificate.publicKey,
    prepared.certificate.keyType,
    prepared.hashAlgorithm,
    prepared.signedAttributes,
    value,
  );
}

/**
 * Assembles the CMS from a signature value already known to verify. Shared by the one-step
 * signer path and phase 2.
 */
export async function finishCmsSignature(
  prepared: PreparedCmsSignature,
  signature: Uint8Array,
  options: CompleteCmsOptions = {},
): Promise<Uint8Array> {
  const unsignedAttributes = options.tsa
    ? [timestampAttribute(await timestampSignatureValue(signature, options.tsa))]
    : [];
  return assembleSignedData({
    hashAlgorithm: prepared.hashAlgorithm,
    certificate: prepared.certificate,
    chain: prepared.chain,
    signedAttributes: prepared.signedAttributes,
    signature,
    unsignedAttributes,
    contentType: prepared.contentType,
  });
}

/**
 * Phase 2 when the remote side returns a whole CMS SignedData instead of a bare value.
 *
 * The rule:
 * 1. The CMS must parse, hold exactly one SignerInfo, and that SignerInfo must identify the
 *    prepared certificate (issuerAndSerialNumber or subjectKeyIdentifier).
 * 2. If its signed attributes are byte-identical to the prepared ones, only its signature value
 *    is taken and the CMS is re-assembled exactly as {@link completeCmsSignature} would (our
 *    attributes, our chain, our algorithm identifiers).
 * 3. Otherwise the service built its own signed attributes: they must carry the prepared content
 *    digest under the prepared digest algorithm, the signature must verify, the content must be
 *    detached id-data, and an ESS signing-certificate attribute, if present, must match. The CMS is
 *    then returned unchanged (a timestamp is added as an unsigned attribute when `tsa` is given and
 *    the CMS has none), because re-encoding would invalidate the service's signature.
 * Anything else → SIGNATURE_VALUE_INVALID (CMS_MALFORMED when it does not parse).
 *
 * @example
 * const cms = await completeWithCms(prepared, await remoteService.signCms(prepared.contentDigest));
 */
export async function completeWithCms(
  prepared: PreparedCmsSignature,
  cmsDer: Uint8Array,
  options: CompleteCmsOptions = {},
): Promise<Uint8Array> {
  const parsed = parseSignedData(cmsDer);
  const info = parsed.signerInfos[0];
  if (!info || parsed.signerInfos.length !== 1) {
    throw new ExchangeError("SIGNATURE_VALUE_INVALID", {
      detail: `expected one SignerInfo in the returned CMS, found ${parsed.signerInfos.length}`,
    });
  }
  if (!identifies(info.sid, prepared.certificate)) {
    throw new ExchangeError("SIGNATURE_VALUE_INVALID", {
      detail: `the returned CMS is signed by another certificate than ${prepared.certificate.serialNumberHex}`,
    });
  }
  if (info.signedAttributesDer && bytesEqual(info.signedAttributesDer, prepared.signedAttributes)) {
    return completeCmsSignature(prepared, info.signature, options);
  }
  assertSameContent(info, prepared, parsed.detached, parsed.contentType);
  const check = verifySignerInfo(info, prepared.certificate, prepared.contentDigest);
  if (!check.digestMatches || !check.signatureValid || check.essMatches === false) {
    throw new ExchangeError("SIGNATURE_VALUE_INVALID", {
      detail: `the returned CMS does not verify (digest ${check.digestMatches}, signature ${check.signatureValid}, ESS ${check.essMatches})`,
    });
  }
  const exact = trimToContentInfo(cmsDer);
  if (!options.tsa || info.timestampTokens.length > 0) {
    return exact;
  }
  const token = await timestampSignatureValue(info.signature, options.tsa);
  return addUnsignedAttribute(exact, timestampAttribute(token));
}

function assertSameContent(
  info: ParsedSignerInfo,
  prepared: PreparedCmsSignature,
  detached: boolean,
  contentType: string,
): void {
  if (!info.signedAttributesDer) {
    throw new ExchangeError("SIGNATURE_VALUE_INVALID", {
      detail: "the returned CMS has no signed attributes",
    });
  }
  if (info.digestAlgorithm !== prepared.hashAlgorithm) {
    throw new ExchangeError("SIGNATURE_VALUE_INVALID", {
      detail: `expected digest algorithm ${prepared.hashAlgorithm}, the returned CMS uses ${info.digestAlgorithm}`,
    });
  }
  if (!detached || contentType !== prepared.contentType) {
    throw new ExchangeError("SIGNATURE_VALUE_INVALID", {
      detail: `expected a detached ${prepared.contentType} signature, got ${detached ? "detached" : "encapsulated"} ${contentType}`,
    });
  }
  if (!info.messageDigest || !bytesEqual(info.messageDigest, prepared.contentDigest)) {
    throw new ExchangeError("SIGNATURE_VALUE_INVALID", {
      detail: "the returned CMS signs a different content digest than the prepared one",
    });
  }
}

function identifies(sid: SignerIdentifier, certificate: Certificate): boolean {
  if ("subjectKeyIdentifier" in sid) {
    return sid.subjectKeyIdentifier === certificate.subjectKeyIdentifier;
  }
  return (
    bytesEqual(sid.issuerDer, certificate.issuerDer) && sid.serialNumberHex === certificate.serialNumberHex
  );
}

/** The ContentInfo alone, without trailing zero padding (as cut from a PDF /Contents). */
function trimToContentInfo(der: Uint8Array): Uint8Array {
  // parseSignedData already validated the structure; the outer element's end is well defined.
  return der.slice(0, readElement(der, 0, BER).end);
}
