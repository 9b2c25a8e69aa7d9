/**
 * A small TrueType reader and subsetter (Apple TrueType Reference Manual; ISO/IEC 14496-22
 * "OpenType", tables head, hhea, maxp, hmtx, loca, glyf, cmap formats 4 and 12, post, OS/2, name),
 * just enough to embed the glyphs a signature appearance or a printed report uses.
 *
 * Hand-written rather than fontkit because of the Lambda bundles (issue 9): fontkit is 707 KB of
 * the signing routes' 1.5 MB budget, and parsing its tables lengthens every cold start, while
 * embedding needs only the metrics, the character map and a glyf/loca rewrite. One glyph per
 * code point: no shaping (ligatures, kerning), which Vietnamese in precomposed form (NFC) does not
 * need. CFF-flavoured OpenType and collections are refused.
 */

/** Thrown for bytes that are not a TrueType font this module can read. */
export class TrueTypeError extends Error {
  override readonly name = "TrueTypeError";
}

/** A parsed TrueType font: what embedding and text layout need. */
export interface TrueTypeFont {
  readonly bytes: Uint8Array;
  /** PostScript name (name ID 6), reduced to characters allowed in a PDF name; "Font" when absent. */
  readonly postscriptName: string;
  readonly unitsPerEm: number;
  /** hhea ascender and descender (descender is negative), in font units. */
  readonly ascent: number;
  readonly descent: number;
  /** head xMin, yMin, xMax, yMax in font units. */
  readonly bbox: readonly [number, number, number, number];
  readonly italicAngle: number;
  readonly capHeight: number;
  readonly fixedPitch: boolean;
  /** OS/2 sFamilyClass high byte (1–7 and 10 are serif and script classes). */
  readonly familyClass: number;
  readonly italic: boolean;
  readonly numGlyphs: number;
  /** The glyph of a code point, 0 (.notdef) when the font has none. */
  glyphOf(codePoint: number): number;
  /** Advance width of a glyph, in font units. */
  advanceOf(glyph: number): number;
}

interface TableRecord {
  readonly offset: number;
  readonly length: number;
}

function tag(view: DataView, at: number): string {
  return String.fromCharCode(
    view.getUint8(at),
    view.getUint8(at + 1),
    view.getUint8(at + 2),
    view.getUint8(at + 3),
  );
}

/** A code point → glyph lookup built from the best Unicode cmap subtable. */
function readCmap(view: DataView, cmap: TableRecord, numGlyphs: number): (codePoint: number) => number {
  const count = view.getUint16(cmap.offset + 2);
  let format4: number | undefined;
  let format12: number | undefined;
  for (let i = 0; i < count; i++) {
    const record = cmap.offset + 4 + i * 8;
    const platform = view.getUint16(record);
    const encoding = view.getUint16(record + 2);
    const at = cmap.offset + view.getUint32(record + 4);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode) {
      continue;
    }
    const format = view.getUint16(at);
    if (format === 12) {
      format12 ??= at;
    } else if (format === 4) {
      format4 ??= at;
    }
  }
  const valid = (glyph: number): number => (glyph < numGlyphs ? glyph : 0);
  if (format12 !== undefined) {
    const at = format12;
    const groups = view.getUint32(at + 12);
    if (at + 16 + groups * 12 > view.byteLength) {
      throw new TrueTypeError("cmap format 12 runs past the end of the font");
    }
    return (codePoint) => {
      let lo = 0;
      let hi = groups - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const group = at + 16 + mid * 12;
        const start = view.getUint32(group);
        const end = view.getUint32(group + 4);
        if (codePoint < start) {
          hi = mid - 1;
        } else if (codePoint > end) {
          lo = mid + 1;
        } else {
          return valid(view.getUint32(group + 8) + codePoint - start);
        }
      }
      return 0;
    };
  }
  if (format4 !== undefined) {
    const at = format4;
    const segments = view.getUint16(at + 6) / 2;
    const ends = at + 14;
    const starts = ends + segments * 2 + 2;
    const deltas = starts + segments * 2;
    const rangeOffsets = deltas + segments * 2;
    if (rangeOffsets + segments * 2 > view.byteLength) {
      throw new TrueTypeError("cmap format 4 runs past the end of the font");
    }
    return (codePoint) => {
      if (codePoint > 0xffff) {
        return 0;
      }
      for (let i = 0; i < segments; i++) {
        if (codePoint > view.getUint16(ends + i * 2)) {
          continue;
        }
        const start = view.getUint16(starts + i * 2);
        if (codePoint < start) {
          return 0;
        }
        const delta = view.getUint16(deltas + i * 2);
        const rangeOffset = view.getUint16(rangeOffsets + i * 2);
        if (rangeOffset === 0) {
          return valid((codePoint + delta) & 0xffff);
        }
        const glyphAt = rangeOffsets + i * 2 + rangeOffset + (codePoint - start) * 2;
        const glyph = view.getUint16(glyphAt);
        return glyph === 0 ? 0 : valid((glyph + delta) & 0xffff);
      }
      return 0;
    };
  }
  throw new TrueTypeError("the font has no Unicode cmap subtable of format 4 or 12");
}

