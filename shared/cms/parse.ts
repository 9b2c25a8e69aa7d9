/**
 * Parsing of CMS SignedData (RFC 5652 §5) without verifying anything. Tolerates BER (indefinite
 * lengths, constructed OCTET STRINGs) as written by some producers; any malformed input ends in
 * ExchangeError CMS_MALFORMED, never in a third-party error.
 */
import { ExchangeError } from "../errors/index.ts";
import { type Certificate, parseCertificate } from "../pki/certificate.ts";
import { type HashAlgorithm, hashNameForOid, OID } from "./algorithms.ts";
import {
  Asn1Error,
  type Asn1Node,
  childrenOf,
  contentBytes,
  elementBytes,
  expectTag,
  integerHex,
  isContext,
  octetStringValue,
  oidValue,
  readNode,
  smallIntegerValue,
  Tag,
  TagClass,
  timeValue,
} from "./asn1-reader.ts";

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
  /** Re-tagged as SET OF (0x31): exactly what was signed (§5.4). */
  readonly signedAttributesDer?: Uint8Array;
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
    const detail = error instanceof Asn1Error ? error.message : "unexpected structure";
    throw new ExchangeError("CMS_MALFORMED", { detail, cause: error });
  }
}

function fail(message: string): never {
  throw new Asn1Error(message);
}

function parseContentInfo(bytes: Uint8Array): ParsedSignedData {
  if (bytes.length === 0) {
    fail("empty input, expected a DER ContentInfo");
  }
  const contentInfo = expectTag(readNode(bytes), Tag.sequence, "ContentInfo");
  for (let i = contentInfo.end; i < bytes.length; i++) {
    if (bytes[i] !== 0) {
      fail(`${bytes.length - contentInfo.end} unexpected bytes after the ContentInfo`);
    }
  }
  const [typeNode, contentNode] = childrenOf(bytes, contentInfo);
  const contentType = oidValue(bytes, expectTag(typeNode, Tag.oid, "contentType"));
  if (contentType !== OID.signedData) {
    fail(`expected contentType signedData (${OID.signedData}), got ${contentType}`);
  }
  if (!isContext(contentNode, 0)) {
    fail("missing [0] content of the ContentInfo");
  }
  const [signedDataNode] = childrenOf(bytes, contentNode);
  return parseSignedDataNode(bytes, expectTag(signedDataNode, Tag.sequence, "SignedData"));
}

