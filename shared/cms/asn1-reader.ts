/**
 * A small, strict-but-tolerant ASN.1 BER/DER reader over a `Uint8Array` that keeps byte offsets.
 *
 * Why not `forge.asn1.fromDer`: parsing must hand out the exact bytes that were signed (the signed
 * attributes, RFC 5652 §5.4; the TSTInfo, RFC 3161 §2.4.2) and the exact certificate bytes (for the
 * ESS hash, RFC 5035 §3), must accept the BER indefinite lengths some producers write (X.690 §8.1.3.6),
 * and must never throw anything but {@link Asn1Error} on garbage. Offsets make all three cheap.
 */

/** X.690 tag classes, as the top two bits of the identifier octet. */
export const TagClass = {
  universal: 0x00,
  application: 0x40,
  context: 0x80,
  private: 0xc0,
} as const;

/** Universal tag numbers used by the CMS code. */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x10,
  set: 0x11,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
} as const;

/** One TLV element. All offsets are absolute positions in the buffer it was read from. */
export interface Asn1Node {
  readonly tagClass: number;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  readonly contentStart: number;
  /** End of the content (before the end-of-contents octets of an indefinite length). */
  readonly contentEnd: number;
  /** End of the whole element (after the end-of-contents octets, if any). */
  readonly end: number;
  readonly indefinite: boolean;
}

/** Thrown by the reader on any malformed input; callers wrap it into their ExchangeError code. */
export class Asn1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Asn1Error";
  }
}

/** Deeper nesting than this is refused: real CMS and X.509 stay well under 20. */
const MAX_DEPTH = 64;

/**
 * Reads the element that starts at `offset` and ends no later than `limit`.
 * Indefinite lengths are resolved by walking the children up to the end-of-contents octets.
 */
export function readNode(bytes: Uint8Array, offset = 0, limit = bytes.length, depth = 0): Asn1Node {
  if (depth > MAX_DEPTH) {
    throw new Asn1Error(`nesting deeper than ${MAX_DEPTH}`);
  }
  let pos = offset;
  if (pos >= limit) {
    throw new Asn1Error(`expected an element at offset ${offset}, found the end of the data`);
  }
  const id = bytes[pos++]!;
  const tagClass = id & 0xc0;
  const constructed = (id & 0x20) !== 0;
  let tagNumber = id & 0x1f;
  if (tagNumber === 0x1f) {
    // High tag number form (X.690 §8.1.2.4): base-128, at most 4 octets here.
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (pos >= limit || i >= 4) {
        throw new Asn1Error(`bad high tag number at offset ${offset}`);
      }
      const b = bytes[pos++]!;
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        break;
      }
    }
  }
  if (pos >= limit) {
    throw new Asn1Error(`missing length at offset ${pos}`);
  }
  const first = bytes[pos++]!;
  if (first === 0x80) {
    if (!constructed) {
      throw new Asn1Error(`indefinite length on a primitive element at offset ${offset}`);
    }
    const contentStart = pos;
    let cursor = pos;
    for (;;) {
      if (cursor + 2 > limit) {
        throw new Asn1Error(`unterminated indefinite length at offset ${offset}`);
      }
      if (bytes[cursor] === 0 && bytes[cursor + 1] === 0) {
        return {
          tagClass,
          constructed,
          tagNumber,
          start: offset,
          contentStart,
          contentEnd: cursor,
          end: cursor + 2,
          indefinite: true,
        };
      }
      cursor = readNode(bytes, cursor, limit, depth + 1).end;
    }
  }
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count > 4 || count === 0x7f) {
      throw new Asn1Error(`length of ${count} octets at offset ${offset} (at most 4 supported)`);
    }
    length = 0;
    for (let i = 0; i < count; i++) {
      if (pos >= limit) {
        throw new Asn1Error(`truncated length at offset ${offset}`);
      }
      length = length * 256 + bytes[pos++]!;
    }
  }
  const end = pos + length;
  if (end > limit) {
    throw new Asn1Error(`element at offset ${offset} declares ${length} bytes, only ${limit - pos} remain`);
  }
  return {
    tagClass,
    constructed,
    tagNumber,
    start: offset,
    contentStart: pos,
    contentEnd: end,
    end,
    indefinite: false,
  };
}

