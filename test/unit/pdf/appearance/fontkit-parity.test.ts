/**
 * The appearances drawn with the own TrueType embedder against the same appearances drawn the old
 * way (pdf-lib's object model and fontkit's subset embedder, kept in fontkit-appearance.ts as an
 * oracle): poppler must extract the same words in the same boxes, list the fonts the same way,
 * and render the same pixels; the /W widths of the new font must be fontkit's advance widths.
 */
import { inflateSync } from "node:zlib";
import fontkit from "@pdf-lib/fontkit";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { buildAppearance } from "../../../../shared/pdf/appearance/build-appearance.ts";
import { loadDefaultFont } from "../../../../shared/pdf/appearance/font.ts";
import type { RgbaImage } from "../../../../shared/pdf/appearance/png.ts";
import { stampLines } from "../../../../shared/pdf/appearance/stamp-lines.ts";
import type { BuildAppearanceOptions, BuiltAppearance } from "../../../../shared/pdf/appearance/types.ts";
import { decodePng, sealImage, signatureImage } from "../../../support/images.ts";
import { buildAppearanceWithFontkit } from "./fontkit-appearance.ts";
import { FIRST_FREE_OBJECT, pagePdf, renderPage, stdout, withPdf } from "./page-fixture.ts";

const A4 = { width: 595.28, height: 841.89 };
const SIGNER: BuildAppearanceOptions = {
  kind: "signer",
  title: "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
  signerName: "Nguyễn Thị Phương Thảo",
  image: signatureImage(),
  pageSize: A4,
  firstObjectNumber: FIRST_FREE_OBJECT,
};
const STAMP_LINES = [
  ...stampLines({
    copyType: "SAO Y",
    numberNotation: "2491/STC-BCTC",
    organisation: "Sở Tài chính tỉnh Tây Ninh",
    signingTime: new Date("2024-03-05T07:02:11Z"),
  }),
  "Ký bởi: Sở Tài chính – Ủy ban nhân dân tỉnh Quảng Ngãi",
];

type Build = (options: BuildAppearanceOptions) => Promise<BuiltAppearance>;

interface Rendered {
  readonly words: readonly { text: string; box: readonly number[] }[];
  readonly fonts: readonly string[];
  readonly page: RgbaImage;
}

/** A page with a signer, a seal and a stamp drawn by `build`, read back by poppler. */
async function renderWith(build: Build): Promise<Rendered> {
  const signer = await build(SIGNER);
  const seal = await build({
    kind: "seal",
    image: sealImage(),
    anchor: signer.rect,
    pageSize: A4,
    firstObjectNumber: signer.nextObjectNumber,
  });
  const stamp = await build({
    kind: "stamp",
    lines: STAMP_LINES,
    pageSize: A4,
    firstObjectNumber: seal.nextObjectNumber,
  });
  return withPdf(pagePdf(A4, [signer, seal, stamp], true), async (path, dir) => {
    const html = await stdout("pdftotext", ["-bbox", "-enc", "UTF-8", path, "-"]);
    const words = [
      ...html.matchAll(
        /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g,
      ),
    ].map((m) => ({ text: m[5]!.replace(/&amp;/g, "&"), box: m.slice(1, 5).map(Number) }));
    const fonts = (await stdout("pdffonts", [path]))
      .split("\n")
      .slice(2)
      .filter((row) => row.trim() !== "")
      // The subset tag differs (fontkit's embedder picks its own); compare name and flags.
      .map((row) => row.replace(/^[A-Z]{6}\+/, "").replace(/\s+\d+\s+\d+\s*$/, ""));
    return { words, fonts, page: decodePng(await renderPage(path, dir, 100)) };
  });
}

let before: Rendered;
let after: Rendered;

beforeAll(async () => {
  before = await renderWith(buildAppearanceWithFontkit);
  after = await renderWith(buildAppearance);
});