/** The PostScript name (name ID 6), Windows (UTF-16BE) or Macintosh (Roman, ASCII part) record. */
function readPostscriptName(view: DataView, name: TableRecord | undefined): string {
  if (!name) {
    return "Font";
  }
  const count = view.getUint16(name.offset + 2);
  const strings = name.offset + view.getUint16(name.offset + 4);
  let found = "";
  for (let i = 0; i < count && !found; i++) {
    const record = name.offset + 6 + i * 12;
    if (view.getUint16(record + 6) !== 6) {
      continue;
    }
    const platform = view.getUint16(record);
    const length = view.getUint16(record + 8);
    const at = strings + view.getUint16(record + 10);
    let text = "";
    if (platform === 3 || platform === 0) {
      for (let j = 0; j + 1 < length; j += 2) {
        text += String.fromCharCode(view.getUint16(at + j));
      }
    } else if (platform === 1) {
      for (let j = 0; j < length; j++) {
        text += String.fromCharCode(view.getUint8(at + j));
      }
    }
    found = text;
  }
  // PDF name characters without delimiters (ISO 32000-1 §7.3.5); PostScript names are ASCII anyway.
  const cleaned = found.replace(/[^\x21-\x7e]|[()<>[\]{}/%#]/g, "");
  return cleaned || "Font";
}

/**
 * Parses a TrueType font (sfnt version 0x00010000 or "true"). Throws TrueTypeError (or RangeError
 * from a read past the end) for anything else.
 */
export function parseTrueType(bytes: Uint8Array): TrueTypeFont {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(0);
  if (version !== 0x00010000 && version !== 0x74727565) {
    const kind =
      version === 0x4f54544f
        ? "CFF-based OpenType"
        : version === 0x74746366
          ? "a font collection"
          : "not a font";
    throw new TrueTypeError(`expected a TrueType font (sfnt 0x00010000), got ${kind}`);
  }
  const tables = new Map<string, TableRecord>();
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const record = 12 + i * 16;
    const offset = view.getUint32(record + 8);
    const length = view.getUint32(record + 12);
    if (offset + length > bytes.length) {
      throw new TrueTypeError(`table ${tag(view, record)} runs past the end of the font`);
    }
    tables.set(tag(view, record), { offset, length });
  }
  const need = (name: string): TableRecord => {
    const table = tables.get(name);
    if (!table) {
      throw new TrueTypeError(`the font has no ${name} table`);
    }
    return table;
  };
  const head = need("head");
  const hhea = need("hhea");
  const maxp = need("maxp");
  const hmtx = need("hmtx");
  need("loca");
  need("glyf");
  const unitsPerEm = view.getUint16(head.offset + 18);
  if (unitsPerEm < 16) {
    throw new TrueTypeError(`unitsPerEm ${unitsPerEm} is out of range`);
  }
  const numGlyphs = view.getUint16(maxp.offset + 4);
  const numberOfHMetrics = view.getUint16(hhea.offset + 34);
  if (numberOfHMetrics < 1 || numberOfHMetrics > numGlyphs || numberOfHMetrics * 4 > hmtx.length) {
    throw new TrueTypeError(`hhea.numberOfHMetrics ${numberOfHMetrics} does not fit hmtx`);
  }
  const glyphOf = readCmap(view, need("cmap"), numGlyphs);
  const post = tables.get("post");
  const os2 = tables.get("OS/2");
  const ascent = view.getInt16(hhea.offset + 4);
  const italicAngle = post ? view.getInt32(post.offset + 4) / 65536 : 0;
  return {
    bytes,
    postscriptName: readPostscriptName(view, tables.get("name")),
    unitsPerEm,
    ascent,
    descent: view.getInt16(hhea.offset + 6),
    bbox: [
      view.getInt16(head.offset + 36),
      view.getInt16(head.offset + 38),
      view.getInt16(head.offset + 40),
      view.getInt16(head.offset + 42),
    ],
    italicAngle,
    capHeight: os2 && view.getUint16(os2.offset) >= 2 ? view.getInt16(os2.offset + 88) : ascent,
    fixedPitch: post ? view.getUint32(post.offset + 12) !== 0 : false,
    familyClass: os2 ? view.getUint8(os2.offset + 30) : 0,
    italic: (view.getUint16(head.offset + 44) & 2) !== 0 || italicAngle !== 0,
    numGlyphs,
    glyphOf,
    advanceOf(glyph: number): number {
      const index = Math.min(glyph, numberOfHMetrics - 1);
      return view.getUint16(hmtx.offset + index * 4);
    },
  };
}

/* ---------------------------------------------------------------- subsetting */

/** glyf composite flags (OpenType glyf table, "Composite glyph description"). */
const ARG_1_AND_2_ARE_WORDS = 0x0001;
const WE_HAVE_A_SCALE = 0x0008;
const MORE_COMPONENTS = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE = 0x0040;
const WE_HAVE_A_TWO_BY_TWO = 0x0080;

/** Hinting tables copied unchanged: they do not depend on glyph numbers. */
const COPIED_TABLES = ["cvt ", "fpgm", "prep", "OS/2"];

interface GlyphSource {
  readonly view: DataView;
  readonly glyf: TableRecord;
  readonly longLoca: boolean;
}

function glyphRange(source: GlyphSource, loca: TableRecord, glyph: number): [number, number] {
  const { view, longLoca } = source;
  const start = longLoca
    ? view.getUint32(loca.offset + glyph * 4)
    : view.getUint16(loca.offset + glyph * 2) * 2;
  const end = longLoca
    ? view.getUint32(loca.offset + glyph * 4 + 4)
    : view.getUint16(loca.offset + glyph * 2 + 2) * 2;
  if (end < start || end > source.glyf.length) {
    throw new TrueTypeError(`loca entry of glyph ${glyph} is out of range`);
  }
  return [source.glyf.offset + start, source.glyf.offset + end];
}

/** Offsets (within the glyph's bytes) and glyph numbers of a composite glyph's components. */
function components(view: DataView, start: number, end: number): { at: number; glyph: number }[] {
  const found: { at: number; glyph: number }[] = [];
  if (end - start < 10 || view.getInt16(start) >= 0) {
    return found;
  }
  let at = start + 10;
  for (;;) {
    if (at + 4 > end) {
      throw new TrueTypeError("composite glyph runs past its end");
    }
    const flags = view.getUint16(at);
    found.push({ at: at + 2 - start, glyph: view.getUint16(at + 2) });
    at += 4 + (flags & ARG_1_AND_2_ARE_WORDS ? 4 : 2);
    if (flags & WE_HAVE_A_SCALE) {
      at += 2;
    } else if (flags & WE_HAVE_AN_X_AND_Y_SCALE) {
      at += 4;
    } else if (flags & WE_HAVE_A_TWO_BY_TWO) {
      at += 8;
    }
    if (!(flags & MORE_COMPONENTS)) {
      return found;
    }
  }
}

function checksum(data: Uint8Array): number {
  const padded = new Uint8Array((data.length + 3) & ~3);
  padded.set(data);
  const view = new DataView(padded.buffer);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) {
    sum = (sum + view.getUint32(i)) >>> 0;
  }
  return sum;
}

