/**
 * The rendering oracle (test/support/render-oracle.ts) on everything the verifier passes: whenever
 * `validatePdf` says TOTAL_PASSED, poppler's rendering (MediaBox and CropBox) and words of every
 * page must equal those of each signature's signed revision outside the widgets of later
 * signatures. Run on the attack corpus, the good letters and a structure-aware fuzz run
 * (test/support/fuzz-mutators.ts). A difference is a failure that names the case: the file (and
 * the differing page images as PGM) is written to a kept temporary directory whose path is printed.
 *
 * First the oracle's own sanity: its masks sit where poppler paints (every /Rotate, offset boxes,
 * NoRotate), and it does report a page changed after signing, a change only the text shows, an
 * unmasked later widget, a visible document timestamp, and an unsigned signature field.
 *
 * The fuzz run's seed is fixed (ORACLE_SEED=N or ORACLE_SEED=random to change it; ORACLE_CASES sets
 * the number of cases, default 2,000); `npm run bench:oracle` explores random seeds, and replays a
 * failing one with `-- --seed N --count 1`.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isExchangeError } from "../../shared/errors/index.ts";
import { hashByteRange } from "../../shared/pdf/byte-range.ts";
import { insertSignaturePlaceholder } from "../../shared/pdf/insert-signature-placeholder.ts";
import { PdfDict, PdfRef, PdfStream } from "../../shared/pdf/objects.ts";
import { listPages } from "../../shared/pdf/pages.ts";
import { readPdf } from "../../shared/pdf/read-pdf.ts";
import { embedSignatureContents } from "../../shared/pdf/signature-placeholder.ts";
import type { ValidationOptions } from "../../shared/verification/options.ts";
import type { ValidationReport } from "../../shared/verification/report.ts";
import { validatePdf } from "../../shared/verification/validate-pdf.ts";
import {
  type AttackBases,
  appendUpdate,
  buildAttackBases,
  buildAttackCorpus,
  corpusSigners,
  goodLetters,
  libreOfficeLetter,
  signAll,
} from "../support/attacks.ts";
import {
  buildFuzzBases,
  type FuzzContext,
  formatFuzzSummary,
  runOracleFuzz,
} from "../support/fuzz-mutators.ts";
import { rawPdf } from "../support/pdf.ts";
import { type TestPki, testPki } from "../support/pki.ts";
import {
  type Box,
  checkRendering,
  compareViews,
  describeDifferences,
  deviceBoxes,
  type GrayImage,
  pageGeometry,
  renderView,
  saveFailure,
} from "../support/render-oracle.ts";
import { startTestTsa, type TestTsa } from "../support/tsa.ts";

const CASES = Number(process.env.ORACLE_CASES ?? 2_000);
// A fixed seed keeps the suite reproducible (a red CI run is a finding to fix, not noise); new seeds
// are explored with `npm run bench:oracle`, and ORACLE_SEED=random picks one here.
const SEED =
  process.env.ORACLE_SEED === "random"
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.ORACLE_SEED ?? 20_261_201);

let pki: TestPki;
let bases: AttackBases;
let tsa: TestTsa;
let options: ValidationOptions;
let failureDir: string;

beforeAll(async () => {
  pki = await testPki();
  bases = await buildAttackBases(await corpusSigners(pki));
  tsa = await startTestTsa();
  options = { trustAnchors: [pki.root.certificate], crls: [pki.rootCrl, pki.intermediateCrl], offline: true };
  failureDir = await mkdtemp(join(tmpdir(), "lienthong-oracle-failures-"));
}, 120_000);

afterAll(async () => {
  await tsa?.close();
  // Kept when a failing file is in it; removed when empty.
  if (failureDir && (await readdir(failureDir)).length === 0) {
    await rm(failureDir, { recursive: true, force: true });
  }
});

/** The bounding box of pixels darker than mid-gray, or undefined. */
function darkBox(image: GrayImage): Box | undefined {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[y * image.width + x]! < 128) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x);
        y2 = Math.max(y2, y);
      }
    }
  }
  return x2 < 0 ? undefined : [x1, y1, x2, y2];
}