describe("the own embedder against pdf-lib + fontkit", () => {
  it("extracts the same Vietnamese words, in NFC, in the same boxes (pdftotext -bbox)", () => {
    expect(after.words.map((w) => w.text)).toEqual(before.words.map((w) => w.text));
    const text = after.words.map((w) => w.text).join(" ");
    for (const expected of [
      "ỦY",
      "CHỦ",
      "TỊCH",
      "Nguyễn",
      "Thảo",
      "Ký",
      "bởi:",
      "Sở",
      "Tài",
      "chính",
      "Quảng",
      "Ngãi",
    ]) {
      expect(text.split(" ")).toContain(expected.normalize("NFC"));
    }
    expect(text).toBe(text.normalize("NFC"));
    after.words.forEach((word, i) => {
      before.words[i]!.box.forEach((value, j) => {
        expect(Math.abs(word.box[j]! - value), `${word.text} coordinate ${j}`).toBeLessThanOrEqual(0.01);
      });
    });
  });

  it("lists the same fonts: CID TrueType, Identity-H, embedded, subset, with ToUnicode", () => {
    expect(after.fonts).toEqual(before.fonts);
    expect(after.fonts.map((row) => row.split(/\s+/)[0]).sort()).toEqual([
      "LiberationSerif",
      "LiberationSerif-Bold",
    ]);
    for (const row of after.fonts) {
      expect(row).toMatch(/CID TrueType\s+Identity-H\s+yes\s+yes\s+yes$/);
    }
  });

  it("renders the same pixels at 100 dpi (glyph outlines, positions, images)", () => {
    expect([after.page.width, after.page.height]).toEqual([before.page.width, before.page.height]);
    let inked = 0;
    let differing = 0;
    for (let i = 0; i < before.page.rgba.length; i += 4) {
      const a = before.page.rgba.subarray(i, i + 3);
      const b = after.page.rgba.subarray(i, i + 3);
      inked += a.some((v) => v < 250) ? 1 : 0;
      differing += a.some((v, k) => Math.abs(v - b[k]!) > 24) ? 1 : 0;
    }
    // The page has ink (the comparison can fail), and at most a few anti-aliasing pixels differ.
    expect(inked).toBeGreaterThan(5000);
    expect(differing).toBeLessThanOrEqual(inked * 0.002);
  });
});

describe("the embedded font's /W widths", () => {
  it("are fontkit's advance widths in 1/1000 em for every character of generated Vietnamese text", async () => {
    const bold = await loadDefaultFont("bold");
    const oracle = fontkit.create(bold);
    const letters = [..."aàáảãạăằắẳẵặâầấẩẫậđeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ"];
    const alphabet = [...letters, ...letters.map((c) => c.toUpperCase()), ..."bcdghklmnpqrstvx "];
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 24 }),
        async (name) => {
          fc.pre(name.trim() !== "");
          const built = await buildAppearance({
            ...SIGNER,
            title: undefined,
            image: undefined,
            signerName: name,
          });
          const bodies = built.objects.map((o) => Buffer.from(o.bytes).toString("latin1"));
          const w = /\/W \[0 \[([\d. ]+)\]\]/
            .exec(bodies.find((b) => b.includes("/CIDFontType2"))!)![1]!
            .split(" ")
            .map(Number);
          const cmapBody = built.objects.find(
            (o) =>
              Buffer.from(o.bytes).toString("latin1").includes("/FlateDecode") &&
              inflated(o.bytes).includes("begincmap"),
          )!;
          const toUnicode = new Map(
            [
              ...inflated(cmapBody.bytes)
                .split("endcodespacerange")[1]!
                .matchAll(/<([0-9A-F]{4})> <([0-9A-F]{4})>/g),
            ].map((m) => [Number.parseInt(m[1]!, 16), String.fromCharCode(Number.parseInt(m[2]!, 16))]),
          );
          const chars = new Set(name.replace(/\s+/g, " ").trim());
          // Exactly one CID per distinct character (.notdef and composite components map to none).
          expect(toUnicode.size).toBe(chars.size);
          for (const [cid, char] of toUnicode) {
            const advance = oracle.glyphForCodePoint(char.codePointAt(0)!).advanceWidth;
            expect(w[cid]).toBeCloseTo((advance * 1000) / oracle.unitsPerEm, 3);
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});

/** The decoded data of a FlateDecode stream object body. */
function inflated(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString("latin1");
  const start = text.indexOf("stream\n") + "stream\n".length;
  const length = Number(/\/Length (\d+)/.exec(text)![1]);
  return inflateSync(bytes.subarray(start, start + length)).toString("latin1");
}
