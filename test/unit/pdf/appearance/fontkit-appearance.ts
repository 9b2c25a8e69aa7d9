/**
 * Test oracle only: the appearance builder as it was before shared/pdf/appearance/truetype.ts
 * replaced fontkit (pdf-lib's object model and its fontkit subset embedder). The render tests draw
 * the same appearance with both and compare what poppler extracts and renders.
 */
import { createHash } from "node:crypto";
import { deflateSync, inflateSync } from "node:zlib";
import fontkit from "@pdf-lib/fontkit";
import {
  CustomFontSubsetEmbedder,
  PDFArray,
  PDFContext,
  PDFDict,
  PDFName,
  PDFNumber,
  type PDFObject,
  PDFRawStream,
  PDFRef,
  PDFStream,
} from "pdf-lib";
import { ExchangeError } from "../../../../shared/errors/exchange-error.ts";
import { loadDefaultFont } from "../../../../shared/pdf/appearance/font.ts";
import {
  assertRect,
  DEFAULT_SEAL_DIAMETER_MM,
  defaultSignerRect,
  fitImage,
  MAX_TITLE_LINES,
  mmToPt,
  STAMP_FONT_SIZE,
  sealRect,
  signerLayout,
  stampLayout,
} from "../../../../shared/pdf/appearance/layout.ts";
import { decodePng, type RgbaImage } from "../../../../shared/pdf/appearance/png.ts";
import type {
  AppearanceObject,
  BuildAppearanceOptions,
  BuiltAppearance,
  Rect,
} from "../../../../shared/pdf/appearance/types.ts";

/** Smallest font size a too-long line is shrunk to before it is refused. */
const MIN_FONT_SIZE = 5;

/** Fill colour of text: black (DeviceGray 0). */
const TEXT_COLOUR = "0 g";

/** Stroke width of the stamp's thin border, in points. */
const STAMP_BORDER_WIDTH = 0.5;

type Embedder = CustomFontSubsetEmbedder;

/** Formats a number for a content stream: at most 3 decimals, no exponent (ISO 32000-1 §7.3.3). */
function num(value: number): string {
  const rounded = Math.round(value * 1000) / 1000;
  return Object.is(rounded, -0) ? "0" : String(rounded);
}

/** Splits, trims and NFC-normalises text lines; Vietnamese must use precomposed characters. */
function cleanLines(lines: readonly string[]): string[] {
  return lines.map((line) => line.normalize("NFC").replace(/\s+/g, " ").trim()).filter((line) => line !== "");
}

/**
 * The subset tag of ISO 32000-1 §9.6.4: six upper-case letters, here derived from the font and the
 * text so that the same input gives the same bytes.
 */
function subsetTag(fontBytes: Uint8Array, texts: readonly string[]): string {
  const hash = createHash("sha256").update(fontBytes).update(texts.join("\n")).digest();
  let tag = "";
  for (let i = 0; i < 6; i++) {
    tag += String.fromCharCode(65 + (hash[i]! % 26));
  }
  return tag;
}

async function createFontEmbedder(fontBytes: Uint8Array, texts: readonly string[]): Promise<Embedder> {
  let postscriptName: string;
  let embedder: Embedder;
  try {
    const font = fontkit.create(fontBytes);
    postscriptName = font.postscriptName || "Font";
    embedder = await CustomFontSubsetEmbedder.for(
      fontkit,
      fontBytes,
      `${subsetTag(fontBytes, texts)}+${postscriptName}`,
    );
  } catch (cause) {
    throw new ExchangeError("APPEARANCE_FONT_INVALID", {
      detail: `expected a TrueType/OpenType font, got ${fontBytes.length} bytes that fontkit cannot read`,
      cause,
    });
  }
  for (const text of texts) {
    for (const char of text) {
      const codePoint = char.codePointAt(0)!;
      if (!embedder.font.hasGlyphForCodePoint(codePoint)) {
        const hex = codePoint.toString(16).toUpperCase().padStart(4, "0");
        throw new ExchangeError("APPEARANCE_FONT_INVALID", {
          detail: `font ${postscriptName} has no glyph for U+${hex}`,
        });
      }
    }
  }
  return embedder;
}

/**
 * Writes an RGBA raster as an image XObject (ISO 32000-1 §8.9.5) at `ref`, with its alpha channel
 * as a soft mask (§11.6.5.3) when any pixel is not opaque.
 */
