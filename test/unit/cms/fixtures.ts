/**
 * CMS fixtures made in test code for the CMS and verification tests: our own detached CMS for
 * any test key (RSA or EC), BER re-encodings of a DER structure (indefinite lengths at chosen
 * levels, segmented OCTET STRINGs, non-minimal lengths — what NSS, streaming encoders and other
 * producers write), and revocation data inserted into a SignedData (RFC 5652 §10.2.1).
 */
import { sign as cryptoSign, randomBytes } from "node:crypto";
import {
  BER,
  bytesEqual,
  children,
  concatBytes,
  type DerElement,
  encodeGeneralizedTime,
  encodeInteger,
  encodeNull,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeSetOf,
  expectTag,
  isContext,
  readElement,
  TAG,
  tlv,
} from "../../../shared/asn1/der.ts";
import { digest, ECDSA_OIDS, HASH_OIDS, type HashAlgorithm, OID } from "../../../shared/cms/algorithms.ts";
import type { Tsa } from "../../../shared/cms/ports.ts";
import { completeCmsSignature, prepareCmsSignature } from "../../../shared/cms/prepare-cms-signature.ts";
import { assembleSignedData, buildSignedAttributes } from "../../../shared/cms/signed-data.ts";
import type { IssuedCert } from "../../support/pki.ts";

/**
 * Our own detached CAdES-B CMS over `content` by `signer` (RSA or EC key), optionally timestamped.
 *
 * @example
 * const cms = await signDetached(pki.person, content);
 */
export async function signDetached(
  signer: Pick<IssuedCert, "certificate" | "chain" | "privateKey">,
  content: Uint8Array,
  options: { readonly hashAlgorithm?: HashAlgorithm; readonly tsa?: Tsa } = {},
): Promise<Uint8Array> {
  const hashAlgorithm = options.hashAlgorithm ?? "sha256";
  const prepared = prepareCmsSignature({
    contentDigest: digest(hashAlgorithm, content),
    hashAlgorithm,
    certificate: signer.certificate,
    chain: signer.chain,
  });
  const value = cryptoSign(hashAlgorithm, prepared.signedAttributes, signer.privateKey);
  return completeCmsSignature(prepared, value, options.tsa ? { tsa: options.tsa } : {});
}

/** How {@link berify} re-encodes. */
export interface BerOptions {
  /** Which constructed elements get an indefinite length (depth 0 = the outermost); default all. */
  readonly indefinite?: (element: DerElement, depth: number) => boolean;
  /** Split primitive OCTET STRINGs longer than this into a constructed OCTET STRING of such segments. */
  readonly segmentOctetStrings?: number;
  /** Write every definite length in the long form with a leading zero octet (BER, not DER). */
  readonly longLengths?: boolean;
  /** Elements copied byte for byte (certificates, CRLs, tokens: their DER is signed or hashed). */
  readonly keep?: readonly Uint8Array[];
}

function lengthOctets(length: number, long: boolean): Uint8Array {
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) {
    bytes.unshift(n & 0xff);
  }
  if (long) {
    bytes.unshift(0); // non-minimal: a leading zero octet (X.690 §8.1.3.5 allows it, §10.1 forbids it)
    return Uint8Array.of(0x80 | bytes.length, ...bytes);
  }
  return length < 0x80 ? Uint8Array.of(length) : Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/**
 * A BER encoding of the same value as `der`: constructed elements with indefinite lengths (all, or
 * those `indefinite` picks), long OCTET STRINGs segmented, lengths in a non-minimal form — except
 * the `keep` elements, copied as they are.
 *
 * @example
 * const ber = berify(cms, { keep: certificates, segmentOctetStrings: 16 });
 */
export function berify(der: Uint8Array, options: BerOptions = {}): Uint8Array {
  const indefinite = options.indefinite ?? (() => true);
  const keep = options.keep ?? [];
  const long = options.longLengths === true;
  const header = (tag: number, length: number): Uint8Array =>
    concatBytes([Uint8Array.of(tag), lengthOctets(length, long)]);
  const wrap = (element: DerElement, tag: number, depth: number, parts: readonly Uint8Array[]): Uint8Array =>
    indefinite(element, depth)
      ? concatBytes([Uint8Array.of(tag, 0x80), ...parts, Uint8Array.of(0, 0)])
      : concatBytes([
          header(
            tag,
            parts.reduce((n, p) => n + p.length, 0),
          ),
          ...parts,
        ]);
  const encode = (element: DerElement, depth: number): Uint8Array => {
    if (keep.some((kept) => bytesEqual(kept, element.bytes))) {
      return element.bytes;
    }
    if ((element.tag & 0x1f) === 0x1f) {
      throw new Error("berify: high tag numbers are not supported");
    }
    if (!element.constructed) {
      const size = options.segmentOctetStrings;
      if (element.tag === TAG.OCTET_STRING && size !== undefined && element.length > size) {
        const segments: Uint8Array[] = [];
        for (let at = 0; at < element.length; at += size) {
          const chunk = element.content.subarray(at, at + size);
          segments.push(concatBytes([header(TAG.OCTET_STRING, chunk.length), chunk]));
        }
        return wrap(element, 0x24, depth, segments);
      }
      return concatBytes([header(element.tag, element.length), element.content]);
    }
    return wrap(
      element,
      element.tag,
      depth,
      children(element, BER).map((child) => encode(child, depth + 1)),
    );
  };
  return encode(readElement(der, 0, BER), 0);
}