/** An sfnt file of `tables` (sorted by tag), with table checksums and head.checkSumAdjustment. */
function writeSfnt(tables: Map<string, Uint8Array>): Uint8Array {
  const tags = [...tables.keys()].sort();
  const headerLength = 12 + tags.length * 16;
  let length = headerLength;
  for (const name of tags) {
    length += (tables.get(name)!.length + 3) & ~3;
  }
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  const power = 2 ** Math.floor(Math.log2(tags.length));
  view.setUint32(0, 0x00010000);
  view.setUint16(4, tags.length);
  view.setUint16(6, power * 16);
  view.setUint16(8, Math.log2(power));
  view.setUint16(10, tags.length * 16 - power * 16);
  let offset = headerLength;
  let headOffset = -1;
  tags.forEach((name, i) => {
    const data = tables.get(name)!;
    const record = 12 + i * 16;
    for (let j = 0; j < 4; j++) {
      view.setUint8(record + j, name.charCodeAt(j));
    }
    if (name === "head") {
      headOffset = offset;
      data.fill(0, 8, 12); // checkSumAdjustment is 0 while checksums are computed
    }
    view.setUint32(record + 4, checksum(data));
    view.setUint32(record + 8, offset);
    view.setUint32(record + 12, data.length);
    out.set(data, offset);
    offset += (data.length + 3) & ~3;
  });
  view.setUint32(headOffset + 8, (0xb1b0afba - checksum(out)) >>> 0);
  return out;
}

/** A subset font and the new number of every glyph kept. */
export interface TrueTypeSubset {
  readonly bytes: Uint8Array;
  /** Glyphs of the subset in order: `glyphs[newId] === oldId`; glyph 0 is .notdef. */
  readonly glyphs: readonly number[];
  readonly newIdOf: ReadonlyMap<number, number>;
}

