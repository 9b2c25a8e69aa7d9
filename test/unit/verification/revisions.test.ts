import fontkit from "@pdf-lib/fontkit";
import { PDFDocument } from "pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { type UpdateObject, writeIncrementalUpdate } from "../../../shared/pdf/incremental-update.ts";
import {
  PdfDict,
  PdfName,
  type PdfObject,
  PdfRef,
  PdfStream,
  PdfString,
} from "../../../shared/pdf/objects.ts";
import { listPages } from "../../../shared/pdf/pages.ts";
import { type PdfFile, readPdf } from "../../../shared/pdf/read-pdf.ts";
import {
  analyseChanges as analyseRevisions,
  sameObject,
} from "../../../shared/verification/changes/index.ts";
import type { ValidationReport } from "../../../shared/verification/report.ts";
import { summarise } from "../../../shared/verification/summary.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { writeRevision } from "../../support/fuzz-mutators.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { offlineOptions, signWith } from "./helpers.ts";

let pki: TestPki;
let signed: Uint8Array;

beforeAll(async () => {
  pki = await testPki();
  signed = await signWith([pki.person]);
});

/** Appends one incremental update built from the file as it is. */
function update(bytes: Uint8Array, build: (file: PdfFile, next: number) => UpdateObject[]): Uint8Array {
  const file = readPdf(bytes);
  const next = file.trailer.getNumber("Size") ?? 1;
  return writeIncrementalUpdate(file, build(file, next)).bytes;
}

function firstPage(file: PdfFile) {
  return listPages(file)[0]!;
}

function modificationCheck(report: ValidationReport, index = 0) {
  return report.signatures[index]?.checks.find((check) => check.name === "modifications");
}

