/**
 * The signer never gives a new object a number that the letter already refers to without defining
 * it: filling such a reference changes signed content (and the verifier refuses it as
 * DANGLING_REFERENCE_FILLED), so a genuine countersignature would be refused.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { PdfRef } from "../../../shared/pdf/objects.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { MINIMAL_BODIES, rawPdf } from "../../support/pdf.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { offlineOptions, signWith } from "../verification/helpers.ts";

let pki: TestPki;

beforeAll(async () => {
  pki = await testPki();
});

describe("object numbers of a signature", () => {
  it("skip numbers that signed content refers to without defining them", async () => {
    // The page names a resource dictionary, object 6, that the file (Size 4) does not define.
    const letter = rawPdf([
      MINIMAL_BODIES[0]!,
      MINIMAL_BODIES[1]!,
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources 6 0 R >>",
    ]);
    const signed = await signWith([pki.person, pki.organisation], { pdf: letter });
    const file = readPdf(signed);
    expect(file.resolve(new PdfRef(6))).toBeUndefined();
    const report = await validatePdf(signed, offlineOptions(pki));
    expect(report.signatures.map((signature) => signature.indication)).toEqual([
      "TOTAL_PASSED",
      "TOTAL_PASSED",
    ]);
    expect(report.signatures[0]?.changes.filter((change) => change.verdict === "refused")).toEqual([]);
  });
});
