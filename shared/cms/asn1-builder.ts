/**
 * SignedData structures assembled with `forge.asn1` (small structures only: attributes,
 * SignerInfo, SignedData around a few certificates; never document content). Every primitive
 * (OID, NULL, OCTET STRING, INTEGER) is written by the DER writer of shared/asn1/der.ts and
 * embedded byte-exactly ({@link raw}); SET OF order is shared/asn1's `compareDer` (X.690 §11.6).
 */
import forge from "node-forge";
import {
  compareDer,
  DerError,
  decodeDer,
  encodeInteger,
  encodeLength,
  encodeNull,
  encodeOctetString,
  encodeOid,
} from "../asn1/der.ts";

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

export type { Asn1 };

/** Uint8Array → forge binary string (one char per byte). Small DER only. */
function toBinary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
}

/** forge binary string → new Uint8Array. */
function fromBinary(binary: string): Uint8Array {
  return new Uint8Array(Buffer.from(binary, "latin1"));
}

/** DER encoding of a forge ASN.1 object. */
export function encode(node: Asn1): Uint8Array {
  return fromBinary(asn1.toDer(node).getBytes());
}

export function sequence(children: readonly (Asn1 | undefined)[]): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, children.filter(isDefined));
}

/** A SET whose children are already in the order wanted (use {@link derSetOf} for SET OF). */
export function set(children: readonly (Asn1 | undefined)[]): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, children.filter(isDefined));
}

/** SET OF in DER order: elements sorted by their encodings (X.690 §11.6). */
export function derSetOf(children: readonly Asn1[]): Asn1 {
  const encoded = children.map((child) => ({ child, der: encode(child) }));
  encoded.sort((a, b) => compareDer(a.der, b.der));
  return set(encoded.map((entry) => entry.child));
}

export { compareDer };

export function oid(dotted: string): Asn1 {
  return raw(encodeOid(dotted));
}

export function nullValue(): Asn1 {
  return raw(encodeNull());
}

export function octetString(bytes: Uint8Array): Asn1 {
  return raw(encodeOctetString(bytes));
}

/** A non-negative INTEGER from a JavaScript number (versions). */
export function smallInteger(value: number): Asn1 {
  return raw(encodeInteger(value));
}

/** [n] EXPLICIT or IMPLICIT constructed context tag around `children`. */
export function contextConstructed(tagNumber: number, children: readonly Asn1[]): Asn1 {
  return asn1.create(asn1.Class.CONTEXT_SPECIFIC, tagNumber as forge.asn1.Type, true, [...children]);
}

/**
 * Embeds an already DER-encoded element exactly as given (certificates, names, timestamp tokens),
 * so that hashes computed over those bytes (ESS certHash, RFC 5035 §3) match what is embedded.
 * Works by handing forge a non-composed node whose identifier octet and content are the original.
 */
export function raw(der: Uint8Array): Asn1 {
  // decodeDer: exactly one element, definite lengths only (no BER indefinite length).
  const element = decodeDer(der);
  if (element.headerLength !== 1 + encodeLength(element.length).length) {
    throw new DerError("element is BER-encoded (non-minimal length), expected DER");
  }
  const id = der[0]!;
  if ((id & 0x1f) === 0x1f) {
    throw new DerError("high tag numbers cannot be embedded");
  }
  // forge writes the identifier octet as (tagClass | type); keeping the constructed bit inside
  // `type` and marking the node non-composed makes it copy the content bytes verbatim.
  return {
    tagClass: (id & 0xc0) as forge.asn1.Class,
    type: (id & 0x3f) as forge.asn1.Type,
    constructed: (id & 0x20) !== 0,
    composed: false,
    value: toBinary(element.content),
  };
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
