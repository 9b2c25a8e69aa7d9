/**
 * findDamage and repairPdf (issue 9 item 14) over generated damage: whatever /Length error,
 * inserted bytes or wrong startxref a letter gets, the rebuilt file has no damage left, the same
 * pages and byte-identical stream data; intact files are never reported damaged.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { PdfRef, PdfStream } from "../../../shared/pdf/objects.ts";
import { listPages } from "../../../shared/pdf/pages.ts";
import { type PdfFile, readPdf } from "../../../shared/pdf/read-pdf.ts";
import { findDamage, repairPdf } from "../../../shared/pdf/repair.ts";
import { signPdf } from "../../../shared/signing/sign-pdf.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { makeLetterPdf, toXrefStreamPdf } from "../../support/pdf.ts";
import { testPki } from "../../support/pki.ts";

let letter: Uint8Array;
let xrefStreamLetter: Uint8Array;
let signedLetter: Uint8Array;

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");
const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));

/** Each page's content stream data, as the file's reader sees it. */
function pageContents(file: PdfFile): string[] {
  return listPages(file).map((page) => {
    const contents = file.deref(page.dict.get("Contents"));
    return contents instanceof PdfStream ? Buffer.from(contents.data).toString("hex") : "";
  });
}

/** Every stream's data by object number. */
function streams(file: PdfFile): Map<number, string> {
  const out = new Map<number, string>();
  const size = file.trailer.getNumber("Size") ?? 0;
  for (let n = 1; n < size; n++) {
    const value = file.resolve(new PdfRef(n));
    if (
      value instanceof PdfStream &&
      value.dict.getName("Type") !== "XRef" &&
      value.dict.getName("Type") !== "ObjStm"
    ) {
      out.set(n, Buffer.from(value.data).toString("hex"));
    }
  }
  return out;
}

beforeAll(async () => {
  letter = await makeLetterPdf({ pages: 2 });
  xrefStreamLetter = await toXrefStreamPdf(letter);
  const person = (await testPki()).person;
  signedLetter = await signPdf(letter, { signer: SoftwareSigner.fromPkcs12(person.p12, person.p12Password) });
});

describe("findDamage", () => {
  it("reports nothing for intact files: a pdf-lib letter, its object-stream twin, a signed letter", () => {
    expect(findDamage(readPdf(letter))).toEqual([]);
    expect(findDamage(readPdf(xrefStreamLetter))).toEqual([]);
    expect(findDamage(readPdf(signedLetter))).toEqual([]);
  });
});

describe("repairPdf over generated damage", () => {
  it("leaves no damage, the same pages and the same stream bytes", () => {
    const text = latin1(letter);
    const lengths = [...text.matchAll(/\/Length (\d+)/g)];
    const objectEnds = [...text.matchAll(/endobj\n/g)].map((m) => m.index + 7);
    const intact = readPdf(letter);
    const expectedPages = pageContents(intact);
    const expectedStreams = streams(intact);
    const damage = fc.record({
      length: fc.option(
        fc.record({
          which: fc.nat(lengths.length - 1),
          delta: fc
            .integer({ min: -40, max: 400 })
            // +1 takes in the end-of-line before `endstream`: every reader (and qpdf) accepts that as data.
            .filter((d) => d !== 0 && d !== 1),
        }),
      ),
      insert: fc.option(
        fc.record({ after: fc.nat(objectEnds.length - 1), bytes: fc.integer({ min: 1, max: 300 }) }),
      ),
      startxref: fc.option(fc.integer({ min: -50, max: 50 }).filter((d) => d !== 0)),
    });
    fc.assert(
      fc.property(damage, ({ length, insert, startxref }) => {
        // Edits at positions of the intact text, applied from the last backwards.
        const edits: { at: number; remove: number; text: string }[] = [];
        if (startxref !== null) {
          const at = text.lastIndexOf("startxref\n") + 10;
          const value = /\d+/.exec(text.slice(at))![0];
          edits.push({ at, remove: value.length, text: String(Math.max(0, Number(value) + startxref)) });
        }
        if (insert !== null) {
          edits.push({ at: objectEnds[insert.after]!, remove: 0, text: `%${"x".repeat(insert.bytes)}\n` });
        }
        if (length !== null) {
          const match = lengths[length.which]!;
          const value = Math.max(0, Number(match[1]) + length.delta);
          edits.push({ at: match.index, remove: match[0].length, text: `/Length ${value}` });
        }
        let damaged = text;
        for (const edit of edits.sort((a, b) => b.at - a.at)) {
          damaged = damaged.slice(0, edit.at) + edit.text + damaged.slice(edit.at + edit.remove);
        }
        const repaired = readPdf(repairPdf(bytesOf(damaged)).bytes);
        expect(findDamage(repaired)).toEqual([]);
        expect(repaired.revisions).toHaveLength(1);
        expect(pageContents(repaired)).toEqual(expectedPages);
        expect(streams(repaired)).toEqual(expectedStreams);
      }),
      { numRuns: 60 },
    );
  });

  it("expands object streams when the cross-reference stream is lost", () => {
    const text = latin1(xrefStreamLetter);
    const at = text.lastIndexOf("startxref\n") + 10;
    const damaged = bytesOf(`${text.slice(0, at)}12${text.slice(text.indexOf("\n", at))}`);
    expect(() => readPdf(damaged)).toThrow(/PDF_MALFORMED/);
    const repaired = readPdf(repairPdf(damaged).bytes);
    expect(findDamage(repaired)).toEqual([]);
    expect(pageContents(repaired)).toEqual(pageContents(readPdf(xrefStreamLetter)));
  });

  it("bounds the work of a hostile file: objects that fail to parse after reading to the end", () => {
    // Each header opens a string that never closes: each failed parse reads to the end of the file.
    const hostile = bytesOf(`%PDF-1.7\n${"1 0 obj (\n".repeat(5_000)}%%EOF\n`);
    expect(() => repairPdf(hostile)).toThrow(/PDF_MALFORMED: the file is too damaged to be repaired/);
  });

  it("refuses an encrypted file and a file without a catalog", () => {
    const encrypted = bytesOf(latin1(letter).replace("trailer\n<<", "trailer\n<<\n/Encrypt 99 0 R"));
    expect(() => repairPdf(encrypted)).toThrow(/PDF_ENCRYPTED/);
    expect(() => repairPdf(bytesOf("%PDF-1.7\n1 0 obj\n<< /Type /Page >>\nendobj\n%%EOF\n"))).toThrow(
      /PDF_MALFORMED: .*no document catalog/,
    );
  });
});
