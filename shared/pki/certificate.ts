import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import {
  bytesEqual,
  bytesToHex,
  children,
  type DerElement,
  DerError,
  decodeBitString,
  decodeBoolean,
  decodeDer,
  decodeOid,
  decodeSmallInteger,
  decodeString,
  decodeTime,
  expectTag,
  octetStringValue,
  TAG,
} from "../asn1/der.ts";
import { OID } from "../asn1/oids.ts";
import { ExchangeError } from "../errors/index.ts";
import { type DistinguishedName, parseName } from "./name.ts";

export type { DistinguishedName, NameAttribute } from "./name.ts";

/** KeyUsage bits, named as in RFC 5280 §4.2.1.3 (bit 0 first). */
export type KeyUsage =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "keyCertSign"
  | "cRLSign"
  | "encipherOnly"
  | "decipherOnly";

/** The KeyUsage bit names in bit order (index = bit number). */
export const KEY_USAGE_BITS: readonly KeyUsage[] = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

/** One certificate extension as encoded (RFC 5280 §4.1.2.9). */
export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING's content: the DER of the extension value. */
  readonly value: Uint8Array;
}

/** An X.509 v3 certificate, decoded. Byte fields are views of `der`. */
export interface Certificate {
  readonly der: Uint8Array;
  /** TBSCertificate, DER, exactly as signed. */
  readonly tbsDer: Uint8Array;
  /** 1 for v1, 3 for v3. */
  readonly version: number;
  readonly signatureAlgorithmOid: string;
  readonly signatureValue: Uint8Array;
  /** Lowercase hex of the INTEGER content bytes, without leading 00 octets. */
  readonly serialNumberHex: string;
  /** The whole DER INTEGER (tag+length+value), for IssuerSerial (RFC 5035 §4). */
  readonly serialNumberDer: Uint8Array;
  readonly subject: DistinguishedName;
  readonly subjectDer: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly issuerDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo, DER. */
  readonly spkiDer: Uint8Array;
  readonly publicKey: KeyObject;
  readonly keyType: "rsa" | "ec";
  /** RSA modulus bits, EC field bits (256, 384, 521). */
  readonly keySize: number;
  readonly namedCurve?: "P-256" | "P-384" | "P-521";
  /** Undefined when the extension is absent. */
  readonly keyUsage?: readonly KeyUsage[];
  /** OIDs; empty when the extension is absent. */
  readonly extendedKeyUsage: readonly string[];
  readonly isCa: boolean;
  readonly pathLength?: number;
  /** URLs from the distribution points' fullName (RFC 5280 §4.2.1.13). */
  readonly crlDistributionPoints: readonly string[];
  readonly ocspUrls: readonly string[];
  readonly caIssuerUrls: readonly string[];
  /** Policy OIDs (RFC 5280 §4.2.1.4). */
  readonly certificatePolicies: readonly string[];
  /** Lowercase hex. */
  readonly subjectKeyIdentifier?: string;
  /** Lowercase hex of the keyIdentifier field. */
  readonly authorityKeyIdentifier?: string;
  /** All extensions, in certificate order (callers check unknown critical ones, RFC 5280 §4.2). */
  readonly extensions: readonly CertificateExtension[];
  /** Lowercase hex SHA-256 fingerprint of `der`. */
  readonly sha256: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const CERT_LABELS = new Set(["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"]);

/**
 * Parses one certificate from DER bytes, PEM text, or PEM text as bytes. RSA and EC keys.
 * Throws `ExchangeError` CERT_MALFORMED for anything else.
 *
 * @example
 * const cert = parseCertificate(fs.readFileSync("person.pem", "utf8"));
 * console.log(cert.subject.text, cert.serialNumberHex);
 */
export function parseCertificate(input: Uint8Array | string): Certificate {
  if (typeof input === "string") {
    return parseDer(pemOrBase64ToDer(input));
  }
  if (input[0] === 0x30) {
    return parseDer(input);
  }
  return parseDer(
    pemOrBase64ToDer(Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString("latin1")),
  );
}

/**
 * Every certificate in a PEM bundle, in file order; blocks with other labels are skipped.
 *
 * @example
 * const [leaf, ...issuers] = parseCertificates(fs.readFileSync("chain.pem", "utf8"));
 */
export function parseCertificates(pem: string): Certificate[] {
  const out: Certificate[] = [];
  for (const match of pem.matchAll(PEM_BLOCK)) {
    if (CERT_LABELS.has(match[1] as string)) {
      out.push(parseDer(base64ToBytes(match[2] as string)));
    }
  }
  return out;
}

/**
 * DER to PEM with 64-character lines (RFC 7468 §2).
 *
 * @example
 * fs.writeFileSync("root.pem", toPem(root.der));
 */
export function toPem(der: Uint8Array, label = "CERTIFICATE"): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function pemOrBase64ToDer(text: string): Uint8Array {
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (CERT_LABELS.has(match[1] as string)) {
      return base64ToBytes(match[2] as string);
    }
  }
  const compact = text.replace(/\s+/g, "");
  if (compact.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    return base64ToBytes(compact);
  }
  throw new ExchangeError("CERT_MALFORMED", {
    detail: "expected DER or a PEM CERTIFICATE block, found neither",
  });
}

