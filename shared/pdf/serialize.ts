/**
 * Writing PDF objects (ISO 32000-1 §7.3). Strings are written as hex strings, which need no
 * escaping and survive any byte; names escape every byte outside the regular printable range.
 */
import { isDelimiter } from "./lexer.ts";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from "./objects.ts";

const HEX = "0123456789ABCDEF";

/** A number as PDF writes it: integers as is, reals with at most 6 decimals and no exponent (§7.3.3). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`cannot write non-finite number ${value}`);
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  const fixed = value.toFixed(6).replace(/0+$/, "").replace(/\.$/, "");
  return fixed === "-0" ? "0" : fixed;
}

/** A name with #xx escapes (§7.3.5). */
export function formatName(value: string): string {
  let out = "/";
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i) & 0xff;
    if (code < 0x21 || code > 0x7e || code === 0x23 || isDelimiter(code)) {
      out += `#${HEX[code >> 4]}${HEX[code & 15]}`;
    } else {
      out += String.fromCharCode(code);
    }
  }
  return out;
}

/** Hex string `<…>` of bytes. */
export function formatHexString(bytes: Uint8Array): string {
  return `<${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex").toUpperCase()}>`;
}

/** How {@link formatObject} writes. */
export interface FormatOptions {
  /**
   * Write reals exactly as parsed (the shortest text that reads back as the same number) instead
   * of rounding to 6 decimals: for rewriting a file's own objects (a repair), where rounding a
   * font's /W widths would move glyphs.
   */
  readonly exactNumbers?: boolean;
}

/** A real as the shortest decimal that reads back as the same double, never with an exponent. */
function formatExactNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`cannot write non-finite number ${value}`);
  }
  const text = String(value);
  if (!text.includes("e")) {
    return text;
  }
  return value.toFixed(20).replace(/0+$/, "").replace(/\.$/, "");
}

/** Serialises an object (not a stream) to its PDF text (Latin-1, in practice ASCII). */
export function formatObject(value: PdfObject, options: FormatOptions = {}): string {
  if (value === null) {
    return "null";
  }
  if (typeof value === "boolean") {
    return value ? "true" : "false";
  }
  if (typeof value === "number") {
    return options.exactNumbers ? formatExactNumber(value) : formatNumber(value);
  }
  if (value instanceof PdfName) {
    return formatName(value.value);
  }
  if (value instanceof PdfString) {
    return formatHexString(value.bytes);
  }
  if (value instanceof PdfRef) {
    return `${value.objectNumber} ${value.generation} R`;
  }
  if (value instanceof PdfDict) {
    let out = "<<";
    for (const [key, item] of value.map) {
      out += `${formatName(key)} ${formatObject(item, options)}`;
      out += " ";
    }
    return `${out}>>`;
  }
  if (value instanceof PdfStream) {
    throw new TypeError("a stream is an indirect object body: use serializeBody");
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => formatObject(item, options)).join(" ")}]`;
  }
  throw new TypeError("unknown PDF object");
}

/** The body of an indirect object: a direct object, or a stream with its /Length set. */
export function serializeBody(value: PdfObject, options: FormatOptions = {}): Uint8Array {
  if (value instanceof PdfStream) {
    const dict = value.dict.with({ Length: value.data.length });
    const head = Buffer.from(`${formatObject(dict, options)}\nstream\n`, "latin1");
    const tail = Buffer.from("\nendstream", "latin1");
    return Buffer.concat([head, value.data, tail]);
  }
  return Buffer.from(formatObject(value, options), "latin1");
}
