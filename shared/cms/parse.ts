/**
 * Parsing of CMS SignedData (RFC 5652 §5) without verifying anything. Tolerates BER (indefinite
 * lengths, constructed OCTET STRINGs) as written by some producers; any malformed input ends in
 * ExchangeError CMS_MALFORMED, never in a third-party error.
 */

import {
  BER,
  children,
  type DerElement,
  DerError,
  decodeOctetString,
  decodeOid,
  decodeSmallInteger,
  decodeTime,
  encodeSetOf,
  expectTag,
  integerHex,
  isContext,
  octetStringValue,
  readElement,
  TAG,
  toDer,
  usesBerEncoding,
} from "../asn1/der.ts";
import { ExchangeError } from "../errors/index.ts";
import { type Certificate, parseCertificate } from "../pki/certificate.ts";
import { type HashAlgorithm, hashNameForOid, OID } from "./algorithms.ts";

/** issuerAndSerialNumber (RFC 5652 §10.2.4), or subjectKeyIdentifier (lowercase hex). */
export type SignerIdentifier =
  | { readonly issuerDer: Uint8Array; readonly serialNumberHex: string }
  | { readonly subjectKeyIdentifier: string };

/** One ESSCertID / ESSCertIDv2 (RFC 5035 §3, RFC 2634 §5.4). */
export interface EssCertId {
  /** Digest algorithm name ("sha256" …) or its OID when unknown. */
  readonly hashAlgorithm: string;
  readonly certHash: Uint8Array;
  readonly issuerSerial?: { issuerDer: Uint8Array; serialNumberHex: string };
}

/** One SignerInfo, as written (RFC 5652 §5.3). */
export interface ParsedSignerInfo {
  readonly version: number;
  readonly sid: SignerIdentifier;
  /** Known name ("sha256", also "sha1"/"sha224"), or the OID when unknown. */
  readonly digestAlgorithm: HashAlgorithm | string;
  /**
   * The message the signature is over (§5.4): the signed attributes as SET OF (0x31). Written in
   * DER: their bytes re-tagged; written in BER: their DER re-encoding (see `signedAttributesFromBer`).
   */
  readonly signedAttributesDer?: Uint8Array;
  /** True when the signed attributes were written in BER and `signedAttributesDer` is their DER re-encoding. */
  readonly signedAttributesFromBer?: boolean;
  readonly messageDigest?: Uint8Array;
  readonly contentType?: string;
  readonly signingTime?: Date;
  /** id-aa-signingCertificateV2 entries (RFC 5035), first = the signer's certificate. */
  readonly signingCertificateV2?: EssCertId[];
  /** id-aa-signingCertificate entries (v1, SHA-1, RFC 2634 §5.4); older producers only. */
  readonly signingCertificate?: EssCertId[];
  readonly signatureAlgorithmOid: string;
  /** DER of the signatureAlgorithm parameters when present (RSASSA-PSS needs them). */
  readonly signatureAlgorithmParameters?: Uint8Array;
  readonly signature: Uint8Array;
  /** Unsigned id-aa-signatureTimeStampToken values (DER ContentInfo each). */
  readonly timestampTokens: readonly Uint8Array[];
  /**
   * DER CertificateLists from the adbe-revocationInfoArchival signed attribute (ISO 32000-1
   * §12.8.3.3.2), where Acrobat-style signers embed revocation data; its OCSP answers are not read.
   */
  readonly archivedCrls?: readonly Uint8Array[];
  /** OIDs of all signed attributes, in encoded order (policy checks, e.g. "no signing-time"). */
  readonly signedAttributeTypes: readonly string[];
  /** OIDs of all unsigned attributes. */
  readonly unsignedAttributeTypes: readonly string[];
}

/** A SignedData as written. */
export interface ParsedSignedData {
  /** eContentType of the encapsulated content (id-data for signatures, id-ct-TSTInfo for tokens). */
  readonly contentType: string;
  readonly detached: boolean;
  readonly encapsulatedContent?: Uint8Array;
  readonly certificates: readonly Certificate[];
  /** DER of embedded certificates shared/pki could not parse (e.g. DSA or EdDSA keys); not in `certificates`. */
  readonly unreadableCertificates: readonly Uint8Array[];
  /** DER CertificateList values from `crls` (other revocation formats are skipped). */
  readonly crls: readonly Uint8Array[];
  readonly signerInfos: readonly ParsedSignerInfo[];
}

/**
 * Parses a DER/BER ContentInfo holding a SignedData, without verifying anything.
 * Trailing zero bytes (PDF /Contents padding) are ignored.
 *
 * @example
 * const parsed = parseSignedData(pdfSignature.contents!);
 * const info = parsed.signerInfos[0];
 * @throws ExchangeError CMS_MALFORMED
 */