async function expectOther(bytes: Uint8Array, codePart: string): Promise<void> {
  const report = await validatePdf(bytes, offlineOptions(pki));
  expect(report.verdict).toBe("TOTAL_FAILED");
  expect(report.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", modification: "other" });
  expect(report.signatures[0]?.coverage).toBe("unclear");
  expect(modificationCheck(report)?.code).toContain(codePart);
}

describe("changes after signing that are not on the allow-list fail", () => {
  it("page content added in a later revision (incremental saving attack)", async () => {
    const bytes = update(signed, (file, next) => {
      const page = firstPage(file);
      const contents = page.dict.get("Contents");
      const list = Array.isArray(contents) ? contents : contents ? [contents] : [];
      const overlay = new PdfStream(
        new PdfDict(),
        new Uint8Array(Buffer.from("BT /F1 24 Tf 100 700 Td (PAID) Tj ET")),
      );
      return [
        { objectNumber: next, value: overlay },
        {
          objectNumber: page.ref.objectNumber,
          value: page.dict.with({ Contents: [...list, new PdfRef(next)] }),
        },
      ];
    });
    // The signature itself is intact: only the modification analysis catches this.
    const report = await validatePdf(bytes, offlineOptions(pki));
    expect(report.signatures[0]!.checks.find((c) => c.name === "message-digest")?.status).toBe("passed");
    await expectOther(bytes, "PAGE_CHANGED");
  });

  it("an annotation over the content that is not a new signature widget (evil annotation)", async () => {
    const bytes = update(signed, (file, next) => {
      const page = firstPage(file);
      const annots = file.deref(page.dict.get("Annots"));
      const list = Array.isArray(annots) ? annots : [];
      const note = new PdfDict([
        ["Type", new PdfName("Annot")],
        ["Subtype", new PdfName("FreeText")],
        ["Rect", [100, 600, 400, 700]],
        ["Contents", new PdfString(new Uint8Array(Buffer.from("Amount: 9,000,000")))],
      ]);
      const updates: UpdateObject[] = [{ objectNumber: next, value: note }];
      const annotsValue = page.dict.get("Annots");
      if (annotsValue instanceof PdfRef) {
        updates.push({ objectNumber: annotsValue.objectNumber, value: [...list, new PdfRef(next)] });
      } else {
        updates.push({
          objectNumber: page.ref.objectNumber,
          value: page.dict.with({ Annots: [...list, new PdfRef(next)] }),
        });
      }
      return updates;
    });
    await expectOther(bytes, "ANNOTATION_ADDED");
  });

  it("a signature widget that no signed field owns, or an empty signature field (sneaky signature)", async () => {
    const addWidget = (inFields: boolean) =>
      update(signed, (file, next) => {
        const page = firstPage(file);
        const widget = new PdfDict([
          ["Type", new PdfName("Annot")],
          ["Subtype", new PdfName("Widget")],
          ["FT", new PdfName("Sig")],
          ["T", new PdfString(new Uint8Array(Buffer.from("Overlay")))],
          ["Rect", [0, 0, 595, 842]],
          ["P", page.ref],
        ]);
        const updates: UpdateObject[] = [{ objectNumber: next, value: widget }];
        const annotsValue = page.dict.get("Annots");
        const annots = file.deref(annotsValue);
        const list = [...(Array.isArray(annots) ? annots : []), new PdfRef(next)];
        updates.push(
          annotsValue instanceof PdfRef
            ? { objectNumber: annotsValue.objectNumber, value: list }
            : { objectNumber: page.ref.objectNumber, value: page.dict.with({ Annots: list }) },
        );
        if (inFields) {
          const rootRef = file.trailer.getRef("Root")!;
          const root = file.resolve(rootRef) as PdfDict;
          const formValue = root.get("AcroForm");
          const form = file.deref(formValue) as PdfDict;
          const fieldsValue = form.get("Fields");
          const fields = [...((file.deref(fieldsValue) as readonly PdfObject[]) ?? []), new PdfRef(next)];
          if (fieldsValue instanceof PdfRef) {
            updates.push({ objectNumber: fieldsValue.objectNumber, value: fields });
          } else if (formValue instanceof PdfRef) {
            updates.push({ objectNumber: formValue.objectNumber, value: form.with({ Fields: fields }) });
          } else {
            updates.push({
              objectNumber: rootRef.objectNumber,
              value: root.with({ AcroForm: form.with({ Fields: fields }) }),
            });
          }
        }
        return updates;
      });
    await expectOther(addWidget(false), "ANNOTATION_ADDED");
    await expectOther(addWidget(true), "_ADDED");
  });

  it("a changed catalog entry (an /OpenAction added)", async () => {
    const bytes = update(signed, (file) => {
      const rootRef = file.trailer.getRef("Root")!;
      const root = file.resolve(rootRef) as PdfDict;
      return [
        {
          objectNumber: rootRef.objectNumber,
          value: root.with({ OpenAction: [firstPage(file).ref, new PdfName("Fit")] }),
        },
      ];
    });
    await expectOther(bytes, "CATALOG_CHANGED");
  });

  it("a page's resources swapped (font replace)", async () => {
    const bytes = update(signed, (file, next) => {
      const page = firstPage(file);
      return [
        { objectNumber: next, value: new PdfDict([["Font", new PdfDict()]]) },
        { objectNumber: page.ref.objectNumber, value: page.dict.with({ Resources: new PdfRef(next) }) },
      ];
    });
    await expectOther(bytes, "PAGE_CHANGED");
  });

  it("a changed signature dictionary", async () => {
    const bytes = update(signed, (file) => {
      const signature = file.signatures()[0]!;
      return [
        {
          objectNumber: signature.signatureRef.objectNumber,
          value: signature.dictionary.with({ Reason: new PdfString(new Uint8Array(Buffer.from("spoofed"))) }),
        },
      ];
    });
    const report = await validatePdf(bytes, offlineOptions(pki));
    expect(report.verdict).toBe("TOTAL_FAILED");
  });

  it("junk after the last %%EOF", async () => {
    const bytes = Buffer.concat([signed, Buffer.from("\n5 0 obj\n<< /Type /Page >>\nendobj\n")]);
    const report = await validatePdf(bytes, offlineOptions(pki));
    expect(report.verdict).toBe("TOTAL_FAILED");
    expect(report.problems.map((p) => p.code)).toContain("DATA_AFTER_LAST_EOF");
    expect(modificationCheck(report)?.code).toBe("DATA_AFTER_LAST_EOF");
  });

  it("an object defined in a later revision but not in its cross-reference section (shadow)", async () => {
    const withHidden = Buffer.concat([
      signed,
      Buffer.from("77 0 obj\n<< /Type /Page /Hidden true >>\nendobj\n"),
    ]);
    const bytes = update(withHidden, (file) => {
      const infoRef = file.trailer.getRef("Info")!;
      const info = file.resolve(infoRef) as PdfDict;
      return [
        {
          objectNumber: infoRef.objectNumber,
          value: info.with({ Producer: new PdfString(new Uint8Array(Buffer.from("x"))) }),
        },
      ];
    });
    await expectOther(bytes, "UNREFERENCED_OBJECT_DEFINITION");
  });
});

describe("a signature removed after it was made", () => {
  it("is a document problem: the field dropped from /Fields, then a new signature over all", async () => {
    const dropped = update(signed, (file) => {
      const root = file.resolve(file.trailer.getRef("Root")!) as PdfDict;
      const formRef = root.getRef("AcroForm")!;
      const form = file.resolve(formRef) as PdfDict;
      return [{ objectNumber: formRef.objectNumber, value: form.with({ Fields: [] }) }];
    });
    const resigned = await signWith([pki.organisation], { pdf: dropped });
    const report = await validatePdf(resigned, offlineOptions(pki));
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]?.indication).toBe("TOTAL_PASSED");
    expect(report.verdict).toBe("TOTAL_FAILED");
    expect(report.problems).toEqual([expect.objectContaining({ code: "SIGNATURE_REMOVED" })]);
    expect(summarise(report, "en")).toContain("a signature the letter once held was removed afterwards");
  });

  it("is a document problem: a revision whose /Prev skips the signed one, then a new signature", async () => {
    const file = readPdf(signed);
    const size = file.trailer.getNumber("Size")!;
    const skipped = writeRevision(signed, {
      objects: [
        { objectNumber: size, value: new PdfDict([["Title", new PdfString(Buffer.from("Cong van"))]]) },
      ],
      trailer: { Info: new PdfRef(size) },
      prev: file.revisions[0]!.startxref,
    });
    expect(readPdf(skipped).signatures()).toHaveLength(0); // a reader following /Prev sees no signature
    const resigned = await signWith([pki.organisation], { pdf: skipped });
    const report = await validatePdf(resigned, offlineOptions(pki));
    expect(report.signatures.map((signature) => signature.indication)).toEqual(["TOTAL_PASSED"]);
    expect(report.verdict).toBe("TOTAL_FAILED");
    expect(report.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: "SIGNATURE_REMOVED" })]),
    );
  });
});

