import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  appearancePage,
  DECREE30_MARGINS,
  defaultSignerRect,
  fitImage,
  INVISIBLE_RECT,
  isVisibleAppearance,
  MAX_TITLE_LINES,
  mmToPt,
  SIGNATURE_BOX_ASPECT,
  sealRect,
  signerLayout,
  stampLayout,
} from "../../../../shared/pdf/appearance/layout.ts";
import type { Rect } from "../../../../shared/pdf/appearance/types.ts";

const A4 = { width: 595.28, height: 841.89 };
const CLOSE = 6; // decimal digits for toBeCloseTo

const width = (r: Rect): number => r[2] - r[0];
const height = (r: Rect): number => r[3] - r[1];
const within = (inner: Rect, outer: Rect): boolean =>
  inner[0] >= outer[0] - 1e-9 &&
  inner[1] >= outer[1] - 1e-9 &&
  inner[2] <= outer[2] + 1e-9 &&
  inner[3] <= outer[3] + 1e-9;

/** Arbitrary signer rects anywhere on an A4 page, from stamp-sized to half a page. */
const signerRects = fc
  .record({
    x: fc.double({ min: 0, max: 400, noNaN: true }),
    y: fc.double({ min: 0, max: 600, noNaN: true }),
    w: fc.double({ min: 60, max: 400, noNaN: true }),
    h: fc.double({ min: 40, max: 300, noNaN: true }),
  })
  .map(({ x, y, w, h }): Rect => [x, y, x + w, y + h]);

describe("defaultSignerRect", () => {
  it("is the right half of the A4 text area, on the bottom margin", () => {
    // Prepare
    const textRight = A4.width - DECREE30_MARGINS.right;
    const textLeft = DECREE30_MARGINS.left;
    // Act
    const rect = defaultSignerRect(A4);
    // Assess
    expect(rect[2]).toBeCloseTo(textRight, CLOSE);
    expect(rect[0]).toBeCloseTo((textLeft + textRight) / 2, CLOSE);
    expect(rect[1]).toBeCloseTo(mmToPt(20), CLOSE);
    expect(rect[3]).toBeLessThan(A4.height / 3);
  });

  it("stays on a page smaller than the default block", () => {
    const rect = defaultSignerRect({ width: 200, height: 100 });
    expect(within(rect, [0, 0, 200, 100])).toBe(true);
    expect(width(rect)).toBeGreaterThan(0);
  });

  it("rejects a page size that is not positive", () => {
    expect(() => defaultSignerRect({ width: 0, height: 842 })).toThrow(
      expect.objectContaining({ code: "APPEARANCE_INVALID" }),
    );
  });
});

describe("signerLayout", () => {
  it("stacks the title bands, the image box and the name band from top to bottom inside the rect", () => {
    fc.assert(
      fc.property(signerRects, (rect) => {
        const layout = signerLayout(rect);
        expect(layout.titleBands).toHaveLength(MAX_TITLE_LINES);
        for (const band of [...layout.titleBands, layout.imageBox, layout.nameBand]) {
          expect(within(band, rect)).toBe(true);
        }
        for (let i = 1; i < layout.titleBands.length; i++) {
          expect(layout.titleBands[i]![3]).toBeLessThanOrEqual(layout.titleBands[i - 1]![1] + 1e-9);
        }
        expect(layout.imageBox[3]).toBeLessThan(layout.titleBands.at(-1)![1]);
        expect(layout.imageBox[1]).toBeGreaterThan(layout.nameBand[3]);
      }),
    );
  });

  it("gives the image box the signature aspect ratio, centred horizontally", () => {
    fc.assert(
      fc.property(signerRects, (rect) => {
        const { imageBox } = signerLayout(rect);
        expect(width(imageBox) / height(imageBox)).toBeCloseTo(SIGNATURE_BOX_ASPECT, CLOSE);
        expect((imageBox[0] + imageBox[2]) / 2).toBeCloseTo((rect[0] + rect[2]) / 2, CLOSE);
      }),
    );
  });

  it("uses 13 pt text in the default block and a realistic signature size (40–60 mm wide)", () => {
    const layout = signerLayout(defaultSignerRect(A4));
    expect(layout.fontSize).toBe(13);
    expect(width(layout.imageBox) / mmToPt(1)).toBeGreaterThanOrEqual(40);
    expect(width(layout.imageBox) / mmToPt(1)).toBeLessThanOrEqual(60);
  });

  it("rejects an empty or inverted rect", () => {
    expect(() => signerLayout([100, 100, 50, 200])).toThrow(
      expect.objectContaining({ code: "APPEARANCE_INVALID" }),
    );
    expect(() => signerLayout([0, 0, Number.NaN, 10])).toThrow(
      expect.objectContaining({ code: "APPEARANCE_INVALID" }),
    );
  });
});

describe("fitImage", () => {
  it("keeps the aspect ratio and stays centred inside the box", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 2000 }),
        signerRects,
        (iw, ih, box) => {
          const fitted = fitImage(box, iw, ih);
          expect(within(fitted, box)).toBe(true);
          expect(width(fitted) / height(fitted)).toBeCloseTo(iw / ih, 4);
          // One side touches the box.
          const touches =
            Math.abs(width(fitted) - width(box)) < 1e-6 || Math.abs(height(fitted) - height(box)) < 1e-6;
          expect(touches).toBe(true);
        },
      ),
    );
  });
});