function parseSignedDataNode(bytes: Uint8Array, node: Asn1Node): ParsedSignedData {
  const children = childrenOf(bytes, node);
  let index = 0;
  smallIntegerValue(bytes, expectTag(children[index++], Tag.integer, "SignedData version"));
  expectTag(children[index++], Tag.set, "digestAlgorithms");
  const encap = childrenOf(bytes, expectTag(children[index++], Tag.sequence, "encapContentInfo"));
  const contentType = oidValue(bytes, expectTag(encap[0], Tag.oid, "eContentType"));
  let encapsulatedContent: Uint8Array | undefined;
  if (encap[1]) {
    if (!isContext(encap[1], 0)) {
      fail("encapContentInfo: expected [0] eContent");
    }
    const [octets] = childrenOf(bytes, encap[1]);
    encapsulatedContent = octetStringValue(bytes, expectTag(octets, Tag.octetString, "eContent"));
  }
  const certificates: Certificate[] = [];
  const unreadableCertificates: Uint8Array[] = [];
  const crls: Uint8Array[] = [];
  if (isContext(children[index], 0)) {
    for (const choice of childrenOf(bytes, children[index]!)) {
      // CertificateChoices (§10.2.2): only the plain Certificate SEQUENCE is used; attribute
      // and other certificate formats ([1]..[3]) are skipped.
      if (choice.tagClass === TagClass.universal && choice.tagNumber === Tag.sequence) {
        const der = elementBytes(bytes, choice).slice();
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
  if (isContext(children[index], 1)) {
    for (const choice of childrenOf(bytes, children[index]!)) {
      // RevocationInfoChoice (§10.2.1): CertificateList SEQUENCE; [1] other formats skipped.
      if (choice.tagClass === TagClass.universal && choice.tagNumber === Tag.sequence) {
        crls.push(elementBytes(bytes, choice).slice());
      }
    }
    index++;
  }
  const signerInfosNode = expectTag(children[index++], Tag.set, "signerInfos");
  const signerInfos = childrenOf(bytes, signerInfosNode).map((child) => parseSignerInfo(bytes, child));
  if (index !== children.length) {
    fail(`SignedData has ${children.length - index} unexpected trailing elements`);
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

function parseSignerInfo(bytes: Uint8Array, node: Asn1Node): ParsedSignerInfo {
  const children = childrenOf(bytes, expectTag(node, Tag.sequence, "SignerInfo"));
  let index = 0;
  const version = smallIntegerValue(bytes, expectTag(children[index++], Tag.integer, "SignerInfo version"));
  const sid = parseSignerIdentifier(bytes, children[index++]);
  const digestAlgorithmOid = algorithmOid(bytes, children[index++], "digestAlgorithm");
  let signedAttributesDer: Uint8Array | undefined;
  let signedAttributes: Asn1Node | undefined;
  if (isContext(children[index], 0)) {
    signedAttributes = children[index++]!;
    signedAttributesDer = signedAttributesAsSet(bytes, signedAttributes);
  }
  const signatureAlgorithm = childrenOf(
    bytes,
    expectTag(children[index++], Tag.sequence, "signatureAlgorithm"),
  );
  const signatureAlgorithmOid = oidValue(
    bytes,
    expectTag(signatureAlgorithm[0], Tag.oid, "signatureAlgorithm OID"),
  );
  const parametersNode = signatureAlgorithm[1];
  const signature = octetStringValue(bytes, expectTag(children[index++], Tag.octetString, "signature"));
  let unsignedAttributes: Asn1Node | undefined;
  if (isContext(children[index], 1)) {
    unsignedAttributes = children[index++]!;
  }
  if (index !== children.length) {
    fail(`SignerInfo has ${children.length - index} unexpected trailing elements`);
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
  if (parametersNode && !(parametersNode.tagNumber === Tag.null && parametersNode.tagClass === 0)) {
    info.signatureAlgorithmParameters = elementBytes(bytes, parametersNode).slice();
  }
  if (signedAttributes && signedAttributesDer) {
    info.signedAttributesDer = signedAttributesDer;
    readSignedAttributes(bytes, signedAttributes, info);
  }
  if (unsignedAttributes) {
    const tokens: Uint8Array[] = [];
    const types: string[] = [];
    for (const [type, values] of attributes(bytes, unsignedAttributes)) {
      types.push(type);
      if (type === OID.signatureTimeStampToken) {
        for (const value of values) {
          tokens.push(elementBytes(bytes, value).slice());
        }
      }
    }
    info.timestampTokens = tokens;
    info.unsignedAttributeTypes = types;
  }
  return info;
}

/** The [0] IMPLICIT signed attributes with their tag set back to SET (0x31), as §5.4 prescribes. */
function signedAttributesAsSet(bytes: Uint8Array, node: Asn1Node): Uint8Array {
  const copy = elementBytes(bytes, node).slice();
  copy[0] = 0x31;
  return copy;
}

function parseSignerIdentifier(bytes: Uint8Array, node: Asn1Node | undefined): SignerIdentifier {
  if (isContext(node, 0)) {
    // subjectKeyIdentifier [0] IMPLICIT OCTET STRING
    const keyId = node.constructed ? concatSegments(bytes, node) : contentBytes(bytes, node);
    return { subjectKeyIdentifier: Buffer.from(keyId).toString("hex") };
  }
  const [issuer, serial] = childrenOf(bytes, expectTag(node, Tag.sequence, "issuerAndSerialNumber"));
  return {
    issuerDer: elementBytes(bytes, expectTag(issuer, Tag.sequence, "issuer Name")).slice(),
    serialNumberHex: integerHex(bytes, expectTag(serial, Tag.integer, "serialNumber")),
  };
}

function concatSegments(bytes: Uint8Array, node: Asn1Node): Uint8Array {
  const parts = childrenOf(bytes, node).map((child) => octetStringValue(bytes, child));
  return Buffer.concat(parts);
}

function algorithmOid(bytes: Uint8Array, node: Asn1Node | undefined, what: string): string {
  const [algorithm] = childrenOf(bytes, expectTag(node, Tag.sequence, what));
  return oidValue(bytes, expectTag(algorithm, Tag.oid, `${what} OID`));
}

function* attributes(bytes: Uint8Array, node: Asn1Node): Generator<[string, Asn1Node[]]> {
  for (const attribute of childrenOf(bytes, node)) {
    const [type, values] = childrenOf(bytes, expectTag(attribute, Tag.sequence, "Attribute"));
    yield [
      oidValue(bytes, expectTag(type, Tag.oid, "attrType")),
      childrenOf(bytes, expectTag(values, Tag.set, "attrValues")),
    ];
  }
}

function readSignedAttributes(bytes: Uint8Array, node: Asn1Node, info: MutableSignerInfo): void {
  const types: string[] = [];
  for (const [type, values] of attributes(bytes, node)) {
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
        info.contentType = oidValue(bytes, first);
        break;
      case OID.messageDigestAttr:
        info.messageDigest = octetStringValue(bytes, first).slice();
        break;
      case OID.signingTimeAttr:
        info.signingTime = timeValue(bytes, first);
        break;
      case OID.signingCertificateV2:
        info.signingCertificateV2 = parseSigningCertificate(bytes, first, "sha256");
        break;
      case OID.signingCertificate:
        info.signingCertificate = parseSigningCertificate(bytes, first, "sha1");
        break;
      default:
        break;
    }
  }
  info.signedAttributeTypes = types;
}

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies … } (RFC 5035 §3)
 * and the v1 SigningCertificate (ESSCertID has no hashAlgorithm: SHA-1).
 */
function parseSigningCertificate(bytes: Uint8Array, node: Asn1Node, defaultHash: string): EssCertId[] {
  const [certs] = childrenOf(bytes, expectTag(node, Tag.sequence, "SigningCertificate"));
  return childrenOf(bytes, expectTag(certs, Tag.sequence, "certs")).map((certId) => {
    const parts = childrenOf(bytes, expectTag(certId, Tag.sequence, "ESSCertID"));
    let index = 0;
    let hashAlgorithm = defaultHash;
    if (parts[index]?.tagNumber === Tag.sequence && parts[index]?.tagClass === TagClass.universal) {
      const algorithm = algorithmOid(bytes, parts[index++], "ESSCertIDv2 hashAlgorithm");
      hashAlgorithm = hashNameForOid(algorithm) ?? algorithm;
    }
    const certHash = octetStringValue(bytes, expectTag(parts[index++], Tag.octetString, "certHash")).slice();
    const serialNode = parts[index];
    if (!serialNode) {
      return { hashAlgorithm, certHash };
    }
    return { hashAlgorithm, certHash, issuerSerial: parseIssuerSerial(bytes, serialNode) };
  });
}

/** IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber } (RFC 5035 §4); takes the directoryName. */
function parseIssuerSerial(
  bytes: Uint8Array,
  node: Asn1Node,
): { issuerDer: Uint8Array; serialNumberHex: string } {
  const [generalNames, serial] = childrenOf(bytes, expectTag(node, Tag.sequence, "IssuerSerial"));
  const names = childrenOf(bytes, expectTag(generalNames, Tag.sequence, "GeneralNames"));
  const directoryName = names.find((name) => isContext(name, 4));
  if (!directoryName) {
    fail("IssuerSerial: expected a directoryName [4] in GeneralNames");
  }
  const [name] = childrenOf(bytes, directoryName);
  return {
    issuerDer: elementBytes(bytes, expectTag(name, Tag.sequence, "directoryName")).slice(),
    serialNumberHex: integerHex(bytes, expectTag(serial, Tag.integer, "serialNumber")),
  };
}