describe("allowed changes keep the signature valid", () => {
  it("a countersignature: signatures-and-validation-data", async () => {
    const two = await signWith([pki.person, pki.organisation]);
    const report = await validatePdf(two, offlineOptions(pki));
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures[0]?.modification).toBe("signatures-and-validation-data");
  });

  it("an updated document information dictionary is an allowed metadata change, and reported", async () => {
    const bytes = update(signed, (file) => {
      const infoRef = file.trailer.getRef("Info")!;
      const info = file.resolve(infoRef) as PdfDict;
      return [
        {
          objectNumber: infoRef.objectNumber,
          value: info.with({ ModDate: new PdfString(new Uint8Array(Buffer.from("D:20260101000000Z"))) }),
        },
      ];
    });
    const report = await validatePdf(bytes, offlineOptions(pki));
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures[0]).toMatchObject({
      modification: "signatures-and-validation-data",
      coverage: "revision",
    });
    expect(report.signatures[0]?.changes).toEqual([
      expect.objectContaining({
        verdict: "allowed",
        class: "metadata",
        code: "INFO_UPDATED",
        rule: "metadata.info",
      }),
    ]);
    const check = report.signatures[0]?.checks.find((c) => c.name === "modifications");
    expect(check).toMatchObject({ status: "passed", code: "ALLOWED_MODIFICATIONS" });
  });

  it("filling an empty form field changes what is shown: refused for letters, form-filling under that policy; moving it never", async () => {
    const doc = await PDFDocument.create();
    doc.registerFontkit(fontkit);
    const page = doc.addPage([595, 842]);
    const field = doc.getForm().createTextField("so_van_ban");
    field.addToPage(page, { x: 50, y: 700, width: 200, height: 20 });
    const form = new Uint8Array(await doc.save({ useObjectStreams: false }));
    const formSigned = await signWith([pki.person], { pdf: form });
    const fieldRef = (file: PdfFile): PdfRef => {
      const root = file.resolve(file.trailer.getRef("Root")!) as PdfDict;
      const acroForm = file.deref(root.get("AcroForm")) as PdfDict;
      const fields = file.deref(acroForm.get("Fields")) as readonly PdfObject[];
      return fields.find((ref) => {
        const dict = file.deref(ref);
        return dict instanceof PdfDict && dict.getName("FT") === "Tx";
      }) as PdfRef;
    };
    const filled = update(formSigned, (file) => {
      const ref = fieldRef(file);
      const dict = file.resolve(ref) as PdfDict;
      return [
        {
          objectNumber: ref.objectNumber,
          value: dict.with({ V: new PdfString(new Uint8Array(Buffer.from("2491/STC"))) }),
        },
      ];
    });
    const letter = await validatePdf(filled, offlineOptions(pki));
    expect(letter.verdict).toBe("TOTAL_FAILED");
    expect(letter.signatures[0]?.changes[0]).toMatchObject({ verdict: "refused", code: "FIELD_CHANGED" });
    const report = await validatePdf(filled, { ...offlineOptions(pki), changePolicy: "form-filling" });
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures[0]?.modification).toBe("form-filling");
    const moved = update(formSigned, (file) => {
      const ref = fieldRef(file);
      const dict = file.resolve(ref) as PdfDict;
      return [{ objectNumber: ref.objectNumber, value: dict.with({ Ff: 1 }) }];
    });
    const movedReport = await validatePdf(moved, { ...offlineOptions(pki), changePolicy: "form-filling" });
    expect(movedReport.signatures[0]?.modification).toBe("other");
  });

  it("DocMDP /P 1 forbids even a countersignature; /P 2 allows it", async () => {
    const two = await signWith([pki.person, pki.organisation]);
    const file = readPdf(two);
    const first = file.signatures()[0]!;
    expect(analyseRevisions(file, first.revision, { docMdp: 2 }).modification).toBe(
      "signatures-and-validation-data",
    );
    const strict = analyseRevisions(file, first.revision, { docMdp: 1 });
    expect(strict.modification).toBe("other");
    expect(strict.changes[0]?.code).toBe("DOCMDP_NO_CHANGES_ALLOWED");
  });

  it("compares PDF objects structurally", () => {
    const a = new PdfDict([["A", [1, new PdfName("X"), new PdfRef(3)]]]);
    const b = new PdfDict([["A", [1, new PdfName("X"), new PdfRef(3)]]]);
    const c = new PdfDict([["A", [1, new PdfName("X"), new PdfRef(4)]]]);
    expect(sameObject(a, b)).toBe(true);
    expect(sameObject(a, c)).toBe(false);
    expect(sameObject(new PdfString(Uint8Array.of(1)), new PdfString(Uint8Array.of(1), true))).toBe(true);
  });
});
