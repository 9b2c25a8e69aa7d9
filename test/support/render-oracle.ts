/**
 * The rendering oracle: the viewer's check of "what the clerk sees is what was signed"
 * (architecture.md, "Signatures"). For a file the verifier passed, and for each of its signatures,
 * poppler must show the same thing for the signed revision (the bytes [0, signedRevision.length))
 * and for the whole file:
 *
 * - the same number of pages;
 * - every page rendered by `pdftoppm` (grayscale, low resolution) identical pixel for pixel, both on
 *   the MediaBox (pdftoppm's default) and with `-cropbox`;
 * - the same words on every page, with the same boxes, from `pdftotext -raw -bbox`;
 *
 * everywhere except inside the widget rectangles of signatures made after that signature. Raw
 * order (content-stream order) rather than -layout: it is a pure function of what the page draws,
 * so words that a new signature's appearance adds (dropped, being inside its widget) cannot
 * reorder the words outside it the way layout analysis regroups lines and columns; and it also
 * catches a redrawn page that looks the same but reads differently (copy, search, screen readers).
 *
 * The widgets to mask are found in the final file by an independent reader, qpdf (`qpdf --json`),
 * not the project's parser: widget annotations in a page's /Annots whose field (the /Parent chain,
 * reachable from /AcroForm /Fields) has /FT /Sig and whose /V is a signature dictionary — not a
 * document timestamp (/SubFilter /ETSI.RFC3161, /Type /DocTimeStamp): a document timestamp's widget
 * must be invisible, so it is never masked — whose /ByteRange is that of a later signature in the
 * report. A widget that was already on the same page in the signed revision with the same /Rect,
 * /F and appearance (same object number) is not masked either. Pixel boxes come from poppler's own
 * view of each page (`pdfinfo -box`: MediaBox, CropBox, /Rotate), enlarged by a margin for
 * antialiasing; a NoRotate widget on a rotated page also masks where poppler draws it unrotated.
 *
 * At most two poppler/qpdf processes run at a time (module-wide); renders of signed revisions,
 * which fuzzing repeats, are cached by SHA-256.
 *
 * @example
 * const report = await validatePdf(bytes, options);
 * if (report.verdict === "TOTAL_PASSED") {
 *   const result = await checkRendering(bytes, report);
 *   expect(result.differences, describeDifferences(result.differences)).toEqual([]);
 * }
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ValidationReport } from "../../shared/verification/report.ts";

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** [x1 y1 x2 y2] with x1 ≤ x2, y1 ≤ y2. */
export type Box = readonly [number, number, number, number];

/** One rendered page: 8-bit gray, row-major. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** One word of `pdftotext -raw -bbox`: its text and box (points, top-left origin, MediaBox, rotated). */
export interface Word {
  readonly text: string;
  /** xMin yMin xMax yMax exactly as pdftotext printed them. */
  readonly printed: string;
  readonly box: Box;
}

/** What poppler shows of one file. */
export interface FileView {
  readonly media: readonly GrayImage[];
  readonly crop: readonly GrayImage[];
  readonly words: readonly (readonly Word[])[];
  /** Tools that failed (exit code and stderr head); a failure is itself compared. */
  readonly errors: readonly string[];
}

/** Poppler's view of a page's geometry (`pdfinfo -box`). */
export interface PageGeometry {
  readonly mediaBox: Box;
  readonly cropBox: Box;
  readonly rotate: 0 | 90 | 180 | 270;
}

/** A widget of a signature, as found by qpdf in the final file. */
export interface SignatureWidget {
  /** 1-based page (qpdf's page order). */
  readonly page: number;
  /** "N G R" of the widget annotation. */
  readonly ref: string;
  /** /Rect, normalised. */
  readonly rect: Box;
  /** /F. */
  readonly flags: number;
  /** Index in the report of the signature its field holds. */
  readonly signature: number;
  /** Whether it can paint: a normal appearance, a rect of some area, neither Hidden nor NoView. */
  readonly visible: boolean;
}

export type DifferenceMode =
  | "page-count"
  | "render"
  | "render-cropbox"
  | "text"
  | "tool-error"
  | "signed-revision";

/** One way in which the file shows something else than a signature's signed revision. */
export interface OracleDifference {
  /** Index of the signature (report order). */
  readonly signature: number;
  /** 1-based page, when the difference is on a page. */
  readonly page?: number;
  readonly mode: DifferenceMode;
  readonly detail: string;
  /** For render differences: both images, to be written next to the file. */
  readonly images?: { readonly signed: GrayImage; readonly final: GrayImage };
}