describe("sealRect", () => {
  it("is 36 mm (about 102 pt) across by default, the real size of the seal", () => {
    const rect = sealRect({ pageSize: A4 });
    expect(width(rect)).toBeCloseTo((36 / 25.4) * 72, CLOSE);
    expect(width(rect)).toBeCloseTo(102.05, 2);
    expect(height(rect)).toBeCloseTo(width(rect), CLOSE);
  });

  it("covers exactly the left third of the signer's image box, centred on it vertically", () => {
    fc.assert(
      fc.property(signerRects, (anchor) => {
        // Prepare
        const box = signerLayout(anchor).imageBox;
        // Act
        const seal = sealRect({ pageSize: A4, anchor });
        // Assess: right edge at one third, vertical centres equal, overlap = left third of the box.
        expect(seal[2]).toBeCloseTo(box[0] + width(box) / 3, CLOSE);
        expect((seal[1] + seal[3]) / 2).toBeCloseTo((box[1] + box[3]) / 2, CLOSE);
        const overlapWidth = Math.min(seal[2], box[2]) - Math.max(seal[0], box[0]);
        const coveredShare = overlapWidth / width(box);
        const sealWiderThanThird = width(seal) >= width(box) / 3;
        expect(coveredShare).toBeCloseTo(sealWiderThanThird ? 1 / 3 : width(seal) / width(box), CLOSE);
      }),
    );
  });

  it("without an anchor, overlaps the image box of the default signer block", () => {
    const seal = sealRect({ pageSize: A4 });
    const box = signerLayout(defaultSignerRect(A4)).imageBox;
    expect(seal[2]).toBeCloseTo(box[0] + width(box) / 3, CLOSE);
    expect(within(seal, [0, 0, A4.width, A4.height])).toBe(true);
  });

  it("honours a configured diameter and a non-square image", () => {
    const seal = sealRect({ pageSize: A4, diameter: mmToPt(40), aspect: 0.5 });
    expect(width(seal)).toBeCloseTo(mmToPt(40), CLOSE);
    expect(height(seal)).toBeCloseTo(mmToPt(20), CLOSE);
  });

  it("centres the real-size seal in an explicit rect", () => {
    const seal = sealRect({ pageSize: A4, rect: [100, 100, 300, 200], anchor: [0, 0, 10, 10] });
    expect((seal[0] + seal[2]) / 2).toBeCloseTo(200, CLOSE);
    expect((seal[1] + seal[3]) / 2).toBeCloseTo(150, CLOSE);
    expect(width(seal)).toBeCloseTo(mmToPt(36), CLOSE);
  });

  it("rejects a diameter that is not positive", () => {
    expect(() => sealRect({ pageSize: A4, diameter: -5 })).toThrow(
      expect.objectContaining({ code: "APPEARANCE_INVALID" }),
    );
  });
});

describe("stampLayout", () => {
  it("puts the block's top right corner at the top right of the text area of page 1", () => {
    // Act
    const layout = stampLayout({ pageSize: A4, lineCount: 3, textWidth: 180 });
    // Assess
    expect(layout.rect[2]).toBeCloseTo(A4.width - DECREE30_MARGINS.right, CLOSE);
    expect(layout.rect[3]).toBeCloseTo(A4.height - DECREE30_MARGINS.top, CLOSE);
    expect(layout.rect[0]).toBeGreaterThan(A4.width / 2);
    expect(within(layout.rect, [0, 0, A4.width, A4.height])).toBe(true);
    expect(layout.fontSize).toBe(10);
  });

  it("fits the text: one band per line inside the border, wide enough for the widest line", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 10, max: 300, noNaN: true }),
        (lines, textWidth) => {
          const layout = stampLayout({ pageSize: A4, lineCount: lines, textWidth });
          expect(layout.lineBands).toHaveLength(lines);
          for (const band of layout.lineBands) {
            expect(within(band, layout.rect)).toBe(true);
            expect(width(band)).toBeCloseTo(textWidth, CLOSE);
            expect(height(band)).toBeGreaterThanOrEqual(layout.fontSize);
          }
        },
      ),
    );
  });

  it("uses an explicit rect as the border", () => {
    const layout = stampLayout({ pageSize: A4, lineCount: 2, textWidth: 50, rect: [10, 20, 210, 60] });
    expect(layout.rect).toEqual([10, 20, 210, 60]);
    expect(layout.lineBands[0]![3]).toBeCloseTo(60 - layout.padding, CLOSE);
  });
});

describe("appearancePage and isVisibleAppearance", () => {
  it("defaults to the last page for signer and seal, page 1 for the stamp", () => {
    expect(appearancePage({ kind: "signer" }, 4)).toBe(4);
    expect(appearancePage({ kind: "seal" }, 4)).toBe(4);
    expect(appearancePage({ kind: "stamp" }, 4)).toBe(1);
    expect(appearancePage({ kind: "stamp", page: 3 }, 4)).toBe(3);
  });

  it("rejects a page outside the document", () => {
    for (const page of [0, 5, 1.5]) {
      expect(() => appearancePage({ kind: "signer", page }, 4)).toThrow(
        expect.objectContaining({ code: "APPEARANCE_INVALID" }),
      );
    }
  });

  it("says that none and a missing appearance are invisible", () => {
    expect(isVisibleAppearance(undefined)).toBe(false);
    expect(isVisibleAppearance({ kind: "none" })).toBe(false);
    expect(isVisibleAppearance({ kind: "stamp" })).toBe(true);
    expect(INVISIBLE_RECT).toEqual([0, 0, 0, 0]);
  });
});
