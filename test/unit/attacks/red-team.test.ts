/**
 * The red team's findings (test/support/red-team.ts) against `validatePdf`, one test per file.
 *
 * A forgery must first be real: what poppler shows of the affected page (pdftotext, a pdftoppm
 * render) differs between the revision the first signature signed and the whole file. Then the
 * report must refuse it: not TOTAL_PASSED, the first signature's "modifications" check failed with
 * the expected code, and the offending change listed first in `signatures[0].changes`, refused.
 * A genuine counter-signature, a false alarm and a control must pass, and the rendering oracle must
 * find nothing shown that was not signed (outside later signatures' widgets).
 *
 * The "gap" tests were forgeries this suite found the verifier passing; each has a "poppler shows it"
 * half and a "not TOTAL_PASSED" half.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ValidationOptions } from "../../../shared/verification/options.ts";
import type { SignatureReport, ValidationReport } from "../../../shared/verification/report.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { corpusSigners } from "../../support/attacks.ts";
import { pdfText, renderPage } from "../../support/pdf.ts";
import { testPki } from "../../support/pki.ts";
import {
  annotsIsContents,
  annotsIsOtherPagesContents,
  directItemsInAnnotsObject,
  directLinkAnnotation,
  emptySignatureFieldAppearance,
  emptySignatureFieldMk,
  formCounterSigned,
  gapPaddedObjectNumber,
  gapPaddingBeforeEof,
  gapWrongGeneration,
  hybridFreeEntry,
  indirectRect,
  indirectRectArray,
  linearizedLetter,
  missingObjectReconstruct,
  missingObjectReconstructInXmp,
  nullAnnotation,
  type RedTeamBuilder,
  type RedTeamFile,
  sharedDrFont,
  sharedDrFontOfXObject,
  sharedDrInheritedResources,
  sharedDrResources,
  signatureFieldAsFontMap,
  signatureFieldAsXObjectMap,
  xrefReconstruction,
  xrefReconstructionPaddedBeforeEof,
} from "../../support/red-team.ts";
import { checkRendering, describeDifferences } from "../../support/render-oracle.ts";
import { tempDir } from "../../support/temp-dir.ts";

const pki = await testPki();
const signers = await corpusSigners(pki);
const work = await tempDir("lienthong-red-team-");
afterAll(() => work.cleanup());

/** Offline: the test root as the only anchor, both CAs' CRLs. */
const options: ValidationOptions = {
  trustAnchors: [pki.root.certificate],
  crls: [pki.rootCrl, pki.intermediateCrl],
  offline: true,
};

// ---------------------------------------------------------------------------------------------
// What poppler shows
// ---------------------------------------------------------------------------------------------

interface View {
  readonly text: string;
  readonly render: Uint8Array;
}

let views = 0;

async function viewOf(bytes: Uint8Array, page: number): Promise<View> {
  // One directory per file: renderPage names its output by the millisecond.
  const dir = join(work.dir, `view-${views++}`);
  await mkdir(dir);
  const path = join(dir, "letter.pdf");
  await writeFile(path, bytes);
  const [text, render] = await Promise.all([pdfText(path, page), renderPage(path, page, dir)]);
  return { text, render };
}

function expectSignedPrefix(file: RedTeamFile): void {
  const prefix = Buffer.from(file.bytes.subarray(0, file.signed.length));
  expect(
    Buffer.compare(prefix, Buffer.from(file.signed)),
    `${file.name}: the signed revision is a prefix`,
  ).toBe(0);
  expect(file.bytes.length).toBeGreaterThan(file.signed.length);
}