function base64ToBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ""), "base64"));
}

/**
 * Certificates already decoded, by the SHA-256 of their DER. A letter's signers, their CAs and the
 * trust anchors come back letter after letter, and decoding one (its key above all, through
 * createPublicKey) costs far more than the signature checks that use it. Entries are frozen and
 * hold their own copy of the DER; a hit counts only when those bytes equal the input's, so an
 * entry never answers for other bytes. Oldest entries go first beyond {@link MAX_DECODED}.
 */
const decoded = new Map<string, Certificate>();
const MAX_DECODED = 1024;

/** Decodes `der` (or returns the same certificate decoded before); never keeps `der` itself. */
function parseDer(der: Uint8Array): Certificate {
  const sha256 = createHash("sha256").update(der).digest("hex");
  const known = decoded.get(sha256);
  if (known && bytesEqual(known.der, der)) {
    return known;
  }
  const certificate = freezeCertificate(parseOwnCopy(new Uint8Array(der), sha256));
  decoded.delete(sha256);
  decoded.set(sha256, certificate);
  if (decoded.size > MAX_DECODED) {
    decoded.delete(decoded.keys().next().value!);
  }
  return certificate;
}

/** Freezes a decoded certificate and what it holds (but the byte views, which cannot be frozen). */
function freezeCertificate(certificate: Certificate): Certificate {
  for (const name of [certificate.subject, certificate.issuer]) {
    name.attributes.forEach(Object.freeze);
    Object.freeze(name.attributes);
    Object.freeze(name);
  }
  certificate.extensions.forEach(Object.freeze);
  for (const list of [
    certificate.keyUsage,
    certificate.extendedKeyUsage,
    certificate.crlDistributionPoints,
    certificate.ocspUrls,
    certificate.caIssuerUrls,
    certificate.certificatePolicies,
    certificate.extensions,
  ]) {
    if (list) {
      Object.freeze(list);
    }
  }
  return Object.freeze(certificate);
}

function parseOwnCopy(der: Uint8Array, sha256: string): Certificate {
  try {
    return decodeCertificate(der, sha256);
  } catch (error) {
    if (error instanceof ExchangeError) {
      throw error;
    }
    const reason = error instanceof DerError ? error.message : "unreadable structure";
    throw new ExchangeError("CERT_MALFORMED", {
      detail: `not an X.509 certificate: ${reason}`,
      cause: error,
    });
  }
}

/** RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } */
function decodeCertificate(der: Uint8Array, sha256: string): Certificate {
  const root = expectTag(decodeDer(der), TAG.SEQUENCE, "Certificate");
  const [tbs, sigAlg, sigValue] = children(root);
  expectTag(tbs, TAG.SEQUENCE, "TBSCertificate");
  expectTag(sigAlg, TAG.SEQUENCE, "signatureAlgorithm");
  const signatureAlgorithmOid = decodeOid(children(sigAlg as DerElement)[0] as DerElement);
  const signatureValue = decodeBitString(sigValue as DerElement).bytes;

  const fields = children(tbs as DerElement);
  let i = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    version = decodeSmallInteger(children(fields[0])[0] as DerElement) + 1;
    i++;
  }
  const serial = expectTag(fields[i++], TAG.INTEGER, "serialNumber");
  const innerSigAlg = expectTag(fields[i++], TAG.SEQUENCE, "signature");
  if (decodeOid(children(innerSigAlg)[0] as DerElement) !== signatureAlgorithmOid) {
    // RFC 5280 §4.1.1.2: the two algorithm identifiers MUST be equal.
    throw new DerError("signatureAlgorithm differs from TBSCertificate.signature");
  }
  const issuerElement = expectTag(fields[i++], TAG.SEQUENCE, "issuer");
  const validity = children(expectTag(fields[i++], TAG.SEQUENCE, "validity"));
  const subjectElement = expectTag(fields[i++], TAG.SEQUENCE, "subject");
  const spki = expectTag(fields[i++], TAG.SEQUENCE, "subjectPublicKeyInfo");
  let extensionsElement: DerElement | undefined;
  for (; i < fields.length; i++) {
    if (fields[i]?.tag === 0xa3) {
      extensionsElement = children(fields[i] as DerElement)[0];
    }
  }

  const key = decodePublicKey(spki.bytes);
  const extensions = extensionsElement ? decodeExtensions(extensionsElement) : [];
  const extensionFields = interpretExtensions(extensions);
  const serialHex = bytesToHex(serial.content).replace(/^(00)+(?=..)/, "");

  return {
    der,
    tbsDer: (tbs as DerElement).bytes,
    version,
    signatureAlgorithmOid,
    signatureValue,
    serialNumberHex: serialHex,
    serialNumberDer: serial.bytes,
    subject: parseName(subjectElement),
    subjectDer: subjectElement.bytes,
    issuer: parseName(issuerElement),
    issuerDer: issuerElement.bytes,
    notBefore: decodeTime(validity[0] as DerElement),
    notAfter: decodeTime(validity[1] as DerElement),
    spkiDer: spki.bytes,
    ...key,
    ...extensionFields,
    extensions,
    sha256,
  };
}

const CURVES: Readonly<
  Record<string, { readonly name: "P-256" | "P-384" | "P-521"; readonly bits: number }>
> = {
  prime256v1: { name: "P-256", bits: 256 },
  secp384r1: { name: "P-384", bits: 384 },
  secp521r1: { name: "P-521", bits: 521 },
};

function decodePublicKey(
  spkiDer: Uint8Array,
): Pick<Certificate, "publicKey" | "keyType" | "keySize" | "namedCurve"> {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spkiDer), format: "der", type: "spki" });
  } catch (error) {
    throw new ExchangeError("CERT_MALFORMED", {
      detail: "the subject public key cannot be read (expected an RSA or EC key)",
      cause: error,
    });
  }
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (publicKey.asymmetricKeyType === "rsa" || publicKey.asymmetricKeyType === "rsa-pss") {
    return { publicKey, keyType: "rsa", keySize: details.modulusLength ?? 0 };
  }
  if (publicKey.asymmetricKeyType === "ec") {
    const curve = CURVES[details.namedCurve ?? ""];
    if (curve) {
      return { publicKey, keyType: "ec", keySize: curve.bits, namedCurve: curve.name };
    }
    // Other curves (brainpool, secp256k1): size from the uncompressed point 04||X||Y.
    const point = decodeBitString(children(decodeDer(spkiDer))[1] as DerElement).bytes;
    return { publicKey, keyType: "ec", keySize: ((point.length - 1) / 2) * 8 };
  }
  throw new ExchangeError("CERT_MALFORMED", {
    detail: `expected an RSA or EC public key, got ${publicKey.asymmetricKeyType ?? "an unknown type"}`,
  });
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension (RFC 5280 §4.1) */
function decodeExtensions(element: DerElement): CertificateExtension[] {
  expectTag(element, TAG.SEQUENCE, "extensions");
  return children(element).map((ext) => {
    const parts = children(expectTag(ext, TAG.SEQUENCE, "Extension"));
    const oid = decodeOid(parts[0] as DerElement);
    let critical = false;
    let valueElement = parts[1];
    if (valueElement?.tag === TAG.BOOLEAN) {
      critical = decodeBoolean(valueElement);
      valueElement = parts[2];
    }
    return { oid, critical, value: expectTag(valueElement, TAG.OCTET_STRING, `extension ${oid}`).content };
  });
}

