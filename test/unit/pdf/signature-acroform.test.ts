/**
 * Where the placeholder puts its field (issue 7): a letter without a form gets an indirect
 * /AcroForm that the catalog points to, so that other signers (poppler) can add their fields to
 * it; an existing form, direct or indirect, is extended where it is, keeping what it holds.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertSignaturePlaceholder } from "../../../shared/pdf/insert-signature-placeholder.ts";
import { PdfDict, type PdfObject, PdfRef } from "../../../shared/pdf/objects.ts";
import { type PdfFile, readPdf } from "../../../shared/pdf/read-pdf.ts";
import { MINIMAL_BODIES, makeLetterPdf, qpdfCheck, rawPdf, toXrefStreamPdf } from "../../support/pdf.ts";
import { tempDir } from "../../support/temp-dir.ts";

let letter: Uint8Array;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  letter = await makeLetterPdf({ pages: 1 });
  ({ dir, cleanup } = await tempDir());
});

afterAll(async () => {
  await cleanup?.();
});

function catalog(file: PdfFile): PdfDict {
  return file.resolve(file.trailer.getRef("Root")!) as PdfDict;
}

/** The object numbers the newest revision's cross-reference section defines. */
function newestObjects(file: PdfFile): number[] {
  return [...file.revisions.at(-1)!.entries.keys()].filter((n) => n !== 0).sort((a, b) => a - b);
}

function fieldsOf(file: PdfFile): readonly PdfObject[] {
  const form = file.deref(catalog(file).get("AcroForm")) as PdfDict;
  return file.deref(form.get("Fields")) as readonly PdfObject[];
}

describe("the placeholder's /AcroForm", () => {
  it.each([
    ["classic xref", () => letter],
    ["xref stream", () => toXrefStreamPdf(letter)],
  ] as const)("is a new indirect object when the letter has none (%s)", async (kind, source) => {
    const original = await source();
    expect(catalog(readPdf(original)).has("AcroForm")).toBe(false);
    const placeholder = await insertSignaturePlaceholder(original, { contentsBytes: 64 });
    const file = readPdf(placeholder.bytes);
    const root = catalog(file);
    const formRef = root.get("AcroForm");
    expect(formRef).toBeInstanceOf(PdfRef);
    const form = file.resolve(formRef as PdfRef) as PdfDict;
    expect(form).toBeInstanceOf(PdfDict);
    expect(form.getNumber("SigFlags")).toBe(3);
    expect(form.get("Fields")).toEqual([file.signatures()[0]!.fieldRef]);
    // A new object of this revision; object numbers below the new /Size, none reused.
    const formNumber = (formRef as PdfRef).objectNumber;
    expect(newestObjects(file)).toContain(formNumber);
    expect(formNumber).toBeGreaterThanOrEqual(readPdf(original).trailer.getNumber("Size")!);
    expect(formNumber).toBeLessThan(file.trailer.getNumber("Size")!);
    const path = join(dir, `new-form-${kind.replace(" ", "-")}.pdf`);
    await writeFile(path, placeholder.bytes);
    await expect(qpdfCheck(path)).resolves.toContain("No syntax or stream encoding errors");
  });

  it("a second signature extends that object and leaves the catalog alone", async () => {
    const first = await insertSignaturePlaceholder(letter, { contentsBytes: 64 });
    const formRef = catalog(readPdf(first.bytes)).get("AcroForm") as PdfRef;
    const second = await insertSignaturePlaceholder(first.bytes, { contentsBytes: 64 });
    const file = readPdf(second.bytes);
    const rootRef = file.trailer.getRef("Root")!;
    expect(newestObjects(file)).toContain(formRef.objectNumber);
    expect(newestObjects(file)).not.toContain(rootRef.objectNumber);
    expect(catalog(file).get("AcroForm")).toEqual(formRef);
    expect(fieldsOf(file)).toEqual(file.signatures().map((s) => s.fieldRef));
    expect(file.signatures().map((s) => s.fieldName)).toEqual(["Signature1", "Signature2"]);
  });

  it("a direct AcroForm stays direct in the catalog, its other entries kept", async () => {
    const pdf = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /DA (/Helv 0 Tf 0 g) /NeedAppearances false >> >>",
      MINIMAL_BODIES[1]!,
      MINIMAL_BODIES[2]!,
    ]);
    const placeholder = await insertSignaturePlaceholder(pdf, { contentsBytes: 64 });
    const file = readPdf(placeholder.bytes);
    const form = catalog(file).get("AcroForm");
    expect(form).toBeInstanceOf(PdfDict);
    expect((form as PdfDict).getString("DA")?.text()).toBe("/Helv 0 Tf 0 g");
    expect((form as PdfDict).get("NeedAppearances")).toBe(false);
    expect((form as PdfDict).getNumber("SigFlags")).toBe(3);
    expect(fieldsOf(file)).toEqual([file.signatures()[0]!.fieldRef]);
  });

  it("an indirect AcroForm is rewritten where it is; an indirect /Fields array is extended in place", async () => {
    const pdf = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>",
      MINIMAL_BODIES[1]!,
      MINIMAL_BODIES[2]!,
      "<< /Fields 5 0 R /DA (/Helv 0 Tf 0 g) /SigFlags 1 >>",
      "[]",
    ]);
    const placeholder = await insertSignaturePlaceholder(pdf, { contentsBytes: 64 });
    const file = readPdf(placeholder.bytes);
    expect(newestObjects(file)).toEqual(expect.arrayContaining([4, 5]));
    expect(newestObjects(file)).not.toContain(1);
    expect(catalog(file).get("AcroForm")).toEqual(new PdfRef(4));
    const form = file.resolve(new PdfRef(4)) as PdfDict;
    expect(form.get("Fields")).toEqual(new PdfRef(5));
    expect(form.getString("DA")?.text()).toBe("/Helv 0 Tf 0 g");
    expect(form.getNumber("SigFlags")).toBe(3);
    expect(file.resolve(new PdfRef(5))).toEqual([file.signatures()[0]!.fieldRef]);
  });

  it("an /AcroForm reference to nothing is replaced by a new indirect form", async () => {
    const pdf = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R /AcroForm 9 0 R >>",
      MINIMAL_BODIES[1]!,
      MINIMAL_BODIES[2]!,
    ]);
    const placeholder = await insertSignaturePlaceholder(pdf, { contentsBytes: 64 });
    const file = readPdf(placeholder.bytes);
    const formRef = catalog(file).get("AcroForm") as PdfRef;
    expect(formRef).toBeInstanceOf(PdfRef);
    expect(formRef.objectNumber).not.toBe(9);
    expect(fieldsOf(file)).toEqual([file.signatures()[0]!.fieldRef]);
  });
});