function embedImage(context: PDFContext, ref: PDFRef, image: RgbaImage): void {
  const pixels = image.width * image.height;
  const rgb = new Uint8Array(pixels * 3);
  const alpha = new Uint8Array(pixels);
  let translucent = false;
  for (let i = 0; i < pixels; i++) {
    rgb[i * 3] = image.rgba[i * 4]!;
    rgb[i * 3 + 1] = image.rgba[i * 4 + 1]!;
    rgb[i * 3 + 2] = image.rgba[i * 4 + 2]!;
    alpha[i] = image.rgba[i * 4 + 3]!;
    translucent ||= alpha[i] !== 255;
  }
  const common = {
    Type: "XObject",
    Subtype: "Image",
    Width: image.width,
    Height: image.height,
    BitsPerComponent: 8,
  };
  const smask = translucent
    ? context.register(
        context.stream(deflateSync(alpha), { ...common, ColorSpace: "DeviceGray", Filter: "FlateDecode" }),
      )
    : undefined;
  context.assign(
    ref,
    context.stream(deflateSync(rgb), {
      ...common,
      ColorSpace: "DeviceRGB",
      Filter: "FlateDecode",
      ...(smask ? { SMask: smask } : {}),
    }),
  );
}

/** Accumulates the content stream of a form XObject whose /BBox is [0 0 w h] of `rect`. */
class FormContent {
  private readonly ops: string[] = ["q"];

  constructor(private readonly rect: Rect) {}

  /** Draws one line of text in `band` (page coordinates), centred or left-aligned, shrunk to fit its width. */
  text(
    embedder: Embedder,
    fontName: string,
    line: string,
    band: Rect,
    fontSize: number,
    align: "centre" | "left",
  ): void {
    const available = band[2] - band[0];
    const naturalWidth = embedder.widthOfTextAtSize(line, fontSize);
    const size = naturalWidth > available ? (fontSize * available) / naturalWidth : fontSize;
    if (size < MIN_FONT_SIZE) {
      throw new ExchangeError("APPEARANCE_INVALID", {
        detail: `a text line of ${line.length} characters needs ${num(naturalWidth)} pt at ${fontSize} pt, the box is ${num(available)} pt wide`,
      });
    }
    const textWidth = embedder.widthOfTextAtSize(line, size);
    const x = align === "centre" ? (band[0] + band[2]) / 2 - textWidth / 2 : band[0];
    // Centre the ascent–descent span (hhea metrics) vertically in the band.
    const { ascent, descent, unitsPerEm } = embedder.font;
    const baseline = (band[1] + band[3]) / 2 - ((ascent + descent) / 2 / unitsPerEm) * size;
    const hex = embedder.encodeText(line).toString();
    this.ops.push(
      `BT /${fontName} ${num(size)} Tf ${TEXT_COLOUR} 1 0 0 1 ${num(x - this.rect[0])} ${num(baseline - this.rect[1])} Tm ${hex} Tj ET`,
    );
  }

  /** Paints an image XObject into `target` (page coordinates). */
  image(name: string, target: Rect): void {
    const w = target[2] - target[0];
    const h = target[3] - target[1];
    this.ops.push(
      `q ${num(w)} 0 0 ${num(h)} ${num(target[0] - this.rect[0])} ${num(target[1] - this.rect[1])} cm /${name} Do Q`,
    );
  }

  /** Strokes a thin border just inside the bounding box. */
  border(lineWidth: number): void {
    const inset = lineWidth / 2;
    const w = this.rect[2] - this.rect[0] - lineWidth;
    const h = this.rect[3] - this.rect[1] - lineWidth;
    this.ops.push(`q 0 G ${num(lineWidth)} w ${num(inset)} ${num(inset)} ${num(w)} ${num(h)} re S Q`);
  }

  bytes(): Uint8Array {
    return new TextEncoder().encode(`${[...this.ops, "Q"].join("\n")}\n`);
  }
}

/** What one appearance kind puts into the form XObject. */
interface FormParts {
  readonly rect: Rect;
  readonly content: FormContent;
  readonly font?: { readonly name: string; readonly ref: PDFRef; readonly embedder: Embedder };
  readonly image?: { readonly name: string; readonly ref: PDFRef; readonly raster: RgbaImage };
}