type ExtensionFields = Pick<
  Certificate,
  | "keyUsage"
  | "extendedKeyUsage"
  | "isCa"
  | "pathLength"
  | "crlDistributionPoints"
  | "ocspUrls"
  | "caIssuerUrls"
  | "certificatePolicies"
  | "subjectKeyIdentifier"
  | "authorityKeyIdentifier"
>;

function interpretExtensions(extensions: readonly CertificateExtension[]): ExtensionFields {
  const out: {
    -readonly [K in keyof ExtensionFields]: ExtensionFields[K];
  } = {
    extendedKeyUsage: [],
    isCa: false,
    crlDistributionPoints: [],
    ocspUrls: [],
    caIssuerUrls: [],
    certificatePolicies: [],
  };
  for (const ext of extensions) {
    const value = decodeDer(ext.value);
    switch (ext.oid) {
      case OID.keyUsage: {
        // RFC 5280 §4.2.1.3: KeyUsage ::= BIT STRING, bit 0 = the most significant bit.
        const { bytes } = decodeBitString(value);
        out.keyUsage = KEY_USAGE_BITS.filter(
          (_, bit) => (((bytes[bit >> 3] ?? 0) << (bit & 7)) & 0x80) !== 0,
        );
        break;
      }
      case OID.extKeyUsage:
        out.extendedKeyUsage = children(value).map(decodeOid);
        break;
      case OID.basicConstraints: {
        // RFC 5280 §4.2.1.9: SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
        for (const part of children(value)) {
          if (part.tag === TAG.BOOLEAN) {
            out.isCa = decodeBoolean(part);
          } else if (part.tag === TAG.INTEGER) {
            out.pathLength = decodeSmallInteger(part);
          }
        }
        break;
      }
      case OID.cRLDistributionPoints:
        out.crlDistributionPoints = decodeDistributionPoints(value);
        break;
      case OID.authorityInfoAccess: {
        // RFC 5280 §4.2.2.1: SEQUENCE OF AccessDescription { accessMethod, accessLocation }
        const ocsp: string[] = [];
        const caIssuers: string[] = [];
        for (const description of children(value)) {
          const [method, location] = children(description);
          const uri = location ? generalNameUri(location) : undefined;
          if (!method || uri === undefined) {
            continue;
          }
          const methodOid = decodeOid(method);
          if (methodOid === OID.accessOcsp) {
            ocsp.push(uri);
          } else if (methodOid === OID.accessCaIssuers) {
            caIssuers.push(uri);
          }
        }
        out.ocspUrls = ocsp;
        out.caIssuerUrls = caIssuers;
        break;
      }
      case OID.certificatePolicies:
        out.certificatePolicies = children(value).map((info) => decodeOid(children(info)[0] as DerElement));
        break;
      case OID.subjectKeyIdentifier:
        out.subjectKeyIdentifier = bytesToHex(octetStringValue(expectTag(value, TAG.OCTET_STRING, "SKI")));
        break;
      case OID.authorityKeyIdentifier: {
        // RFC 5280 §4.2.1.1: keyIdentifier [0] IMPLICIT OCTET STRING
        const keyId = children(value).find((part) => part.tag === 0x80);
        if (keyId) {
          out.authorityKeyIdentifier = bytesToHex(keyId.content);
        }
        break;
      }
      default:
        break;
    }
  }
  if (out.pathLength === undefined) {
    delete out.pathLength;
  }
  return out;
}

/** GeneralName uniformResourceIdentifier [6] IA5String (RFC 5280 §4.2.1.6). */
function generalNameUri(element: DerElement): string | undefined {
  return element.tag === 0x86 ? decodeString(element) : undefined;
}

/** RFC 5280 §4.2.1.13: the URIs in each distributionPoint's fullName [0] of [0]. */
function decodeDistributionPoints(value: DerElement): string[] {
  const urls: string[] = [];
  for (const point of children(value)) {
    const name = children(point).find((part) => part.tag === 0xa0);
    if (!name) {
      continue;
    }
    const fullName = children(name).find((part) => part.tag === 0xa0);
    if (!fullName) {
      continue;
    }
    for (const general of children(fullName)) {
      const uri = generalNameUri(general);
      if (uri !== undefined) {
        urls.push(uri);
      }
    }
  }
  return urls;
}