/**
 * A TrueType font holding .notdef, `used` (in order) and every glyph their composites reference,
 * renumbered from 0: glyf, loca (long offsets), hmtx (one metric per glyph), hhea, maxp, head, a
 * version 3 post table (no glyph names), and the hinting and OS/2 tables unchanged. No cmap: a PDF
 * CIDFontType2 reaches glyphs through /CIDToGIDMap.
 */
export function subsetTrueType(font: TrueTypeFont, used: Iterable<number>): TrueTypeSubset {
  const { bytes } = font;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = new Map<string, TableRecord>();
  for (let i = 0; i < view.getUint16(4); i++) {
    const record = 12 + i * 16;
    tables.set(tag(view, record), {
      offset: view.getUint32(record + 8),
      length: view.getUint32(record + 12),
    });
  }
  const table = (name: string): Uint8Array => {
    const record = tables.get(name)!;
    return bytes.slice(record.offset, record.offset + record.length);
  };
  const head = tables.get("head")!;
  const loca = tables.get("loca")!;
  const source: GlyphSource = {
    view,
    glyf: tables.get("glyf")!,
    longLoca: view.getInt16(head.offset + 50) === 1,
  };

  const glyphs: number[] = [];
  const newIdOf = new Map<number, number>();
  const add = (glyph: number): void => {
    if (!newIdOf.has(glyph)) {
      if (glyph >= font.numGlyphs) {
        throw new TrueTypeError(`glyph ${glyph} is beyond numGlyphs ${font.numGlyphs}`);
      }
      newIdOf.set(glyph, glyphs.length);
      glyphs.push(glyph);
    }
  };
  add(0);
  for (const glyph of used) {
    add(glyph);
  }
  // Close over composite components (the list grows while it is walked).
  for (let i = 0; i < glyphs.length; i++) {
    const [start, end] = glyphRange(source, loca, glyphs[i]!);
    for (const component of components(view, start, end)) {
      add(component.glyph);
    }
  }

  const ranges = glyphs.map((glyph) => glyphRange(source, loca, glyph));
  const glyfLength = ranges.reduce((sum, [start, end]) => sum + ((end - start + 3) & ~3), 0);
  const glyf = new Uint8Array(glyfLength);
  const glyfView = new DataView(glyf.buffer);
  const newLoca = new Uint8Array((glyphs.length + 1) * 4);
  const locaView = new DataView(newLoca.buffer);
  const hmtx = new Uint8Array(glyphs.length * 4);
  const hmtxView = new DataView(hmtx.buffer);
  const numberOfHMetrics = view.getUint16(tables.get("hhea")!.offset + 34);
  const hmtxRecord = tables.get("hmtx")!;
  let offset = 0;
  glyphs.forEach((glyph, newId) => {
    const [start, end] = ranges[newId]!;
    locaView.setUint32(newId * 4, offset);
    glyf.set(bytes.subarray(start, end), offset);
    for (const component of components(view, start, end)) {
      glyfView.setUint16(offset + component.at, newIdOf.get(component.glyph)!);
    }
    offset += (end - start + 3) & ~3;
    hmtxView.setUint16(newId * 4, font.advanceOf(glyph));
    const lsbAt =
      glyph < numberOfHMetrics
        ? hmtxRecord.offset + glyph * 4 + 2
        : hmtxRecord.offset + numberOfHMetrics * 4 + (glyph - numberOfHMetrics) * 2;
    hmtxView.setInt16(
      newId * 4 + 2,
      lsbAt + 2 <= hmtxRecord.offset + hmtxRecord.length ? view.getInt16(lsbAt) : 0,
    );
  });
  locaView.setUint32(glyphs.length * 4, offset);

  const newHead = table("head");
  new DataView(newHead.buffer).setInt16(50, 1); // indexToLocFormat: long offsets
  const newHhea = table("hhea");
  new DataView(newHhea.buffer).setUint16(34, glyphs.length);
  const newMaxp = table("maxp");
  new DataView(newMaxp.buffer).setUint16(4, glyphs.length);
  const out = new Map<string, Uint8Array>([
    ["head", newHead],
    ["hhea", newHhea],
    ["maxp", newMaxp],
    ["hmtx", hmtx],
    ["loca", newLoca],
    ["glyf", glyf],
  ]);
  const post = tables.get("post");
  if (post) {
    // Version 3.0 keeps italicAngle, underline metrics and isFixedPitch, and drops glyph names.
    const newPost = bytes.slice(post.offset, post.offset + 32);
    new DataView(newPost.buffer).setUint32(0, 0x00030000);
    out.set("post", newPost);
  }
  for (const name of COPIED_TABLES) {
    if (tables.has(name)) {
      out.set(name, table(name));
    }
  }
  return { bytes: writeSfnt(out), glyphs, newIdOf };
}