/** The forgery is real: poppler shows page `file.page` otherwise than it was signed. */
async function expectViewerChange(file: RedTeamFile): Promise<void> {
  expectSignedPrefix(file);
  const [before, after] = await Promise.all([viewOf(file.signed, file.page), viewOf(file.bytes, file.page)]);
  if (file.shows !== undefined) {
    expect(before.text, `${file.name}: the signed page`).not.toContain(file.shows);
    expect(after.text, `${file.name}: the page now`).toContain(file.shows);
  }
  const differs = before.text !== after.text || Buffer.compare(before.render, after.render) !== 0;
  expect(differs, `${file.name}: poppler shows page ${file.page} as it was signed`).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// What the report says
// ---------------------------------------------------------------------------------------------

function modificationsCode(signature: SignatureReport): string | undefined {
  return signature.checks.find((check) => check.name === "modifications")?.code;
}

function summary(report: ValidationReport): string {
  return `${report.verdict}: ${report.signatures
    .map((s) => {
      const changes = s.changes.map(
        (c) => `${c.verdict} ${c.code}${c.object !== undefined ? ` (${c.object})` : ""}`,
      );
      return `#${s.index} ${s.indication} ${modificationsCode(s) ?? "-"} [${changes.join(", ")}]`;
    })
    .join(" | ")}`;
}

function first(report: ValidationReport): SignatureReport {
  const signature = report.signatures[0];
  expect(signature, "the report has no signature").toBeDefined();
  return signature!;
}

interface Refusal {
  /** The first refused change's code. */
  readonly code: string;
  /** The "modifications" check's code; default MODIFIED_AFTER_SIGNING_<code>. */
  readonly check?: string;
}

async function expectRefused(file: RedTeamFile, refusal: Refusal): Promise<void> {
  const report = await validatePdf(file.bytes, options);
  const why = `${file.name}: ${summary(report)}`;
  const signature = first(report);
  expect(report.verdict, why).not.toBe("TOTAL_PASSED");
  expect(signature.indication, why).not.toBe("TOTAL_PASSED");
  expect(signature.signedRevision?.length, why).toBe(file.signed.length);
  expect(modificationsCode(signature), why).toBe(refusal.check ?? `MODIFIED_AFTER_SIGNING_${refusal.code}`);
  expect(signature.changes[0], why).toMatchObject({
    verdict: "refused",
    code: refusal.code,
    ...(file.target !== undefined ? { object: file.target } : {}),
  });
}

/** TOTAL_PASSED, and the rendering oracle finds every signature's signed revision shown. */
async function expectPassed(file: RedTeamFile): Promise<ValidationReport> {
  expectSignedPrefix(file);
  const report = await validatePdf(file.bytes, options);
  const why = `${file.name}: ${summary(report)}`;
  expect(report.verdict, why).toBe("TOTAL_PASSED");
  expect(first(report).signedRevision?.length, why).toBe(file.signed.length);
  const oracle = await checkRendering(file.bytes, report);
  expect(oracle.checked, why).toEqual(report.signatures.map((_, i) => i));
  expect(oracle.differences, `${file.name}: ${describeDifferences(oracle.differences)}`).toEqual([]);
  return report;
}

/** A forgery the verifier must refuse with `refusal`. */
function forgery(title: string, build: RedTeamBuilder, refusal: Refusal): void {
  it(title, async () => {
    const file = await build(signers);
    await expectViewerChange(file);
    await expectRefused(file, refusal);
  });
}

/** A legitimate file that must pass. */
function legitimate(title: string, build: RedTeamBuilder): void {
  it(title, async () => {
    await expectPassed(await build(signers));
  });
}

/** The builder's file, made once for the two tests of a gap. */
function once(build: RedTeamBuilder): () => Promise<RedTeamFile> {
  let file: Promise<RedTeamFile> | undefined;
  return () => {
    file ??= build(signers);
    return file;
  };
}

async function expectNotPassed(file: RedTeamFile): Promise<void> {
  const report = await validatePdf(file.bytes, options);
  expect(report.verdict, `${file.name}: ${summary(report)}`).not.toBe("TOTAL_PASSED");
}

// ---------------------------------------------------------------------------------------------
// The findings
// ---------------------------------------------------------------------------------------------

describe("a, a2: the AcroForm's /DR shared with resources that content draws from", () => {
  forgery("a: the page's /Resources /Font is the /DR /Font; a font name added", sharedDrFont, {
    code: "OBJECT_CHANGED",
  });
  forgery("a, variant: a Form XObject's /Resources /Font is the /DR /Font", sharedDrFontOfXObject, {
    code: "OBJECT_CHANGED",
  });
  forgery("a2: the page's /Resources is the /DR; an /XObject category added", sharedDrResources, {
    code: "OBJECT_CHANGED",
  });
  forgery(
    "a2, variant: the /DR is the /Resources the page inherits from its /Pages node",
    sharedDrInheritedResources,
    { code: "OBJECT_CHANGED" },
  );
});

describe("b, b2: poppler rebuilds the cross-reference and takes a hidden object definition", () => {
  forgery("b: a /DSS stream hides '4 0 obj', then 40,000 newlines after %%EOF", xrefReconstruction, {
    check: "DATA_AFTER_LAST_EOF",
    code: "UNREFERENCED_OBJECT_DEFINITION",
  });
  forgery(
    "b, variant: the same, with 40,000 spaces before the last %%EOF instead of after it",
    xrefReconstructionPaddedBeforeEof,
    { check: "DATA_AFTER_LAST_EOF", code: "UNREFERENCED_OBJECT_DEFINITION" },
  );
  forgery(
    "b2: /Info refers to an undefined object; a /DSS stream hides a copy of the content stream",
    missingObjectReconstruct,
    { code: "UNREFERENCED_OBJECT_DEFINITION" },
  );
  forgery(
    "b2, variant: the copy of the content stream hidden in the rewritten XMP /Metadata stream",
    missingObjectReconstructInXmp,
    { code: "UNREFERENCED_OBJECT_DEFINITION" },
  );

  const zeroPadded = once(gapPaddedObjectNumber);
  const zeroPaddedTitle =
    "b, gap 1: '0000000000004 0 obj' hidden in a /DSS stream, 40,000 spaces before %%EOF";
  it(`${zeroPaddedTitle}: poppler shows the forged amount`, async () => {
    await expectViewerChange(await zeroPadded());
  });
  // Was a gap, two holes together: object headers written with more digits ("0000000000004 0 obj",
  // "4 0000000 obj") or a vertical tab, which poppler's rebuild reads but integrity.ts's scan missed;
  // and whitespace between `startxref N` and the last %%EOF, which no limit covered. Both closed:
  // the scan is as loose as poppler's, and the last `startxref` must sit within 1 KB of the end.
  it(`${zeroPaddedTitle}: not TOTAL_PASSED`, async () => {
    await expectNotPassed(await zeroPadded());
  });

  const paddedEof = once(gapPaddingBeforeEof);
  const paddedEofTitle =
    "b, gap 2: a letter signed with an uncompressed PDF attachment, then an /Info update with 40,000 spaces before %%EOF";
  it(`${paddedEofTitle}: poppler shows the attachment's amount`, async () => {
    await expectViewerChange(await paddedEof());
  });
  // Was a gap: the same padding before %%EOF, and nothing hidden in the update (the definitions
  // poppler takes when it rebuilds are in the signed revision itself, an attached PDF). Closed by
  // refusing what makes poppler rebuild: the last `startxref` far from the end of the file.
  it(`${paddedEofTitle}: not TOTAL_PASSED`, async () => {
    await expectNotPassed(await paddedEof());
  });

  const wrongGeneration = once(gapWrongGeneration);
  const wrongGenerationTitle =
    "b2, gap 3: the same letter, then /Info /GTS_PDFA1Version 1 1 R (the catalog is 1 0, no 1 1 exists)";
  it(`${wrongGenerationTitle}: poppler shows the attachment's amount`, async () => {
    await expectViewerChange(await wrongGeneration());
  });
  // Was a gap: references.ts marked objects as seen by object number only, so `1 1 R` was skipped
  // once `1 0 R` had been visited; poppler then rebuilds the cross-reference by scanning. References
  // are now tracked by number and generation (REFERENCE_TO_MISSING_OBJECT).
  it(`${wrongGenerationTitle}: not TOTAL_PASSED`, async () => {
    await expectNotPassed(await wrongGeneration());
  });
});