export function parseSignedData(der: Uint8Array): ParsedSignedData {
  try {
    return parseContentInfo(der);
  } catch (error) {
    if (error instanceof ExchangeError) {
      if (error.code === "CMS_MALFORMED") {
        throw error;
      }
      throw new ExchangeError("CMS_MALFORMED", {
        detail: `embedded ${error.code}: ${error.detail}`,
        cause: error,
      });
    }
    const detail = error instanceof DerError ? error.message : "unexpected structure";
    throw new ExchangeError("CMS_MALFORMED", { detail, cause: error });
  }
}

function fail(message: string): never {
  throw new DerError(message);
}

function parseContentInfo(bytes: Uint8Array): ParsedSignedData {
  if (bytes.length === 0) {
    fail("empty input, expected a DER ContentInfo");
  }
  const contentInfo = expectTag(readElement(bytes, 0, BER), TAG.SEQUENCE, "ContentInfo");
  for (let i = contentInfo.end; i < bytes.length; i++) {
    if (bytes[i] !== 0) {
      fail(`${bytes.length - contentInfo.end} unexpected bytes after the ContentInfo`);
    }
  }
  const [typeNode, contentNode] = children(contentInfo, BER);
  const contentType = decodeOid(expectTag(typeNode, TAG.OID, "contentType"));
  if (contentType !== OID.signedData) {
    fail(`expected contentType signedData (${OID.signedData}), got ${contentType}`);
  }
  if (!isContext(contentNode, 0)) {
    fail("missing [0] content of the ContentInfo");
  }
  const [signedDataNode] = children(contentNode, BER);
  return parseSignedDataNode(expectTag(signedDataNode, TAG.SEQUENCE, "SignedData"));
}

function parseSignedDataNode(node: DerElement): ParsedSignedData {
  const fields = children(node, BER);
  let index = 0;
  decodeSmallInteger(expectTag(fields[index++], TAG.INTEGER, "SignedData version"), { min: 0 });
  expectTag(fields[index++], TAG.SET, "digestAlgorithms");
  const encap = children(expectTag(fields[index++], TAG.SEQUENCE, "encapContentInfo"), BER);
  const contentType = decodeOid(expectTag(encap[0], TAG.OID, "eContentType"));
  let encapsulatedContent: Uint8Array | undefined;
  if (encap[1]) {
    if (!isContext(encap[1], 0)) {
      fail("encapContentInfo: expected [0] eContent");
    }
    const [octets] = children(encap[1], BER);
    encapsulatedContent = decodeOctetString(octets, "eContent");
  }
  const certificates: Certificate[] = [];
  const unreadableCertificates: Uint8Array[] = [];
  const crls: Uint8Array[] = [];
  if (isContext(fields[index], 0)) {
    for (const choice of children(fields[index]!, BER)) {
      // CertificateChoices (§10.2.2): only the plain Certificate SEQUENCE is used; attribute
      // and other certificate formats ([1]..[3]) are skipped.
      if (choice.tag === TAG.SEQUENCE) {
        const der = choice.bytes.slice();
        try {
          certificates.push(parseCertificate(der));
        } catch {
          // A certificate shared/pki cannot read (other key types, damaged) must not make the
          // whole signature unreadable: the verifier then simply does not find it.
          unreadableCertificates.push(der);
        }
      }
    }
    index++;
  }
  if (isContext(fields[index], 1)) {
    for (const choice of children(fields[index]!, BER)) {
      // RevocationInfoChoice (§10.2.1): CertificateList SEQUENCE; [1] other formats skipped.
      if (choice.tag === TAG.SEQUENCE) {
        crls.push(choice.bytes.slice());
      }
    }
    index++;
  }
  const signerInfosNode = expectTag(fields[index++], TAG.SET, "signerInfos");
  const signerInfos = children(signerInfosNode, BER).map((child) => parseSignerInfo(child));
  if (index !== fields.length) {
    fail(`SignedData has ${fields.length - index} unexpected trailing elements`);
  }
  return {
    contentType,
    detached: encapsulatedContent === undefined,
    ...(encapsulatedContent ? { encapsulatedContent: encapsulatedContent.slice() } : {}),
    certificates,
    unreadableCertificates,
    crls,
    signerInfos,
  };
}

type MutableSignerInfo = {
  -readonly [K in keyof ParsedSignerInfo]: ParsedSignerInfo[K];
};

