/**
 * The hand-written TrueType reader and subsetter against fontkit (a devDependency, the oracle
 * only): same glyphs, advance widths and metrics for Vietnamese text, and a subset that fontkit
 * reads back with exactly the glyphs the text needs (plus .notdef and composite components), the
 * same outlines and widths, and valid sfnt checksums.
 */
import { readFile } from "node:fs/promises";
import fontkit from "@pdf-lib/fontkit";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_FONT_PATHS } from "../../../../shared/pdf/appearance/font.ts";
import {
  parseTrueType,
  subsetTrueType,
  type TrueTypeFont,
} from "../../../../shared/pdf/appearance/truetype.ts";

/** The Vietnamese alphabet in precomposed form (NFC), both cases, with digits and office punctuation. */
const VIETNAMESE = [
  ..."aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ",
  ..."AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬBCDĐEÈÉẺẼẸÊỀẾỂỄỆGHIÌÍỈĨỊKLMNOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢPQRSTUÙÚỦŨỤƯỪỨỬỮỰVXYỲÝỶỸỴ",
  ..."fjwzFJWZ0123456789 .,:;/-–()+",
];
const vietnameseText = fc.string({ unit: fc.constantFrom(...VIETNAMESE), minLength: 1, maxLength: 60 });

const FONT_FILES = {
  "Liberation Serif Regular (cmap format 4)": DEFAULT_FONT_PATHS.regular,
  "Liberation Serif Bold (cmap format 4)": DEFAULT_FONT_PATHS.bold,
  "DejaVu Serif (cmap format 12)": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
} as const;

type FontkitFont = ReturnType<typeof fontkit.create>;

/** fontkit's decoded glyf entry: composites list their components (not in fontkit's typings). */
function componentsOf(font: FontkitFont, glyph: number): number[] {
  const decoded = (
    font.getGlyph(glyph) as unknown as { _decode(): { components?: { glyphID: number }[] } | null }
  )._decode();
  return (decoded?.components ?? []).map((component) => component.glyphID);
}

/** {0} ∪ glyphs ∪ every component reachable from them, by fontkit. */
function closure(font: FontkitFont, glyphs: Iterable<number>): Set<number> {
  const all = new Set<number>();
  const queue = [0, ...glyphs];
  while (queue.length > 0) {
    const glyph = queue.pop()!;
    if (!all.has(glyph)) {
      all.add(glyph);
      queue.push(...componentsOf(font, glyph));
    }
  }
  return all;
}

/** ISO/IEC 14496-22 §4.5 "Calculating checksums": every table's, and the whole file's (0xB1B0AFBA). */
function checksumsHold(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sum = (from: number, length: number): number => {
    let total = 0;
    for (let i = from; i < from + length; i += 4) {
      const word =
        ((bytes[i] ?? 0) << 24) |
        ((bytes[i + 1] ?? 0) << 16) |
        ((bytes[i + 2] ?? 0) << 8) |
        (bytes[i + 3] ?? 0);
      total = (total + (word >>> 0)) >>> 0;
    }
    return total;
  };
  for (let i = 0; i < view.getUint16(4); i++) {
    const record = 12 + i * 16;
    const tag = String.fromCharCode(...bytes.subarray(record, record + 4));
    const expected = view.getUint32(record + 4);
    const offset = view.getUint32(record + 8);
    const length = view.getUint32(record + 12);
    let actual = sum(offset, length);
    if (tag === "head") {
      actual = (actual - view.getUint32(offset + 8)) >>> 0;
    }
    if (offset % 4 !== 0 || actual !== expected) {
      return false;
    }
  }
  return sum(0, bytes.length) === 0xb1b0afba;
}

