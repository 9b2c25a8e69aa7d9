/**
 * Building blocks of a CAdES-BES / PAdES B-B SignedData (RFC 5652 §5, ETSI EN 319 122-1 §5.2,
 * ETSI EN 319 142-1 §6.3): signed attributes, SignerInfo and the detached SignedData around them.
 */
import { ExchangeError } from "../errors/index.ts";
import type { Certificate } from "../pki/certificate.ts";
import { digest, ECDSA_OIDS, HASH_OIDS, type HashAlgorithm, OID } from "./algorithms.ts";
import {
  type Asn1,
  contextConstructed,
  derSetOf,
  encode,
  nullValue,
  octetString,
  oid,
  raw,
  sequence,
  set,
  smallInteger,
} from "./asn1-builder.ts";

/** RSA modulus sizes and EC curves Lienthong signs with. */
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 4096;
const SUPPORTED_CURVES: readonly string[] = ["P-256", "P-384"];

/** Throws KEY_UNSUPPORTED unless the certificate's key is RSA 2048–4096 or ECDSA P-256/P-384. */
export function assertSupportedKey(certificate: Certificate): void {
  if (certificate.keyType === "rsa") {
    if (certificate.keySize < RSA_MIN_BITS || certificate.keySize > RSA_MAX_BITS) {
      throw new ExchangeError("KEY_UNSUPPORTED", {
        detail: `expected an RSA key of ${RSA_MIN_BITS}–${RSA_MAX_BITS} bits, got ${certificate.keySize} bits`,
      });
    }
    return;
  }
  if (certificate.keyType === "ec") {
    if (!certificate.namedCurve || !SUPPORTED_CURVES.includes(certificate.namedCurve)) {
      throw new ExchangeError("KEY_UNSUPPORTED", {
        detail: `expected an EC key on ${SUPPORTED_CURVES.join(" or ")}, got ${certificate.namedCurve ?? `${certificate.keySize}-bit curve`}`,
      });
    }
    return;
  }
  throw new ExchangeError("KEY_UNSUPPORTED", {
    detail: `expected an RSA or EC key, got ${String((certificate as { keyType: unknown }).keyType)}`,
  });
}

/** AlgorithmIdentifier of a digest; parameters absent (RFC 5754 §2). */
export function digestAlgorithmIdentifier(hashAlgorithm: HashAlgorithm): Asn1 {
  return sequence([oid(HASH_OIDS[hashAlgorithm]!)]);
}

/**
 * signatureAlgorithm of the SignerInfo: rsaEncryption with NULL parameters for RSASSA-PKCS1-v1_5
 * (RFC 3370 §3.2, the form PAdES validators expect), ecdsa-with-SHA* without parameters
 * (RFC 5758 §3.2) for ECDSA.
 */
export function signatureAlgorithmIdentifier(certificate: Certificate, hashAlgorithm: HashAlgorithm): Asn1 {
  if (certificate.keyType === "ec") {
    return sequence([oid(ECDSA_OIDS[hashAlgorithm]!)]);
  }
  return sequence([oid(OID.rsaEncryption), nullValue()]);
}

function attribute(type: string, values: readonly Asn1[]): Asn1 {
  return sequence([oid(type), derSetOf(values)]);
}

/**
 * ESS signing-certificate-v2 (RFC 5035 §3): one ESSCertIDv2 with the SHA-256 hash of the signer
 * certificate (hashAlgorithm omitted: DEFAULT id-sha256) and its IssuerSerial, the issuer as
 * GeneralNames { directoryName [4] Name }.
 */
function signingCertificateV2(certificate: Certificate): Asn1 {
  const certHash = digest("sha256", certificate.der);
  const issuerSerial = sequence([
    sequence([contextConstructed(4, [raw(certificate.issuerDer)])]),
    raw(certificate.serialNumberDer),
  ]);
  const essCertIdV2 = sequence([octetString(certHash), issuerSerial]);
  return sequence([sequence([essCertIdV2])]);
}

