/**
 * Pure placement rules for the Decree 30/2020/NĐ-CP, Annex I appearances, in PDF user space
 * (ISO 32000-1 §8.3.2.3: origin at the lower left, y upwards, 1 unit = 1/72 in). The builder draws
 * with these functions and the seal is placed with them, so the rules live here only.
 */
import { ExchangeError } from "../../errors/exchange-error.ts";
import type { AppearanceKind, PageSize, Rect } from "./types.ts";

/** Points per millimetre (72 pt per inch, 25.4 mm per inch). */
export const POINTS_PER_MM = 72 / 25.4;

/** Millimetres to points. */
export function mmToPt(mm: number): number {
  return mm * POINTS_PER_MM;
}

/** Page margins in points. */
export interface PageMargins {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/**
 * Decree 30, Annex I, §I.2 page margins (top 20–25 mm, bottom 20–25 mm, left 30–35 mm,
 * right 15–20 mm): the values used here are top/bottom 20 mm, left 30 mm, right 20 mm.
 */
export const DECREE30_MARGINS: PageMargins = {
  top: mmToPt(20),
  right: mmToPt(20),
  bottom: mmToPt(20),
  left: mmToPt(30),
};

/** Default real diameter of an organisation's seal, in millimetres. */
export const DEFAULT_SEAL_DIAMETER_MM = 36;

/** Width : height of the box the handwritten-signature image is fitted into (a 300 × 120 image fills it). */
export const SIGNATURE_BOX_ASPECT = 2.5;

/** Title lines the signer block reserves room for (e.g. "TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH"). */
export const MAX_TITLE_LINES = 3;

/** Font size of the signer's title and name when the block is tall enough (Decree 30: 13–14 pt). */
export const SIGNER_FONT_SIZE = 13;

/** Font size of the stamp text (Decree 30, Annex I: Times New Roman 10 pt). */
export const STAMP_FONT_SIZE = 10;

/** Line height as a multiple of the font size. */
export const LINE_SPACING = 1.25;

/** Height of the default signer block, in points. */
const DEFAULT_SIGNER_HEIGHT = 150;

/** Largest share of the signer block's width the signature image may take. */
const SIGNATURE_MAX_WIDTH_SHARE = 0.7;

/** The parts of a signer block, all in PDF user space. */
export interface SignerLayout {
  readonly rect: Rect;
  /** Font size of the title and name lines (a line is drawn smaller only when it is too wide). */
  readonly fontSize: number;
  /** Inner horizontal padding: text is kept within `[rect.llx + padding, rect.urx - padding]`. */
  readonly padding: number;
  /** The `MAX_TITLE_LINES` title bands, top first; a title of n lines uses the last n (nearest the image). */
  readonly titleBands: readonly Rect[];
  /** The box the handwritten-signature image is fitted into (aspect `SIGNATURE_BOX_ASPECT`), centred. */
  readonly imageBox: Rect;
  /** The band of the full name, at the bottom. */
  readonly nameBand: Rect;
}

/** The layout of a stamp block. */
export interface StampLayout {
  readonly rect: Rect;
  readonly fontSize: number;
  readonly padding: number;
  /** One band per line, top first; text starts at `band[0]`. */
  readonly lineBands: readonly Rect[];
}

function width(rect: Rect): number {
  return rect[2] - rect[0];
}

function height(rect: Rect): number {
  return rect[3] - rect[1];
}

/** Throws APPEARANCE_INVALID unless `rect` is finite with a positive width and height. */
export function assertRect(rect: Rect, what: string): void {
  if (rect.length !== 4 || !rect.every(Number.isFinite) || width(rect) <= 0 || height(rect) <= 0) {
    throw new ExchangeError("APPEARANCE_INVALID", {
      detail: `${what} must be [llx, lly, urx, ury] with llx < urx and lly < ury, got [${rect.join(", ")}]`,
    });
  }
}

function assertPageSize(pageSize: PageSize): void {
  if (!(pageSize.width > 0 && pageSize.height > 0 && Number.isFinite(pageSize.width * pageSize.height))) {
    throw new ExchangeError("APPEARANCE_INVALID", {
      detail: `page size must be positive, got ${pageSize.width} × ${pageSize.height}`,
    });
  }
}

/**
 * The default signer block: the right half of the text area, on the bottom margin of the page
 * (Decree 30, Annex I: the signer's block is in the right column under the body text).
 *
 * @example
 * defaultSignerRect({ width: 595.28, height: 841.89 }); // [311.81, 56.69, 538.58, 206.69]
 */
export function defaultSignerRect(pageSize: PageSize, margins: PageMargins = DECREE30_MARGINS): Rect {
  assertPageSize(pageSize);
  const right = pageSize.width - margins.right;
  const textWidth = right - margins.left;
  const blockWidth = textWidth > 0 ? textWidth / 2 : pageSize.width / 2;
  const bottom = Math.min(margins.bottom, Math.max(0, pageSize.height - DEFAULT_SIGNER_HEIGHT));
  return [right - blockWidth, bottom, right, bottom + Math.min(DEFAULT_SIGNER_HEIGHT, pageSize.height)];
}

/**
 * Splits a signer block into title bands, the signature image box and the name band. Depends on
 * `rect` alone, so the seal can be placed from the signer widget's /Rect without knowing its text.
 *
 * @example
 * const { imageBox } = signerLayout(defaultSignerRect({ width: 595.28, height: 841.89 }));
 */
export function signerLayout(rect: Rect): SignerLayout {
  assertRect(rect, "signer rect");
  const w = width(rect);
  const h = height(rect);
  // 3 title lines + 1 name line + paddings and gaps take 6.1 font sizes; keep the image band ≥ 40 % of h.
  const fontSize = Math.min(SIGNER_FONT_SIZE, h / 10.2);
  const line = fontSize * LINE_SPACING;
  const padding = fontSize * 0.25;
  const gap = fontSize * 0.3;
  const [llx, lly, urx, ury] = rect;

  const titleBands: Rect[] = [];
  for (let i = 0; i < MAX_TITLE_LINES; i++) {
    const top = ury - padding - i * line;
    titleBands.push([llx, top - line, urx, top]);
  }
  const nameBand: Rect = [llx, lly + padding, urx, lly + padding + line];

  const bandBottom = nameBand[3] + gap;
  const bandTop = ury - padding - MAX_TITLE_LINES * line - gap;
  const bandHeight = bandTop - bandBottom;
  const boxWidth = Math.min(w * SIGNATURE_MAX_WIDTH_SHARE, bandHeight * SIGNATURE_BOX_ASPECT);
  const boxHeight = boxWidth / SIGNATURE_BOX_ASPECT;
  const cx = llx + w / 2;
  const cy = bandBottom + bandHeight / 2;
  const imageBox: Rect = [cx - boxWidth / 2, cy - boxHeight / 2, cx + boxWidth / 2, cy + boxHeight / 2];
  return { rect, fontSize, padding, titleBands, imageBox, nameBand };
}

/**
 * Fits an image of `imageWidth × imageHeight` pixels into `box`, keeping its aspect ratio, centred.
 *
 * @example
 * fitImage([0, 0, 250, 100], 300, 120); // [0, 0, 250, 100]
 */
export function fitImage(box: Rect, imageWidth: number, imageHeight: number): Rect {
  const scale = Math.min(width(box) / imageWidth, height(box) / imageHeight);
  const w = imageWidth * scale;
  const h = imageHeight * scale;
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/** Input of `sealRect`. */
export interface SealRectOptions {
  readonly pageSize: PageSize;
  /** The signer widget's /Rect. Default: `defaultSignerRect(pageSize)`. Ignored when `rect` is given. */
  readonly anchor?: Rect;
  /** Explicit placement: the seal is centred in it (still at real size). */
  readonly rect?: Rect;
  /** Real diameter (width) of the seal in points. Default `mmToPt(DEFAULT_SEAL_DIAMETER_MM)` ≈ 102 pt. */
  readonly diameter?: number;
  /** Height / width of the seal image. Default 1 (round seal in a square image). */
  readonly aspect?: number;
}

/**
 * Where the seal goes (Decree 30, Annex I: the seal, at real size, covers about one third of the
 * signer's signature image, on its left): its right edge is at one third of the signature image box
 * of `signerLayout(anchor)`, and it is centred vertically on that box.
 *
 * @example
 * const seal = sealRect({ pageSize: { width: 595.28, height: 841.89 }, anchor: signerWidgetRect });
 */
export function sealRect(options: SealRectOptions): Rect {
  assertPageSize(options.pageSize);
  const diameter = options.diameter ?? mmToPt(DEFAULT_SEAL_DIAMETER_MM);
  const aspect = options.aspect ?? 1;
  if (!(diameter > 0 && Number.isFinite(diameter) && aspect > 0 && Number.isFinite(aspect))) {
    throw new ExchangeError("APPEARANCE_INVALID", {
      detail: `seal diameter and aspect must be positive, got ${diameter} pt and ${aspect}`,
    });
  }
  const sealHeight = diameter * aspect;
  if (options.rect) {
    assertRect(options.rect, "seal rect");
    const cx = (options.rect[0] + options.rect[2]) / 2;
    const cy = (options.rect[1] + options.rect[3]) / 2;
    return [cx - diameter / 2, cy - sealHeight / 2, cx + diameter / 2, cy + sealHeight / 2];
  }
  const anchor = options.anchor ?? defaultSignerRect(options.pageSize);
  const box = signerLayout(anchor).imageBox;
  const right = box[0] + width(box) / 3;
  const cy = (box[1] + box[3]) / 2;
  return [right - diameter, cy - sealHeight / 2, right, cy + sealHeight / 2];
}

/** Input of `stampLayout`. */
export interface StampLayoutOptions {
  readonly pageSize: PageSize;
  readonly lineCount: number;
  /** Width of the widest line at `fontSize`, in points. */
  readonly textWidth: number;
  /** Default `STAMP_FONT_SIZE` (10 pt). */
  readonly fontSize?: number;
  /** Explicit placement; default: top right corner of the text area (`margins`). */
  readonly rect?: Rect;
  readonly margins?: PageMargins;
}

/**
 * The stamp of attachments and copies (Decree 30, Annex I): a bordered text block whose top right
 * corner is the top right corner of the text area of page 1.
 *
 * @example
 * stampLayout({ pageSize: { width: 595.28, height: 841.89 }, lineCount: 3, textWidth: 160 });
 */
export function stampLayout(options: StampLayoutOptions): StampLayout {
  assertPageSize(options.pageSize);
  const fontSize = options.fontSize ?? STAMP_FONT_SIZE;
  const margins = options.margins ?? DECREE30_MARGINS;
  const padding = fontSize * 0.4;
  const line = fontSize * 1.2;
  let rect: Rect;
  if (options.rect) {
    assertRect(options.rect, "stamp rect");
    rect = options.rect;
  } else {
    const w = options.textWidth + 2 * padding;
    const h = options.lineCount * line + 2 * padding;
    const urx = options.pageSize.width - margins.right;
    const ury = options.pageSize.height - margins.top;
    rect = [urx - w, ury - h, urx, ury];
  }
  const lineBands: Rect[] = [];
  for (let i = 0; i < options.lineCount; i++) {
    const top = rect[3] - padding - i * line;
    lineBands.push([rect[0] + padding, top - line, rect[2] - padding, top]);
  }
  return { rect, fontSize, padding, lineBands };
}

/**
 * The 1-based page an appearance goes on: `page` when given, else the last page for `signer` and
 * `seal` and page 1 for `stamp` (Decree 30, Annex I). Throws APPEARANCE_INVALID when out of range.
 *
 * @example
 * appearancePage({ kind: "seal" }, 3); // 3
 */
export function appearancePage(
  options: { readonly kind: AppearanceKind; readonly page?: number },
  pageCount: number,
): number {
  const page = options.page ?? (options.kind === "stamp" ? 1 : pageCount);
  if (!Number.isInteger(page) || page < 1 || page > pageCount) {
    throw new ExchangeError("APPEARANCE_INVALID", {
      detail: `page must be an integer from 1 to ${pageCount}, got ${page}`,
    });
  }
  return page;
}

/** The /Rect of an invisible signature widget (ISO 32000-1 §12.7.4.5; PAdES allows invisible signatures). */
export const INVISIBLE_RECT: Rect = [0, 0, 0, 0];

/**
 * Whether these options ask for a visible appearance; when false, write an invisible widget
 * with `INVISIBLE_RECT` and no /AP, and do not call `buildAppearance`.
 *
 * @example
 * if (!isVisibleAppearance(options.appearance)) { widgetRect = INVISIBLE_RECT; }
 */
export function isVisibleAppearance(options: { readonly kind: AppearanceKind } | undefined): boolean {
  return options !== undefined && options.kind !== "none";
}
