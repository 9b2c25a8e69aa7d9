/**
 * Builds the appearance stream of a signature widget (ISO 32000-1 §12.5.5 and §12.7.4.5; ETSI EN
 * 319 142-1 §5.3 leaves the visual representation to the application) as new, self-contained
 * indirect objects: a form XObject (§8.10) with an embedded, subset TrueType font (§9.6.4 subset
 * tag, §9.7.4 Type 0 / CIDFontType2, §9.10.3 /ToUnicode so the text can be extracted) and images.
 *
 * Written with the project's own object model and serialiser, numbered from `firstObjectNumber`;
 * the PDF writer appends the bodies as an incremental update. No PDF library: pdf-lib, its
 * standard-font data and fontkit were ~1 MB of the signing bundles (issue 9, see truetype.ts).
 */
import { deflateSync } from "node:zlib";
import { ExchangeError } from "../../errors/exchange-error.ts";
import { PdfDict, type PdfObject, PdfRef, PdfStream, name as pdfName } from "../objects.ts";
import { serializeBody } from "../serialize.ts";
import { EmbeddedFont, subsetTag } from "./embedded-font.ts";
import { loadDefaultFont } from "./font.ts";
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
} from "./layout.ts";
import { decodePng, type RgbaImage } from "./png.ts";
import type { AppearanceObject, BuildAppearanceOptions, BuiltAppearance, Rect } from "./types.ts";

/** Smallest font size a too-long line is shrunk to before it is refused. */
const MIN_FONT_SIZE = 5;

/** Fill colour of text: black (DeviceGray 0). */
const TEXT_COLOUR = "0 g";

/** Stroke width of the stamp's thin border, in points. */
const STAMP_BORDER_WIDTH = 0.5;

type Embedder = EmbeddedFont;

/** The new objects, numbered consecutively from the first. */
class ObjectStore {
  readonly bodies = new Map<number, PdfObject>();
  constructor(private next: number) {}
  allocate(): number {
    return this.next++;
  }
  set(objectNumber: number, body: PdfObject): void {
    this.bodies.set(objectNumber, body);
  }
}

/** Formats a number for a content stream: at most 3 decimals, no exponent (ISO 32000-1 §7.3.3). */
function num(value: number): string {
  const rounded = Math.round(value * 1000) / 1000;
  return Object.is(rounded, -0) ? "0" : String(rounded);
}

/** Splits, trims and NFC-normalises text lines; Vietnamese must use precomposed characters. */
function cleanLines(lines: readonly string[]): string[] {
  return lines.map((line) => line.normalize("NFC").replace(/\s+/g, " ").trim()).filter((line) => line !== "");
}

function createFontEmbedder(fontBytes: Uint8Array, texts: readonly string[]): Embedder {
  const embedder = EmbeddedFont.open(fontBytes, subsetTag(fontBytes, texts));
  for (const text of texts) {
    const codePoint = embedder.missing(text);
    if (codePoint !== undefined) {
      const hex = codePoint.toString(16).toUpperCase().padStart(4, "0");
      throw new ExchangeError("APPEARANCE_FONT_INVALID", {
        detail: `font ${embedder.font.postscriptName} has no glyph for U+${hex}`,
      });
    }
  }
  return embedder;
}

/**
 * Writes an RGBA raster as an image XObject (ISO 32000-1 §8.9.5) at `ref`, with its alpha channel
 * as a soft mask (§11.6.5.3) when any pixel is not opaque.
 */
function embedImage(store: ObjectStore, objectNumber: number, image: RgbaImage): void {
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
  const imageDict = (colourSpace: string, extra: readonly [string, PdfObject][] = []): PdfDict =>
    new PdfDict([
      ["Type", pdfName("XObject")],
      ["Subtype", pdfName("Image")],
      ["Width", image.width],
      ["Height", image.height],
      ["BitsPerComponent", 8],
      ["ColorSpace", pdfName(colourSpace)],
      ["Filter", pdfName("FlateDecode")],
      ...extra,
    ]);
  let smask: [string, PdfObject][] = [];
  if (translucent) {
    const smaskNumber = store.allocate();
    store.set(smaskNumber, new PdfStream(imageDict("DeviceGray"), deflateSync(alpha)));
    smask = [["SMask", new PdfRef(smaskNumber)]];
  }
  store.set(objectNumber, new PdfStream(imageDict("DeviceRGB", smask), deflateSync(rgb)));
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
    const hex = embedder.encode(line);
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
  readonly font?: { readonly name: string; readonly objectNumber: number; readonly embedder: Embedder };
  readonly image?: { readonly name: string; readonly objectNumber: number; readonly raster: RgbaImage };
}

