import { beforeAll, describe, expect, it } from "vitest";
import { PdfDict, PdfRef } from "../../../shared/pdf/objects.ts";
import type { PdfFile } from "../../../shared/pdf/read-pdf.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import type { PdfSignatureInfo } from "../../../shared/pdf/signatures.ts";
import { checkByteRangeRules, derLength } from "../../../shared/verification/byte-range-rules.ts";
import { Outcome } from "../../../shared/verification/outcome.ts";
import type { ValidationReport } from "../../../shared/verification/report.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { offlineOptions, signWith, withByteRange } from "./helpers.ts";

let pki: TestPki;
let signed: Uint8Array;
let range: readonly [number, number, number, number];
let contents: { start: number; end: number };

beforeAll(async () => {
  pki = await testPki();
  signed = await signWith([pki.person]);
  const signature = readPdf(signed).signatures()[0]!;
  range = signature.byteRange as [number, number, number, number];
  contents = signature.contentsOffsets!;
});

function byteRangeCheck(report: ValidationReport): string | undefined {
  return report.signatures[0]?.checks.find((check) => check.name === "byte-range")?.code;
}

async function expectRuleFailure(bytes: Uint8Array, code: string): Promise<void> {
  const report = await validatePdf(bytes, offlineOptions(pki));
  expect(report.verdict).not.toBe("TOTAL_PASSED");
  expect(report.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "FORMAT_FAILURE" });
  expect(byteRangeCheck(report)).toBe(code);
}

describe("byte-range rules (ISO 32000-1 §12.8.1): each violation fails", () => {
  it("the untouched letter passes the rules", async () => {
    const report = await validatePdf(signed, offlineOptions(pki));
    expect(byteRangeCheck(report)).toBe("BYTE_RANGE_OK");
    expect(range[0]).toBe(0);
    expect(range[1]).toBe(contents.start);
    expect(range[2]).toBe(contents.end);
  });

  it("not exactly two ranges", async () => {
    await expectRuleFailure(
      withByteRange(signed, [0, range[1], range[2], range[3] - 10, range[2] + range[3] - 10, 10]),
      "BYTE_RANGE_NOT_TWO_RANGES",
    );
    await expectRuleFailure(withByteRange(signed, [0, signed.length]), "BYTE_RANGE_NOT_TWO_RANGES");
  });

  it("a first range that does not start at 0", async () => {
    await expectRuleFailure(
      withByteRange(signed, [5, range[1] - 5, range[2], range[3]]),
      "BYTE_RANGE_NOT_FROM_START",
    );
  });

  it("a widened or moved gap (signature wrapping)", async () => {
    await expectRuleFailure(
      withByteRange(signed, [0, range[1] - 20, range[2], range[3]]),
      "BYTE_RANGE_GAP_MISMATCH",
    );
    await expectRuleFailure(
      withByteRange(signed, [0, range[1], range[2] + 2, range[3] - 2]),
      "BYTE_RANGE_GAP_MISMATCH",
    );
  });

  it("a second range that stops before the end of the revision", async () => {
    await expectRuleFailure(
      withByteRange(signed, [0, range[1], range[2], range[3] - 30]),
      "BYTE_RANGE_NOT_AT_REVISION_END",
    );
  });

  it("ranges beyond the file", async () => {
    await expectRuleFailure(
      withByteRange(signed, [0, range[1], range[2], range[3] + 1000]),
      "BYTE_RANGE_OUTSIDE_FILE",
    );
  });

  it("a missing /ByteRange", async () => {
    const bytes = new Uint8Array(signed);
    const at = Buffer.from(bytes).indexOf("/ByteRange", range[0]);
    bytes.set(Buffer.from("/ByteRangX"), at);
    await expectRuleFailure(bytes, "BYTE_RANGE_MISSING");
  });

  it("non-zero bytes after the DER inside /Contents", async () => {
    const bytes = new Uint8Array(signed);
    bytes[contents.end - 2] = 0x41; // the last hex digit before ">" becomes "A"
    await expectRuleFailure(bytes, "CONTENTS_NOT_ZERO_PADDED");
  });

  it("a /Contents of zeros, or not a DER SEQUENCE", async () => {
    const zeros = new Uint8Array(signed);
    zeros.fill(0x30, contents.start + 1, contents.end - 1);
    await expectRuleFailure(zeros, "CONTENTS_NOT_DER");
  });

  it("a countersignature whose ranges are moved onto the first signature's gap", async () => {
    const two = await signWith([pki.person, pki.organisation]);
    const [first, second] = readPdf(two).signatures();
    const firstRange = first?.byteRange ?? [];
    const secondRange = second?.byteRange ?? [];
    const end = (secondRange[2] ?? 0) + (secondRange[3] ?? 0);
    const gapStart = firstRange[1] ?? 0;
    const gapEnd = firstRange[2] ?? 0;
    const moved = withByteRange(two, [0, gapStart, gapEnd, end - gapEnd]);
    const report = await validatePdf(moved, offlineOptions(pki));
    const code = (index: number) =>
      report.signatures[index]?.checks.find((c) => c.name === "byte-range")?.code;
    expect(code(1)).toBe("BYTE_RANGE_GAP_MISMATCH");
    // The two gaps now coincide, which the first signature's rules also refuse.
    expect(code(0)).toBe("BYTE_RANGE_OVERLAPS_OTHER_SIGNATURE");
    expect(report.verdict).toBe("TOTAL_FAILED");
  });

  it("two signatures sharing one gap", () => {
    const file = readPdf(signed);
    const original = file.signatures()[0]!;
    const twin: PdfSignatureInfo = {
      ...original,
      fieldName: "Twin",
      signatureRef: new PdfRef(9999),
      dictionary: new PdfDict(),
    };
    const outcome = new Outcome();
    const verdict = checkByteRangeRules(file as PdfFile, original, [original, twin], outcome);
    expect(verdict.ok).toBe(false);
    expect(outcome.checks[0]?.code).toBe("BYTE_RANGE_OVERLAPS_OTHER_SIGNATURE");
  });

  it("reads CMS lengths in short and long form and BER indefinite form, and refuses incomplete or other elements", () => {
    expect(derLength(Uint8Array.of(0x30, 0x03, 1, 2, 3))).toBe(5);
    expect(
      derLength(Uint8Array.from([0x30, 0x82, 0x01, 0x00, 0x04, 0x82, 0x00, 0xfc, ...new Array(252).fill(1)])),
    ).toBe(4 + 256);
    expect(derLength(Uint8Array.of(0x30, 0x82, 0x01, 0x00))).toBeUndefined(); // the content is missing
    expect(derLength(Uint8Array.of(0x30, 0x80))).toBeUndefined(); // indefinite, never ended
    expect(derLength(Uint8Array.of(0x30, 0x80, 0x04, 0x01, 7, 0, 0, 0, 0))).toBe(7); // BER, then padding
    expect(derLength(Uint8Array.of(0x04, 0x01, 0))).toBeUndefined();
  });
});
