/**
 * The PDF object model (ISO 32000-1 §7.3). Parsed objects keep the file offsets they came from
 * where the verifier needs them (strings and dictionaries), and never copy stream data: a stream
 * holds a view into the file's bytes.
 */

/** A name object (§7.3.5). `value` is the decoded name without the slash, one char per byte. */
export class PdfName {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return `/${this.value}`;
  }
}

/** A string object (§7.3.4): the decoded bytes, and whether it was written as a hex string. */
export class PdfString {
  readonly bytes: Uint8Array;
  readonly hex: boolean;
  /** File offset of the opening `(` or `<`, when parsed from a file. */
  readonly start: number;
  /** File offset just after the closing `)` or `>`, when parsed from a file. */
  readonly end: number;
  constructor(bytes: Uint8Array, hex = false, start = -1, end = -1) {
    this.bytes = bytes;
    this.hex = hex;
    this.start = start;
    this.end = end;
  }
  /** Text string decoding (§7.9.2.2): UTF-16BE with BOM, UTF-8 with BOM (PDF 2.0), else PDFDocEncoding. */
  text(): string {
    return decodeTextString(this.bytes);
  }
}

/** An indirect reference `N G R` (§7.3.10). */
export class PdfRef {
  readonly objectNumber: number;
  readonly generation: number;
  constructor(objectNumber: number, generation = 0) {
    this.objectNumber = objectNumber;
    this.generation = generation;
  }
  toString(): string {
    return `${this.objectNumber} ${this.generation} R`;
  }
  equals(other: PdfRef): boolean {
    return other.objectNumber === this.objectNumber && other.generation === this.generation;
  }
}

/** What the parser saw of a dictionary's syntax beyond its entries (see {@link PdfDict}). */
export interface PdfDictSyntax {
  /** Keys written more than once (the map keeps the last value). */
  readonly duplicateKeys?: readonly string[];
  /** Keys whose (last) value is a number written as a real (`33.0`, `33.`), not as an integer. */
  readonly realNumberKeys?: readonly string[];
}

const NO_KEYS: readonly string[] = Object.freeze([]);

/** A map handed to {@link PdfDict.adopt}; iterable as entries so that the constructor's type holds. */
class Adopted implements Iterable<readonly [string, PdfObject]> {
  constructor(readonly map: Map<string, PdfObject>) {}
  [Symbol.iterator](): Iterator<readonly [string, PdfObject]> {
    return this.map[Symbol.iterator]();
  }
}

/** A dictionary (§7.3.7). Keys are name values without the slash; insertion order is kept. */
export class PdfDict {
  readonly map: Map<string, PdfObject>;
  /** File offset of `<<` and just after `>>`, when parsed from a file. */
  readonly start: number;
  readonly end: number;
  /**
   * Keys the file wrote more than once in this dictionary; `map` holds the last value, other
   * readers may take another (poppler sorts dictionaries of 32 entries or more and finds any).
   * Empty for dictionaries built in code.
   */
  readonly duplicateKeys: readonly string[];
  /** Keys whose value is a number the file wrote as a real (`33.0`); empty when built in code. */
  readonly realNumberKeys: readonly string[];
  constructor(
    entries?: Iterable<readonly [string, PdfObject]>,
    start = -1,
    end = -1,
    syntax: PdfDictSyntax = {},
  ) {
    this.map = entries instanceof Adopted ? entries.map : new Map(entries);
    this.start = start;
    this.end = end;
    this.duplicateKeys = syntax.duplicateKeys ?? NO_KEYS;
    this.realNumberKeys = syntax.realNumberKeys ?? NO_KEYS;
  }
  /** A dictionary over `map` itself, uncopied: for the lexer, which holds it nowhere else. */
  static adopt(map: Map<string, PdfObject>, start: number, end: number, syntax: PdfDictSyntax): PdfDict {
    return new PdfDict(new Adopted(map), start, end, syntax);
  }
  /**
   * The value when it is a number written as an integer (`33`, not `33.0` or `33.`), else
   * undefined. A dictionary built in code holds integers as such when `Number.isInteger`.
   */
  getInteger(key: string): number | undefined {
    const value = this.map.get(key);
    return typeof value === "number" && Number.isInteger(value) && !this.realNumberKeys.includes(key)
      ? value
      : undefined;
  }
  get(key: string): PdfObject | undefined {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  /** The value when it is a name, else undefined. */
  getName(key: string): string | undefined {
    const value = this.map.get(key);
    return value instanceof PdfName ? value.value : undefined;
  }
  getNumber(key: string): number | undefined {
    const value = this.map.get(key);
    return typeof value === "number" ? value : undefined;
  }
  getRef(key: string): PdfRef | undefined {
    const value = this.map.get(key);
    return value instanceof PdfRef ? value : undefined;
  }
  getString(key: string): PdfString | undefined {
    const value = this.map.get(key);
    return value instanceof PdfString ? value : undefined;
  }
  getArray(key: string): readonly PdfObject[] | undefined {
    const value = this.map.get(key);
    return Array.isArray(value) ? value : undefined;
  }
  getDict(key: string): PdfDict | undefined {
    const value = this.map.get(key);
    return value instanceof PdfDict ? value : undefined;
  }
  /** A shallow copy with some entries set (`undefined` deletes), for writing a new version. */
  with(changes: Readonly<Record<string, PdfObject | undefined>>): PdfDict {
    const copy = new PdfDict(this.map);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) {
        copy.map.delete(key);
      } else {
        copy.map.set(key, value);
      }
    }
    return copy;
  }
}

