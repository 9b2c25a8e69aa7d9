/**
 * Issue 7, "what was refused that must pass": countersignatures the way Acrobat-like writers make
 * them (test/support/acrobat-like.ts) on letters the person signed with our signer, then the
 * organ's seal in one update that also adds a /DR font, copies /Annots, fills a pre-placed field,
 * raises /Version with /Extensions, rewrites the XMP metadata, or re-emits a page unchanged. Every
 * signature of these must pass, the first with its "modifications" check passed as
 * ALLOWED_MODIFICATIONS and every entry of its change list (`changes`) "allowed". Their twins,
 * with one change that is not bookkeeping on top, must not: the first signature fails its
 * "modifications" check (MODIFIED_AFTER_SIGNING_…) with a "refused" change listed, while the seal
 * itself still passes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { listPages } from "../../../shared/pdf/pages.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import type { SignatureReport, ValidationReport } from "../../../shared/verification/report.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import {
  type AcrobatLikeLetterOptions,
  acrobatLikeLetter,
  acrobatLikeSign,
  addDrFont,
  type Edit,
  fillPreplacedField,
  javaScriptOpenAction,
  newSignatureField,
  PREPLACED_FIELD,
  raiseVersion,
  reemitPage,
  updateXmpMetadata,
} from "../../support/acrobat-like.ts";
import { signAll, signerOf } from "../../support/attacks.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { ORGAN, offlineOptions } from "./helpers.ts";

let pki: TestPki;

const SEAL_TIME = new Date("2025-03-05T07:10:00Z");

beforeAll(async () => {
  pki = await testPki();
});

/** The base letter signed by the person with our signer, then sealed by the organisation with `edits`. */
async function sealed(base: AcrobatLikeLetterOptions, edits: readonly Edit[]): Promise<Uint8Array> {
  const signed = await signAll(await acrobatLikeLetter(base), [pki.person]);
  return acrobatLikeSign(signed, signerOf(pki.organisation), edits, { signingTime: SEAL_TIME });
}

function modifications(signature: SignatureReport | undefined) {
  return signature?.checks.find((check) => check.name === "modifications");
}

/** What the test compares: verdicts, indications and the modifications checks, with the failing checks for a readable diff. */
function summary(report: ValidationReport) {
  return {
    verdict: report.verdict,
    problems: report.problems.map((problem) => problem.code),
    signatures: report.signatures.map((signature) => ({
      field: signature.fieldName,
      indication: signature.indication,
      modifications: modifications(signature)?.code,
      failed: signature.checks
        .filter((check) => check.status === "failed")
        .map((c) => `${c.code}: ${c.detail}`),
    })),
  };
}

async function expectAllPass(bytes: Uint8Array, sealField = "Seal"): Promise<void> {
  const report = await validatePdf(bytes, offlineOptions(pki, { expectedOrganCode: ORGAN }));
  expect(summary(report)).toEqual({
    verdict: "TOTAL_PASSED",
    problems: [],
    signatures: [
      { field: "Signature1", indication: "TOTAL_PASSED", modifications: "ALLOWED_MODIFICATIONS", failed: [] },
      { field: sealField, indication: "TOTAL_PASSED", modifications: "NO_MODIFICATIONS", failed: [] },
    ],
  });
  expect(modifications(report.signatures[0])?.status).toBe("passed");
  expect(report.signatures[0]?.modification).not.toBe("other");
  expect(report.signatures[0]?.coverage).toBe("revision");
  expect(report.signatures[1]?.coverage).toBe("whole-file");
  // The change list: the seal's update is listed after the person's signature, every change allowed.
  const changes = report.signatures[0]?.changes;
  expect(Array.isArray(changes)).toBe(true);
  expect(changes?.length).toBeGreaterThan(0);
  expect(changes?.filter((change) => change.verdict !== "allowed")).toEqual([]);
  expect(report.signatures[1]?.changes).toEqual([]);
}

async function expectFirstRefused(bytes: Uint8Array, sealField = "Seal"): Promise<void> {
  const report = await validatePdf(bytes, offlineOptions(pki, { expectedOrganCode: ORGAN }));
  const [person, seal] = report.signatures;
  expect({
    verdict: report.verdict,
    person: { indication: person?.indication, modification: person?.modification },
    seal: { field: seal?.fieldName, indication: seal?.indication },
  }).toEqual({
    verdict: "TOTAL_FAILED",
    person: { indication: "TOTAL_FAILED", modification: "other" },
    seal: { field: sealField, indication: "TOTAL_PASSED" },
  });
  expect(modifications(person)).toMatchObject({
    status: "failed",
    code: expect.stringMatching(/^MODIFIED_AFTER_SIGNING_/),
  });
  expect(Array.isArray(person?.changes)).toBe(true);
  expect(person?.changes.some((change) => change.verdict === "refused")).toBe(true);
}