export interface OracleResult {
  readonly differences: readonly OracleDifference[];
  /** Signatures compared (report indices). */
  readonly checked: readonly number[];
  /** Per compared signature, the widgets masked. */
  readonly masks: ReadonlyMap<number, readonly SignatureWidget[]>;
  /** Number of pages of the file as poppler renders it. */
  readonly pages: number;
  /**
   * Where the report's `paintedAfter` (when the verifier fills it in; nothing depends on it)
   * disagrees with the visible widgets qpdf finds: informational, not differences.
   */
  readonly notes: readonly string[];
}

export interface OracleOptions {
  /** Render resolution; default 30 dpi (A4 ≈ 248 × 351 px). */
  readonly dpi?: number;
  /** Mask enlargement in pixels for antialiasing; default 2. Text masks grow by 2 pt. */
  readonly marginPx?: number;
  /** Default the module-wide cache; `null` for none. */
  readonly cache?: OracleCache | null;
}

// ---------------------------------------------------------------------------------------------
// Processes: at most `concurrency` at a time, module-wide
// ---------------------------------------------------------------------------------------------

let concurrency = 2;
let running = 0;
const waiting: (() => void)[] = [];

/** Sets how many poppler/qpdf processes may run at once (default 2). */
export function setToolConcurrency(n: number): void {
  concurrency = Math.max(1, Math.floor(n));
}

async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  while (running >= concurrency) {
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

interface ToolResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function runTool(command: string, args: readonly string[]): Promise<ToolResult> {
  return withSlot(
    () =>
      new Promise<ToolResult>((resolve) => {
        execFile(
          command,
          args,
          { encoding: "buffer", maxBuffer: 512 * 1024 * 1024, timeout: 120_000 },
          (error, stdout, stderr) => {
            const code =
              error === null
                ? 0
                : typeof (error as { code?: unknown }).code === "number"
                  ? (error.code as number)
                  : -1;
            resolve({ code, stdout, stderr: stderr.toString("utf8") });
          },
        );
      }),
  );
}

async function withTempFile<T>(bytes: Uint8Array, fn: (path: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "lienthong-oracle-"));
  try {
    const path = join(dir, "file.pdf");
    await writeFile(path, bytes);
    return await fn(path, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

/** Views and qpdf models of files already seen (signed revisions repeat in fuzzing), by SHA-256. */
export class OracleCache {
  private readonly views = new Map<string, Promise<FileView>>();
  private readonly models = new Map<string, Promise<QpdfModel | undefined>>();
  private readonly limit: number;
  constructor(limit = 256) {
    this.limit = limit;
  }
  view(bytes: Uint8Array, dpi: number): Promise<FileView> {
    return this.remember(this.views, `${dpi}:${sha256(bytes)}`, () => renderView(bytes, dpi));
  }
  model(bytes: Uint8Array): Promise<QpdfModel | undefined> {
    return this.remember(this.models, sha256(bytes), () => readQpdfModel(bytes));
  }
  private remember<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
    let value = map.get(key);
    if (!value) {
      value = make();
      map.set(key, value);
      if (map.size > this.limit) {
        map.delete(map.keys().next().value as string);
      }
    }
    return value;
  }
}

const defaultCache = new OracleCache();

// ---------------------------------------------------------------------------------------------
// Rendering and text (poppler)
// ---------------------------------------------------------------------------------------------

/** Parses a binary PGM (P5, maxval 255) as pdftoppm -gray writes it. */
export function parsePgm(bytes: Uint8Array): GrayImage {
  const header: string[] = [];
  let at = 0;
  while (header.length < 4) {
    while (at < bytes.length && /\s/.test(String.fromCharCode(bytes[at]!))) {
      at++;
    }
    const start = at;
    while (at < bytes.length && !/\s/.test(String.fromCharCode(bytes[at]!))) {
      at++;
    }
    header.push(Buffer.from(bytes.subarray(start, at)).toString("latin1"));
  }
  at++; // the single whitespace after maxval
  const [magic, w, h, max] = header;
  const width = Number(w);
  const height = Number(h);
  if (magic !== "P5" || max !== "255" || !(width > 0) || !(height > 0)) {
    throw new Error(`not an 8-bit binary PGM (${header.join(" ")})`);
  }
  return { width, height, data: bytes.subarray(at, at + width * height) };
}

/** A PGM file of an image, to look at a difference. */
export function toPgm(image: GrayImage): Uint8Array {
  return new Uint8Array(
    Buffer.concat([Buffer.from(`P5\n${image.width} ${image.height}\n255\n`, "latin1"), image.data]),
  );
}

async function renderPages(path: string, dir: string, prefix: string, dpi: number, crop: boolean) {
  const args = ["-r", String(dpi), "-gray", ...(crop ? ["-cropbox"] : []), path, join(dir, prefix)];
  const result = await runTool("pdftoppm", args);
  const names = (await readdir(dir))
    .map((name) => ({ name, match: new RegExp(`^${prefix}-(\\d+)\\.pgm$`).exec(name) }))
    .filter((entry) => entry.match)
    .sort((a, b) => Number(a.match![1]) - Number(b.match![1]));
  const pages: GrayImage[] = [];
  for (const { name } of names) {
    pages.push(parsePgm(new Uint8Array(await readFile(join(dir, name)))));
  }
  const error =
    result.code === 0
      ? undefined
      : `pdftoppm${crop ? " -cropbox" : ""} exit ${result.code}: ${result.stderr.slice(0, 300)}`;
  return { pages, error };
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity[0] === "#") {
      const code =
        entity[1] === "x" || entity[1] === "X" ? parseInt(entity.slice(2), 16) : Number(entity.slice(1));
      return String.fromCodePoint(code);
    }
    return ENTITIES[entity] ?? whole;
  });
}