/** A stream (§7.3.8): its dictionary and a view of its raw (still encoded) data in the file. */
export class PdfStream {
  readonly dict: PdfDict;
  readonly data: Uint8Array;
  /** File offset of the first data byte. */
  readonly dataOffset: number;
  /** True when /Length was missing or wrong and the end was found by scanning for `endstream`. */
  readonly lengthRecovered: boolean;
  constructor(dict: PdfDict, data: Uint8Array, dataOffset = -1, lengthRecovered = false) {
    this.dict = dict;
    this.data = data;
    this.dataOffset = dataOffset;
    this.lengthRecovered = lengthRecovered;
  }
}

/** Any PDF object. Arrays are plain arrays; `null` is the null object. */
export type PdfObject =
  | null
  | boolean
  | number
  | PdfName
  | PdfString
  | PdfRef
  | PdfDict
  | PdfStream
  | readonly PdfObject[];

/** PDFDocEncoding code points for bytes 0x18–0x1F and 0x80–0xAD that differ from Latin-1 (§D.2). */
const PDF_DOC_ENCODING: Readonly<Record<number, number>> = {
  24: 0x02d8,
  25: 0x02c7,
  26: 0x02c6,
  27: 0x02d9,
  28: 0x02dd,
  29: 0x02db,
  30: 0x02da,
  31: 0x02dc,
  128: 0x2022,
  129: 0x2020,
  130: 0x2021,
  131: 0x2026,
  132: 0x2014,
  133: 0x2013,
  134: 0x0192,
  135: 0x2044,
  136: 0x2039,
  137: 0x203a,
  138: 0x2212,
  139: 0x2030,
  140: 0x201e,
  141: 0x201c,
  142: 0x201d,
  143: 0x2018,
  144: 0x2019,
  145: 0x201a,
  146: 0x2122,
  147: 0xfb01,
  148: 0xfb02,
  149: 0x0141,
  150: 0x0152,
  151: 0x0160,
  152: 0x0178,
  153: 0x017d,
  154: 0x0131,
  155: 0x0142,
  156: 0x0153,
  157: 0x0161,
  158: 0x017e,
  160: 0x20ac,
};

/** Decodes a PDF text string (§7.9.2.2). */
export function decodeTextString(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    let out = "";
    for (let i = 2; i + 1 < bytes.length; i += 2) {
      out += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
    }
    return out;
  }
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return new TextDecoder("utf-8").decode(bytes.subarray(3));
  }
  let out = "";
  for (const byte of bytes) {
    out += String.fromCharCode(PDF_DOC_ENCODING[byte] ?? byte);
  }
  return out;
}

/** Encodes a text string: plain bytes when ASCII printable, else UTF-16BE with a BOM (§7.9.2.2). */
export function encodeTextString(text: string): Uint8Array {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }
  const out = new Uint8Array(2 + text.length * 2);
  out[0] = 0xfe;
  out[1] = 0xff;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out[2 + i * 2] = code >> 8;
    out[3 + i * 2] = code & 0xff;
  }
  return out;
}

/** A text string object for writing. */
export function textString(text: string): PdfString {
  return new PdfString(encodeTextString(text), true);
}

/** A name object for writing. */
export function name(value: string): PdfName {
  return new PdfName(value);
}
