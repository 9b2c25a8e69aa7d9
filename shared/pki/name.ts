import {
  bytesToHex,
  children,
  type DerElement,
  DerError,
  decodeDer,
  decodeOid,
  decodeString,
  encodeOid,
  encodePrintableString,
  encodeSequence,
  encodeSetOf,
  encodeUtf8String,
  expectTag,
  TAG,
} from "../asn1/der.ts";
import { OID } from "../asn1/oids.ts";

/** One attribute of a distinguished name, in DER order. */
export interface NameAttribute {
  readonly oid: string;
  readonly shortName?: string;
  readonly value: string;
}

/** An X.501 Name decoded for display and for the fields Lienthong reads. */
export interface DistinguishedName {
  readonly attributes: readonly NameAttribute[];
  readonly commonName?: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  readonly title?: string;
  readonly country?: string;
  /** Organ identifier (mã định danh) carried in organizationIdentifier, OID 2.5.4.97. */
  readonly organCode?: string;
  /** RFC 4514-style one-line text, e.g. "CN=Trần Thị Bích Ngọc, O=Sở Tài chính tỉnh Tây Ninh, C=VN". */
  readonly text: string;
}

const STRING_TAGS: readonly number[] = [
  TAG.UTF8_STRING,
  TAG.PRINTABLE_STRING,
  TAG.IA5_STRING,
  TAG.TELETEX_STRING,
  TAG.BMP_STRING,
  TAG.UNIVERSAL_STRING,
  TAG.NUMERIC_STRING,
  TAG.VISIBLE_STRING,
];

/**
 * Short names for the one-line text: RFC 4514 §3 names, and OpenSSL's for the others
 * (title, organizationIdentifier, serialNumber, emailAddress).
 */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  [OID.commonName]: "CN",
  [OID.surname]: "SN",
  [OID.serialNumber]: "serialNumber",
  [OID.countryName]: "C",
  [OID.localityName]: "L",
  [OID.stateOrProvinceName]: "ST",
  [OID.streetAddress]: "STREET",
  [OID.organizationName]: "O",
  [OID.organizationalUnitName]: "OU",
  [OID.title]: "title",
  [OID.givenName]: "GN",
  [OID.organizationIdentifier]: "organizationIdentifier",
  [OID.emailAddress]: "emailAddress",
  [OID.userId]: "UID",
  [OID.domainComponent]: "DC",
};

/**
 * Decodes a DER Name (RFC 5280 §4.1.2.4: SEQUENCE OF RelativeDistinguishedName).
 * Throws {@link DerError} on malformed input.
 *
 * @example
 * const subject = parseName(certificate.subjectDer); // subject.commonName === "Trần Thị Bích Ngọc"
 */
export function parseName(input: Uint8Array | DerElement): DistinguishedName {
  const element = input instanceof Uint8Array ? decodeDer(input) : input;
  expectTag(element, TAG.SEQUENCE, "Name");
  const attributes: NameAttribute[] = [];
  const rdnTexts: string[] = [];
  for (const rdn of children(element)) {
    expectTag(rdn, TAG.SET, "RelativeDistinguishedName");
    const parts: string[] = [];
    for (const atv of children(rdn)) {
      expectTag(atv, TAG.SEQUENCE, "AttributeTypeAndValue");
      const [typeElement, valueElement] = children(atv);
      if (!typeElement || !valueElement) {
        throw new DerError("AttributeTypeAndValue needs a type and a value");
      }
      const oid = decodeOid(typeElement);
      const shortName = SHORT_NAMES[oid];
      const isString = STRING_TAGS.includes(valueElement.tag);
      // RFC 4514 §2.4: other value types as "#" + hex of their encoding, so odd names never
      // make a certificate unreadable.
      const value = isString ? decodeString(valueElement) : `#${bytesToHex(valueElement.bytes)}`;
      attributes.push(shortName ? { oid, shortName, value } : { oid, value });
      parts.push(`${shortName ?? oid}=${isString ? escapeValue(value) : value}`);
    }
    // Reversed inside a multi-valued RDN too, as OpenSSL's dn_rev prints it.
    rdnTexts.push(parts.reverse().join("+"));
  }
  const first = (oid: string): string | undefined => attributes.find((a) => a.oid === oid)?.value;
  return withoutUndefined({
    attributes,
    commonName: first(OID.commonName),
    organization: first(OID.organizationName),
    organizationalUnit: first(OID.organizationalUnitName),
    title: first(OID.title),
    country: first(OID.countryName),
    organCode: first(OID.organizationIdentifier),
    // RFC 4514 §2.1: the last RDN of the SEQUENCE comes first.
    text: rdnTexts.reverse().join(", "),
  });
}

/** RFC 4514 §2.4 escaping of an attribute value (the characters OpenSSL's esc_2253 escapes). */
function escapeValue(value: string): string {
  let out = value.replace(/[\\,+"<>;]/g, (c) => `\\${c}`);
  if (out.startsWith(" ") || out.startsWith("#")) {
    out = `\\${out}`;
  }
  if (out.endsWith(" ") && out.length > 1) {
    out = `${out.slice(0, -1)}\\ `;
  }
  return out;
}

function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) {
      delete value[key];
    }
  }
  return value;
}

/** The subject fields the demo/test PKI writes into certificates. */
export interface NameOptions {
  readonly commonName: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  readonly title?: string;
  /** Organ identifier (mã định danh), written as organizationIdentifier (2.5.4.97). */
  readonly organCode?: string;
  readonly locality?: string;
  readonly province?: string;
  /** ISO 3166 code. Default "VN". */
  readonly country?: string;
}

/**
 * Encodes a Name, most general first: C, ST, L, O, OU, organizationIdentifier, title, CN.
 * Text attributes are UTF8String (RFC 5280 §4.1.2.4 MUST for new certificates), the country a
 * PrintableString (X.520).
 *
 * @example
 * const der = encodeName({ commonName: "Lê Hoàng Phúc", organCode: "000.00.12.H53" });
 */
export function encodeName(options: NameOptions): Uint8Array {
  const rdn = (oid: string, value: Uint8Array): Uint8Array =>
    encodeSetOf(encodeSequence(encodeOid(oid), value));
  const rdns: Uint8Array[] = [rdn(OID.countryName, encodePrintableString(options.country ?? "VN"))];
  const text: [string, string | undefined][] = [
    [OID.stateOrProvinceName, options.province],
    [OID.localityName, options.locality],
    [OID.organizationName, options.organization],
    [OID.organizationalUnitName, options.organizationalUnit],
    [OID.organizationIdentifier, options.organCode],
    [OID.title, options.title],
    [OID.commonName, options.commonName],
  ];
  for (const [oid, value] of text) {
    if (value !== undefined && value !== "") {
      rdns.push(rdn(oid, encodeUtf8String(value)));
    }
  }
  return encodeSequence(...rdns);
}