function parseSignerInfo(node: DerElement): ParsedSignerInfo {
  const fields = children(expectTag(node, TAG.SEQUENCE, "SignerInfo"), BER);
  let index = 0;
  const version = decodeSmallInteger(expectTag(fields[index++], TAG.INTEGER, "SignerInfo version"), {
    min: 0,
  });
  const sid = parseSignerIdentifier(fields[index++]);
  const digestAlgorithmOid = algorithmOid(fields[index++], "digestAlgorithm");
  let signedAttributesDer: Uint8Array | undefined;
  let signedAttributes: DerElement | undefined;
  if (isContext(fields[index], 0)) {
    signedAttributes = fields[index++]!;
    signedAttributesDer = signedAttributesAsSet(signedAttributes);
  }
  const signatureAlgorithm = children(expectTag(fields[index++], TAG.SEQUENCE, "signatureAlgorithm"), BER);
  const signatureAlgorithmOid = decodeOid(
    expectTag(signatureAlgorithm[0], TAG.OID, "signatureAlgorithm OID"),
  );
  const parametersNode = signatureAlgorithm[1];
  const signature = decodeOctetString(fields[index++], "signature");
  let unsignedAttributes: DerElement | undefined;
  if (isContext(fields[index], 1)) {
    unsignedAttributes = fields[index++]!;
  }
  if (index !== fields.length) {
    fail(`SignerInfo has ${fields.length - index} unexpected trailing elements`);
  }
  const info: MutableSignerInfo = {
    version,
    sid,
    digestAlgorithm: hashNameForOid(digestAlgorithmOid) ?? digestAlgorithmOid,
    signatureAlgorithmOid,
    signature: signature.slice(),
    timestampTokens: [],
    signedAttributeTypes: [],
    unsignedAttributeTypes: [],
  };
  if (parametersNode && parametersNode.tag !== TAG.NULL) {
    info.signatureAlgorithmParameters = parametersNode.bytes.slice();
  }
  if (signedAttributes && signedAttributesDer) {
    info.signedAttributesDer = signedAttributesDer;
    if (usesBerEncoding(signedAttributes)) {
      info.signedAttributesFromBer = true;
    }
    readSignedAttributes(signedAttributes, info);
  }
  if (unsignedAttributes) {
    const tokens: Uint8Array[] = [];
    const types: string[] = [];
    for (const [type, values] of attributes(unsignedAttributes)) {
      types.push(type);
      if (type === OID.signatureTimeStampToken) {
        for (const value of values) {
          tokens.push(value.bytes.slice());
        }
      }
    }
    info.timestampTokens = tokens;
    info.unsignedAttributeTypes = types;
  }
  return info;
}

/**
 * What the signature of a SignerInfo with signed attributes is over (RFC 5652 §5.4): "the DER
 * encoding of the SET OF attributes", with the SET tag (0x31) instead of the [0] IMPLICIT tag.
 * DER input: the bytes as written, re-tagged (also when a producer did not sort them: what it
 * wrote is what it signed). BER input (indefinite or non-minimal lengths, segmented strings, as
 * NSS/poppler and streaming encoders write): the DER re-encoding of every attribute, sorted as a
 * DER SET OF (X.690 §11.6).
 */
function signedAttributesAsSet(node: DerElement): Uint8Array {
  if (usesBerEncoding(node)) {
    return encodeSetOf(...children(node, BER).map((attribute) => toDer(attribute)));
  }
  const copy = node.bytes.slice();
  copy[0] = TAG.SET;
  return copy;
}

/** A copy of an element in DER, re-encoded when written in BER: names are compared with certificates' DER. */
function derForm(node: DerElement): Uint8Array {
  return usesBerEncoding(node) ? toDer(node) : node.bytes.slice();
}

function parseSignerIdentifier(node: DerElement | undefined): SignerIdentifier {
  if (isContext(node, 0)) {
    // subjectKeyIdentifier [0] IMPLICIT OCTET STRING, primitive or (BER) segmented.
    return { subjectKeyIdentifier: Buffer.from(octetStringValue(node)).toString("hex") };
  }
  const [issuer, serial] = children(expectTag(node, TAG.SEQUENCE, "issuerAndSerialNumber"), BER);
  return {
    issuerDer: derForm(expectTag(issuer, TAG.SEQUENCE, "issuer Name")),
    serialNumberHex: integerHex(expectTag(serial, TAG.INTEGER, "serialNumber")),
  };
}

function algorithmOid(node: DerElement | undefined, what: string): string {
  const [algorithm] = children(expectTag(node, TAG.SEQUENCE, what), BER);
  return decodeOid(expectTag(algorithm, TAG.OID, `${what} OID`));
}