/** Parses `pdftotext -bbox` output into words per page. */
export function parseBboxHtml(html: string): Word[][] {
  const pages: Word[][] = [];
  const parts = html.split(/<page\b[^>]*>/).slice(1);
  for (const part of parts) {
    const words: Word[] = [];
    const body = part.split("</page>")[0] ?? "";
    const pattern = /<word xMin="([^"]+)" yMin="([^"]+)" xMax="([^"]+)" yMax="([^"]+)">([\s\S]*?)<\/word>/g;
    for (let match = pattern.exec(body); match; match = pattern.exec(body)) {
      const [, x1, y1, x2, y2, text] = match;
      words.push({
        text: unescapeHtml(text!),
        printed: `${x1} ${y1} ${x2} ${y2}`,
        box: [Number(x1), Number(y1), Number(x2), Number(y2)],
      });
    }
    pages.push(words);
  }
  return pages;
}

/** Renders a file both ways and extracts its words: three poppler processes. */
export async function renderView(bytes: Uint8Array, dpi = 30): Promise<FileView> {
  return withTempFile(bytes, async (path, dir) => {
    const [media, crop, text] = await Promise.all([
      renderPages(path, dir, "m", dpi, false),
      renderPages(path, dir, "c", dpi, true),
      runTool("pdftotext", ["-raw", "-bbox", "-enc", "UTF-8", path, "-"]),
    ]);
    const errors = [media.error, crop.error].filter((e): e is string => e !== undefined);
    if (text.code !== 0) {
      errors.push(`pdftotext exit ${text.code}: ${text.stderr.slice(0, 300)}`);
    }
    return {
      media: media.pages,
      crop: crop.pages,
      words: text.code === 0 ? parseBboxHtml(text.stdout.toString("utf8")) : [],
      errors,
    };
  });
}

/** Poppler's page boxes and rotation (`pdfinfo -box`), per page. */
export async function pageGeometry(bytes: Uint8Array): Promise<PageGeometry[]> {
  return withTempFile(bytes, async (path) => {
    const result = await runTool("pdfinfo", ["-box", "-f", "1", "-l", "1000000", path]);
    const text = result.stdout.toString("utf8");
    const pages = new Map<number, { media?: Box; crop?: Box; rotate?: number }>();
    const entry = (n: number) => {
      let value = pages.get(n);
      if (!value) {
        value = {};
        pages.set(n, value);
      }
      return value;
    };
    for (const line of text.split("\n")) {
      const rot = /^Page\s+(\d+) rot:\s+(-?\d+)/.exec(line);
      if (rot) {
        entry(Number(rot[1])).rotate = Number(rot[2]);
        continue;
      }
      const box = /^Page\s+(\d+) (MediaBox|CropBox):\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line);
      if (box) {
        const values = box.slice(3, 7).map(Number) as [number, number, number, number];
        entry(Number(box[1]))[box[2] === "MediaBox" ? "media" : "crop"] = normalise(values);
      }
    }
    const out: PageGeometry[] = [];
    for (const n of [...pages.keys()].sort((a, b) => a - b)) {
      const page = pages.get(n)!;
      const rotate = ((((page.rotate ?? 0) % 360) + 360) % 360) as 0 | 90 | 180 | 270;
      const mediaBox = page.media ?? [0, 0, 612, 792];
      out[n - 1] = { mediaBox, cropBox: page.crop ?? mediaBox, rotate };
    }
    return out;
  });
}

