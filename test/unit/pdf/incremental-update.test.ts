import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isExchangeError } from "../../../shared/errors/index.ts";
import { hashByteRange } from "../../../shared/pdf/byte-range.ts";
import { writeIncrementalUpdate } from "../../../shared/pdf/incremental-update.ts";
import { insertSignaturePlaceholder } from "../../../shared/pdf/insert-signature-placeholder.ts";
import { PdfDict, PdfName, PdfRef, textString } from "../../../shared/pdf/objects.ts";
import { listPages } from "../../../shared/pdf/pages.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { embedSignatureContents, formatPdfDate } from "../../../shared/pdf/signature-placeholder.ts";
import { makeLetterPdf, qpdfCheck, toXrefStreamPdf } from "../../support/pdf.ts";
import { tempDir } from "../../support/temp-dir.ts";

let classic: Uint8Array;
let xrefStream: Uint8Array;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  classic = await makeLetterPdf({ pages: 2 });
  xrefStream = await toXrefStreamPdf(classic);
  ({ dir, cleanup } = await tempDir());
});

afterAll(async () => {
  await cleanup?.();
});

describe("writeIncrementalUpdate (ISO 32000-1 §7.5.6)", () => {
  it.each([
    ["classic table", () => classic, "table"],
    ["xref stream", () => xrefStream, "stream"],
  ] as const)(
    "appends a %s section that qpdf accepts, leaving earlier revisions as they were",
    async (_, source, kind) => {
      const original = source();
      const pdf = readPdf(original);
      const rootRef = pdf.trailer.getRef("Root")!;
      const root = pdf.resolve(rootRef) as PdfDict;
      const size = pdf.trailer.getNumber("Size")!;
      const update = writeIncrementalUpdate(pdf, [
        { objectNumber: size, value: new PdfDict([["Note", textString("Bản sao điện tử")]]) },
        { objectNumber: rootRef.objectNumber, value: root.with({ Lienthong: new PdfRef(size) }) },
      ]);
      expect(Buffer.from(update.bytes.subarray(0, original.length)).equals(Buffer.from(original))).toBe(true);
      const updated = readPdf(update.bytes);
      expect(updated.revisions).toHaveLength(2);
      expect(updated.revisions[1]!.xrefKind).toBe(kind);
      expect(updated.revisions[1]!.endOffset).toBe(update.bytes.length);
      expect(updated.revisions[1]!.startxref).toBe(update.startxref);
      const newRoot = updated.resolve(rootRef) as PdfDict;
      const note = updated.resolve(newRoot.getRef("Lienthong")!) as PdfDict;
      expect(note.getString("Note")?.text()).toBe("Bản sao điện tử");
      // As seen by the first revision, the catalog has no such key and the new object does not exist.
      expect((updated.resolve(rootRef, 0) as PdfDict).has("Lienthong")).toBe(false);
      expect(updated.resolve(new PdfRef(size), 0)).toBeUndefined();
      expect(updated.trailer.getNumber("Size")).toBeGreaterThan(size);
      expect(listPages(updated)).toHaveLength(2);
      const path = join(dir, `update-${kind}.pdf`);
      await writeFile(path, update.bytes);
      await expect(qpdfCheck(path)).resolves.toContain("No syntax or stream encoding errors");
    },
  );
});