describe("Acrobat-like countersignatures pass (issue 7)", () => {
  it("builds what it claims: one signed update after the person's, the catalog raised, the field filled", async () => {
    const bytes = await sealed({ preplaced: true }, [
      fillPreplacedField(),
      addDrFont(),
      raiseVersion(),
      updateXmpMetadata(),
    ]);
    const file = readPdf(bytes);
    expect(file.revisions).toHaveLength(3);
    expect(file.signatures().map((s) => [s.fieldName, s.revision])).toEqual([
      ["Signature1", 1],
      [PREPLACED_FIELD, 2],
    ]);
    expect(Buffer.from(bytes.subarray(0, 8)).toString("latin1")).toBe("%PDF-1.4");
  });

  it("the baseline: our own signer's seal on the same letter (its /OpenAction pointing to page 1)", async () => {
    const base = await acrobatLikeLetter({ preplaced: true });
    await expectAllPass(await signAll(base, [pki.person, pki.organisation]), "Signature2");
  });

  it("a plain new signature field, as our signer would add it, on a letter without /OpenAction", async () => {
    await expectAllPass(await sealed({ openAction: false }, [newSignatureField()]));
  });

  describe("(a) a font added to the AcroForm's /DR", () => {
    it("to an existing /DR /Font", async () => {
      await expectAllPass(await sealed({ dr: "direct" }, [newSignatureField(), addDrFont()]));
    });
    it("creating /DR", async () => {
      await expectAllPass(await sealed({ dr: "none" }, [newSignatureField(), addDrFont()]));
    });
    it("to an indirect /DR /Font dictionary", async () => {
      await expectAllPass(await sealed({ dr: "indirect-font" }, [newSignatureField(), addDrFont()]));
    });
  });

  describe("(b) page /Annots replaced by an extended copy", () => {
    it("direct in the page: a direct extended copy", async () => {
      await expectAllPass(await sealed({ annots: "direct" }, [newSignatureField({ annots: "copy" })]));
    });
    it("indirect: a new array object", async () => {
      await expectAllPass(await sealed({ annots: "indirect" }, [newSignatureField({ annots: "copy" })]));
    });
  });

  it("(c) a pre-placed empty signature field filled, with /F, /Ff, /Lock and /MK set", async () => {
    await expectAllPass(await sealed({ preplaced: true }, [fillPreplacedField()]), PREPLACED_FIELD);
  });

  it("(d) the catalog's /Version raised, with /Extensions (ADBE ExtensionLevel 8)", async () => {
    await expectAllPass(await sealed({}, [newSignatureField(), raiseVersion()]));
  });

  it("(e) the XMP /Metadata stream rewritten with a new xmp:ModifyDate", async () => {
    await expectAllPass(await sealed({}, [newSignatureField(), updateXmpMetadata()]));
  });

  it("all of them in one update: a new field with an /Annots copy (indirect), /DR, /Version, XMP", async () => {
    await expectAllPass(
      await sealed({ annots: "indirect", dr: "indirect-font", preplaced: true }, [
        newSignatureField({ annots: "copy" }),
        addDrFont(),
        raiseVersion(),
        updateXmpMetadata(),
      ]),
    );
  });

  it("all of them in one update: the pre-placed field filled, /DR created, /Version, XMP", async () => {
    await expectAllPass(
      await sealed({ dr: "none", preplaced: true }, [
        fillPreplacedField(),
        addDrFont(),
        raiseVersion(),
        updateXmpMetadata(),
      ]),
      PREPLACED_FIELD,
    );
  });

  it.each([30, 200])(
    "a page holding a %i-level nested direct array, re-emitted unchanged by the seal's revision",
    async (depth) => {
      const bytes = await sealed({ pages: 2, nestedDepth: depth }, [newSignatureField(), reemitPage(1)]);
      // The seal's revision defines the second page again, and the nested array is all there.
      const file = readPdf(bytes);
      const page = listPages(file)[1]!;
      expect(file.locate(page.ref)?.revision).toBe(2);
      let nested = page.dict.get("Lienthong.Nested");
      let levels = 0;
      while (Array.isArray(nested)) {
        levels++;
        nested = nested[0];
      }
      expect(levels).toBe(depth);
      await expectAllPass(bytes);
    },
  );
});

describe("their twins with one more change do not pass", () => {
  it("(a) the /DR addition also points an existing font name at another font", async () => {
    await expectFirstRefused(
      await sealed({ dr: "direct" }, [newSignatureField(), addDrFont({ replace: "Helv" })]),
    );
  });

  it("(b) the /Annots copy leaves out an old annotation", async () => {
    for (const annots of ["direct", "indirect"] as const) {
      await expectFirstRefused(
        await sealed({ annots }, [newSignatureField({ annots: "copy", dropLink: true })]),
      );
    }
  });

  it("(b) the /Annots copy also adds an annotation that is not a signature widget", async () => {
    for (const annots of ["direct", "indirect"] as const) {
      await expectFirstRefused(
        await sealed({ annots }, [newSignatureField({ annots: "copy", addFreeText: true })]),
      );
    }
  });

  it("(c) the pre-placed field is also moved", async () => {
    await expectFirstRefused(
      await sealed({ preplaced: true }, [fillPreplacedField({ moveRect: [85, 600, 245, 720] })]),
      PREPLACED_FIELD,
    );
  });

  it("(d) /Version raised and /OpenAction changed", async () => {
    await expectFirstRefused(
      await sealed({}, [newSignatureField(), raiseVersion({ openAction: javaScriptOpenAction() })]),
    );
  });
});
