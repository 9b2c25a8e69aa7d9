/**
 * A linearization dictionary (ISO 32000-1 Annex F) whose /L equals the length of the updated file
 * makes poppler read the first-page cross-reference near the start of the file instead of the last
 * `startxref`: an attacker who prepares the letter can hide a second definition of the page content
 * there, sign, then pad a harmless update to the right length. The verifier refuses that length.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeIncrementalUpdate } from "../../../shared/pdf/incremental-update.ts";
import { PdfDict, PdfString } from "../../../shared/pdf/objects.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { pdfText } from "../../support/pdf.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";
import { offlineOptions, signWith } from "./helpers.ts";

const SIGNED_LINE = "So 12/UBND-TC: tam ung 28.500.000 dong";
const FORGED_LINE = "So 12/UBND-TC: tam ung 98.500.000 dong";
const FONT = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

function stream(text: string): string {
  const content = `BT /F1 18 Tf 72 700 Td (${text}) Tj ET`;
  return `<< /Length ${content.length} >>\nstream\n${content}\nendstream`;
}

/**
 * A letter whose first object claims linearization with length `claimed`; a first-page section
 * right after it points object 5 at a forged content stream, the main section at the real one.
 */
function linearizedLetter(claimed: number): Uint8Array {
  const entry = (offset: number) => `${String(offset).padStart(10, "0")} 00000 n \n`;
  const header = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
  const linearization = `1 0 obj\n<< /Linearized 1 /L ${claimed} /H [0 0] /O 4 /E 0 /N 1 /T 0 >>\nendobj\n`;
  const sectionLength = `xref\n0 7\n${"0000000000 65535 f \n".repeat(7)}trailer\n<< /Size 7 /Root 2 0 R >>\n`
    .length;
  const bodies: [string, string][] = [
    ["2", "<< /Type /Catalog /Pages 3 0 R >>"],
    ["3", "<< /Type /Pages /Kids [4 0 R] /Count 1 >>"],
    [
      "4",
      "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> >> /Contents 5 0 R >>",
    ],
    ["5-forged", stream(FORGED_LINE)],
    ["5", stream(SIGNED_LINE)],
    ["6", FONT],
  ];
  let body = "";
  const at: Record<string, number> = {};
  const start = header.length + linearization.length + sectionLength;
  for (const [key, text] of bodies) {
    at[key] = start + body.length;
    body += `${key.split("-")[0]} 0 obj\n${text}\nendobj\n`;
  }
  const section = (five: number) =>
    `xref\n0 7\n0000000000 65535 f \n${entry(header.length)}${entry(at["2"]!)}${entry(at["3"]!)}${entry(at["4"]!)}${entry(five)}${entry(at["6"]!)}trailer\n<< /Size 7 /Root 2 0 R >>\n`;
  const firstPage = section(at["5-forged"]!);
  const main = start + body.length;
  const text = `${header}${linearization}${firstPage}${body}${section(at["5"]!)}startxref\n${main}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(text, "latin1"));
}

/** Appends an update that only adds a document information dictionary, padded to `length` bytes. */
function paddedInfoUpdate(signed: Uint8Array, length: number): Uint8Array {
  const attempt = (padding: number, digits: number) => {
    const file = readPdf(signed);
    const number = file.trailer.getNumber("Size")!;
    return writeIncrementalUpdate(file, [
      {
        objectNumber: number,
        value: new PdfDict([
          ["Title", new PdfString(Buffer.from("x".repeat(padding)))],
          ["Pad", 10 ** digits],
        ]),
      },
    ]).bytes;
  };
  // The writer may encode the padding two characters a byte: measure, then fix the parity with /Pad.
  // (measured near the target: the offsets' digit count changes on the way)
  const rough = Math.floor((length - attempt(0, 0).length) / 2) - 1000;
  const near = attempt(rough, 0).length;
  const slope = (attempt(rough + 1000, 0).length - near) / 1000;
  for (let digits = 0; digits < 4; digits++) {
    const base = attempt(rough, digits).length;
    const estimate = rough + Math.round((length - base) / slope);
    for (let padding = estimate - 4; padding <= estimate + 4; padding++) {
      const bytes = attempt(padding, digits);
      if (bytes.length === length) {
        return bytes;
      }
    }
  }
  throw new Error(`cannot pad the update to ${length} bytes`);
}

let pki: TestPki;
let temp: TempDir;

beforeAll(async () => {
  pki = await testPki();
  temp = await tempDir("lienthong-linearized-");
});

afterAll(async () => {
  await temp.cleanup();
});

describe("a linearization dictionary that claims the whole updated file", () => {
  it("shows poppler other content, and is refused (LINEARIZATION_POINTS_ELSEWHERE)", async () => {
    const claimed = 200_000; // above the signed letter (its signature placeholder is large)
    const signed = await signWith([pki.person], { pdf: linearizedLetter(claimed) });
    const forged = paddedInfoUpdate(signed, claimed);
    expect(forged.length).toBe(claimed);
    await writeFile(join(temp.dir, "signed.pdf"), signed);
    await writeFile(join(temp.dir, "forged.pdf"), forged);
    expect(await pdfText(join(temp.dir, "signed.pdf"))).toContain(SIGNED_LINE);
    expect(await pdfText(join(temp.dir, "forged.pdf"))).toContain(FORGED_LINE);
    const report = await validatePdf(forged, offlineOptions(pki));
    expect(report.verdict).not.toBe("TOTAL_PASSED");
    expect(report.signatures[0]?.changes[0]).toMatchObject({
      verdict: "refused",
      code: "LINEARIZATION_POINTS_ELSEWHERE",
    });
  });

  it("a signed linearized letter whose /L no longer matches passes", async () => {
    const signed = await signWith([pki.person], { pdf: linearizedLetter(1234) });
    const report = await validatePdf(signed, offlineOptions(pki));
    expect(report.verdict).toBe("TOTAL_PASSED");
  });
});