function* attributes(node: DerElement): Generator<[string, DerElement[]]> {
  for (const attribute of children(node, BER)) {
    const [type, values] = children(expectTag(attribute, TAG.SEQUENCE, "Attribute"), BER);
    yield [
      decodeOid(expectTag(type, TAG.OID, "attrType")),
      children(expectTag(values, TAG.SET, "attrValues"), BER),
    ];
  }
}

function readSignedAttributes(node: DerElement, info: MutableSignerInfo): void {
  const types: string[] = [];
  for (const [type, values] of attributes(node)) {
    types.push(type);
    const [first] = values;
    if (values.length !== 1 && (type === OID.messageDigestAttr || type === OID.contentTypeAttr)) {
      // RFC 5652 §11.1/§11.2: exactly one value.
      fail(`attribute ${type} must have exactly one value, found ${values.length}`);
    }
    if (!first) {
      continue;
    }
    switch (type) {
      case OID.contentTypeAttr:
        info.contentType = decodeOid(first);
        break;
      case OID.messageDigestAttr:
        info.messageDigest = decodeOctetString(first, "messageDigest").slice();
        break;
      case OID.signingTimeAttr:
        // RFC 5652 §11.3: signing time in UTC ("Z").
        info.signingTime = decodeTime(first, { requireZulu: true });
        break;
      case OID.signingCertificateV2:
        info.signingCertificateV2 = parseSigningCertificate(first, "sha256");
        break;
      case OID.signingCertificate:
        info.signingCertificate = parseSigningCertificate(first, "sha1");
        break;
      case OID.adbeRevocationInfoArchival:
        info.archivedCrls = parseRevocationInfoArchival(first);
        break;
      default:
        break;
    }
  }
  info.signedAttributeTypes = types;
}

/**
 * RevocationInfoArchival ::= SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRLs OPTIONAL,
 * ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL, otherRevInfo [2] … } (Adobe, referenced by
 * ISO 32000-1 §12.8.3.3.2): the CRLs, as DER.
 */
function parseRevocationInfoArchival(node: DerElement): Uint8Array[] {
  const crls: Uint8Array[] = [];
  for (const field of children(expectTag(node, TAG.SEQUENCE, "RevocationInfoArchival"), BER)) {
    if (!isContext(field, 0)) {
      continue;
    }
    const [list] = children(field, BER);
    for (const crl of children(expectTag(list, TAG.SEQUENCE, "CRLs"), BER)) {
      crls.push(derForm(expectTag(crl, TAG.SEQUENCE, "CertificateList")));
    }
  }
  return crls;
}

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies … } (RFC 5035 §3)
 * and the v1 SigningCertificate (ESSCertID has no hashAlgorithm: SHA-1).
 */
function parseSigningCertificate(node: DerElement, defaultHash: string): EssCertId[] {
  const [certs] = children(expectTag(node, TAG.SEQUENCE, "SigningCertificate"), BER);
  return children(expectTag(certs, TAG.SEQUENCE, "certs"), BER).map((certId) => {
    const parts = children(expectTag(certId, TAG.SEQUENCE, "ESSCertID"), BER);
    let index = 0;
    let hashAlgorithm = defaultHash;
    if (parts[index]?.tag === TAG.SEQUENCE) {
      const algorithm = algorithmOid(parts[index++], "ESSCertIDv2 hashAlgorithm");
      hashAlgorithm = hashNameForOid(algorithm) ?? algorithm;
    }
    const certHash = decodeOctetString(parts[index++], "certHash").slice();
    const serialNode = parts[index];
    if (!serialNode) {
      return { hashAlgorithm, certHash };
    }
    return { hashAlgorithm, certHash, issuerSerial: parseIssuerSerial(serialNode) };
  });
}

/** IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber } (RFC 5035 §4); takes the directoryName. */
function parseIssuerSerial(node: DerElement): { issuerDer: Uint8Array; serialNumberHex: string } {
  const [generalNames, serial] = children(expectTag(node, TAG.SEQUENCE, "IssuerSerial"), BER);
  const names = children(expectTag(generalNames, TAG.SEQUENCE, "GeneralNames"), BER);
  const directoryName = names.find((name) => isContext(name, 4));
  if (!directoryName) {
    fail("IssuerSerial: expected a directoryName [4] in GeneralNames");
  }
  const [name] = children(directoryName, BER);
  return {
    issuerDer: derForm(expectTag(name, TAG.SEQUENCE, "directoryName")),
    serialNumberHex: integerHex(expectTag(serial, TAG.INTEGER, "serialNumber")),
  };
}