describe.each(Object.entries(FONT_FILES))("%s", (_, path) => {
  let bytes: Uint8Array;
  let ours: TrueTypeFont;
  let oracle: FontkitFont;

  beforeAll(async () => {
    bytes = new Uint8Array(await readFile(path));
    ours = parseTrueType(bytes);
    oracle = fontkit.create(bytes);
  });

  it("reads the same font-wide metrics and name as fontkit", () => {
    expect(ours.postscriptName).toBe(oracle.postscriptName);
    expect(ours.unitsPerEm).toBe(oracle.unitsPerEm);
    expect(ours.ascent).toBe(oracle.ascent);
    expect(ours.descent).toBe(oracle.descent);
    expect(ours.numGlyphs).toBe(oracle.numGlyphs);
    expect(ours.bbox).toEqual([oracle.bbox.minX, oracle.bbox.minY, oracle.bbox.maxX, oracle.bbox.maxY]);
    // An OS/2 table before version 2 has no sCapHeight: both fall back (fontkit to undefined, ours to the ascent).
    expect(ours.capHeight).toBe(oracle.capHeight ?? ours.ascent);
    expect(ours.italicAngle).toBe(oracle.italicAngle);
  });

  it("maps every character of generated Vietnamese text to fontkit's glyph, with fontkit's advance width", () => {
    fc.assert(
      fc.property(vietnameseText, (text) => {
        for (const char of text) {
          const codePoint = char.codePointAt(0)!;
          const expected = oracle.glyphForCodePoint(codePoint);
          expect(ours.glyphOf(codePoint)).toBe(expected.id);
          expect(ours.glyphOf(codePoint)).not.toBe(0);
          expect(ours.advanceOf(ours.glyphOf(codePoint))).toBe(expected.advanceWidth);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("answers .notdef for characters the font lacks, as fontkit does", () => {
    for (const codePoint of [0x4e2d, 0x1f600, 0xe000, 0x10ffff]) {
      expect(ours.glyphOf(codePoint)).toBe(
        oracle.hasGlyphForCodePoint(codePoint) ? oracle.glyphForCodePoint(codePoint).id : 0,
      );
    }
  });

  it("subsets to exactly the glyphs the text needs, each with its outline and width, checksums valid", () => {
    fc.assert(
      fc.property(vietnameseText, (text) => {
        // Prepare
        const used = [...new Set([...text].map((char) => ours.glyphOf(char.codePointAt(0)!)))];
        // Act
        const subset = subsetTrueType(ours, used);
        // Assess: .notdef first, the used glyphs in order, then their components, nothing else.
        expect(subset.glyphs.slice(0, used.length + 1)).toEqual([0, ...used.filter((g) => g !== 0)]);
        expect(new Set(subset.glyphs)).toEqual(closure(oracle, used));
        expect(subset.glyphs).toHaveLength(new Set(subset.glyphs).size);
        expect(checksumsHold(subset.bytes)).toBe(true);
        const reread = fontkit.create(subset.bytes);
        expect(reread.numGlyphs).toBe(subset.glyphs.length);
        for (const char of new Set(text)) {
          const original = oracle.glyphForCodePoint(char.codePointAt(0)!);
          const copy = reread.getGlyph(subset.newIdOf.get(original.id)!);
          expect(copy.advanceWidth).toBe(original.advanceWidth);
          expect(copy.path.toSVG()).toBe(original.path.toSVG());
        }
      }),
      { numRuns: 25 },
    );
  });

  it("follows composite components (precomposed Vietnamese letters are built from base and marks)", () => {
    const used = [..."ệỗựẫ"].map((char) => ours.glyphOf(char.codePointAt(0)!));
    const subset = subsetTrueType(ours, used);
    // These fonts draw them from components (fontkit says so), which the subset must carry too.
    expect(used.every((glyph) => componentsOf(oracle, glyph).length >= 2)).toBe(true);
    expect(subset.glyphs.length).toBeGreaterThan(used.length + 1);
    expect(new Set(subset.glyphs)).toEqual(closure(oracle, used));
  });
});

describe("parseTrueType refusals", () => {
  it.each([
    ["random bytes", new Uint8Array(2000).fill(7)],
    ["an empty file", new Uint8Array(0)],
    ["a CFF OpenType header", Uint8Array.of(0x4f, 0x54, 0x54, 0x4f, 0, 1, 0, 0, 0, 0, 0, 0)],
    ["a header with no tables", Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)],
  ])("refuses %s", (_, bytes) => {
    expect(() => parseTrueType(bytes)).toThrow();
  });

  it("refuses a truncated real font without reading past its end", async () => {
    const full = new Uint8Array(await readFile(DEFAULT_FONT_PATHS.regular));
    for (const length of [12, 200, 5000, full.length >> 1]) {
      expect(() => {
        const font = parseTrueType(full.slice(0, length));
        subsetTrueType(font, [font.glyphOf(0x1ec7)]);
      }).toThrow();
    }
  });
});