/** The SignerInfo's [0] signed attributes element of a ContentInfo (DER or BER). */
export function signedAttributesOf(cms: Uint8Array): DerElement {
  const info = signerInfoOf(cms);
  const attributes = children(info, BER).find((child) => isContext(child, 0));
  if (!attributes) {
    throw new Error("no signed attributes");
  }
  return attributes;
}

function signedDataOf(cms: Uint8Array): DerElement {
  const [, explicit] = children(expectTag(readElement(cms, 0, BER), TAG.SEQUENCE, "ContentInfo"), BER);
  return expectTag(children(explicit!, BER)[0], TAG.SEQUENCE, "SignedData");
}

function signerInfoOf(cms: Uint8Array): DerElement {
  const fields = children(signedDataOf(cms), BER);
  return expectTag(children(fields[fields.length - 1]!, BER)[0], TAG.SEQUENCE, "SignerInfo");
}

/**
 * The same DER ContentInfo with `crls` (DER CertificateLists) as its RevocationInfoChoices
 * `crls [1]` (RFC 5652 §10.2.1), before the signerInfos: what signers embed for long-term validation.
 *
 * @example
 * const withRevocation = withEmbeddedCrls(cms, [crlDer]);
 */
export function withEmbeddedCrls(cms: Uint8Array, crls: readonly Uint8Array[]): Uint8Array {
  const contentInfo = expectTag(readElement(cms, 0, BER), TAG.SEQUENCE, "ContentInfo");
  const [type] = children(contentInfo, BER);
  const fields = children(signedDataOf(cms), BER).filter((field) => field.tag !== 0xa1);
  const signerInfos = fields[fields.length - 1]!;
  const signedData = tlv(
    TAG.SEQUENCE,
    ...fields.slice(0, -1).map((field) => field.bytes),
    tlv(0xa1, ...crls),
    signerInfos.bytes,
  );
  return tlv(TAG.SEQUENCE, type!.bytes, tlv(0xa0, signedData));
}

/**
 * An RFC 3161 TimeStampToken (§2.4.2) made in test code, signed by any test certificate: a
 * TSTInfo over `imprint` (SHA-256) at `genTime`, encapsulated in a SignedData with
 * content-type id-ct-TSTInfo, message-digest and signing-certificate-v2 signed attributes.
 * For tokens a real TSA (OpenSSL) refuses to make, e.g. by a certificate without timeStamping.
 *
 * @example
 * const token = makeTimestampToken(pki.person, digest("sha256", signatureValue), new Date());
 */
export function makeTimestampToken(
  tsa: Pick<IssuedCert, "certificate" | "chain" | "privateKey">,
  imprint: Uint8Array,
  genTime: Date,
): Uint8Array {
  const sha256 = encodeSequence(encodeOid(HASH_OIDS.sha256!));
  const tstInfo = encodeSequence(
    encodeInteger(1),
    encodeOid("1.3.6.1.4.1.99999.1.1"),
    encodeSequence(sha256, encodeOctetString(imprint)),
    encodeInteger(BigInt(`0x${randomBytes(8).toString("hex")}`)),
    encodeGeneralizedTime(genTime),
  );
  const signedAttributes = buildSignedAttributes({
    contentDigest: digest("sha256", tstInfo),
    certificate: tsa.certificate,
    contentType: OID.tstInfo,
  });
  const signature = cryptoSign("sha256", signedAttributes, tsa.privateKey);
  const implicitAttributes = signedAttributes.slice();
  implicitAttributes[0] = 0xa0;
  const signatureAlgorithm =
    tsa.certificate.keyType === "ec"
      ? encodeSequence(encodeOid(ECDSA_OIDS.sha256!))
      : encodeSequence(encodeOid(OID.rsaEncryption), encodeNull());
  const signerInfo = encodeSequence(
    encodeInteger(1),
    encodeSequence(tsa.certificate.issuerDer, tsa.certificate.serialNumberDer),
    sha256,
    implicitAttributes,
    signatureAlgorithm,
    encodeOctetString(signature),
  );
  const signedData = encodeSequence(
    encodeInteger(3),
    tlv(TAG.SET, sha256),
    encodeSequence(encodeOid(OID.tstInfo), tlv(0xa0, encodeOctetString(tstInfo))),
    tlv(0xa0, tsa.certificate.der, ...tsa.chain.map((c) => c.der)),
    tlv(TAG.SET, signerInfo),
  );
  return encodeSequence(encodeOid(OID.signedData), tlv(0xa0, signedData));
}

/**
 * Our detached CMS with an adbe-revocationInfoArchival signed attribute holding `crls`
 * (RevocationInfoArchival { crl [0] EXPLICIT SEQUENCE OF CRLs }), as Acrobat-style signers embed
 * revocation data.
 *
 * @example
 * const cms = signDetachedWithArchivedCrls(pki.person, content, [crlDer]);
 */
export function signDetachedWithArchivedCrls(
  signer: Pick<IssuedCert, "certificate" | "chain" | "privateKey">,
  content: Uint8Array,
  crls: readonly Uint8Array[],
): Uint8Array {
  const base = buildSignedAttributes({
    contentDigest: digest("sha256", content),
    certificate: signer.certificate,
  });
  const archival = encodeSequence(
    encodeOid(OID.adbeRevocationInfoArchival),
    tlv(TAG.SET, encodeSequence(tlv(0xa0, encodeSequence(...crls)))),
  );
  const attributes = children(readElement(base, 0, BER), BER).map((a) => a.bytes);
  const signedAttributes = encodeSetOf(...attributes, archival);
  return assembleSignedData({
    hashAlgorithm: "sha256",
    certificate: signer.certificate,
    chain: signer.chain,
    signedAttributes,
    signature: cryptoSign("sha256", signedAttributes, signer.privateKey),
  });
}
