/**
 * End-to-end check with an independent reader (poppler): the appearances are placed as signature
 * widgets on a hand-written page, then extracted (pdftotext), listed (pdffonts) and rendered
 * (pdftoppm) to check text, font embedding and the seal-over-signature placement pixel by pixel.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildAppearance } from "../../../../shared/pdf/appearance/build-appearance.ts";
import { DECREE30_MARGINS, mmToPt, signerLayout } from "../../../../shared/pdf/appearance/layout.ts";
import type { RgbaImage } from "../../../../shared/pdf/appearance/png.ts";
import { stampLines } from "../../../../shared/pdf/appearance/stamp-lines.ts";
import type { BuiltAppearance, Rect } from "../../../../shared/pdf/appearance/types.ts";
import { decodePng, isBlue, isRed, pixelAt, sealImage, signatureImage } from "../../../support/images.ts";
import { FIRST_FREE_OBJECT, pagePdf, renderPage, stdout, withPdf } from "./page-fixture.ts";

const A4 = { width: 595.28, height: 841.89 };
const TITLE = ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"];
const NAME = "Trần Thị Bích Ngọc";
const STAMP = stampLines({
  copyType: "SAO Y",
  numberNotation: "2491/STC-BCTC",
  organisation: "Sở Tài chính tỉnh Tây Ninh",
  signingTime: new Date("2024-03-05T07:02:11Z"),
});

let signer: BuiltAppearance;
let seal: BuiltAppearance;
let stamp: BuiltAppearance;
let pdf: Uint8Array;
let text: string;
let fonts: string;
let page: RgbaImage;

/** Counts pixels matching `test` inside a page-space rect (converted to the rendered raster). */
function count(image: RgbaImage, rect: Rect, test: (px: readonly number[]) => boolean): number {
  const sx = image.width / A4.width;
  const sy = image.height / A4.height;
  let hits = 0;
  for (let y = Math.ceil((A4.height - rect[3]) * sy); y < Math.floor((A4.height - rect[1]) * sy); y++) {
    for (let x = Math.ceil(rect[0] * sx); x < Math.floor(rect[2] * sx); x++) {
      hits += test(pixelAt(image, x, y)) ? 1 : 0;
    }
  }
  return hits;
}

/** The page-space extent of the pixels matching `test`. */
function extent(image: RgbaImage, test: (px: readonly number[]) => boolean): Rect {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (test(pixelAt(image, x, y))) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x + 1);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y + 1);
      }
    }
  }
  const sx = A4.width / image.width;
  const sy = A4.height / image.height;
  return [minX * sx, A4.height - maxY * sy, maxX * sx, A4.height - minY * sy];
}

beforeAll(async () => {
  signer = await buildAppearance({
    kind: "signer",
    title: TITLE.join("\n"),
    signerName: NAME,
    image: signatureImage(),
    pageSize: A4,
    firstObjectNumber: FIRST_FREE_OBJECT,
  });
  seal = await buildAppearance({
    kind: "seal",
    image: sealImage(),
    anchor: signer.rect,
    pageSize: A4,
    firstObjectNumber: signer.nextObjectNumber,
  });
  stamp = await buildAppearance({
    kind: "stamp",
    lines: STAMP,
    pageSize: A4,
    firstObjectNumber: seal.nextObjectNumber,
  });
  pdf = pagePdf(A4, [signer, seal, stamp], true);
  await withPdf(pdf, async (path, dir) => {
    text = await stdout("pdftotext", ["-enc", "UTF-8", path, "-"]);
    fonts = await stdout("pdffonts", [path]);
    page = decodePng(await renderPage(path, dir, 72));
  });
});

describe("appearances read back by poppler", () => {
  it("gives back the Vietnamese text exactly, in NFC", () => {
    const lines = text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
    for (const expected of [...TITLE, NAME, ...STAMP]) {
      expect(lines).toContain(expected.normalize("NFC"));
    }
  });

  it("embeds both fonts as subsets with a ToUnicode map", () => {
    const rows = fonts
      .split("\n")
      .slice(2)
      .filter((row) => row.trim() !== "");
    expect(rows).toHaveLength(2);
    const names = rows.map((row) => row.split(/\s+/)[0]!);
    // Subset tag: six upper-case letters and "+" (ISO 32000-1 §9.6.4).
    expect(names.every((name) => /^[A-Z]{6}\+/.test(name))).toBe(true);
    expect(names.map((name) => name.slice(7)).sort()).toEqual(["LiberationSerif", "LiberationSerif-Bold"]);
    for (const row of rows) {
      expect(row).toMatch(/CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
    }
  });

  it("renders the red seal at real size over exactly the left third of the signature image", () => {
    // Prepare
    const box = signerLayout(signer.rect).imageBox;
    const third = box[0] + (box[2] - box[0]) / 3;
    const pt = page.width / A4.width; // pixels per point (1 at 72 dpi)
    // Act
    const red = extent(page, isRed);
    // Assess: the red ink spans the seal diameter (36 mm), ends at one third of the box, centred on it.
    expect(red[2] - red[0]).toBeGreaterThan(mmToPt(36) - 2 / pt);
    expect(red[2] - red[0]).toBeLessThan(mmToPt(36) + 2 / pt);
    expect(Math.abs(red[2] - third)).toBeLessThanOrEqual(1.5 / pt);
    expect(Math.abs((red[1] + red[3]) / 2 - (box[1] + box[3]) / 2)).toBeLessThanOrEqual(1.5 / pt);
    const leftThird: Rect = [box[0], box[1], third - 1, box[3]];
    const rest: Rect = [third + 2, box[1], box[2], box[3]];
    expect(count(page, leftThird, isRed)).toBeGreaterThan(150);
    expect(count(page, rest, isRed)).toBe(0);
  });

  it("shows the signer's blue stroke in the two thirds the seal leaves free", () => {
    const box = signerLayout(signer.rect).imageBox;
    const third = box[0] + (box[2] - box[0]) / 3;
    expect(count(page, [third + 2, box[1], box[2], box[3]], isBlue)).toBeGreaterThan(100);
    // Nothing blue outside the signature box.
    const blue = extent(page, isBlue);
    expect(blue[0]).toBeGreaterThanOrEqual(box[0] - 1);
    expect(blue[2]).toBeLessThanOrEqual(box[2] + 1);
  });

  it("draws the stamp's border at the top right of the text area", () => {
    const dark = (px: readonly number[]): boolean => px[0]! < 100 && px[1]! < 100 && px[2]! < 100;
    const right = A4.width - DECREE30_MARGINS.right;
    const top = A4.height - DECREE30_MARGINS.top;
    expect(stamp.rect[2]).toBeCloseTo(right, 6);
    expect(stamp.rect[3]).toBeCloseTo(top, 6);
    // Top border: a dark horizontal line across the stamp's width, within a pixel of its top edge.
    const topEdge: Rect = [stamp.rect[0] + 2, top - 1.5, right - 2, top + 0.5];
    expect(count(page, topEdge, dark)).toBeGreaterThan((right - stamp.rect[0] - 4) * 0.9);
    // Nothing drawn to the right of the text area or above it.
    expect(count(page, [right + 1, 0, A4.width, A4.height], dark)).toBe(0);
    expect(count(page, [0, top + 1, A4.width, A4.height], dark)).toBe(0);
  });
});
