/**
 * Countersigning our letters with another signer (issue 7): poppler 22.12's `pdfsig -add-signature`
 * (an NSS database holding the organisation's PKCS#12) adds its field to /AcroForm /Fields only
 * when the AcroForm is an indirect object — which our signer now writes when the letter has none.
 * The countersigned letter must verify: both signatures TOTAL_PASSED, trusting the test root, with
 * the organ binding. (poppler signs adbe.pkcs7.detached with a BER, indefinite-length CMS.)
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PdfDict, PdfRef } from "../../../shared/pdf/objects.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { signAll } from "../../support/attacks.ts";
import { makeLetterPdf, makeNssDb, pdfsig, signingCerts } from "../../support/pdf.ts";
import { type IssuedCert, TEST_ORGAN, type TestPki, testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";

const run = promisify(execFile);

let pki: TestPki;
let organisation: IssuedCert;
let dir: string;
let cleanup: () => Promise<void>;
let nss: string;
/** Signed by the person with our signer, then by the organisation with pdfsig. */
let signed: Uint8Array;
let countersigned: Uint8Array;

/** `pdfsig -add-signature` with the organisation's key from the NSS database; field "Seal". */
async function popplerCountersign(pdf: Uint8Array, name: string): Promise<Uint8Array> {
  const input = join(dir, `${name}-in.pdf`);
  const output = join(dir, `${name}-out.pdf`);
  await writeFile(input, pdf);
  await run("pdfsig", [
    "-nssdir",
    nss,
    "-add-signature",
    "-nick",
    organisation.certificate.subject.commonName!,
    "-new-signature-field-name",
    "Seal",
    "-reason",
    "Dong dau",
    input,
    output,
  ]);
  return new Uint8Array(await readFile(output));
}

/** /Root /AcroForm /Fields of the newest revision as qpdf reads it (`qpdf --json=2`): references like "17 0 R". */
async function qpdfFields(pdf: Uint8Array): Promise<{ fields: string[]; warnings: string }> {
  const path = join(dir, `qpdf-${Date.now()}.pdf`);
  await writeFile(path, pdf);
  // qpdf exits 3 when it only warned: keep its output and warnings.
  const { stdout, stderr } = await run("qpdf", ["--json=2", "--json-key=qpdf", path], {
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string; code?: number }) => {
    if (error.code !== 3) {
      throw error;
    }
    return { stdout: String(error.stdout), stderr: String(error.stderr) };
  });
  const objects = (JSON.parse(stdout) as { qpdf: [unknown, Record<string, { value: unknown }>] }).qpdf[1];
  const follow = (value: unknown): unknown =>
    typeof value === "string" && / R$/.test(value) ? objects[`obj:${value}`]?.value : value;
  const trailer = objects.trailer?.value as Record<string, unknown>;
  const root = follow(trailer["/Root"]) as Record<string, unknown>;
  const form = follow(root["/AcroForm"]) as Record<string, unknown>;
  return { fields: follow(form["/Fields"]) as string[], warnings: stderr };
}

beforeAll(async () => {
  pki = await testPki();
  // Certificates without CRL/OCSP pointers: NSS signs and checks them offline.
  const certs = await signingCerts(pki);
  organisation = certs.organisation;
  ({ dir, cleanup } = await tempDir("lienthong-poppler-"));
  nss = await makeNssDb(dir, pki.root.certPem, pki.intermediate.certPem);
  await writeFile(join(dir, "organisation.p12"), organisation.p12);
  await run("pk12util", ["-i", join(dir, "organisation.p12"), "-d", nss, "-W", organisation.p12Password]);
  signed = await signAll(await makeLetterPdf({ pages: 1 }), [certs.person]);
  countersigned = await popplerCountersign(signed, "letter");
});

afterAll(async () => {
  await cleanup?.();
});

describe("countersigning with poppler (pdfsig -add-signature)", () => {
  it("our signer leaves an indirect AcroForm, so poppler's new field lands in /Fields", async () => {
    const before = readPdf(signed);
    const root = before.resolve(before.trailer.getRef("Root")!) as PdfDict;
    expect(root.get("AcroForm")).toBeInstanceOf(PdfRef);

    const file = readPdf(countersigned);
    expect(file.revisions).toHaveLength(3);
    const signatures = file.signatures();
    expect(signatures.map((s) => [s.fieldName, s.revision, s.subFilter])).toEqual([
      ["Signature1", 1, "ETSI.CAdES.detached"],
      ["Seal", 2, "adbe.pkcs7.detached"],
    ]);
    const seal = signatures[1]!.fieldRef;
    const { fields, warnings } = await qpdfFields(countersigned);
    expect(fields).toEqual([String(signatures[0]!.fieldRef), String(seal)]);
    expect(warnings).not.toContain("not reachable from /AcroForm");
  });

  it("pdfsig finds both signatures valid and trusted", async () => {
    const path = join(dir, "countersigned.pdf");
    await writeFile(path, countersigned);
    const found = await pdfsig(path, nss);
    expect(found.map((s) => ({ valid: s.valid, trusted: s.trusted }))).toEqual([
      { valid: true, trusted: true },
      { valid: true, trusted: true },
    ]);
  });

  it("the poppler-countersigned letter verifies: both signatures TOTAL_PASSED", async () => {
    const report = await validatePdf(countersigned, {
      trustAnchors: [pki.root.certificate],
      crls: [pki.rootCrl, pki.intermediateCrl],
      offline: true,
      expectedOrganCode: TEST_ORGAN.code,
    });
    expect({
      verdict: report.verdict,
      signatures: report.signatures.map((s) => ({
        field: s.fieldName,
        indication: s.indication,
        failed: s.checks.filter((c) => c.status === "failed").map((c) => `${c.code}: ${c.detail}`),
      })),
    }).toEqual({
      verdict: "TOTAL_PASSED",
      signatures: [
        { field: "Signature1", indication: "TOTAL_PASSED", failed: [] },
        { field: "Seal", indication: "TOTAL_PASSED", failed: [] },
      ],
    });
    expect(report.signatures[0]?.modification).not.toBe("other");
    expect(report.signatures[1]?.coverage).toBe("whole-file");
  });
});
