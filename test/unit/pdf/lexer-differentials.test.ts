/**
 * Where our lexer and poppler once read the same bytes differently (red team round 3, F5–F7), so
 * that an update could pass verification while poppler showed other content:
 *
 * - F6: `7.0 0 R` (or `7. 0 R`, `+7 0 R`) is a real number, an integer and the keyword R for
 *   poppler; a reference needs digits only for its object number and its generation.
 * - F7: `endstreamendobj` is one token for poppler, not `endstream`: it distrusts /Length and reads
 *   further into the file. /Length is trusted only when `endstream` (and `endobj` after it) stands
 *   as a keyword of its own; an update defining a stream that needed the scan is refused.
 * - F5: a dictionary with a key written twice: we keep the last entry, poppler sorts dictionaries
 *   of 32 entries or more and takes any. The lexer flags it, and an update defining an object that
 *   holds such a dictionary (at any depth of its direct objects) is refused.
 *
 * The end-to-end cases start from letters signed with the project's signer; each forgery is first
 * shown to change what poppler shows (pdftotext or a pdftoppm render), then refused with the
 * expected code first among the first signature's changes. A genuine counter-signature passes.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isIntegerToken, PdfLexer, parseIndirectObject } from "../../../shared/pdf/lexer.ts";
import { PdfDict, PdfName, PdfRef, PdfStream } from "../../../shared/pdf/objects.ts";
import { listPages } from "../../../shared/pdf/pages.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { formatObject } from "../../../shared/pdf/serialize.ts";
import type { ValidationOptions } from "../../../shared/verification/options.ts";
import type { ValidationReport } from "../../../shared/verification/report.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { acrobatLikeSign, type UpdateSession } from "../../support/acrobat-like.ts";
import { corpusSigners, signAll, signerOf } from "../../support/attacks.ts";
import { writeRevision } from "../../support/fuzz-mutators.ts";
import {
  HELVETICA,
  makeLetterPdf,
  pageBody,
  pdfText,
  rawPdf,
  renderPage,
  streamBody,
  textLine,
} from "../../support/pdf.ts";
import { testPki } from "../../support/pki.ts";
import { FORGED_AMOUNT, FORGED_LINE, HIDDEN_LINE, SIGNED_LINE } from "../../support/red-team.ts";
import { tempDir } from "../../support/temp-dir.ts";

const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));

function parse(text: string) {
  return new PdfLexer(latin1(text)).parseObject();
}

// ---------------------------------------------------------------------------------------------
// The lexer
// ---------------------------------------------------------------------------------------------

describe("references and real numbers (F6)", () => {
  it("reads N G R with digits only as a reference", () => {
    expect(parse("7 0 R")).toEqual(new PdfRef(7, 0));
    expect(parse("[12 3 R]")).toEqual([new PdfRef(12, 3)]);
    expect(parse("007 00 R")).toEqual(new PdfRef(7, 0));
  });

  it("reads an object number written as a real, or with a sign, as a number", () => {
    for (const text of ["7.0 0 R", "7. 0 R", "+7 0 R", "-7 0 R", "7.5 0 R"]) {
      const lexer = new PdfLexer(latin1(text));
      const value = lexer.parseObject();
      expect(typeof value, text).toBe("number");
      // what follows is the generation as a number of its own, then the keyword R
      expect(lexer.parseObject(), text).toBe(0);
      expect(lexer.readKeyword(), text).toBe("R");
    }
  });

  it("reads a generation written as a real, or with a sign, as numbers", () => {
    for (const text of ["7 0.0 R", "7 0. R", "7 +0 R", "7 -0 R"]) {
      const lexer = new PdfLexer(latin1(text));
      expect(lexer.parseObject(), text).toBe(7);
      expect(typeof lexer.parseObject(), text).toBe("number");
      expect(lexer.readKeyword(), text).toBe("R");
    }
  });

  it("makes a dictionary or array holding `N.0 G R` unreadable, as it is not a reference", () => {
    expect(() => parse("[7.0 0 R]")).toThrow(/unexpected token 'R'/);
    expect(() => parse("<< /Contents 7.0 0 R >>")).toThrow(/dictionary key expected/);
  });

  it("tells whether the last number was written as an integer", () => {
    const cases: [string, number, boolean][] = [
      ["33", 33, true],
      ["-3", -3, true],
      ["+0", 0, true],
      ["33.0", 33, false],
      ["33.", 33, false],
      [".5", 0.5, false],
      ["-.0", -0, false],
    ];
    for (const [text, value, integer] of cases) {
      const lexer = new PdfLexer(latin1(`${text} `));
      expect(lexer.parseObject(), text).toBe(value);
      expect(lexer.lastNumberIsInteger, text).toBe(integer);
      expect(isIntegerToken(latin1(text), 0, text.length), text).toBe(integer);
    }
    expect(isIntegerToken(latin1("-"), 0, 1)).toBe(false);
    expect(isIntegerToken(latin1(""), 0, 0)).toBe(false);
  });

  it("records the dictionary keys whose number was written as a real", () => {
    const dict = parse("<< /Size 33.0 /Prev 120 /W [1 2 1] /Root 1 0 R /Index 4. >>") as PdfDict;
    expect(dict.realNumberKeys).toEqual(["Size", "Index"]);
    expect(dict.getNumber("Size")).toBe(33);
    expect(dict.getInteger("Size")).toBeUndefined();
    expect(dict.getInteger("Prev")).toBe(120);
    expect(dict.getInteger("Root")).toBeUndefined();
    // the last of two entries counts
    expect((parse("<< /Size 3.0 /Size 3 >>") as PdfDict).getInteger("Size")).toBe(3);
    expect((parse("<< /Size 3 /Size 3.0 >>") as PdfDict).getInteger("Size")).toBeUndefined();
    expect(new PdfDict([["Size", 3]]).getInteger("Size")).toBe(3);
    expect(new PdfDict([["Size", 3.5]]).getInteger("Size")).toBeUndefined();
  });
});

describe("where a stream ends (F7)", () => {
  const object = (tail: string, length = 5) =>
    latin1(`4 0 obj\n<< /Length ${length} >>\nstream\nhello\nendstream${tail}`);

  it("trusts /Length when `endstream` and `endobj` are keywords of their own", () => {
    for (const tail of ["\nendobj\n", " endobj", "\r\nendobj%x", "\nendobj", "", "\n", "%c\nendobj", "<<"]) {
      const { value } = parseIndirectObject(object(tail), 0);
      expect(value, JSON.stringify(tail)).toBeInstanceOf(PdfStream);
      expect((value as PdfStream).lengthRecovered, JSON.stringify(tail)).toBe(false);
      expect(Buffer.from((value as PdfStream).data).toString("latin1")).toBe("hello");
    }
  });

  it("does not trust /Length when `endstream` or the `endobj` after it is glued to more", () => {
    for (const tail of ["endobj\n", "X\nendobj\n", "\nendobjq 1 1 1 rg\n", " endobj0"]) {
      const { value } = parseIndirectObject(object(tail), 0);
      expect((value as PdfStream).lengthRecovered, JSON.stringify(tail)).toBe(true);
      // found by scanning, as for a wrong /Length
      expect(Buffer.from((value as PdfStream).data).toString("latin1")).toBe("hello");
    }
  });

  it("still recovers a wrong /Length by scanning", () => {
    const { value } = parseIndirectObject(object("\nendobj\n", 3), 0);
    expect((value as PdfStream).lengthRecovered).toBe(true);
    expect(Buffer.from((value as PdfStream).data).toString("latin1")).toBe("hello");
  });
});

describe("duplicate dictionary keys (F5)", () => {
  it("keeps the last entry and flags the key", () => {
    const dict = parse("<< /A 1 /B 2 /A 3 /A 4 /C 5 /C 6 >>") as PdfDict;
    expect(dict.get("A")).toBe(4);
    expect(dict.duplicateKeys).toEqual(["A", "C"]);
    expect(dict.map.size).toBe(3);
  });

  it("flags only the dictionary that has the duplicate", () => {
    const outer = parse("<< /Kids [<< /X 1 /X 2 >>] /Y << /Z 1 >> >>") as PdfDict;
    expect(outer.duplicateKeys).toEqual([]);
    const kid = outer.getArray("Kids")![0] as PdfDict;
    expect(kid.duplicateKeys).toEqual(["X"]);
    expect(outer.getDict("Y")!.duplicateKeys).toEqual([]);
  });

  it("compares decoded names: /A and /#41 are one key", () => {
    expect((parse("<< /A 1 /#41 2 >>") as PdfDict).duplicateKeys).toEqual(["A"]);
  });

  it("flags a stream's dictionary", () => {
    const { value } = parseIndirectObject(
      latin1("4 0 obj\n<< /Length 5 /Filter /X /Length 5 >>\nstream\nhello\nendstream\nendobj\n"),
      0,
    );
    expect((value as PdfStream).dict.duplicateKeys).toEqual(["Length"]);
  });

  it("leaves dictionaries built in code unflagged", () => {
    expect(new PdfDict([["A", 1]]).duplicateKeys).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end, from signed letters
// ---------------------------------------------------------------------------------------------

const pki = await testPki();
const signers = await corpusSigners(pki);
const work = await tempDir("lienthong-lexer-differentials-");
afterAll(() => work.cleanup());

const options: ValidationOptions = {
  trustAnchors: [pki.root.certificate],
  crls: [pki.rootCrl, pki.intermediateCrl],
  offline: true,
};

/** Appends an update written by hand: each body as `N 0 obj … endobj`, in a classic xref table. */
function appendObjects(bytes: Uint8Array, objects: readonly (readonly [number, string])[]): Uint8Array {
  return writeRevision(bytes, {
    xref: "table",
    objects: objects.map(([objectNumber, body]) => ({
      objectNumber,
      value: null,
      body: new Uint8Array(Buffer.from(body, "latin1")),
    })),
  });
}