async function validate(bytes: Uint8Array): Promise<ValidationReport> {
  return validatePdf(bytes, options);
}

describe("the oracle itself", () => {
  it("masks where poppler paints a widget: every /Rotate, offset MediaBox and CropBox, NoRotate", async () => {
    const rect: Box = [300, 500, 350, 520];
    const mediaBox: Box = [100, 100, 695, 942];
    const cropBox: Box = [120, 150, 500, 800];
    for (const rotate of [0, 90, 180, 270]) {
      for (const flags of [4, 4 | 16]) {
        const appearance = "0 g 0 0 50 20 re f";
        const pdf = rawPdf([
          "<< /Type /Catalog /Pages 2 0 R >>",
          "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
          `<< /Type /Page /Parent 2 0 R /MediaBox [${mediaBox.join(" ")}] /CropBox [${cropBox.join(" ")}] /Rotate ${rotate} /Annots [4 0 R] >>`,
          `<< /Type /Annot /Subtype /Square /Rect [${rect.join(" ")}] /F ${flags} /AP << /N 5 0 R >> >>`,
          `<< /Type /XObject /Subtype /Form /BBox [0 0 50 20] /Length ${appearance.length} >>\nstream\n${appearance}\nendstream`,
        ]);
        const view = await renderView(pdf, 72);
        const [geometry] = await pageGeometry(pdf);
        expect(geometry).toEqual({ mediaBox, cropBox, rotate });
        for (const [image, box] of [
          [view.media[0]!, mediaBox],
          [view.crop[0]!, cropBox],
        ] as const) {
          const painted = darkBox(image)!;
          const boxes = deviceBoxes(rect, flags, box, rotate);
          // Where poppler painted lies inside one of the mask boxes, and fills it to within a pixel.
          const expected = boxes[boxes.length - 1]!;
          const label = `rotate ${rotate} flags ${flags} ${box === cropBox ? "crop" : "media"}`;
          expect(painted[0], label).toBeGreaterThanOrEqual(expected[0] - 1);
          expect(painted[1], label).toBeGreaterThanOrEqual(expected[1] - 1);
          expect(painted[2], label).toBeLessThanOrEqual(expected[2] + 1);
          expect(painted[3], label).toBeLessThanOrEqual(expected[3] + 1);
          expect(painted[2] - painted[0], label).toBeGreaterThanOrEqual(expected[2] - expected[0] - 2);
          expect(painted[3] - painted[1], label).toBeGreaterThanOrEqual(expected[3] - expected[1] - 2);
        }
      }
    }
  });

  it("reports a page whose content was changed after signing (render, -cropbox render; asked directly)", async () => {
    const file = readPdf(bases.signed);
    const page = listPages(file)[0]!;
    const content = file.trailer.getNumber("Size")!;
    const contents = page.dict.get("Contents");
    const forged = appendUpdate(bases.signed, [
      {
        objectNumber: content,
        value: new PdfStream(new PdfDict(), Buffer.from("q 0.8 0 0 rg 85 560 300 60 re f Q", "latin1")),
      },
      {
        objectNumber: page.ref.objectNumber,
        value: page.dict.with({
          Contents: [...(Array.isArray(contents) ? contents : [contents!]), new PdfRef(content)],
        }),
      },
    ]);
    const [signed, final, geometry] = await Promise.all([
      renderView(bases.signed),
      renderView(forged),
      pageGeometry(forged),
    ]);
    const differences = compareViews(0, signed, final, [], geometry, { dpi: 30, marginPx: 2 });
    expect(differences.map((d) => `${d.page} ${d.mode}`)).toEqual(["1 render", "1 render-cropbox"]);
    // And through checkRendering with a report that (wrongly) says the first revision was signed.
    const report = await validate(forged);
    const result = await checkRendering(forged, report);
    expect(result.differences.length, describeDifferences(result.differences)).toBeGreaterThan(0);
  });

  it("reports a change only the text shows (a font's /ToUnicode dropped)", async () => {
    const file = readPdf(bases.signed);
    const page = listPages(file)[0]!;
    const resources = file.deref(page.dict.get("Resources")) as PdfDict;
    const fonts = file.deref(resources.get("Font")) as PdfDict;
    const fontRef = [...fonts.map.values()][0] as PdfRef;
    const font = file.resolve(fontRef) as PdfDict;
    const forged = appendUpdate(bases.signed, [
      { objectNumber: fontRef.objectNumber, value: font.with({ ToUnicode: undefined }) },
    ]);
    const [signed, final] = await Promise.all([renderView(bases.signed), renderView(forged)]);
    const differences = compareViews(0, signed, final, [], [], { dpi: 30, marginPx: 2 });
    expect(differences.map((d) => `${d.page} ${d.mode}`)).toEqual(["1 text"]);
  });

  it("masks exactly a later signature's visible widget: nothing differs with the mask, its rect without", async () => {
    const rect: Box = [320, 560, 520, 620];
    const sealed = await signAll(
      bases.signed,
      [bases.signers.organisation],
      [{ kind: "stamp", page: 1, rect, lines: ["Số: 12/STC-VP", "Đã ký số"] }],
    );
    const report = await validate(sealed);
    const result = await checkRendering(sealed, report);
    expect(result.differences, describeDifferences(result.differences)).toEqual([]);
    expect(result.masks.get(0)?.map((w) => w.rect)).toEqual([rect]);
    expect(result.masks.get(1)).toEqual([]);
    const [signed, final, geometry] = await Promise.all([
      renderView(bases.signed),
      renderView(sealed),
      pageGeometry(sealed),
    ]);
    const unmasked = compareViews(0, signed, final, [], geometry, { dpi: 30, marginPx: 2 });
    expect(unmasked.map((d) => d.mode).sort()).toEqual(["render", "render-cropbox", "text"]);
  });

  it("never masks a document timestamp's widget: a visible one is a difference", async () => {
    const placeholder = await insertSignaturePlaceholder(bases.counterSigned, {
      contentsBytes: 9000,
      subFilter: "ETSI.RFC3161",
      appearance: { kind: "stamp", page: 1, rect: [320, 560, 520, 620], lines: ["Dấu thời gian"] },
    });
    const token = await tsa.client.timestamp(
      hashByteRange(placeholder.bytes, placeholder.byteRange, "sha256"),
      "sha256",
    );
    const stamped = new Uint8Array(placeholder.bytes);
    embedSignatureContents(stamped, placeholder.contentsStart, placeholder.contentsEnd, token);
    const report = await validate(stamped);
    expect(report.signatures.map((s) => s.kind)).toEqual([
      "pdf-signature",
      "pdf-signature",
      "document-timestamp",
    ]);
    const result = await checkRendering(stamped, report);
    // Both signatures see the timestamp's stamp: only the seal's (invisible) widget is masked, for #0.
    for (const signature of [0, 1]) {
      expect(result.differences.filter((d) => d.signature === signature && d.mode === "render")).toHaveLength(
        1,
      );
    }
    expect(result.masks.get(0)?.map((w) => w.signature)).toEqual([1]);
    expect(result.masks.get(1)).toEqual([]);
  });

  it("never masks a signature field the report does not hold as a signature (unsigned, sneaky)", async () => {
    const attacks = await buildAttackCorpus(bases);
    const sneaky = attacks.find((a) => a.label === "sneaky-signature-unsigned-p2")!;
    const report = await validate(sneaky.bytes);
    const result = await checkRendering(sneaky.bytes, report);
    expect(result.differences.map((d) => d.mode)).toContain("render");
  });
});

