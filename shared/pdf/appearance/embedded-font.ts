/**
 * A TrueType font embedded as a subset for text in Identity-H encoding (ISO 32000-1 §9.7.4: a
 * Type 0 font over a CIDFontType2 with /CIDToGIDMap /Identity; §9.9 /FontFile2 with /Length1;
 * §9.10.3 a /ToUnicode CMap so that the text can be extracted; §9.6.4 the subset tag). CIDs are the
 * subset's glyph numbers, given in order of first use, so the text can be encoded before the
 * subset is written. Written with the project's own object model (../objects.ts) so that the
 * signing bundles need no PDF library (see truetype.ts for why no fontkit).
 */
import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";
import { ExchangeError } from "../../errors/exchange-error.ts";
import { name, PdfDict, type PdfObject, PdfRef, PdfStream, PdfString } from "../objects.ts";
import { parseTrueType, subsetTrueType, type TrueTypeFont } from "./truetype.ts";

/** ISO 32000-1 §9.8.2, Table 123: font flags. */
const FIXED_PITCH = 1;
const SERIF = 2;
const SYMBOLIC = 4;
const SCRIPT = 8;
const ITALIC = 64;

/** bfchar entries per block (a CMap allows at most 100, §9.10.3 / Adobe TN 5014). */
const CMAP_BLOCK = 100;

/**
 * The subset tag of ISO 32000-1 §9.6.4: six upper-case letters, here derived from the font and the
 * text so that the same input gives the same bytes.
 */
export function subsetTag(fontBytes: Uint8Array, texts: readonly string[]): string {
  const hash = createHash("sha256").update(fontBytes).update(texts.join("\n")).digest();
  let tag = "";
  for (let i = 0; i < 6; i++) {
    tag += String.fromCharCode(65 + (hash[i]! % 26));
  }
  return tag;
}

const hex4 = (value: number): string => value.toString(16).toUpperCase().padStart(4, "0");

/** UTF-16BE hex of a code point (a surrogate pair above U+FFFF). */
function utf16Hex(codePoint: number): string {
  if (codePoint <= 0xffff) {
    return hex4(codePoint);
  }
  const v = codePoint - 0x10000;
  return hex4(0xd800 + (v >> 10)) + hex4(0xdc00 + (v & 0x3ff));
}

/** One font being used for text; `embed` writes what was encoded so far. */
export class EmbeddedFont {
  readonly font: TrueTypeFont;
  /** `ABCDEF+PostScriptName`. */
  readonly baseFont: string;
  /** Original glyph → CID (the glyph's number in the subset), in order of first use from 1. */
  readonly #cids = new Map<number, number>();
  /** CID → the code point it was first encoded for (ToUnicode). */
  readonly #unicode = new Map<number, number>();

  private constructor(font: TrueTypeFont, tag: string) {
    this.font = font;
    this.baseFont = `${tag}+${font.postscriptName}`;
  }

  /**
   * Reads `bytes` as a TrueType font. Throws APPEARANCE_FONT_INVALID for anything else.
   * `tag` is the subset tag (see {@link subsetTag}).
   */
  static open(bytes: Uint8Array, tag: string): EmbeddedFont {
    try {
      return new EmbeddedFont(parseTrueType(bytes), tag);
    } catch (cause) {
      throw new ExchangeError("APPEARANCE_FONT_INVALID", {
        detail: `expected a TrueType font, got ${bytes.length} bytes that do not read as one (${cause instanceof Error ? cause.message : String(cause)})`,
        cause,
      });
    }
  }

  /** The first code point of `text` the font has no glyph for, if any. */
  missing(text: string): number | undefined {
    for (const char of text) {
      const codePoint = char.codePointAt(0)!;
      if (this.font.glyphOf(codePoint) === 0) {
        return codePoint;
      }
    }
    return undefined;
  }

  /** Width of `text` at `size` points: the sum of the glyphs' advance widths (no kerning). */
  widthOfTextAtSize(text: string, size: number): number {
    let units = 0;
    for (const char of text) {
      units += this.font.advanceOf(this.font.glyphOf(char.codePointAt(0)!));
    }
    return (units * size) / this.font.unitsPerEm;
  }

  /** `text` as a hex string of 2-byte CIDs for Tj (characters the font lacks show as .notdef). */
  encode(text: string): string {
    let out = "<";
    for (const char of text) {
      const codePoint = char.codePointAt(0)!;
      const glyph = this.font.glyphOf(codePoint);
      let cid = glyph === 0 ? 0 : this.#cids.get(glyph);
      if (cid === undefined) {
        cid = this.#cids.size + 1;
        this.#cids.set(glyph, cid);
        this.#unicode.set(cid, codePoint);
      }
      out += hex4(cid);
    }
    return `${out}>`;
  }