function normalise(box: readonly [number, number, number, number]): Box {
  return [
    Math.min(box[0], box[2]),
    Math.min(box[1], box[3]),
    Math.max(box[0], box[2]),
    Math.max(box[1], box[3]),
  ];
}

// ---------------------------------------------------------------------------------------------
// qpdf's view of the objects
// ---------------------------------------------------------------------------------------------

type QValue = null | boolean | number | string | QValue[] | { [key: string]: QValue };

interface QObject {
  readonly value?: QValue;
  readonly stream?: { readonly dict: { [key: string]: QValue }; readonly data?: string };
}

/** qpdf's JSON (v2) of a file: its objects and its pages in order. */
export interface QpdfModel {
  readonly objects: ReadonlyMap<string, QObject>;
  /** "N G R" of each page. */
  readonly pages: readonly string[];
  readonly trailer: { [key: string]: QValue };
}

const REF = /^\d+ \d+ R$/;

async function readQpdfModel(bytes: Uint8Array): Promise<QpdfModel | undefined> {
  return withTempFile(bytes, async (path) => {
    const result = await runTool("qpdf", [
      "--json=2",
      "--json-key=pages",
      "--json-key=qpdf",
      "--json-stream-data=inline",
      "--decode-level=none",
      path,
      "-",
    ]);
    // 0: fine, 3: warnings (qpdf recovered something); 2: could not read the file.
    if (result.code !== 0 && result.code !== 3) {
      return undefined;
    }
    try {
      const json = JSON.parse(result.stdout.toString("utf8")) as {
        pages: { object: string }[];
        qpdf: [unknown, Record<string, QObject>];
      };
      const objects = new Map<string, QObject>();
      let trailer: { [key: string]: QValue } = {};
      for (const [key, value] of Object.entries(json.qpdf[1])) {
        if (key === "trailer") {
          trailer = (value.value ?? {}) as { [key: string]: QValue };
        } else if (key.startsWith("obj:")) {
          objects.set(key.slice(4), value);
        }
      }
      return { objects, pages: json.pages.map((page) => page.object), trailer };
    } catch {
      return undefined;
    }
  });
}

/** A reference resolved once (a stream gives its dictionary); anything else as is. */
function deref(model: QpdfModel, value: QValue | undefined): QValue | undefined {
  if (typeof value === "string" && REF.test(value)) {
    const object = model.objects.get(value);
    return object?.stream ? object.stream.dict : (object?.value ?? null);
  }
  return value;
}

function asDict(value: QValue | undefined): { [key: string]: QValue } | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

function numbers(model: QpdfModel, value: QValue | undefined, count: number): number[] | undefined {
  const array = deref(model, value);
  if (!Array.isArray(array) || array.length !== count) {
    return undefined;
  }
  const out = array.map((item) => deref(model, item));
  return out.every((n) => typeof n === "number") ? (out as number[]) : undefined;
}