/** The direct children of a constructed element. */
export function childrenOf(bytes: Uint8Array, node: Asn1Node, depth = 0): Asn1Node[] {
  if (!node.constructed) {
    throw new Asn1Error(`element at offset ${node.start} is primitive, expected constructed`);
  }
  const out: Asn1Node[] = [];
  let pos = node.contentStart;
  while (pos < node.contentEnd) {
    const child = readNode(bytes, pos, node.contentEnd, depth + 1);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** The whole element's bytes (a view, not a copy). */
export function elementBytes(bytes: Uint8Array, node: Asn1Node): Uint8Array {
  return bytes.subarray(node.start, node.end);
}

/** The content bytes (a view). For constructed BER strings use {@link octetStringValue}. */
export function contentBytes(bytes: Uint8Array, node: Asn1Node): Uint8Array {
  return bytes.subarray(node.contentStart, node.contentEnd);
}

/** Throws unless `node` is the universal (or given class) tag `tagNumber`. */
export function expectTag(
  node: Asn1Node | undefined,
  tagNumber: number,
  what: string,
  tagClass: number = TagClass.universal,
): Asn1Node {
  if (!node) {
    throw new Asn1Error(`missing ${what}`);
  }
  if (node.tagNumber !== tagNumber || node.tagClass !== tagClass) {
    throw new Asn1Error(
      `${what}: expected tag ${describeTag(tagClass, tagNumber)}, found ${describeTag(node.tagClass, node.tagNumber)} at offset ${node.start}`,
    );
  }
  return node;
}

/** True when `node` is the context-specific tag [n]. */
export function isContext(node: Asn1Node | undefined, tagNumber: number): node is Asn1Node {
  return node !== undefined && node.tagClass === TagClass.context && node.tagNumber === tagNumber;
}

function describeTag(tagClass: number, tagNumber: number): string {
  if (tagClass === TagClass.context) {
    return `[${tagNumber}]`;
  }
  if (tagClass === TagClass.universal) {
    return `universal ${tagNumber}`;
  }
  return `class 0x${tagClass.toString(16)} number ${tagNumber}`;
}

/** Decodes an OBJECT IDENTIFIER (X.690 §8.19) to dotted text. */
export function oidValue(bytes: Uint8Array, node: Asn1Node): string {
  expectTag(node, Tag.oid, "OBJECT IDENTIFIER");
  const content = contentBytes(bytes, node);
  if (content.length === 0) {
    throw new Asn1Error(`empty OBJECT IDENTIFIER at offset ${node.start}`);
  }
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i]!;
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) {
      throw new Asn1Error(`OBJECT IDENTIFIER arc too large at offset ${node.start}`);
    }
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    } else if (i === content.length - 1) {
      throw new Asn1Error(`truncated OBJECT IDENTIFIER at offset ${node.start}`);
    }
  }
  return arcs.join(".");
}

/** A small non-negative INTEGER as a number (versions, statuses). */
export function smallIntegerValue(bytes: Uint8Array, node: Asn1Node): number {
  expectTag(node, Tag.integer, "INTEGER");
  const content = contentBytes(bytes, node);
  if (content.length === 0 || content.length > 6) {
    throw new Asn1Error(
      `INTEGER of ${content.length} bytes at offset ${node.start}, expected a small number`,
    );
  }
  if ((content[0]! & 0x80) !== 0) {
    throw new Asn1Error(`negative INTEGER at offset ${node.start}`);
  }
  let value = 0;
  for (const b of content) {
    value = value * 256 + b;
  }
  return value;
}

/** INTEGER content as lowercase hex without the sign-padding 00 (the convention of `Certificate.serialNumberHex`). */
export function integerHex(bytes: Uint8Array, node: Asn1Node): string {
  expectTag(node, Tag.integer, "INTEGER");
  let content = contentBytes(bytes, node);
  if (content.length === 0) {
    throw new Asn1Error(`empty INTEGER at offset ${node.start}`);
  }
  while (content.length > 1 && content[0] === 0) {
    content = content.subarray(1);
  }
  return Buffer.from(content.buffer, content.byteOffset, content.length).toString("hex");
}

/**
 * OCTET STRING value; a constructed (BER) OCTET STRING is reassembled from its segments
 * (X.690 §8.7.3), which some producers use for encapsulated content.
 */
export function octetStringValue(bytes: Uint8Array, node: Asn1Node, depth = 0): Uint8Array {
  expectTag(node, Tag.octetString, "OCTET STRING");
  if (!node.constructed) {
    return contentBytes(bytes, node);
  }
  const parts = childrenOf(bytes, node, depth).map((child) => octetStringValue(bytes, child, depth + 1));
  return concatBytes(parts);
}

/** UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5 forms, plus fractional seconds) to a Date. */
export function timeValue(bytes: Uint8Array, node: Asn1Node): Date {
  const text = Buffer.from(contentBytes(bytes, node)).toString("latin1");
  let match: RegExpExecArray | null;
  if (node.tagClass === TagClass.universal && node.tagNumber === Tag.utcTime) {
    match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text);
    if (!match) {
      throw new Asn1Error(`bad UTCTime '${text}' at offset ${node.start}`);
    }
    const yy = Number(match[1]);
    // RFC 5280 §4.1.2.5.1: YY >= 50 means 19YY.
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return new Date(
      Date.UTC(
        year,
        Number(match[2]) - 1,
        Number(match[3]),
        Number(match[4]),
        Number(match[5]),
        Number(match[6] ?? "0"),
      ),
    );
  }
  if (node.tagClass === TagClass.universal && node.tagNumber === Tag.generalizedTime) {
    match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,](\d+))?Z$/.exec(text);
    if (!match) {
      throw new Asn1Error(`bad GeneralizedTime '${text}' at offset ${node.start}`);
    }
    const millis = match[7] ? Math.floor(Number(`0.${match[7]}`) * 1000) : 0;
    return new Date(
      Date.UTC(
        Number(match[1]),
        Number(match[2]) - 1,
        Number(match[3]),
        Number(match[4]),
        Number(match[5]),
        Number(match[6] ?? "0"),
        millis,
      ),
    );
  }
  throw new Asn1Error(`expected UTCTime or GeneralizedTime at offset ${node.start}`);
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) {
    length += part.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}