describe("signature placeholder", () => {
  it("formats /M in Vietnam time (UTC+07:00) per §7.9.4", () => {
    expect(formatPdfDate(new Date("2024-03-05T07:02:11Z"))).toBe("D:20240305140211+07'00'");
    expect(formatPdfDate(new Date("2024-12-31T20:00:00Z"))).toBe("D:20250101030000+07'00'");
  });

  it("reserves /Contents between the two byte ranges, and signatures() finds it", async () => {
    const placeholder = await insertSignaturePlaceholder(xrefStream, {
      contentsBytes: 1000,
      reason: "Ký số văn bản",
      location: "Tây Ninh",
      signingTime: new Date("2024-03-05T07:02:11Z"),
    });
    const { bytes, byteRange, contentsStart, contentsEnd } = placeholder;
    expect(byteRange).toEqual([0, contentsStart, contentsEnd, bytes.length - contentsEnd]);
    expect(contentsEnd - contentsStart).toBe(2 + 2000);
    expect(bytes[contentsStart]).toBe(0x3c);
    expect(bytes[contentsEnd - 1]).toBe(0x3e);
    const [info] = readPdf(bytes).signatures();
    expect(info).toBeDefined();
    expect(info!.fieldName).toBe("Signature1");
    expect(info!.subFilter).toBe("ETSI.CAdES.detached");
    expect(info!.byteRange).toEqual(byteRange);
    expect(info!.contentsOffsets).toEqual({ start: contentsStart, end: contentsEnd });
    expect(info!.contents).toHaveLength(1000);
    expect(info!.reason).toBe("Ký số văn bản");
    expect(info!.location).toBe("Tây Ninh");
    expect(info!.signingTime).toBe("D:20240305140211+07'00'");
    expect(info!.revision).toBe(1);
    // The widget is on page 1, invisible, and the form says signatures exist (SigFlags 3).
    const pdf = readPdf(bytes);
    const root = pdf.resolve(pdf.trailer.getRef("Root")!) as PdfDict;
    const form = pdf.deref(root.get("AcroForm")) as PdfDict;
    expect(form.getNumber("SigFlags")).toBe(3);
    const widget = pdf.resolve(info!.fieldRef) as PdfDict;
    expect(widget.get("Rect")).toEqual([0, 0, 0, 0]);
    expect(widget.getName("Subtype")).toBe("Widget");
    const page = listPages(pdf)[0]!;
    expect(page.dict.getArray("Annots")).toContainEqual(info!.fieldRef);
  });

  it("embeds a CMS that fits, hashes ranges without the gap, and refuses one that does not fit", async () => {
    const placeholder = await insertSignaturePlaceholder(classic, { contentsBytes: 64 });
    const { bytes, contentsStart, contentsEnd, byteRange } = placeholder;
    const expected = createHash("sha256")
      .update(bytes.subarray(0, contentsStart))
      .update(bytes.subarray(contentsEnd))
      .digest();
    expect(Buffer.from(hashByteRange(bytes, byteRange, "sha256")).equals(expected)).toBe(true);
    const before = Buffer.from(bytes);
    expect(() => embedSignatureContents(bytes, contentsStart, contentsEnd, new Uint8Array(65))).toThrow(
      expect.objectContaining({ code: "PLACEHOLDER_TOO_SMALL" }),
    );
    expect(Buffer.from(bytes).equals(before)).toBe(true);
    embedSignatureContents(bytes, contentsStart, contentsEnd, Uint8Array.of(0x30, 0x03, 1, 2, 3));
    const [info] = readPdf(bytes).signatures();
    expect(Array.from(info!.contents!.subarray(0, 6))).toEqual([0x30, 0x03, 1, 2, 3, 0]);
  });

  it("names a second field Signature2 and refuses a taken name", async () => {
    const first = await insertSignaturePlaceholder(classic, { contentsBytes: 64 });
    const second = await insertSignaturePlaceholder(first.bytes, { contentsBytes: 64 });
    expect(second.fieldName).toBe("Signature2");
    const signatures = readPdf(second.bytes).signatures();
    expect(signatures.map((s) => [s.fieldName, s.revision])).toEqual([
      ["Signature1", 1],
      ["Signature2", 2],
    ]);
    await expect(
      insertSignaturePlaceholder(first.bytes, { contentsBytes: 64, fieldName: "Signature1" }),
    ).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
  });

  it("records the appearance kind on the widget for a later seal", async () => {
    const placeholder = await insertSignaturePlaceholder(classic, { contentsBytes: 64 });
    const pdf = readPdf(placeholder.bytes);
    const widget = pdf.resolve(pdf.signatures()[0]!.fieldRef) as PdfDict;
    expect(widget.get("Lienthong.Kind")).toEqual(new PdfName("none"));
  });
});

describe("hostile input", () => {
  it("mutated files fail only with PDF_MALFORMED or PDF_ENCRYPTED, never another exception", async () => {
    const base = (await insertSignaturePlaceholder(classic, { contentsBytes: 64 })).bytes;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.option(fc.nat({ max: base.length }), { nil: undefined }),
        (mutations, truncateAt) => {
          const bytes = Uint8Array.from(truncateAt === undefined ? base : base.subarray(0, truncateAt));
          for (const [at, value] of mutations) {
            if (at < bytes.length) {
              bytes[at] = value;
            }
          }
          try {
            const pdf = readPdf(bytes);
            pdf.signatures();
            listPages(pdf);
            for (const revision of pdf.revisions) {
              for (const number of revision.entries.keys()) {
                pdf.resolve(new PdfRef(number, 0), revision.index);
              }
            }
          } catch (error) {
            if (
              !isExchangeError(error) ||
              (error.code !== "PDF_MALFORMED" && error.code !== "PDF_ENCRYPTED")
            ) {
              throw error;
            }
          }
        },
      ),
      { numRuns: 300, seed: 20240305 },
    );
  });
});