/** Canonical text of a value with references followed (streams with their raw data), for equality. */
function canonical(model: QpdfModel, value: QValue | undefined, depth = 0, seen = new Set<string>()): string {
  if (typeof value === "string" && REF.test(value)) {
    if (seen.has(value) || depth > 32) {
      return `@${value}`;
    }
    seen.add(value);
    const object = model.objects.get(value);
    if (!object) {
      return "null";
    }
    if (object.stream) {
      return `stream(${canonical(model, object.stream.dict, depth + 1, seen)},${object.stream.data ?? "?"})`;
    }
    return canonical(model, object.value, depth + 1, seen);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonical(model, item, depth + 1, seen)).join(",")}]`;
  }
  const dict = asDict(value);
  if (dict) {
    return `{${Object.keys(dict)
      .sort()
      .map((key) => `${key}:${canonical(model, dict[key], depth + 1, seen)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Every object reachable from /AcroForm /Fields through /Kids (fields and widgets). */
function formTree(model: QpdfModel): Set<string> {
  const root = asDict(deref(model, model.trailer["/Root"]));
  const form = asDict(deref(model, root?.["/AcroForm"]));
  const found = new Set<string>();
  const visit = (item: QValue | undefined, depth: number): void => {
    if (
      typeof item !== "string" ||
      !REF.test(item) ||
      found.has(item) ||
      depth > 64 ||
      found.size > 100_000
    ) {
      return;
    }
    found.add(item);
    const kids = deref(model, asDict(deref(model, item))?.["/Kids"]);
    for (const kid of Array.isArray(kids) ? kids : []) {
      visit(kid, depth + 1);
    }
  };
  const fields = deref(model, form?.["/Fields"]);
  for (const field of Array.isArray(fields) ? fields : []) {
    visit(field, 0);
  }
  return found;
}

/** A field attribute, inherited through /Parent (ISO 32000-1 §12.7.3.1). */
function inherited(model: QpdfModel, node: { [key: string]: QValue }, key: string): QValue | undefined {
  let current: { [key: string]: QValue } | undefined = node;
  for (let depth = 0; current && depth < 64; depth++) {
    if (key in current) {
      return current[key];
    }
    current = asDict(deref(model, current["/Parent"]));
  }
  return undefined;
}

function pageAnnots(model: QpdfModel, page: string): QValue[] {
  const annots = deref(model, asDict(deref(model, page))?.["/Annots"]);
  return Array.isArray(annots) ? annots : [];
}

/**
 * The widgets of the final file whose field holds one of the report's PDF signatures (never a
 * document timestamp), with the report index of that signature, found by qpdf.
 */
export function signatureWidgets(model: QpdfModel, report: ValidationReport): SignatureWidget[] {
  const fields = formTree(model);
  const widgets: SignatureWidget[] = [];
  model.pages.forEach((page, pageIndex) => {
    for (const item of pageAnnots(model, page)) {
      // A widget of a field in the form tree is an indirect object (the tree holds references).
      if (typeof item !== "string" || !fields.has(item)) {
        continue;
      }
      const annot = asDict(deref(model, item));
      if (annot?.["/Subtype"] !== "/Widget" || inherited(model, annot, "/FT") !== "/Sig") {
        continue;
      }
      const signature = asDict(deref(model, inherited(model, annot, "/V")));
      if (
        !signature ||
        signature["/SubFilter"] === "/ETSI.RFC3161" ||
        signature["/Type"] === "/DocTimeStamp"
      ) {
        continue;
      }
      const byteRange = numbers(model, signature["/ByteRange"], 4);
      const index = report.signatures.findIndex(
        (s) =>
          s.kind === "pdf-signature" &&
          s.byteRange?.length === 4 &&
          byteRange !== undefined &&
          s.byteRange.every((n, i) => n === byteRange[i]),
      );
      const rect = numbers(model, annot["/Rect"], 4);
      if (index < 0 || !rect) {
        continue;
      }
      const flags = deref(model, annot["/F"]);
      const f = typeof flags === "number" ? flags : 0;
      const box = normalise(rect as [number, number, number, number]);
      const appearance = asDict(deref(model, annot["/AP"]))?.["/N"];
      widgets.push({
        page: pageIndex + 1,
        ref: item,
        rect: box,
        flags: f,
        signature: index,
        visible: appearance !== undefined && (f & 34) === 0 && box[2] > box[0] && box[3] > box[1],
      });
    }
  });
  return widgets;
}

const WIDGET_LOOK = ["/Subtype", "/Rect", "/F", "/AP", "/AS", "/MK", "/BS", "/Border", "/C"];

/** True when the widget was already on the same page of `signed` with the same rect, flags and appearance. */
function existedIn(signed: QpdfModel | undefined, final: QpdfModel, widget: SignatureWidget): boolean {
  if (!signed) {
    return false;
  }
  const page = signed.pages[widget.page - 1];
  if (!page || !pageAnnots(signed, page).includes(widget.ref) || !signed.objects.has(widget.ref)) {
    return false;
  }
  const before = asDict(deref(signed, widget.ref));
  const after = asDict(deref(final, widget.ref));
  if (!before || !after) {
    return false;
  }
  return WIDGET_LOOK.every((key) => canonical(signed, before[key]) === canonical(final, after[key]));
}

// ---------------------------------------------------------------------------------------------
// Masks: user space → device space (verified against pdftoppm for /Rotate 0/90/180/270, offset
// MediaBox and CropBox, and NoRotate widgets, in render-oracle.test.ts)
// ---------------------------------------------------------------------------------------------

/** A point of user space in device space at 72 dpi (top-left origin) for `box` shown with `rotate`. */
function toDevice(x: number, y: number, box: Box, rotate: number): [number, number] {
  const [bx1, by1, bx2, by2] = box;
  switch (rotate) {
    case 90:
      return [y - by1, x - bx1];
    case 180:
      return [bx2 - x, y - by1];
    case 270:
      return [by2 - y, bx2 - x];
    default:
      return [x - bx1, by2 - y];
  }
}

/** Where a widget paints, in device space at 72 dpi (one or two boxes). */
export function deviceBoxes(rect: Box, flags: number, box: Box, rotate: number): Box[] {
  const [x1, y1, x2, y2] = rect;
  const a = toDevice(x1, y1, box, rotate);
  const b = toDevice(x2, y2, box, rotate);
  const boxes: Box[] = [
    [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])],
  ];
  // NoRotate (§12.5.3, bit 5): poppler draws the appearance upright from the rect's upper-left corner.
  if (flags & 16 && rotate !== 0) {
    const [px, py] = toDevice(x1, y2, box, rotate);
    boxes.push([px, py, px + (x2 - x1), py + (y2 - y1)]);
  }
  return boxes;
}

function pixelBoxes(boxes: readonly Box[], scale: number, margin: number): Box[] {
  return boxes.map(([x1, y1, x2, y2]) => [
    Math.floor(x1 * scale) - margin,
    Math.floor(y1 * scale) - margin,
    Math.ceil(x2 * scale) + margin,
    Math.ceil(y2 * scale) + margin,
  ]);
}

function inside(x: number, y: number, boxes: readonly Box[]): boolean {
  return boxes.some(([x1, y1, x2, y2]) => x >= x1 && x <= x2 && y >= y1 && y <= y2);
}

function intersects(a: Box, boxes: readonly Box[]): boolean {
  return boxes.some(([x1, y1, x2, y2]) => a[0] <= x2 && a[2] >= x1 && a[1] <= y2 && a[3] >= y1);
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

interface PageMasks {
  /** Device boxes at 72 dpi on the MediaBox (render and text) and on the CropBox. */
  readonly media: Box[];
  readonly crop: Box[];
}

function masksByPage(
  widgets: readonly SignatureWidget[],
  geometry: readonly PageGeometry[],
): Map<number, PageMasks> {
  const out = new Map<number, PageMasks>();
  for (const widget of widgets) {
    const page = geometry[widget.page - 1];
    if (!page) {
      continue;
    }
    const entry = out.get(widget.page) ?? { media: [], crop: [] };
    entry.media.push(...deviceBoxes(widget.rect, widget.flags, page.mediaBox, page.rotate));
    entry.crop.push(...deviceBoxes(widget.rect, widget.flags, page.cropBox, page.rotate));
    out.set(widget.page, entry);
  }
  return out;
}

function compareImages(signed: GrayImage, final: GrayImage, masks: readonly Box[]): string | undefined {
  if (signed.width !== final.width || signed.height !== final.height) {
    return `size ${signed.width}×${signed.height} px signed, ${final.width}×${final.height} px now`;
  }
  let count = 0;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < signed.height; y++) {
    const row = y * signed.width;
    for (let x = 0; x < signed.width; x++) {
      if (signed.data[row + x] !== final.data[row + x] && !inside(x, y, masks)) {
        count++;
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x);
        y2 = Math.max(y2, y);
      }
    }
  }
  return count === 0
    ? undefined
    : `${count} pixels differ outside the masks, in [${x1},${y1}]–[${x2},${y2}] px`;
}

function compareWords(
  signed: readonly Word[],
  final: readonly Word[],
  masks: readonly Box[],
): string | undefined {
  const keep = (words: readonly Word[]) => words.filter((word) => !intersects(word.box, masks));
  const a = keep(signed);
  const b = keep(final);
  const show = (word: Word | undefined) => (word ? `"${word.text}" at ${word.printed}` : "nothing");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x?.text !== y?.text || x?.printed !== y?.printed) {
      return `${a.length} words signed, ${b.length} now; word ${i + 1}: signed ${show(x)}, now ${show(y)}`;
    }
  }
  return undefined;
}

/**
 * Compares what poppler shows of `final` and of `signed` (a revision of it) outside `widgets`
 * (mapped with `geometry`, poppler's view of the final file's pages). Low level: it is what
 * {@link checkRendering} runs per signature, and what the oracle's own sanity tests call directly.
 */
export function compareViews(
  signature: number,
  signed: FileView,
  final: FileView,
  widgets: readonly SignatureWidget[],
  geometry: readonly PageGeometry[],
  options: { readonly dpi: number; readonly marginPx: number },
): OracleDifference[] {
  const differences: OracleDifference[] = [];
  const scale = options.dpi / 72;
  const masks = masksByPage(widgets, geometry);
  const errorsBefore = signed.errors.join("; ");
  const errorsNow = final.errors.join("; ");
  if (errorsNow !== errorsBefore) {
    differences.push({
      signature,
      mode: "tool-error",
      detail: `poppler signed: ${errorsBefore || "ok"}; now: ${errorsNow || "ok"}`,
    });
  }
  const counts = [signed.media.length, final.media.length, signed.crop.length, final.crop.length];
  if (counts[0] !== counts[1] || counts[2] !== counts[3] || signed.words.length !== final.words.length) {
    differences.push({
      signature,
      mode: "page-count",
      detail: `pages signed ${counts[0]} (cropbox ${counts[2]}, text ${signed.words.length}), now ${counts[1]} (cropbox ${counts[3]}, text ${final.words.length})`,
    });
  }
  const renders: [DifferenceMode, readonly GrayImage[], readonly GrayImage[], "media" | "crop"][] = [
    ["render", signed.media, final.media, "media"],
    ["render-cropbox", signed.crop, final.crop, "crop"],
  ];
  for (const [mode, before, after, boxKind] of renders) {
    for (let p = 0; p < Math.min(before.length, after.length); p++) {
      const pageMasks = pixelBoxes(masks.get(p + 1)?.[boxKind] ?? [], scale, options.marginPx);
      const detail = compareImages(before[p]!, after[p]!, pageMasks);
      if (detail) {
        differences.push({
          signature,
          page: p + 1,
          mode,
          detail: `${detail} (${options.dpi} dpi${boxKind === "crop" ? ", -cropbox" : ""}; ${pageMasks.length} masks)`,
          images: { signed: before[p]!, final: after[p]! },
        });
      }
    }
  }
  for (let p = 0; p < Math.min(signed.words.length, final.words.length); p++) {
    const pageMasks = (masks.get(p + 1)?.media ?? []).map(
      ([x1, y1, x2, y2]): Box => [x1 - 2, y1 - 2, x2 + 2, y2 + 2],
    );
    const detail = compareWords(signed.words[p]!, final.words[p]!, pageMasks);
    if (detail) {
      differences.push({ signature, page: p + 1, mode: "text", detail });
    }
  }
  return differences;
}

/**
 * The oracle for one verified file: for every signature of `report` (PDF signatures and document
 * timestamps alike), what poppler shows of the file must equal what it shows of the signed revision
 * outside the widgets of later signatures. Meant for reports whose verdict is TOTAL_PASSED; a
 * signature without `signedRevision` is itself a difference.
 */
export async function checkRendering(
  file: Uint8Array,
  report: ValidationReport,
  options: OracleOptions = {},
): Promise<OracleResult> {
  const dpi = options.dpi ?? 30;
  const marginPx = options.marginPx ?? 2;
  const cache = options.cache === null ? undefined : (options.cache ?? defaultCache);
  const differences: OracleDifference[] = [];
  const checked: number[] = [];
  const masks = new Map<number, SignatureWidget[]>();
  let finalView: Promise<FileView> | undefined;
  const final = (): Promise<FileView> => {
    finalView ??= renderView(file, dpi);
    return finalView;
  };
  const model = (bytes: Uint8Array) => (cache ? cache.model(bytes) : readQpdfModel(bytes));
  const view = (bytes: Uint8Array) => (cache ? cache.view(bytes, dpi) : renderView(bytes, dpi));

  // Widgets matter only when a signature has a later PDF signature.
  const pdfSignatures = report.signatures.filter((s) => s.kind === "pdf-signature").length;
  const finalModel = pdfSignatures > 1 ? await readQpdfModel(file) : undefined;
  const widgets = finalModel ? signatureWidgets(finalModel, report) : [];
  const geometry = widgets.length > 0 ? await pageGeometry(file) : [];

  await Promise.all(
    report.signatures.map(async (signature, i) => {
      const length = signature.signedRevision?.length;
      if (length === undefined || length <= 0 || length > file.length) {
        differences.push({
          signature: i,
          mode: "signed-revision",
          detail: `no usable signedRevision (${JSON.stringify(signature.signedRevision)})`,
        });
        return;
      }
      checked.push(i);
      if (length === file.length) {
        masks.set(i, []);
        return; // the same bytes show the same thing
      }
      const signedBytes = file.subarray(0, length);
      const later = widgets.filter((w) => w.signature > i);
      const signedModel = later.length > 0 && finalModel ? await model(signedBytes) : undefined;
      const masked = later.filter((w) => !existedIn(signedModel, finalModel!, w));
      masks.set(i, masked);
      const [before, after] = await Promise.all([view(signedBytes), final()]);
      differences.push(...compareViews(i, before, after, masked, geometry, { dpi, marginPx }));
    }),
  );
  const pages = finalView ? (await finalView).media.length : 0;
  checked.sort((a, b) => a - b);
  const notes = paintedAfterNotes(report, widgets);
  differences.sort((a, b) => a.signature - b.signature || (a.page ?? 0) - (b.page ?? 0));
  return { differences, checked, masks, pages, notes };
}

/**
 * Compares the report's own account of later signatures' visible widgets (`paintedAfter`, a field
 * the verifier may or may not have) with the visible widgets qpdf finds: each side's (page, rect)
 * pairs of later PDF signatures, per signature.
 */
function paintedAfterNotes(report: ValidationReport, widgets: readonly SignatureWidget[]): string[] {
  const notes: string[] = [];
  const key = (page: number, rect: readonly number[]) =>
    `p${page} [${rect.map((n) => Math.round(n)).join(" ")}]`;
  report.signatures.forEach((signature, i) => {
    const painted = (signature as { paintedAfter?: unknown }).paintedAfter;
    if (!Array.isArray(painted)) {
      return;
    }
    const theirs = new Set(
      painted
        .filter((p: { kind?: string }) => p.kind === "signature")
        .map((p: { page: number; rect: readonly number[] }) =>
          key(p.page, normalise([...p.rect] as [number, number, number, number])),
        ),
    );
    const ours = new Set(widgets.filter((w) => w.signature > i && w.visible).map((w) => key(w.page, w.rect)));
    const missing = [...ours].filter((k) => !theirs.has(k));
    const extra = [...theirs].filter((k) => !ours.has(k));
    if (missing.length > 0 || extra.length > 0) {
      notes.push(
        `signature #${i} paintedAfter: ${missing.length ? `lacks ${missing.join(", ")}` : ""}${missing.length && extra.length ? "; " : ""}${extra.length ? `has ${extra.join(", ")} that qpdf does not find visible` : ""}`,
      );
    }
  });
  return notes;
}

/** One line per difference, for assertion messages. */
export function describeDifferences(differences: readonly OracleDifference[]): string {
  return differences
    .map((d) => `signature #${d.signature}${d.page ? ` page ${d.page}` : ""} ${d.mode}: ${d.detail}`)
    .join("\n");
}

/**
 * Writes a failing file (and the signed/final images of its first render differences) to `dir`;
 * resolves to the PDF's path.
 */
export async function saveFailure(
  dir: string,
  name: string,
  bytes: Uint8Array,
  differences: readonly OracleDifference[],
): Promise<string> {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 120);
  const path = join(dir, `${safe}.pdf`);
  await writeFile(path, bytes);
  let images = 0;
  for (const difference of differences) {
    if (difference.images && images < 4) {
      const stem = join(dir, `${safe}.sig${difference.signature}.p${difference.page}.${difference.mode}`);
      await writeFile(`${stem}.signed.pgm`, toPgm(difference.images.signed));
      await writeFile(`${stem}.final.pgm`, toPgm(difference.images.final));
      images++;
    }
  }
  await writeFile(join(dir, `${safe}.txt`), `${describeDifferences(differences)}\n`);
  return path;
}