interface View {
  readonly text: string;
  readonly render: Uint8Array;
}

let views = 0;

async function viewOf(bytes: Uint8Array): Promise<View> {
  const dir = join(work.dir, `view-${views++}`);
  await mkdir(dir);
  const path = join(dir, "letter.pdf");
  await writeFile(path, bytes);
  const [text, render] = await Promise.all([pdfText(path, 1), renderPage(path, 1, dir)]);
  return { text, render };
}

/** Poppler shows page 1 of `forged` otherwise than of `signed` (and `shows` in it, when given). */
async function expectPopplerChange(signed: Uint8Array, forged: Uint8Array, shows?: string): Promise<void> {
  expect(Buffer.compare(Buffer.from(forged.subarray(0, signed.length)), Buffer.from(signed))).toBe(0);
  const [before, after] = await Promise.all([viewOf(signed), viewOf(forged)]);
  if (shows !== undefined) {
    expect(before.text).not.toContain(shows);
    expect(after.text).toContain(shows);
  }
  const differs = before.text !== after.text || Buffer.compare(before.render, after.render) !== 0;
  expect(differs, "poppler shows page 1 as it was signed").toBe(true);
}

function summary(report: ValidationReport): string {
  return `${report.verdict}: ${report.signatures
    .map((s) => `#${s.index} ${s.indication} [${s.changes.map((c) => `${c.verdict} ${c.code}`).join(", ")}]`)
    .join(" | ")}`;
}

async function expectRefused(bytes: Uint8Array, code: string, object?: number): Promise<ValidationReport> {
  const report = await validatePdf(bytes, options);
  expect(report.verdict, summary(report)).not.toBe("TOTAL_PASSED");
  const change = report.signatures[0]?.changes[0];
  expect(change?.code, summary(report)).toBe(code);
  expect(change?.verdict, summary(report)).toBe("refused");
  if (object !== undefined) {
    expect(change?.object, summary(report)).toBe(object);
  }
  const modifications = report.signatures[0]?.checks.find((check) => check.name === "modifications");
  expect(modifications?.code, summary(report)).toBe(`MODIFIED_AFTER_SIGNING_${code}`);
  return report;
}

/** A one-line letter (objects 1–5: catalog, pages, page, content, font). */
function oneLineLetter(content = textLine(SIGNED_LINE)): Uint8Array {
  return rawPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R"),
    streamBody(content),
    HELVETICA,
  ]);
}

describe("end to end: forged updates poppler reads otherwise are refused", () => {
  it("F6: a signed page's /Contents rewritten as `N.0 G R` (pdf-lib letter): OBJECT_UNREADABLE", async () => {
    const signed = await signAll(await makeLetterPdf({ pages: 1 }), [signers.person]);
    const page = listPages(readPdf(signed))[0]!;
    const contents = page.dict.get("Contents")!;
    const realRef = (ref: PdfRef) => `${ref.objectNumber}.0 ${ref.generation} R`;
    const rewritten = Array.isArray(contents)
      ? `[${(contents as PdfRef[]).map(realRef).join(" ")}]`
      : realRef(contents as PdfRef);
    const entries = [...page.dict.map]
      .filter(([key]) => key !== "Contents")
      .map(([key, value]) => `/${key} ${formatObject(value)}`);
    const forged = appendObjects(signed, [
      [page.ref.objectNumber, `<< ${entries.join(" ")} /Contents ${rewritten} >>`],
    ]);
    await expectPopplerChange(signed, forged);
    await expectRefused(forged, "OBJECT_UNREADABLE", page.ref.objectNumber);
  });

  it("F6: the reference to a white cover XObject rewritten as `7.0 0 R`: OBJECT_UNREADABLE", async () => {
    const letter = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      pageBody("/Resources 6 0 R /Contents 4 0 R"),
      streamBody(`${textLine(SIGNED_LINE)}\n${textLine(HIDDEN_LINE, 700)}\n/Cover Do`),
      HELVETICA,
      "<< /Font << /F1 5 0 R >> /XObject << /Cover 7 0 R >> >>",
      streamBody("1 1 1 rg 60 690 500 30 re f", "/Type /XObject /Subtype /Form /BBox [0 0 595 842]"),
    ]);
    const signed = await signAll(letter, [signers.person]);
    const forged = appendObjects(signed, [[6, "<< /Font << /F1 5 0 R >> /XObject << /Cover 7.0 0 R >> >>"]]);
    await expectPopplerChange(signed, forged);
    await expectRefused(forged, "OBJECT_UNREADABLE", 6);
  });

  it("F7: the content stream rewritten with `endstreamendobj` and forged text after it: STREAM_LENGTH_WRONG", async () => {
    const content = textLine(SIGNED_LINE);
    const signed = await signAll(oneLineLetter(content), [signers.person]);
    const forged = appendObjects(signed, [
      [
        4,
        `<< /Length ${content.length} >>\nstream\n${content}\nendstreamendobj\nq 1 1 1 rg 60 745 500 40 re f Q BT /F1 16 Tf 72 760 Td (${FORGED_LINE}) Tj ET\n`,
      ],
    ]);
    await expectPopplerChange(signed, forged, FORGED_AMOUNT);
    const report = await expectRefused(forged, "STREAM_LENGTH_WRONG", 4);
    expect(report.signatures[0]!.changes[0]!.detail).toMatch(/object 4 of revision 2/);
  });

  it("F5: a signed page rewritten with duplicate /Contents and /Resources (pdf-lib letter): DUPLICATE_DICTIONARY_KEY", async () => {
    const signed = await signAll(await makeLetterPdf({ pages: 1 }), [signers.person]);
    const file = readPdf(signed);
    const page = listPages(file)[0]!;
    const forgedContent = file.trailer.getNumber("Size")!;
    const font = forgedContent + 1;
    const others = [...page.dict.map]
      .filter(([key]) => key !== "Contents" && key !== "Resources")
      .map(([key, value]) => `/${key} ${formatObject(value)}`);
    const duplicates = [
      ...Array.from({ length: 30 }, () => `/Contents ${forgedContent} 0 R`),
      ...Array.from({ length: 30 }, () => `/Resources << /Font << /F1 ${font} 0 R >> >>`),
    ];
    const body = `<< ${duplicates.join(" ")} ${others.join(" ")} /Contents ${formatObject(page.dict.get("Contents")!)} /Resources ${formatObject(page.dict.get("Resources")!)} >>`;
    const forged = appendObjects(signed, [
      [
        forgedContent,
        streamBody(`q 1 1 1 rg 0 0 595 842 re f Q BT /F1 20 Tf 72 700 Td (${FORGED_LINE}) Tj ET`),
      ],
      [font, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"],
      [page.ref.objectNumber, body],
    ]);
    await expectPopplerChange(signed, forged, FORGED_AMOUNT);
    await expectRefused(forged, "DUPLICATE_DICTIONARY_KEY", page.ref.objectNumber);
  });

  it("F5: a nested font dictionary with 32 /F1 entries in a rewritten page: DUPLICATE_DICTIONARY_KEY", async () => {
    const signed = await signAll(oneLineLetter(), [signers.person]);
    const courier = readPdf(signed).trailer.getNumber("Size")!;
    const fonts = [...Array.from({ length: 31 }, () => `/F1 ${courier} 0 R`), "/F1 5 0 R"].join(" ");
    const forged = appendObjects(signed, [
      [courier, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier-Bold >>"],
      [3, pageBody(`/Resources << /Font << ${fonts} >> >> /Contents 4 0 R`)],
    ]);
    await expectPopplerChange(signed, forged);
    await expectRefused(forged, "DUPLICATE_DICTIONARY_KEY", 3);
  });

  it("F5: a counter-signature whose widget (32+ keys) has two /Rect entries: DUPLICATE_DICTIONARY_KEY", async () => {
    const signed = await signAll(oneLineLetter(), [signers.person]);
    let widgetNumber = -1;
    const edit = (session: UpdateSession): void => {
      const page = session.page(0);
      const appearance = session.add(
        new PdfStream(
          new PdfDict([
            ["Type", new PdfName("XObject")],
            ["Subtype", new PdfName("Form")],
            ["BBox", [0, 0, 500, 50]],
            ["Resources", new PdfDict([["Font", new PdfDict([["F1", new PdfRef(5)]])]])],
          ]),
          Buffer.from(`1 1 1 rg 0 0 500 50 re f BT /F1 16 Tf 0 g 12 20 Td (${FORGED_LINE}) Tj ET`, "latin1"),
        ),
      );
      const widget = session.allocate();
      widgetNumber = widget.objectNumber;
      const padding = Array.from({ length: 30 }, (_, i) => `/K${i} ${i}`).join(" ");
      session.setBody(
        widget,
        Buffer.from(
          `<< /Type /Annot /Subtype /Widget /FT /Sig /T (DongDau) /V ${session.signatureRef.objectNumber} 0 R /P ${page.ref.objectNumber} 0 R /Rect [60 740 560 790] ${padding} /Rect [0 0 0 0] /F 4 /AP << /N ${appearance.objectNumber} 0 R >> >>`,
          "latin1",
        ),
      );
      session.set(page.ref, page.dict.with({ Annots: [widget] }));
      session.addField(widget);
    };
    const forged = await acrobatLikeSign(signed, signerOf(signers.organisation), [edit]);
    await expectPopplerChange(signed, forged, FORGED_AMOUNT);
    await expectRefused(forged, "DUPLICATE_DICTIONARY_KEY", widgetNumber);
  });
});

describe("end to end: controls", () => {
  it("a genuine counter-signature passes", async () => {
    const bytes = await signAll(await makeLetterPdf({ pages: 1 }), [signers.person, signers.organisation]);
    const report = await validatePdf(bytes, options);
    expect(report.verdict, summary(report)).toBe("TOTAL_PASSED");
    expect(report.signatures).toHaveLength(2);
  });

  it("the same rewritten content stream with `endstream` and `endobj` apart is not STREAM_LENGTH_WRONG", async () => {
    const content = textLine(SIGNED_LINE);
    const signed = await signAll(oneLineLetter(content), [signers.person]);
    const update = appendObjects(signed, [[4, streamBody(content)]]);
    const report = await validatePdf(update, options);
    const codes = report.signatures.flatMap((s) => s.changes.map((c) => c.code));
    expect(codes, summary(report)).not.toContain("STREAM_LENGTH_WRONG");
    expect(codes, summary(report)).not.toContain("DUPLICATE_DICTIONARY_KEY");
    expect(report.verdict, summary(report)).toBe("TOTAL_PASSED");
  });
});
