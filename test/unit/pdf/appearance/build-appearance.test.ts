import { readFile } from "node:fs/promises";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildAppearance } from "../../../../shared/pdf/appearance/build-appearance.ts";
import { DEFAULT_FONT_PATHS, loadDefaultFont } from "../../../../shared/pdf/appearance/font.ts";
import { defaultSignerRect, sealRect, stampLayout } from "../../../../shared/pdf/appearance/layout.ts";
import { encodePng } from "../../../../shared/pdf/appearance/png.ts";
import type { BuildAppearanceOptions, BuiltAppearance } from "../../../../shared/pdf/appearance/types.ts";
import { sealImage, signatureImage } from "../../../support/images.ts";

const A4 = { width: 595.28, height: 841.89 };
const SIGNER: BuildAppearanceOptions = {
  kind: "signer",
  title: "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
  signerName: "Trần Thị Bích Ngọc",
  image: signatureImage(),
  pageSize: A4,
  firstObjectNumber: 42,
};

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

/** The dictionary part of an object body (before any "stream" keyword). */
function dictionaryOf(bytes: Uint8Array): string {
  return latin1(bytes).split(/\bstream\r?\n/)[0]!;
}

/** The decoded stream of an object body (FlateDecode or none). */
function streamOf(bytes: Uint8Array): Buffer {
  const text = latin1(bytes);
  const start = text.search(/\bstream\r?\n/);
  const dataStart = text.indexOf("\n", start) + 1;
  const dataEnd = text.lastIndexOf("endstream");
  const data = Buffer.from(bytes.subarray(dataStart, dataEnd)).subarray(
    0,
    Number(/\/Length (\d+)/.exec(dictionaryOf(bytes))![1]),
  );
  return dictionaryOf(bytes).includes("/FlateDecode") ? inflateSync(data) : data;
}

function objectsByNumber(built: BuiltAppearance): Map<number, Uint8Array> {
  return new Map(built.objects.map((o) => [o.objectNumber, o.bytes]));
}

function expectSelfContained(built: BuiltAppearance, first: number): void {
  const numbers = built.objects.map((o) => o.objectNumber);
  expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => first + i));
  expect(built.nextObjectNumber).toBe(first + numbers.length);
  expect(built.appearanceObjectNumber).toBe(first);
  const referenced = new Set<number>();
  for (const { bytes } of built.objects) {
    const text = latin1(bytes);
    expect(text).not.toMatch(/^\s*\d+ \d+ obj|endobj\s*$/);
    for (const match of dictionaryOf(bytes).matchAll(/(\d+) (\d+) R\b/g)) {
      referenced.add(Number(match[1]));
      expect(match[2]).toBe("0");
    }
  }
  // Every reference is to a returned object, and every returned object but the form is referenced.
  expect([...referenced].every((n) => numbers.includes(n))).toBe(true);
  expect(numbers.filter((n) => !referenced.has(n))).toEqual([built.appearanceObjectNumber]);
}