describe("the oracle on fuzzed letters against a verifier that passes everything", () => {
  it("catches most attacks, and nothing legitimate (so a clean run below means something)", async () => {
    const signers = await corpusSigners(pki);
    const context: FuzzContext = {
      bases: await buildFuzzBases(signers, tsa.client),
      signers,
      tsa: tsa.client,
    };
    const blind = async (bytes: Uint8Array): Promise<ValidationReport> => ({
      ...(await validate(bytes)),
      verdict: "TOTAL_PASSED",
    });
    const stats = await runOracleFuzz({ first: 7, count: 120, context, validate: blind, concurrency: 3 });
    const attacks = stats.byIntent.attack.cases;
    const caught = stats.failures.filter((f) => f.steps.some((st) => st.intent === "attack")).length;
    const falseAlarms = stats.failures.filter((f) => f.steps.every((st) => st.intent === "legit"));
    console.log(`blind verifier: ${caught} of ${attacks} attack cases caught by the oracle`);
    expect(falseAlarms.map((f) => `${f.seed} ${f.failureClass}`)).toEqual([]);
    expect(caught).toBeGreaterThan(attacks * 0.5);
  }, 300_000);
});

describe("the attack corpus and the good letters", () => {
  it("every file the verifier passes shows what each of its signatures signed", async () => {
    const attacks = await buildAttackCorpus(bases);
    const good = await goodLetters(bases, await libreOfficeLetter());
    const files = [
      ...good.map((g) => ({ label: `good-${g.label}`, bytes: g.bytes })),
      ...attacks.map((a) => ({ label: `attack-${a.label}`, bytes: a.bytes })),
    ];
    const failures: string[] = [];
    const checked: string[] = [];
    const notes: string[] = [];
    for (const { label, bytes } of files) {
      let report: ValidationReport;
      try {
        report = await validate(bytes);
      } catch (error) {
        if (isExchangeError(error)) {
          continue;
        }
        throw error;
      }
      if (report.verdict !== "TOTAL_PASSED") {
        continue;
      }
      checked.push(label);
      const result = await checkRendering(bytes, report);
      notes.push(...result.notes.map((note) => `${label}: ${note}`));
      if (result.differences.length > 0) {
        const path = await saveFailure(failureDir, label, bytes, result.differences);
        failures.push(
          `${label} (${path}):\n  ${describeDifferences(result.differences).replaceAll("\n", "\n  ")}`,
        );
      }
    }
    console.log(
      `rendering oracle, corpus: ${files.length} files, ${checked.length} TOTAL_PASSED and checked (${checked.join(", ")}); ${failures.length} differ`,
    );
    if (notes.length > 0) {
      console.log(`the reports' paintedAfter disagrees with qpdf (informational):\n${notes.join("\n")}`);
    }
    expect(failures, failures.join("\n")).toEqual([]);
    expect(checked.length, "the verifier passed no file: the oracle checked nothing").toBeGreaterThan(0);
  }, 300_000);
});

describe("structure-aware fuzzing", () => {
  it(`${CASES} fuzzed letters: whatever the verifier passes shows what was signed`, async () => {
    const signers = await corpusSigners(pki);
    const context: FuzzContext = {
      bases: await buildFuzzBases(signers, tsa.client),
      signers,
      tsa: tsa.client,
    };
    const stats = await runOracleFuzz({
      first: SEED,
      count: CASES,
      context,
      validate,
      concurrency: 3,
      failureDir,
    });
    const summary = formatFuzzSummary(stats);
    console.log(`rendering oracle, fuzz (seed ${SEED}; failing files in ${failureDir}):\n${summary}`);
    expect(stats.crashes, summary).toEqual([]);
    expect(
      stats.failures.map((f) => `${f.seed} ${f.failureClass}`),
      summary,
    ).toEqual([]);
    // A letter that passes lists every signature its revisions held (SIGNATURE_REMOVED otherwise).
    expect([...stats.signaturesLost.keys()], summary).toEqual([]);
    expect(stats.cases).toBe(CASES);
    // A good share passes, or the oracle checks nothing.
    expect(stats.passed, summary).toBeGreaterThan(CASES / 4);
  }, 1_200_000);
});