describe("c: /Annots that is also content", () => {
  forgery(
    "c: page 2's /Annots is its /Contents array; the counter-signer appends its widget",
    annotsIsContents,
    { code: "OBJECT_CHANGED" },
  );
  forgery(
    "c, variant: page 2's /Annots is page 1's /Contents array; the widget goes on page 2",
    annotsIsOtherPagesContents,
    { code: "OBJECT_CHANGED" },
  );
});

describe("d, d2: an empty signature field changed without being signed", () => {
  forgery("d: an empty field over the body gets an appearance", emptySignatureFieldAppearance, {
    code: "SIGNATURE_FIELD_CHANGED",
  });
  forgery(
    "d, variant: an empty field without appearance gets /MK colours (poppler draws them)",
    emptySignatureFieldMk,
    { code: "SIGNATURE_FIELD_CHANGED" },
  );
  forgery(
    "d2: the page's /XObject map is an empty signature field; /SV set to a Form XObject",
    signatureFieldAsXObjectMap,
    { code: "OBJECT_CHANGED" },
  );
  forgery(
    "d2, variant: the page's /Font map is an empty signature field; /Lock set to a font",
    signatureFieldAsFontMap,
    { code: "OBJECT_CHANGED" },
  );
});

describe("g: a genuine counter-signature whose widget /Rect is not four direct numbers", () => {
  for (const [title, build] of [
    ["g: /Rect [a b c d] with each number an indirect object", indirectRect],
    ["g, variant: /Rect an indirect array, upper-right corner first, one number indirect", indirectRectArray],
  ] as const) {
    it(`${title}: passes, and the report says where it paints`, async () => {
      const file = await build(signers);
      // The widget does paint over the letter: only paintedAfter tells the reader.
      await expectViewerChange(file);
      const report = await expectPassed(file);
      expect(first(report).paintedAfter, summary(report)).toEqual([
        expect.objectContaining({ kind: "signature", page: 1, rect: file.painted, by: 1 }),
      ]);
    });
  }
});

describe("fa1: direct items in a signed page's /Annots, then an ordinary counter-signature", () => {
  legitimate("fa1: a direct Link annotation", directLinkAnnotation);
  legitimate("fa1: a null item", nullAnnotation);
  legitimate(
    "fa1, variant: /Annots its own object holding a direct Text annotation, a null and a reference",
    directItemsInAnnotsObject,
  );
});

describe("controls", () => {
  legitimate("e: a hybrid-reference update marking the content free, a byte-identical copy", hybridFreeEntry);
  legitimate("fa2: a linearized letter, signed and counter-signed", (s) => linearizedLetter(s, false));
  legitimate("fa2: a linearized letter with object streams, signed and counter-signed", (s) =>
    linearizedLetter(s, true),
  );
  legitimate("fa3: the form letter, signed and counter-signed with a visible seal", formCounterSigned);
});