describe("buildAppearance: signer", () => {
  it("returns a self-contained form XObject numbered from firstObjectNumber", async () => {
    // Act
    const built = await buildAppearance(SIGNER);
    // Assess
    expectSelfContained(built, 42);
    expect(built.rect).toEqual(defaultSignerRect(A4));
    const form = dictionaryOf(objectsByNumber(built).get(42)!);
    expect(form).toMatch(/\/Type \/XObject/);
    expect(form).toMatch(/\/Subtype \/Form/);
    const bbox = /\/BBox \[\s*([\d.]+(?: [\d.]+)*)\s*\]/.exec(form)![1]!.split(" ").map(Number);
    expect(bbox[0]).toBe(0);
    expect(bbox[1]).toBe(0);
    expect(bbox[2]).toBeCloseTo(built.rect[2] - built.rect[0], 2);
    expect(bbox[3]).toBeCloseTo(built.rect[3] - built.rect[1], 2);
    expect(form).toMatch(/\/Font <<\s*\/F1 \d+ 0 R/);
    expect(form).toMatch(/\/XObject <<\s*\/Im1 \d+ 0 R/);
  });

  it("embeds a bold subset TrueType font with a /ToUnicode map and /Length1", async () => {
    // Prepare
    const fullFont = await loadDefaultFont("bold");
    // Act
    const built = await buildAppearance(SIGNER);
    // Assess
    const bodies = [...objectsByNumber(built).values()];
    const fontDict = bodies.map(dictionaryOf).find((d) => /\/Subtype \/Type0/.test(d))!;
    expect(fontDict).toMatch(/\/BaseFont \/[A-Z]{6}\+LiberationSerif-Bold/);
    expect(fontDict).toMatch(/\/Encoding \/Identity-H/);
    expect(fontDict).toMatch(/\/ToUnicode \d+ 0 R/);
    const fontFile = bodies.find((b) => /\/Length1 \d+/.test(dictionaryOf(b)))!;
    const length1 = Number(/\/Length1 (\d+)/.exec(dictionaryOf(fontFile))![1]);
    expect(streamOf(fontFile).length).toBe(length1);
    // A subset of ~20 glyphs is a small fraction of the full font.
    expect(length1).toBeLessThan(fullFont.length / 10);
  });

  it("encodes the text through the ToUnicode CMap as the NFC characters given", async () => {
    // Prepare: the name in decomposed form (NFD), as some keyboards produce it.
    const nfd = "Trần Thị Bích Ngọc".normalize("NFD");
    // Act
    const built = await buildAppearance({ ...SIGNER, signerName: nfd, title: "GIÁM ĐỐC" });
    // Assess: every glyph maps to one precomposed character.
    const bodies = [...objectsByNumber(built).values()];
    const cmap = bodies
      .map((b) => (dictionaryOf(b).includes("/FlateDecode") ? streamOf(b).toString("latin1") : ""))
      .find((s) => s.includes("begincmap"))!;
    const mapped = new Set<string>();
    for (const match of cmap.matchAll(/<([0-9a-fA-F]{4})> <([0-9a-fA-F]{4,})>/g)) {
      mapped.add(String.fromCharCode(Number.parseInt(match[2]!, 16)));
    }
    for (const char of new Set(`${"Trần Thị Bích Ngọc".normalize("NFC")}GIÁM ĐỐC`.replace(/ /g, ""))) {
      expect(mapped.has(char)).toBe(true);
    }
    expect([...mapped].some((c) => /[\u0300-\u036f]/.test(c))).toBe(false);
  });

  it("gives the same bytes for the same input", async () => {
    const a = await buildAppearance(SIGNER);
    const b = await buildAppearance(SIGNER);
    expect(b.objects).toEqual(a.objects);
  });

  it("draws the text alone when there is no image, and uses an explicit rect", async () => {
    const rect = [300, 100, 520, 240] as const;
    const built = await buildAppearance({ ...SIGNER, image: undefined, rect });
    expectSelfContained(built, 42);
    expect(built.rect).toEqual(rect);
    expect(dictionaryOf(objectsByNumber(built).get(42)!)).not.toMatch(/\/XObject <</);
  });

  it("uses fontBytes when given", async () => {
    const dejavu = await readFile("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf");
    const built = await buildAppearance({ ...SIGNER, fontBytes: dejavu });
    const dicts = built.objects.map((o) => dictionaryOf(o.bytes)).join("\n");
    expect(dicts).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSerif\b/);
    expect(dicts).not.toMatch(/Liberation/);
  });
});

