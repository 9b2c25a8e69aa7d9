/**
 * The one DER home: a small DER (and tolerant BER) reader and the DER writer for the structures of
 * X.509, CRLs, PKCS#12 and CMS (ITU-T X.690), used by shared/pki, shared/cms (including the
 * forge-based SignedData builder, which takes its primitives and SET OF order from here) and the
 * test attack builders. Works on `Uint8Array` views without copying, so it is safe to
 * use on large inputs; values are decoded only when asked for.
 *
 * Errors are thrown as {@link DerError}; public parsers wrap them into an `ExchangeError` with
 * the code that fits their input (CERT_MALFORMED, KEY_MALFORMED, CMS_MALFORMED …).
 */

/** Universal tags (X.680 §8.4) as the full identifier octet DER writes for them. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Thrown by the DER reader for input that is not well-formed. */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

export type TagClass = "universal" | "application" | "context" | "private";

/** One TLV element: views into the source buffer, nothing copied. */
export interface DerElement {
  /** The first identifier octet (class, constructed bit and tag number when below 31), e.g. 0x30. */
  readonly tag: number;
  readonly tagClass: TagClass;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** Offset of the identifier octet in the buffer the element was read from. */
  readonly offset: number;
  readonly headerLength: number;
  /** Content length in bytes (for BER indefinite length: up to, not including, the end-of-contents). */
  readonly length: number;
  /** Offset just after the element (after the end-of-contents octets for indefinite length). */
  readonly end: number;
  /** The content octets. */
  readonly content: Uint8Array;
  /** The whole encoding, identifier to end. */
  readonly bytes: Uint8Array;
  /** True when BER indefinite length was used (never in DER). */
  readonly indefinite: boolean;
}

/** Reader options. */
export interface DerReadOptions {
  /** Accept BER indefinite lengths (PKCS#12 and CMS files from some producers use them). Default false. */
  readonly ber?: boolean;
}

/** Reader options for BER input: CMS and PKCS#12 from some producers use indefinite lengths (X.690 §8.1.3.6). */
export const BER: DerReadOptions = { ber: true };

const CLASSES: readonly TagClass[] = ["universal", "application", "context", "private"];
const MAX_DEPTH = 64;

/**
 * Reads the TLV element starting at `offset`.
 *
 * @example
 * const cert = readElement(der); // cert.tag === 0x30
 */
export function readElement(buf: Uint8Array, offset = 0, options: DerReadOptions = {}): DerElement {
  return readAt(buf, offset, options.ber === true, 0);
}

function readAt(buf: Uint8Array, offset: number, ber: boolean, depth: number): DerElement {
  if (depth > MAX_DEPTH) {
    throw new DerError(`nesting deeper than ${MAX_DEPTH} levels`);
  }
  let pos = offset;
  const first = byteAt(buf, pos++);
  const tagClass = CLASSES[first >> 6] as TagClass;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    // High tag number form (X.690 §8.1.2.4): base-128, high bit = more.
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (i > 4) {
        throw new DerError(`tag number too large at offset ${offset}`);
      }
      const b = byteAt(buf, pos++);
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        break;
      }
    }
  }
  const lengthByte = byteAt(buf, pos++);
  const indefinite = lengthByte === 0x80;
  let contentStart = pos;
  let contentEnd: number;
  let end: number;
  if (indefinite) {
    // Indefinite length (X.690 §8.1.3.6): BER only, constructed only.
    if (!ber) {
      throw new DerError(`indefinite length at offset ${offset} (not DER)`);
    }
    if (!constructed) {
      throw new DerError(`indefinite length on a primitive element at offset ${offset}`);
    }
    let cursor = contentStart;
    for (;;) {
      if (cursor + 1 < buf.length && buf[cursor] === 0 && buf[cursor + 1] === 0) {
        break;
      }
      cursor = readAt(buf, cursor, ber, depth + 1).end;
    }
    contentEnd = cursor;
    end = cursor + 2;
  } else {
    let length = lengthByte;
    if (lengthByte >= 0x80) {
      const count = lengthByte & 0x7f;
      if (count > 4) {
        throw new DerError(`length of ${count} octets at offset ${offset} is too large`);
      }
      length = 0;
      for (let i = 0; i < count; i++) {
        length = length * 256 + byteAt(buf, pos++);
      }
    }
    contentStart = pos;
    contentEnd = contentStart + length;
    end = contentEnd;
    if (end > buf.length) {
      throw new DerError(
        `element at offset ${offset} needs ${length} content bytes, ${buf.length - contentStart} left`,
      );
    }
  }
  return {
    tag: first,
    tagClass,
    constructed,
    tagNumber,
    offset,
    headerLength: contentStart - offset,
    length: contentEnd - contentStart,
    end,
    content: buf.subarray(contentStart, contentEnd),
    bytes: buf.subarray(offset, end),
    indefinite,
  };
}

