/**
 * Visible signature appearances of Decree 30/2020/NĐ-CP, Annex I: the signer block (title,
 * handwritten-signature image, name), the organisation's seal over the left third of the signer's
 * image, and the text stamp of attachments and copies. `buildAppearance` returns the appearance
 * XObject as new indirect objects for the PDF writer's incremental update; the layout functions
 * are pure and hold every placement rule.
 *
 * @example
 * import { appearancePage, buildAppearance, isVisibleAppearance } from "../appearance/index.ts";
 * if (isVisibleAppearance(options)) {
 *   const page = appearancePage(options, pageCount);
 *   const built = await buildAppearance({ ...options, pageSize, firstObjectNumber: nextNumber });
 * }
 */
export { buildAppearance } from "./build-appearance.ts";
export { DEFAULT_FONT_PATHS, type FontPaths, loadDefaultFont } from "./font.ts";
export {
  appearancePage,
  DECREE30_MARGINS,
  DEFAULT_SEAL_DIAMETER_MM,
  defaultSignerRect,
  fitImage,
  INVISIBLE_RECT,
  isVisibleAppearance,
  LINE_SPACING,
  MAX_TITLE_LINES,
  mmToPt,
  type PageMargins,
  POINTS_PER_MM,
  type SealRectOptions,
  SIGNATURE_BOX_ASPECT,
  SIGNER_FONT_SIZE,
  type SignerLayout,
  STAMP_FONT_SIZE,
  type StampLayout,
  type StampLayoutOptions,
  sealRect,
  signerLayout,
  stampLayout,
} from "./layout.ts";
export { crc32, encodePng, MAX_IMAGE_SIDE, type PngInfo, type RgbaImage, readPngInfo } from "./png.ts";
export { type StampLinesOptions, stampLines } from "./stamp-lines.ts";
export type {
  AppearanceKind,
  AppearanceObject,
  AppearanceOptions,
  BuildAppearanceOptions,
  BuiltAppearance,
  PageSize,
  Rect,
} from "./types.ts";
export { formatVietnamTime } from "./vietnam-time.ts";