async function signerParts(options: BuildAppearanceOptions, store: ObjectStore): Promise<FormParts> {
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
    image = { name: "Im1", objectNumber: store.allocate(), raster };
    content.image(image.name, fitImage(layout.imageBox, raster.width, raster.height));
  }
  let font: FormParts["font"];
  if (texts.length > 0) {
    const fontBytes = options.boldFontBytes ?? options.fontBytes ?? (await loadDefaultFont("bold"));
    const embedder = createFontEmbedder(fontBytes, texts);
    font = { name: "F1", objectNumber: store.allocate(), embedder };
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

async function sealParts(options: BuildAppearanceOptions, store: ObjectStore): Promise<FormParts> {
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
  const image = { name: "Im1", objectNumber: store.allocate(), raster };
  content.image(image.name, rect);
  return { rect, content, image };
}

async function stampParts(options: BuildAppearanceOptions, store: ObjectStore): Promise<FormParts> {
  const lines = cleanLines(options.lines ?? []);
  if (lines.length === 0) {
    throw new ExchangeError("APPEARANCE_INVALID", {
      detail: "a stamp appearance needs at least one text line (see stampLines)",
    });
  }
  const fontBytes = options.fontBytes ?? (await loadDefaultFont("regular"));
  const embedder = createFontEmbedder(fontBytes, lines);
  const widest = Math.max(...lines.map((line) => embedder.widthOfTextAtSize(line, STAMP_FONT_SIZE)));
  const layout = stampLayout({
    pageSize: options.pageSize,
    lineCount: lines.length,
    textWidth: widest,
    ...(options.rect ? { rect: options.rect } : {}),
  });
  const content = new FormContent(layout.rect);
  content.border(STAMP_BORDER_WIDTH);
  const font = { name: "F1", objectNumber: store.allocate(), embedder };
  lines.forEach((line, i) => {
    content.text(embedder, font.name, line, layout.lineBands[i]!, layout.fontSize, "left");
  });
  return { rect: layout.rect, content, font };
}

function referencedNumbers(object: PdfObject, into: Set<number>): void {
  if (object instanceof PdfRef) {
    into.add(object.objectNumber);
  } else if (object instanceof PdfStream) {
    referencedNumbers(object.dict, into);
  } else if (object instanceof PdfDict) {
    for (const value of object.map.values()) {
      referencedNumbers(value, into);
    }
  } else if (Array.isArray(object)) {
    for (const value of object) {
      referencedNumbers(value, into);
    }
  }
}

/**
 * Checks that the objects are numbered consecutively from `first` and that every reference points
 * at one of them (nothing of the host PDF is referenced), and serialises their bodies.
 */
function collectObjects(store: ObjectStore, first: number): AppearanceObject[] {
  const entries = [...store.bodies].sort(([a], [b]) => a - b);
  const numbers = new Set(entries.map(([n]) => n));
  const referenced = new Set<number>([first]);
  for (const [, object] of entries) {
    referencedNumbers(object, referenced);
  }
  const consecutive = entries.every(([n], i) => n === first + i);
  const closed = [...referenced].every((n) => numbers.has(n)) && referenced.size === numbers.size;
  if (!consecutive || !closed) {
    throw new ExchangeError("INTERNAL", {
      detail: `appearance objects must be numbered ${first}… consecutively and reference only each other, got [${[...numbers].join(",")}] referencing [${[...referenced].join(",")}]`,
    });
  }
  return entries.map(([objectNumber, object]) => ({ objectNumber, bytes: serializeBody(object) }));
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
export async function buildAppearance(options: BuildAppearanceOptions): Promise<BuiltAppearance> {
  const first = options.firstObjectNumber;
  if (!Number.isInteger(first) || first < 1) {
    throw new ExchangeError("APPEARANCE_INVALID", {
      detail: `firstObjectNumber must be a positive integer, got ${first}`,
    });
  }
  const store = new ObjectStore(first);
  const formNumber = store.allocate();

  let parts: FormParts;
  switch (options.kind) {
    case "signer":
      parts = await signerParts(options, store);
      break;
    case "seal":
      parts = await sealParts(options, store);
      break;
    case "stamp":
      parts = await stampParts(options, store);
      break;
    default:
      throw new ExchangeError("APPEARANCE_INVALID", {
        detail: `kind must be signer, seal or stamp to build an appearance, got ${String(options.kind)} (write an invisible widget instead)`,
      });
  }

  const { rect, content, font, image } = parts;
  const resources = new PdfDict();
  if (font) {
    resources.map.set("Font", new PdfDict([[font.name, new PdfRef(font.objectNumber)]]));
  }
  if (image) {
    resources.map.set("XObject", new PdfDict([[image.name, new PdfRef(image.objectNumber)]]));
  }
  // ISO 32000-1 §8.10.2: a form XObject with /BBox in its own space; the widget's /Rect maps onto it (§12.5.5).
  const form = new PdfStream(
    new PdfDict([
      ["Filter", pdfName("FlateDecode")],
      ["Type", pdfName("XObject")],
      ["Subtype", pdfName("Form")],
      ["FormType", 1],
      ["BBox", [0, 0, rect[2] - rect[0], rect[3] - rect[1]].map((v) => Math.round(v * 1000) / 1000)],
      ["Resources", resources],
    ]),
    deflateSync(content.bytes()),
  );
  store.set(formNumber, form);
  // Embed after all text is encoded: the subset contains exactly the glyphs used.
  if (font) {
    for (const [objectNumber, body] of font.embedder.embed(font.objectNumber, () => store.allocate())) {
      store.set(objectNumber, body);
    }
  }
  if (image) {
    embedImage(store, image.objectNumber, image.raster);
  }
  const objects = collectObjects(store, first);
  return {
    rect,
    appearanceObjectNumber: formNumber,
    objects,
    nextObjectNumber: first + objects.length,
  };
}