  /**
   * The font's objects: the Type 0 font at `fontNumber`, its descendant CIDFont, descriptor, font
   * program and ToUnicode CMap at numbers from `allocate`.
   */
  embed(fontNumber: number, allocate: () => number): [number, PdfObject][] {
    const { font } = this;
    let subset: ReturnType<typeof subsetTrueType>;
    try {
      subset = subsetTrueType(font, this.#cids.keys());
    } catch (cause) {
      throw new ExchangeError("APPEARANCE_FONT_INVALID", {
        detail: `font ${font.postscriptName} cannot be subset (${cause instanceof Error ? cause.message : String(cause)})`,
        cause,
      });
    }
    const scale = 1000 / font.unitsPerEm;
    const toPdf = (units: number): number => Math.round(units * scale * 1000) / 1000;
    const fileNumber = allocate();
    const descriptorNumber = allocate();
    const cidFontNumber = allocate();
    const toUnicodeNumber = allocate();

    const program = new PdfStream(
      new PdfDict([
        ["Filter", name("FlateDecode")],
        ["Length1", subset.bytes.length],
      ]),
      deflateSync(subset.bytes),
    );
    const familyClass = font.familyClass;
    const flags =
      SYMBOLIC |
      (font.fixedPitch ? FIXED_PITCH : 0) |
      (familyClass >= 1 && familyClass <= 7 ? SERIF : 0) |
      (familyClass === 10 ? SCRIPT : 0) |
      (font.italic ? ITALIC : 0);
    const descriptor = new PdfDict([
      ["Type", name("FontDescriptor")],
      ["FontName", name(this.baseFont)],
      ["Flags", flags],
      ["FontBBox", font.bbox.map(toPdf)],
      ["ItalicAngle", font.italicAngle],
      ["Ascent", toPdf(font.ascent)],
      ["Descent", toPdf(font.descent)],
      ["CapHeight", toPdf(font.capHeight)],
      ["StemV", 0],
      ["FontFile2", new PdfRef(fileNumber)],
    ]);
    const widths = subset.glyphs.map((glyph) => toPdf(font.advanceOf(glyph)));
    const cidFont = new PdfDict([
      ["Type", name("Font")],
      ["Subtype", name("CIDFontType2")],
      ["BaseFont", name(this.baseFont)],
      [
        "CIDSystemInfo",
        new PdfDict([
          ["Registry", ascii("Adobe")],
          ["Ordering", ascii("Identity")],
          ["Supplement", 0],
        ]),
      ],
      ["FontDescriptor", new PdfRef(descriptorNumber)],
      ["W", [0, widths]],
      ["CIDToGIDMap", name("Identity")],
    ]);
    const type0 = new PdfDict([
      ["Type", name("Font")],
      ["Subtype", name("Type0")],
      ["BaseFont", name(this.baseFont)],
      ["Encoding", name("Identity-H")],
      ["DescendantFonts", [new PdfRef(cidFontNumber)]],
      ["ToUnicode", new PdfRef(toUnicodeNumber)],
    ]);
    const toUnicode = new PdfStream(
      new PdfDict([["Filter", name("FlateDecode")]]),
      deflateSync(Buffer.from(this.#toUnicodeCMap(), "latin1")),
    );
    return [
      [fontNumber, type0],
      [fileNumber, program],
      [descriptorNumber, descriptor],
      [cidFontNumber, cidFont],
      [toUnicodeNumber, toUnicode],
    ];
  }

  /** A ToUnicode CMap (Adobe TN 5411) mapping every CID used to its character. */
  #toUnicodeCMap(): string {
    const entries = [...this.#unicode].sort(([a], [b]) => a - b);
    const lines = [
      "/CIDInit /ProcSet findresource begin",
      "12 dict begin",
      "begincmap",
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
      "/CMapName /Adobe-Identity-UCS def",
      "/CMapType 2 def",
      "1 begincodespacerange",
      "<0000> <FFFF>",
      "endcodespacerange",
    ];
    for (let i = 0; i < entries.length; i += CMAP_BLOCK) {
      const block = entries.slice(i, i + CMAP_BLOCK);
      lines.push(`${block.length} beginbfchar`);
      for (const [cid, codePoint] of block) {
        lines.push(`<${hex4(cid)}> <${utf16Hex(codePoint)}>`);
      }
      lines.push("endbfchar");
    }
    lines.push("endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end");
    return `${lines.join("\n")}\n`;
  }
}

function ascii(text: string): PdfString {
  return new PdfString(Uint8Array.from(text, (c) => c.charCodeAt(0)));
}
