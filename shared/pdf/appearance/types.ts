/**
 * Types of the visible signature appearances required by Decree 30/2020/NĐ-CP, Annex I
 * (the signer's handwritten-signature image, the organisation's red seal, and the text stamp
 * of attachments and copies).
 */

/** A rectangle in PDF user space: `[llx, lly, urx, ury]` (ISO 32000-1 §7.9.5), in points. */
export type Rect = readonly [number, number, number, number];

/** Page size in points (1 pt = 1/72 in); A4 is 595.28 × 841.89. */
export interface PageSize {
  readonly width: number;
  readonly height: number;
}

/**
 * Which appearance to draw:
 * - `signer`: the competent signer's title, handwritten-signature image and full name;
 * - `seal`: the organisation's red seal at real size, overlapping the left third of the signer's image;
 * - `stamp`: a text block (no image) at the top right of page 1, for attachments and copies;
 * - `none`: no appearance; the widget is invisible (zero-size /Rect, ISO 32000-1 §12.7.4.5).
 */
export type AppearanceKind = "signer" | "seal" | "stamp" | "none";

export interface AppearanceOptions {
  readonly kind: AppearanceKind;
  /** 1-based page number. Default: the last page for `signer`/`seal`, page 1 for `stamp` (see `appearancePage`). */
  readonly page?: number;
  /** Overrides the default placement, in PDF user space. For `seal` the seal is still drawn at real size, centred in it. */
  readonly rect?: Rect;
  /** PNG: the handwritten signature (blue, transparent) for `signer`, the seal (red, transparent) for `seal`. */
  readonly image?: Uint8Array;
  /** `signer` only: competence and position, lines separated by "\n", e.g. "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC". */
  readonly title?: string;
  /** `signer` only: the signer's full name, e.g. "Trần Thị Bích Ngọc". */
  readonly signerName?: string;
  /** `stamp` only: the text lines (number/notation, organisation, signing time; see `stampLines`). */
  readonly lines?: readonly string[];
  /** TrueType font for all text. Default: Liberation Serif Regular (metric-compatible with Times New Roman). */
  readonly fontBytes?: Uint8Array;
  /** TrueType font for the bold title and name of `signer`. Default: `fontBytes` when given, else Liberation Serif Bold. */
  readonly boldFontBytes?: Uint8Array;
  /** `seal` only: the seal's real diameter in millimetres. Default 36 (≈ 102 pt). */
  readonly sealDiameterMm?: number;
}

/** Input of `buildAppearance`. */
export interface BuildAppearanceOptions extends AppearanceOptions {
  /** Size of the page the widget goes on. */
  readonly pageSize: PageSize;
  /** `seal` only: the /Rect of the signer's widget that the seal must overlap. */
  readonly anchor?: Rect;
  /** Object number of the first new indirect object; the others follow consecutively. */
  readonly firstObjectNumber: number;
}

/** One new indirect object: its number (generation 0) and its body. */
export interface AppearanceObject {
  readonly objectNumber: number;
  /** The object body only (a dictionary, or a dictionary + stream), without "N 0 obj" / "endobj". */
  readonly bytes: Uint8Array;
}

/** Output of `buildAppearance`. */
export interface BuiltAppearance {
  /** The widget annotation's /Rect, in PDF user space. */
  readonly rect: Rect;
  /** The form XObject to reference as the widget's /AP << /N … >>; its /BBox is [0 0 width height] of `rect`. */
  readonly appearanceObjectNumber: number;
  /** All new objects, numbered `firstObjectNumber` … `nextObjectNumber - 1`, every one of them used. */
  readonly objects: readonly AppearanceObject[];
  readonly nextObjectNumber: number;
}