async function signerParts(options: BuildAppearanceOptions, context: PDFContext): Promise<FormParts> {
  const rect = options.rect ?? defaultSignerRect(options.pageSize);
  assertRect(rect, "signer rect");
  const layout = signerLayout(rect);
  const title = cleanLines((options.title ?? "").split(/\r?\n/));
  if (title.length > MAX_TITLE_LINES) {
    throw new ExchangeError("APPEARANCE_INVALID", {
      detail: `signer title has at most ${MAX_TITLE_LINES} lines, got ${title.length}`,
    });
  }
  const name = cleanLines([options.signerName ?? ""]);
  const texts = [...title, ...name];
  const content = new FormContent(rect);
  let image: FormParts["image"];
  if (options.image) {
    const raster = decodePng(options.image, "signature image");
    image = { name: "Im1", ref: context.nextRef(), raster };
    content.image(image.name, fitImage(layout.imageBox, raster.width, raster.height));
  }
  let font: FormParts["font"];
  if (texts.length > 0) {
    const fontBytes = options.boldFontBytes ?? options.fontBytes ?? (await loadDefaultFont("bold"));
    const embedder = await createFontEmbedder(fontBytes, texts);
    font = { name: "F1", ref: context.nextRef(), embedder };
    // A title shorter than MAX_TITLE_LINES takes the bands nearest the image.
    const bands = layout.titleBands.slice(MAX_TITLE_LINES - title.length);
    title.forEach((line, i) => {
      content.text(embedder, "F1", line, inset(bands[i]!, layout.padding), layout.fontSize, "centre");
    });
    for (const line of name) {
      content.text(embedder, "F1", line, inset(layout.nameBand, layout.padding), layout.fontSize, "centre");
    }
  }
  return { rect, content, ...(font ? { font } : {}), ...(image ? { image } : {}) };
}

function inset(band: Rect, padding: number): Rect {
  return [band[0] + padding, band[1], band[2] - padding, band[3]];
}

async function sealParts(options: BuildAppearanceOptions, context: PDFContext): Promise<FormParts> {
  if (!options.image) {
    throw new ExchangeError("APPEARANCE_INVALID", { detail: "a seal appearance needs the seal image (PNG)" });
  }
  const raster = decodePng(options.image, "seal image");
  const diameterMm = options.sealDiameterMm ?? DEFAULT_SEAL_DIAMETER_MM;
  const rect = sealRect({
    pageSize: options.pageSize,
    diameter: mmToPt(diameterMm),
    aspect: raster.height / raster.width,
    ...(options.rect ? { rect: options.rect } : {}),
    ...(options.anchor ? { anchor: options.anchor } : {}),
  });
  const content = new FormContent(rect);
  const image = { name: "Im1", ref: context.nextRef(), raster };
  content.image(image.name, rect);
  return { rect, content, image };
}

async function stampParts(options: BuildAppearanceOptions, context: PDFContext): Promise<FormParts> {
  const lines = cleanLines(options.lines ?? []);
  if (lines.length === 0) {
    throw new ExchangeError("APPEARANCE_INVALID", {
      detail: "a stamp appearance needs at least one text line (see stampLines)",
    });
  }
  const fontBytes = options.fontBytes ?? (await loadDefaultFont("regular"));
  const embedder = await createFontEmbedder(fontBytes, lines);
  const widest = Math.max(...lines.map((line) => embedder.widthOfTextAtSize(line, STAMP_FONT_SIZE)));
  const layout = stampLayout({
    pageSize: options.pageSize,
    lineCount: lines.length,
    textWidth: widest,
    ...(options.rect ? { rect: options.rect } : {}),
  });
  const content = new FormContent(layout.rect);
  content.border(STAMP_BORDER_WIDTH);
  const font = { name: "F1", ref: context.nextRef(), embedder };
  lines.forEach((line, i) => {
    content.text(embedder, font.name, line, layout.lineBands[i]!, layout.fontSize, "left");
  });
  return { rect: layout.rect, content, font };
}

/**
 * ISO 32000-1 §9.9, Table 127: an embedded TrueType program (/FontFile2) states its decoded length
 * in /Length1; pdf-lib leaves it out, and PDF/A validators require it.
 */
function addLength1(context: PDFContext, fontRef: PDFRef): void {
  const descendant = context.lookup(fontRef, PDFDict).lookup(PDFName.of("DescendantFonts"), PDFArray).get(0);
  const descriptor = context.lookup(descendant, PDFDict).lookup(PDFName.of("FontDescriptor"), PDFDict);
  const file = descriptor.lookup(PDFName.of("FontFile2"));
  if (file instanceof PDFRawStream) {
    file.dict.set(PDFName.of("Length1"), PDFNumber.of(inflateSync(file.contents).length));
  }
}

function referencedNumbers(object: PDFObject, into: Set<number>): void {
  if (object instanceof PDFRef) {
    into.add(object.objectNumber);
  } else if (object instanceof PDFDict) {
    for (const [, value] of object.entries()) {
      referencedNumbers(value, into);
    }
  } else if (object instanceof PDFArray) {
    for (const value of object.asArray()) {
      referencedNumbers(value, into);
    }
  } else if (object instanceof PDFStream) {
    referencedNumbers(object.dict, into);
  }
}

/**
 * Takes every object of the builder context, checks that they are numbered consecutively from
 * `first` and that every reference points at one of them (nothing of the host PDF is referenced),
 * and serialises their bodies.
 */