function byteAt(buf: Uint8Array, pos: number): number {
  const b = buf[pos];
  if (b === undefined) {
    throw new DerError(`unexpected end of data at offset ${pos}`);
  }
  return b;
}

/**
 * Decodes a buffer that holds exactly one element (trailing bytes are an error).
 *
 * @example
 * const root = decodeDer(certificateDer);
 */
export function decodeDer(buf: Uint8Array, options: DerReadOptions = {}): DerElement {
  const element = readElement(buf, 0, options);
  if (element.end !== buf.length) {
    throw new DerError(`${buf.length - element.end} trailing bytes after the outer element`);
  }
  return element;
}

/**
 * The child elements of a constructed element.
 *
 * @example
 * const [tbs, algorithm, signature] = children(decodeDer(certificateDer));
 */
export function children(element: DerElement, options: DerReadOptions = {}): DerElement[] {
  if (!element.constructed) {
    throw new DerError(`element with tag 0x${element.tag.toString(16)} is not constructed`);
  }
  const ber = options.ber === true || element.indefinite;
  const out: DerElement[] = [];
  let pos = 0;
  while (pos < element.content.length) {
    const child = readAt(element.content, pos, ber, 0);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Throws unless `element` has the expected identifier octet; returns it for chaining. */
export function expectTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (!element) {
    throw new DerError(`${what}: missing, expected tag 0x${tag.toString(16)}`);
  }
  if (element.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`);
  }
  return element;
}

/** True when `element` is the context-specific tag [n], primitive or constructed. */
export function isContext(element: DerElement | undefined, tagNumber: number): element is DerElement {
  return element !== undefined && element.tagClass === "context" && element.tagNumber === tagNumber;
}

/** Decodes an OBJECT IDENTIFIER (X.690 §8.19) to dotted form. */
export function decodeOid(element: DerElement): string {
  expectTag(element, TAG.OID, "OBJECT IDENTIFIER");
  const bytes = element.content;
  if (bytes.length === 0) {
    throw new DerError("empty OBJECT IDENTIFIER");
  }
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    value = (value << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    } else if (i === bytes.length - 1) {
      throw new DerError("truncated OBJECT IDENTIFIER");
    }
  }
  const head = arcs[0] as bigint;
  const first = head < 40n ? 0n : head < 80n ? 1n : 2n;
  return [first, head - first * 40n, ...arcs.slice(1)].join(".");
}

/** Decodes an INTEGER (or ENUMERATED) as a signed bigint. */
export function decodeInteger(element: DerElement): bigint {
  if (element.tag !== TAG.INTEGER && element.tag !== TAG.ENUMERATED) {
    throw new DerError(`expected INTEGER, got tag 0x${element.tag.toString(16)}`);
  }
  return bigintFromSigned(element.content);
}

/**
 * Decodes a small INTEGER as a number; throws above 2^53 and below `min` (pass `min: 0` for
 * versions, statuses and lengths, where a negative value is malformed).
 */
export function decodeSmallInteger(element: DerElement, options: { readonly min?: number } = {}): number {
  const value = decodeInteger(element);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DerError("INTEGER too large for a number");
  }
  const number = Number(value);
  if (options.min !== undefined && number < options.min) {
    throw new DerError(`INTEGER ${number} is below ${options.min}`);
  }
  return number;
}

/**
 * An INTEGER's content octets as lowercase hex without the sign-padding 00 octets: the form of
 * `Certificate.serialNumberHex`, used to compare serial numbers from CRLs, OCSP, CMS and ESS.
 */
export function integerHex(element: DerElement): string {
  expectTag(element, TAG.INTEGER, "INTEGER");
  if (element.content.length === 0) {
    throw new DerError("empty INTEGER");
  }
  let start = 0;
  while (start < element.content.length - 1 && element.content[start] === 0) {
    start++;
  }
  return bytesToHex(element.content.subarray(start));
}

function bigintFromSigned(bytes: Uint8Array): bigint {
  if (bytes.length === 0) {
    throw new DerError("empty INTEGER");
  }
  let value = BigInt(`0x${bytesToHex(bytes)}`);
  if (((bytes[0] as number) & 0x80) !== 0) {
    value -= 1n << BigInt(bytes.length * 8);
  }
  return value;
}

/** Decodes a BOOLEAN. */
export function decodeBoolean(element: DerElement): boolean {
  expectTag(element, TAG.BOOLEAN, "BOOLEAN");
  if (element.content.length !== 1) {
    throw new DerError(`BOOLEAN of ${element.content.length} bytes`);
  }
  return element.content[0] !== 0;
}

/** Decodes a BIT STRING into its unused-bit count and the bit bytes. */
export function decodeBitString(element: DerElement): {
  readonly unusedBits: number;
  readonly bytes: Uint8Array;
} {
  expectTag(element, TAG.BIT_STRING, "BIT STRING");
  const unusedBits = element.content[0];
  if (unusedBits === undefined || unusedBits > 7) {
    throw new DerError("BIT STRING without a valid unused-bits octet");
  }
  return { unusedBits, bytes: element.content.subarray(1) };
}

/**
 * The value of an OCTET STRING; for a BER constructed OCTET STRING the chunks are joined
 * (X.690 §8.7.3). Pass an element with a context tag when the OCTET STRING is IMPLICIT.
 */
export function octetStringValue(element: DerElement): Uint8Array {
  return octetStringAt(element, 0);
}

function octetStringAt(element: DerElement, depth: number): Uint8Array {
  if (!element.constructed) {
    return element.content;
  }
  if (depth >= MAX_DEPTH) {
    throw new DerError(`constructed OCTET STRING nested deeper than ${MAX_DEPTH} levels`);
  }
  return concatBytes(
    children(element, BER).map((segment) => {
      // X.690 §8.7.3.2: the segments are themselves OCTET STRINGs.
      if (segment.tagClass !== "universal" || segment.tagNumber !== TAG.OCTET_STRING) {
        throw new DerError(`OCTET STRING segment with tag 0x${segment.tag.toString(16)}`);
      }
      return octetStringAt(segment, depth + 1);
    }),
  );
}

/**
 * The value of a universal OCTET STRING, primitive (0x04) or BER constructed (0x24).
 *
 * @example
 * const messageDigest = decodeOctetString(values[0], "messageDigest");
 */
export function decodeOctetString(element: DerElement | undefined, what = "OCTET STRING"): Uint8Array {
  if (!element) {
    throw new DerError(`${what}: missing, expected an OCTET STRING`);
  }
  if (element.tagClass !== "universal" || element.tagNumber !== TAG.OCTET_STRING) {
    throw new DerError(`${what}: expected an OCTET STRING, got tag 0x${element.tag.toString(16)}`);
  }
  return octetStringValue(element);
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf16be = new TextDecoder("utf-16be", { fatal: true });

/**
 * Decodes a character string by its tag: UTF8String as UTF-8, BMPString as UTF-16BE,
 * UniversalString as UTF-32BE, TeletexString as Latin-1 (what producers actually mean),
 * the ASCII types as-is. Implicitly tagged strings are read as UTF-8.
 */
export function decodeString(element: DerElement): string {
  const bytes = element.content;
  try {
    switch (element.tag) {
      case TAG.BMP_STRING:
        return utf16be.decode(bytes);
      case TAG.UNIVERSAL_STRING: {
        if (bytes.length % 4 !== 0) {
          throw new DerError("UniversalString length is not a multiple of 4");
        }
        let out = "";
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let i = 0; i < bytes.length; i += 4) {
          out += String.fromCodePoint(view.getUint32(i));
        }
        return out;
      }
      case TAG.TELETEX_STRING:
        return latin1.decode(bytes);
      case TAG.PRINTABLE_STRING:
      case TAG.IA5_STRING:
      case TAG.NUMERIC_STRING:
      case TAG.VISIBLE_STRING:
      case TAG.UTF8_STRING:
        return utf8.decode(bytes);
      default:
        if (element.constructed) {
          throw new DerError(`tag 0x${element.tag.toString(16)} is not a string`);
        }
        return utf8.decode(bytes);
    }
  } catch (error) {
    if (error instanceof DerError) {
      throw error;
    }
    throw new DerError(`string with tag 0x${element.tag.toString(16)} is not validly encoded`);
  }
}

/** Options of {@link decodeTime}. */
export interface DecodeTimeOptions {
  /**
   * Refuse local-time offsets (±hhmm): the time must end in "Z", as RFC 5652 §11.3 (signingTime)
   * and RFC 3161 §2.4.2 (genTime) require. Default false.
   */
  readonly requireZulu?: boolean;
}

/**
 * Decodes UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5: UTCTime years 50–99 are 19xx).
 * Accepts the forms seen in the wild: optional seconds, fractional seconds (truncated to the
 * millisecond), "Z" or ±hhmm.
 */
export function decodeTime(element: DerElement, options: DecodeTimeOptions = {}): Date {
  const text = latin1.decode(element.content);
  let match: RegExpMatchArray | null;
  let year: number;
  if (element.tag === TAG.UTC_TIME) {
    match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?()(Z|[+-]\d{4})$/.exec(text);
    if (!match) {
      throw new DerError(`UTCTime "${text}" is malformed`);
    }
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (element.tag === TAG.GENERALIZED_TIME) {
    match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})$/.exec(text);
    if (!match) {
      throw new DerError(`GeneralizedTime "${text}" is malformed`);
    }
    year = Number(match[1]);
  } else {
    throw new DerError(`expected a time, got tag 0x${element.tag.toString(16)}`);
  }
  const zone = match[8] as string;
  if (options.requireZulu && zone !== "Z") {
    throw new DerError(`time "${text}" is not in UTC ("Z")`);
  }
  // Truncated, not rounded: 11.9999 s is still within second 11.
  const milliseconds = Number((match[7] ?? "").slice(0, 3).padEnd(3, "0"));
  let ms = Date.UTC(
    year,
    Number(match[2]) - 1,
    Number(match[3]),
    Number(match[4]),
    Number(match[5]),
    Number(match[6] ?? "0"),
    milliseconds,
  );
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  }
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) {
    throw new DerError(`time "${text}" is not a valid date`);
  }
  return date;
}

/**
 * The length of the one element at the start of `bytes`, identifier to end (after the
 * end-of-contents octets of a BER indefinite length), or undefined when `bytes` does not start
 * with a complete, well-formed element. For finding where a CMS ends inside zero padding (a
 * PDF /Contents): the EOC octets of indefinite lengths are zeros too, so only a reader can tell.
 *
 * @example
 * const end = encodedLength(contents, BER); // then contents[end..] must be zeros
 */
export function encodedLength(bytes: Uint8Array, options: DerReadOptions = {}): number | undefined {
  try {
    return readElement(bytes, 0, options).end;
  } catch (error) {
    if (error instanceof DerError) {
      return undefined;
    }
    throw error;
  }
}

/**
 * Universal types whose BER encoding may be constructed (segmented) but whose DER encoding is
 * primitive (X.690 §8.6, §8.7, §8.23, §10.2): BIT STRING, OCTET STRING, the character strings
 * and the time types.
 */
const STRING_TAG_NUMBERS: ReadonlySet<number> = new Set([
  3, 4, 12, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30,
]);

function identifierLength(element: DerElement): number {
  if ((element.tag & 0x1f) !== 0x1f) {
    return 1;
  }
  let length = 1;
  while (((element.bytes[length] as number) & 0x80) !== 0) {
    length++;
  }
  return length + 1;
}

/**
 * True when `element`, or anything inside it, uses an encoding BER allows and DER forbids
 * (X.690 §10): an indefinite or non-minimal length, a constructed (segmented) string, a BOOLEAN
 * TRUE other than 0xFF. Universal SETs are not checked for DER order: producers that sign
 * unsorted definite-length encodings exist, and their bytes must stay as they are.
 *
 * @example
 * if (usesBerEncoding(signedAttrs)) { message = toDer(signedAttrs); }
 */
export function usesBerEncoding(element: DerElement): boolean {
  return berAt(element, 0);
}

function berAt(element: DerElement, depth: number): boolean {
  if (depth > MAX_DEPTH) {
    throw new DerError(`nesting deeper than ${MAX_DEPTH} levels`);
  }
  if (element.indefinite) {
    return true;
  }
  if (element.headerLength - identifierLength(element) !== encodeLength(element.length).length) {
    return true;
  }
  if (element.tagClass === "universal") {
    if (element.constructed && STRING_TAG_NUMBERS.has(element.tagNumber)) {
      return true;
    }
    if (
      element.tag === TAG.BOOLEAN &&
      element.length === 1 &&
      element.content[0] !== 0 &&
      element.content[0] !== 0xff
    ) {
      return true;
    }
  }
  return element.constructed && children(element, BER).some((child) => berAt(child, depth + 1));
}

/**
 * Re-encodes a (BER) element as DER (X.690 §10, §11): definite minimal lengths, segmented
 * strings joined into one primitive string, BOOLEAN TRUE as 0xFF, and the elements of every
 * universal SET sorted by their encodings (§11.6, SET OF). Other content octets are kept.
 * Implicitly tagged strings cannot be recognised without the schema and keep their segments.
 *
 * @example
 * const signed = toDer(signedAttributesNode); // RFC 5652 §5.4: the DER form is what is signed
 */
export function toDer(element: DerElement): Uint8Array {
  return derAt(element, 0);
}

function derAt(element: DerElement, depth: number): Uint8Array {
  if (depth > MAX_DEPTH) {
    throw new DerError(`nesting deeper than ${MAX_DEPTH} levels`);
  }
  const identifier = element.bytes.subarray(0, identifierLength(element));
  if (!element.constructed) {
    if (element.tag === TAG.BOOLEAN && element.length === 1 && element.content[0] !== 0) {
      return Uint8Array.of(TAG.BOOLEAN, 1, 0xff);
    }
    return concatBytes([identifier, encodeLength(element.length), element.content]);
  }
  if (element.tagClass === "universal" && STRING_TAG_NUMBERS.has(element.tagNumber)) {
    const value =
      element.tagNumber === TAG.BIT_STRING ? joinedBitString(element, depth) : joinedString(element, depth);
    return tlv(element.tag & ~0x20, value);
  }
  const parts = children(element, BER).map((child) => derAt(child, depth + 1));
  if (element.tag === TAG.SET) {
    parts.sort(compareBytes);
  }
  return concatBytes([identifier, encodeLength(parts.reduce((n, part) => n + part.length, 0)), ...parts]);
}

/** The value of a segmented string (X.690 §8.23.6: the segments carry the same universal tag, or OCTET STRING). */
function joinedString(element: DerElement, depth: number): Uint8Array {
  if (depth >= MAX_DEPTH) {
    throw new DerError(`constructed string nested deeper than ${MAX_DEPTH} levels`);
  }
  return concatBytes(
    children(element, BER).map((segment) => {
      if (
        segment.tagClass !== "universal" ||
        (segment.tagNumber !== element.tagNumber && segment.tagNumber !== TAG.OCTET_STRING)
      ) {
        throw new DerError(`string segment with tag 0x${segment.tag.toString(16)}`);
      }
      return segment.constructed ? joinedString(segment, depth + 1) : segment.content;
    }),
  );
}

/** The content octets (unused-bits octet first) of a segmented BIT STRING (X.690 §8.6.4). */
function joinedBitString(element: DerElement, depth: number): Uint8Array {
  const segments = flattenBitString(element, depth);
  const parts: Uint8Array[] = [];
  let unused = 0;
  for (const [i, segment] of segments.entries()) {
    const bits = decodeBitString(segment);
    if (bits.unusedBits !== 0 && i !== segments.length - 1) {
      throw new DerError("only the last BIT STRING segment may have unused bits");
    }
    unused = bits.unusedBits;
    parts.push(bits.bytes);
  }
  return concatBytes([Uint8Array.of(unused), ...parts]);
}

function flattenBitString(element: DerElement, depth: number): DerElement[] {
  if (depth >= MAX_DEPTH) {
    throw new DerError(`constructed BIT STRING nested deeper than ${MAX_DEPTH} levels`);
  }
  return children(element, BER).flatMap((segment) => {
    if (segment.tagClass !== "universal" || segment.tagNumber !== TAG.BIT_STRING) {
      throw new DerError(`BIT STRING segment with tag 0x${segment.tag.toString(16)}`);
    }
    return segment.constructed ? flattenBitString(segment, depth + 1) : [segment];
  });
}

// ---------------------------------------------------------------------------------------------
// Writer (DER, X.690 §10)

/** Encodes a definite length (X.690 §8.1.3, short form below 128). */
export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) {
    return Uint8Array.of(length);
  }
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) {
    bytes.unshift(n & 0xff);
  }
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/**
 * Encodes one TLV from an identifier octet and content parts.
 *
 * @example
 * const seq = tlv(TAG.SEQUENCE, encodeInteger(1n), encodeNull());
 */
export function tlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const body = concatBytes(content);
  return concatBytes([Uint8Array.of(tag), encodeLength(body.length), body]);
}

/** SEQUENCE of the given encoded elements. */
export function encodeSequence(...items: readonly Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, ...items);
}

/** SET OF the given encoded elements, sorted as DER requires (X.690 §11.6). */
export function encodeSetOf(...items: readonly Uint8Array[]): Uint8Array {
  return tlv(TAG.SET, ...[...items].sort(compareBytes));
}

/** Context-specific EXPLICIT tag [n] around one encoded element. */
export function encodeExplicit(tagNumber: number, inner: Uint8Array): Uint8Array {
  return tlv(0xa0 | tagNumber, inner);
}

/** Context-specific IMPLICIT tag [n] with the given content octets. */
export function encodeImplicit(tagNumber: number, content: Uint8Array, constructed = false): Uint8Array {
  return tlv((constructed ? 0xa0 : 0x80) | tagNumber, content);
}

/** Encodes a dotted OBJECT IDENTIFIER. */
export function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split(".").map((part) => {
    if (!/^\d+$/.test(part)) {
      throw new DerError(`"${oid}" is not a dotted OID`);
    }
    return BigInt(part);
  });
  const [a, b, ...rest] = arcs;
  if (a === undefined || b === undefined || a > 2n) {
    throw new DerError(`"${oid}" is not a valid OID`);
  }
  const bytes: number[] = [];
  for (const arc of [a * 40n + b, ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) {
      chunk.unshift(Number(v & 0x7fn) | 0x80);
    }
    bytes.push(...chunk);
  }
  return tlv(TAG.OID, Uint8Array.from(bytes));
}

/** Encodes an INTEGER from a bigint/number (two's complement, minimal) or unsigned big-endian bytes. */
export function encodeInteger(value: bigint | number | Uint8Array, tag: number = TAG.INTEGER): Uint8Array {
  if (value instanceof Uint8Array) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) {
      start++;
    }
    const trimmed = value.subarray(start);
    const content =
      trimmed.length === 0
        ? Uint8Array.of(0)
        : ((trimmed[0] as number) & 0x80) !== 0
          ? concatBytes([Uint8Array.of(0), trimmed])
          : trimmed;
    return tlv(tag, content);
  }
  let v = BigInt(value);
  const bytes: number[] = [];
  if (v >= 0n) {
    do {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    } while (v > 0n);
    if (((bytes[0] as number) & 0x80) !== 0) {
      bytes.unshift(0);
    }
  } else {
    do {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    } while (v < -1n || ((bytes[0] as number) & 0x80) === 0);
  }
  return tlv(tag, Uint8Array.from(bytes));
}

/** ENUMERATED (e.g. CRLReason). */
export function encodeEnumerated(value: number): Uint8Array {
  return encodeInteger(value, TAG.ENUMERATED);
}

/** NULL. */
export function encodeNull(): Uint8Array {
  return Uint8Array.of(TAG.NULL, 0);
}

/** BOOLEAN (DER: TRUE is 0xFF). */
export function encodeBoolean(value: boolean): Uint8Array {
  return Uint8Array.of(TAG.BOOLEAN, 1, value ? 0xff : 0);
}

/** OCTET STRING. */
export function encodeOctetString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.OCTET_STRING, bytes);
}

/** BIT STRING with the given unused-bit count in the last octet. */
export function encodeBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(TAG.BIT_STRING, Uint8Array.of(unusedBits), bytes);
}

/**
 * A named bit list (e.g. KeyUsage) as a DER BIT STRING: trailing zero bits removed
 * (X.690 §11.2.2). `bits` are the numbers of the bits that are set.
 */
export function encodeNamedBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) {
    return encodeBitString(new Uint8Array(0));
  }
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) {
    bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7));
  }
  return encodeBitString(bytes, 7 - (highest & 7));
}

const utf8Encoder = new TextEncoder();

/** UTF8String: the string for Vietnamese names (one UTF-8 encoding, never two). */
export function encodeUtf8String(value: string): Uint8Array {
  return tlv(TAG.UTF8_STRING, utf8Encoder.encode(value));
}

/** PrintableString; throws for characters outside its set (X.680 §41.4). */
export function encodePrintableString(value: string): Uint8Array {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value)) {
    throw new DerError(`"${value}" has characters a PrintableString cannot hold`);
  }
  return tlv(TAG.PRINTABLE_STRING, utf8Encoder.encode(value));
}

/** IA5String (ASCII), e.g. URIs and e-mail addresses. */
export function encodeIa5String(value: string, tag: number = TAG.IA5_STRING): Uint8Array {
  if (!/^[\x00-\x7f]*$/.test(value)) {
    throw new DerError("IA5String holds ASCII only");
  }
  return tlv(tag, utf8Encoder.encode(value));
}

/** BMPString (UTF-16BE), e.g. PKCS#12 friendlyName. */
export function encodeBmpString(value: string): Uint8Array {
  const bytes = new Uint8Array(value.length * 2);
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    bytes[2 * i] = unit >> 8;
    bytes[2 * i + 1] = unit & 0xff;
  }
  return tlv(TAG.BMP_STRING, bytes);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

function assertValidDate(date: Date): void {
  if (Number.isNaN(date.getTime())) {
    throw new DerError("invalid Date");
  }
}

/** UTCTime YYMMDDHHMMSSZ (years 1950–2049). */
export function encodeUtcTime(date: Date): Uint8Array {
  assertValidDate(date);
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) {
    throw new DerError(`year ${year} cannot be a UTCTime`);
  }
  const text =
    pad(year % 100, 2) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2) +
    "Z";
  return tlv(TAG.UTC_TIME, utf8Encoder.encode(text));
}

/** GeneralizedTime YYYYMMDDHHMMSS[.fff]Z (fraction only when non-zero, trailing zeros dropped). */
export function encodeGeneralizedTime(date: Date, withMilliseconds = false): Uint8Array {
  assertValidDate(date);
  let text =
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2);
  const ms = date.getUTCMilliseconds();
  if (withMilliseconds && ms !== 0) {
    text += `.${pad(ms, 3).replace(/0+$/, "")}`;
  }
  return tlv(TAG.GENERALIZED_TIME, utf8Encoder.encode(`${text}Z`));
}

/** RFC 5280 §4.1.2.5 Time: UTCTime through 2049, GeneralizedTime from 2050. */
export function encodeTime(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? encodeUtcTime(date) : encodeGeneralizedTime(date);
}

// ---------------------------------------------------------------------------------------------
// Bytes

/** Concatenates byte arrays into a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) {
    total += part.length;
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

/** Lexicographic byte order (shorter first on a common prefix), as DER SET OF sorting needs. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) {
      return d;
    }
  }
  return a.length - b.length;
}

/**
 * X.690 §11.6 SET OF order: the encodings compared as octet strings, the shorter padded with
 * trailing zero octets (so [1] and [1, 0] compare equal).
 */
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

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/** Lowercase hex. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Hex (either case, even length) to bytes. */
export function hexToBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    throw new DerError("not an even-length hex string");
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}
