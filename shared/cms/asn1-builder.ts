/**
 * DER building on top of `forge.asn1` (small structures only: attributes, SignerInfo, SignedData
 * around a few certificates; never document content). Adds what forge lacks: embedding already
 * encoded DER byte-exactly ({@link raw}) and DER SET OF ordering (X.690 §11.6).
 */
import forge from "node-forge";
import { Asn1Error, readNode } from "./asn1-reader.ts";

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

export type { Asn1 };

/** Uint8Array → forge binary string (one char per byte). Small DER only. */
export function toBinary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
}

/** forge binary string → new Uint8Array. */
export function fromBinary(binary: string): Uint8Array {
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

/** X.690 §11.6 order: as octet strings, the shorter padded with trailing zero octets. */
export function compareDer(a: Uint8Array, b: Uint8Array): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) {
      return x - y;
    }
  }
  return 0;
}

export function oid(dotted: string): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes());
}

export function nullValue(): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, "");
}

export function octetString(bytes: Uint8Array): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, toBinary(bytes));
}

export function boolean(value: boolean): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BOOLEAN, false, value ? "\xff" : "\x00");
}

/** A non-negative INTEGER from a JavaScript number (versions). */
export function smallInteger(value: number): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(value).getBytes());
}

/** A non-negative INTEGER from big-endian magnitude bytes (nonces, serials); adds the sign octet. */
export function unsignedInteger(magnitude: Uint8Array): Asn1 {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) {
    start++;
  }
  const trimmed = magnitude.subarray(start);
  const content = (trimmed[0] ?? 0) & 0x80 ? concat(new Uint8Array([0]), trimmed) : trimmed;
  return asn1.create(
    asn1.Class.UNIVERSAL,
    asn1.Type.INTEGER,
    false,
    toBinary(content.length ? content : new Uint8Array([0])),
  );
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
  const node = readNode(der);
  if (node.end !== der.length) {
    throw new Asn1Error(`expected one DER element, found ${der.length - node.end} trailing bytes`);
  }
  if (node.indefinite || !isMinimalLength(der, node.contentStart, node.contentEnd - node.contentStart)) {
    throw new Asn1Error("element is BER-encoded (indefinite or non-minimal length), expected DER");
  }
  const id = der[0]!;
  if ((id & 0x1f) === 0x1f) {
    throw new Asn1Error("high tag numbers cannot be embedded");
  }
  // forge writes the identifier octet as (tagClass | type); keeping the constructed bit inside
  // `type` and marking the node non-composed makes it copy the content bytes verbatim.
  return {
    tagClass: (id & 0xc0) as forge.asn1.Class,
    type: (id & 0x3f) as forge.asn1.Type,
    constructed: (id & 0x20) !== 0,
    composed: false,
    value: toBinary(der.subarray(node.contentStart, node.contentEnd)),
  };
}

function isMinimalLength(der: Uint8Array, contentStart: number, length: number): boolean {
  const headerLength = contentStart - 1;
  const expected = length < 0x80 ? 1 : 1 + Math.ceil(Math.log2(length + 1) / 8);
  return headerLength === expected && (length >= 0x80 || (der[1]! & 0x80) === 0);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