function collectObjects(context: PDFContext, first: number, root: PDFRef): AppearanceObject[] {
  const entries = context
    .enumerateIndirectObjects()
    .filter(([ref]) => ref.objectNumber >= first)
    .sort(([a], [b]) => a.objectNumber - b.objectNumber);
  const numbers = new Set(entries.map(([ref]) => ref.objectNumber));
  const referenced = new Set<number>([root.objectNumber]);
  for (const [, object] of entries) {
    referencedNumbers(object, referenced);
  }
  const consecutive = entries.every(
    ([ref], i) => ref.objectNumber === first + i && ref.generationNumber === 0,
  );
  const closed = [...referenced].every((n) => numbers.has(n)) && referenced.size === numbers.size;
  if (!consecutive || !closed) {
    throw new ExchangeError("INTERNAL", {
      detail: `appearance objects must be numbered ${first}… consecutively and reference only each other, got [${[...numbers].join(",")}] referencing [${[...referenced].join(",")}]`,
    });
  }
  return entries.map(([ref, object]) => {
    const bytes = new Uint8Array(object.sizeInBytes());
    object.copyBytesInto(bytes, 0);
    return { objectNumber: ref.objectNumber, bytes };
  });
}

/**
 * Builds a Decree 30 signature appearance as new indirect objects numbered from `firstObjectNumber`:
 * the form XObject first (`appearanceObjectNumber === firstObjectNumber`), then its font and image
 * objects. Text is NFC-normalised and drawn with an embedded subset font carrying /ToUnicode.
 *
 * - `signer`: title lines (bold, centred), the handwritten-signature PNG fitted into the layout's
 *   image box, the full name (bold, centred); placed at `rect` or `defaultSignerRect(pageSize)`.
 * - `seal`: the seal PNG at real size (`sealDiameterMm`, default 36 mm) at `sealRect(...)`: over the
 *   left third of the signature image of the signer widget `anchor` (default: the default signer rect).
 * - `stamp`: `lines` in 10 pt inside a thin border at the top right of the text area (`stampLayout`).
 * - `none`: refused with APPEARANCE_INVALID: check `isVisibleAppearance` first.
 *
 * Throws ExchangeError APPEARANCE_INVALID, APPEARANCE_IMAGE_INVALID, APPEARANCE_FONT_INVALID or
 * APPEARANCE_FONT_UNAVAILABLE.
 *
 * @example
 * const built = await buildAppearance({
 *   kind: "signer", title: "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", signerName: "Trần Thị Bích Ngọc",
 *   image: signaturePng, pageSize: { width: 595.28, height: 841.89 }, firstObjectNumber: 42,
 * });
 * // widget: /Rect built.rect /AP << /N ${built.appearanceObjectNumber} 0 R >>; append built.objects
 */
export async function buildAppearanceWithFontkit(options: BuildAppearanceOptions): Promise<BuiltAppearance> {
  const first = options.firstObjectNumber;
  if (!Number.isInteger(first) || first < 1) {
    throw new ExchangeError("APPEARANCE_INVALID", {
      detail: `firstObjectNumber must be a positive integer, got ${first}`,
    });
  }
  const context = PDFContext.create();
  context.largestObjectNumber = first - 1;
  const formRef = context.nextRef();

  let parts: FormParts;
  switch (options.kind) {
    case "signer":
      parts = await signerParts(options, context);
      break;
    case "seal":
      parts = await sealParts(options, context);
      break;
    case "stamp":
      parts = await stampParts(options, context);
      break;
    default:
      throw new ExchangeError("APPEARANCE_INVALID", {
        detail: `kind must be signer, seal or stamp to build an appearance, got ${String(options.kind)} (write an invisible widget instead)`,
      });
  }

  const { rect, content, font, image } = parts;
  const resources: Record<string, Record<string, PDFRef>> = {};
  if (font) {
    resources["Font"] = { [font.name]: font.ref };
  }
  if (image) {
    resources["XObject"] = { [image.name]: image.ref };
  }
  // ISO 32000-1 §8.10.2: a form XObject with /BBox in its own space; the widget's /Rect maps onto it (§12.5.5).
  const form = context.flateStream(content.bytes(), {
    Type: "XObject",
    Subtype: "Form",
    FormType: 1,
    BBox: [0, 0, rect[2] - rect[0], rect[3] - rect[1]].map((v) => Math.round(v * 1000) / 1000),
    Resources: resources,
  });
  context.assign(formRef, form);
  // Embed after all text is encoded: the subset contains exactly the glyphs used.
  if (font) {
    await font.embedder.embedIntoContext(context, font.ref);
    addLength1(context, font.ref);
  }
  if (image) {
    embedImage(context, image.ref, image.raster);
  }
  const objects = collectObjects(context, first, formRef);
  return {
    rect,
    appearanceObjectNumber: formRef.objectNumber,
    objects,
    nextObjectNumber: first + objects.length,
  };
}