describe("buildAppearance: seal and stamp", () => {
  it("places the seal image at real size over the anchor's image box", async () => {
    // Prepare
    const anchor = [320, 80, 540, 230] as const;
    // Act
    const built = await buildAppearance({
      kind: "seal",
      image: sealImage(),
      anchor,
      pageSize: A4,
      firstObjectNumber: 7,
    });
    // Assess
    expectSelfContained(built, 7);
    expect(built.rect).toEqual(sealRect({ pageSize: A4, anchor }));
    const image = built.objects
      .map((o) => dictionaryOf(o.bytes))
      .find((d) => /\/Subtype \/Image/.test(d) && /\/SMask/.test(d))!;
    expect(image).toMatch(/\/Width 400/);
    const content = streamOf(built.objects[0]!.bytes).toString("latin1");
    const side = (built.rect[2] - built.rect[0]).toFixed(3).replace(/\.?0+$/, "");
    expect(content).toContain(`q ${side} 0 0 ${side} 0 0 cm /Im1 Do Q`);
  });

  it("honours sealDiameterMm", async () => {
    const built = await buildAppearance({
      kind: "seal",
      image: sealImage(),
      sealDiameterMm: 40,
      pageSize: A4,
      firstObjectNumber: 1,
    });
    expect(built.rect[2] - built.rect[0]).toBeCloseTo((40 / 25.4) * 72, 6);
  });

  it("builds a bordered stamp in the regular font at the top right", async () => {
    // Prepare
    const lines = ["Số: 2491/STC-BCTC", "Thời gian ký: 2024-03-05T14:02:11+07:00"];
    // Act
    const built = await buildAppearance({ kind: "stamp", lines, pageSize: A4, firstObjectNumber: 3 });
    // Assess
    expectSelfContained(built, 3);
    const expected = stampLayout({ pageSize: A4, lineCount: 2, textWidth: 1 });
    expect(built.rect[2]).toBeCloseTo(expected.rect[2], 6);
    expect(built.rect[3]).toBeCloseTo(expected.rect[3], 6);
    const dicts = built.objects.map((o) => dictionaryOf(o.bytes)).join("\n");
    expect(dicts).toMatch(/\/BaseFont \/[A-Z]{6}\+LiberationSerif\b/);
    const content = streamOf(built.objects[0]!.bytes).toString("latin1");
    expect(content).toMatch(/ re S/);
    expect(content.match(/\/F1 10 Tf/g)).toHaveLength(2);
  });
});

describe("buildAppearance: refusals", () => {
  const cases: readonly [string, BuildAppearanceOptions, string][] = [
    ["kind none", { ...SIGNER, kind: "none" }, "APPEARANCE_INVALID"],
    ["a seal without image", { ...SIGNER, kind: "seal", image: undefined }, "APPEARANCE_INVALID"],
    ["a stamp without lines", { ...SIGNER, kind: "stamp", lines: ["  ", ""] }, "APPEARANCE_INVALID"],
    ["four title lines", { ...SIGNER, title: "A\nB\nC\nD" }, "APPEARANCE_INVALID"],
    ["firstObjectNumber 0", { ...SIGNER, firstObjectNumber: 0 }, "APPEARANCE_INVALID"],
    ["an inverted rect", { ...SIGNER, rect: [500, 100, 300, 200] }, "APPEARANCE_INVALID"],
    [
      "a name too long for the box",
      { ...SIGNER, rect: [0, 0, 60, 150], signerName: "Nguyễn ".repeat(20) },
      "APPEARANCE_INVALID",
    ],
    [
      "a JPEG instead of a PNG",
      { ...SIGNER, image: Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, ...new Uint8Array(60)) },
      "APPEARANCE_IMAGE_INVALID",
    ],
    ["garbage font bytes", { ...SIGNER, fontBytes: new Uint8Array(2000).fill(7) }, "APPEARANCE_FONT_INVALID"],
    ["a character the font lacks", { ...SIGNER, signerName: "Trần 中" }, "APPEARANCE_FONT_INVALID"],
  ];
  for (const [name, options, code] of cases) {
    it(`refuses ${name} with ${code}`, async () => {
      await expect(buildAppearance(options)).rejects.toMatchObject({ code });
    });
  }

  it("refuses a PNG whose image data is corrupt", async () => {
    // Prepare: a valid header followed by an IDAT that does not inflate.
    const png = encodePng({ width: 4, height: 4, rgba: new Uint8Array(64).fill(200) });
    const idat = Buffer.from(png).indexOf("IDAT");
    png.fill(0x55, idat + 4, idat + 14);
    // Act / Assess
    await expect(buildAppearance({ ...SIGNER, image: png })).rejects.toMatchObject({
      code: "APPEARANCE_IMAGE_INVALID",
    });
  });

  it("reports a missing default font file as APPEARANCE_FONT_UNAVAILABLE", async () => {
    await expect(
      loadDefaultFont("regular", {
        ...DEFAULT_FONT_PATHS,
        regular: "/nonexistent/LiberationSerif-Regular.ttf",
      }),
    ).rejects.toMatchObject({ code: "APPEARANCE_FONT_UNAVAILABLE" });
  });
});