/**
 * The signed attributes, DER-encoded as `SET OF Attribute` (tag 0x31): exactly the bytes the
 * signature is computed over (RFC 5652 §5.4). contentType id-data, messageDigest and
 * signing-certificate-v2; no signing-time, since PAdES baseline carries the time in /M
 * (ETSI EN 319 142-1 §5.4.2) and CAdES gets it from the timestamp.
 */
export function buildSignedAttributes(options: {
  readonly contentDigest: Uint8Array;
  readonly certificate: Certificate;
  readonly contentType?: string;
}): Uint8Array {
  const attributes = [
    attribute(OID.contentTypeAttr, [oid(options.contentType ?? OID.data)]),
    attribute(OID.messageDigestAttr, [octetString(options.contentDigest)]),
    attribute(OID.signingCertificateV2, [signingCertificateV2(options.certificate)]),
  ];
  return encode(derSetOf(attributes));
}

/** An unsigned attribute holding the signature timestamp token (RFC 3161 Appendix A). */
export function timestampAttribute(token: Uint8Array): Asn1 {
  return attribute(OID.signatureTimeStampToken, [raw(token)]);
}

/** The certificates to embed: signer first, then the chain, without duplicates. */
export function certificatesToEmbed(certificate: Certificate, chain: readonly Certificate[]): Certificate[] {
  const seen = new Set<string>();
  const out: Certificate[] = [];
  for (const cert of [certificate, ...chain]) {
    if (!seen.has(cert.sha256)) {
      seen.add(cert.sha256);
      out.push(cert);
    }
  }
  return out;
}

export interface AssembleOptions {
  readonly hashAlgorithm: HashAlgorithm;
  readonly certificate: Certificate;
  readonly chain: readonly Certificate[];
  /** DER SET OF Attribute (0x31), as signed. */
  readonly signedAttributes: Uint8Array;
  /** DER signature value (RSA bytes or ECDSA-Sig-Value). */
  readonly signature: Uint8Array;
  readonly unsignedAttributes?: readonly Asn1[];
  readonly contentType?: string;
}

/**
 * The DER ContentInfo of a detached SignedData (RFC 5652 §5.1): version 1, one digest
 * algorithm, encapContentInfo without eContent, the certificates, one SignerInfo identified by
 * issuerAndSerialNumber (version 1).
 */
export function assembleSignedData(options: AssembleOptions): Uint8Array {
  const { certificate, hashAlgorithm } = options;
  // Signed attributes are stored [0] IMPLICIT: same content, tag 0xA0 instead of 0x31 (§5.3).
  const signedAttrs = options.signedAttributes.slice();
  signedAttrs[0] = 0xa0;
  const unsigned =
    options.unsignedAttributes && options.unsignedAttributes.length > 0
      ? retag(derSetOf(options.unsignedAttributes), 0xa1)
      : undefined;
  const signerInfo = sequence([
    smallInteger(1),
    sequence([raw(certificate.issuerDer), raw(certificate.serialNumberDer)]),
    digestAlgorithmIdentifier(hashAlgorithm),
    raw(signedAttrs),
    signatureAlgorithmIdentifier(certificate, hashAlgorithm),
    octetString(options.signature),
    unsigned,
  ]);
  // CertificateSet keeps the signer first (not DER-sorted): simple verifiers take the first
  // certificate as the signer's, and BER permits any order (RFC 5652 §10.2.3).
  const certificates = certificatesToEmbed(certificate, options.chain).map((cert) => raw(cert.der));
  const signedData = sequence([
    smallInteger(1),
    set([digestAlgorithmIdentifier(hashAlgorithm)]),
    sequence([oid(options.contentType ?? OID.data)]),
    contextConstructed(0, certificates),
    set([signerInfo]),
  ]);
  return encode(sequence([oid(OID.signedData), contextConstructed(0, [signedData])]));
}

function retag(node: Asn1, tag: number): Asn1 {
  const der = encode(node);
  der[0] = tag;
  return raw(der);
}
