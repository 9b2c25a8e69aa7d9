/**
 * "Letters signed by other tools must verify when they are genuine", and forged ones must not:
 * @libpdf/core 0.4.2 (alone, countersigning our signature, countersigned by our seal),
 * @signpdf/signpdf 3.3 (a single signature: it rewrites the file with pdf-lib first), and CMS
 * signatures made by `openssl cms -sign` over our placeholder's byte ranges (default attributes,
 * `-cades`, `-noattr`). Every letter is checked by `validatePdf` against the test PKI (the test
 * root trusted, offline with the test CRLs, organ 000.00.11.H53 expected) and by pdfsig (poppler
 * 22.12, an NSS database) as an independent tool; each tool's CMS also by `openssl cms -verify`.
 * Each genuine letter has two forged twins: one byte the tool signed changed (a digit of its
 * signature's /M: HASH_FAILURE for it and every later signature), and the first page's content
 * rewritten in a later incremental update (not TOTAL_PASSED).
 *
 * pdfsig reports "Unknown issue with Certificate" for certificates that name an OCSP responder
 * nobody answers at (the test PKI's person and seal do): so every letter is made twice, with the
 * test PKI's PKCS#12s (the verifier's cases, pdfsig checks the signatures) and with the same
 * subjects from the same intermediate without revocation pointers (`signingCerts`), for which
 * pdfsig must also say "Certificate is Trusted.". Poppler's own signer is covered in
 * test/unit/signing/poppler-countersign.test.ts; `openssl cms -verify` of our own signer's CMS in
 * test/unit/cms/create-cms-signature.test.ts and test/unit/cli/sign.test.ts.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignatureReport, ValidationReport } from "../../../shared/verification/report.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { opensslPrint } from "../../support/openssl.ts";
import {
  changeSignedByte,
  libpdfSign,
  opensslSignPdf,
  rewritePageContent,
  signpdfSign,
} from "../../support/other-signers.ts";
import {
  extractSignature,
  makeNssDb,
  opensslVerify,
  type PdfsigSignature,
  pdfsig,
  signingCerts,
  toXrefStreamPdf,
} from "../../support/pdf.ts";
import { type IssuedCert, type TestPki, testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";
import { ORGAN, offlineOptions, signWith, unsignedLetter } from "./helpers.ts";

interface Certs {
  readonly person: IssuedCert;
  readonly organisation: IssuedCert;
}

/** The genuine letters, by name. */
const LETTERS = [
  "libpdf",
  "libpdfAdbe",
  "libpdfXrefStream",
  "oursThenLibpdf",
  "libpdfThenOurs",
  "signpdf",
  "opensslAttributes",
  "opensslCades",
  "opensslNoAttributes",
] as const;
type LetterName = (typeof LETTERS)[number];
type Letters = Readonly<Record<LetterName, Uint8Array>>;

/** Which tool made the signature (beside our own signer) in each letter. */
const TOOL: Readonly<Record<LetterName, string>> = {
  libpdf: "@libpdf/core",
  libpdfAdbe: "@libpdf/core",
  libpdfXrefStream: "@libpdf/core",
  oursThenLibpdf: "@libpdf/core",
  libpdfThenOurs: "@libpdf/core",
  signpdf: "@signpdf/signpdf",
  opensslAttributes: "openssl cms -sign",
  opensslCades: "openssl cms -sign",
  opensslNoAttributes: "openssl cms -sign",
};

/** The index of the signature the other tool made (the one whose signed byte the forged twin changes). */
const TOOL_SIGNATURE: Readonly<Record<LetterName, number>> = {
  libpdf: 0,
  libpdfAdbe: 0,
  libpdfXrefStream: 0,
  oursThenLibpdf: 1,
  libpdfThenOurs: 0,
  signpdf: 0,
  opensslAttributes: 0,
  opensslCades: 0,
  opensslNoAttributes: 0,
};

const PERSON = "Trần Thị Bích Ngọc";
const SEAL = "Sở Tài chính tỉnh Tây Ninh";
const SIGNED_AT = new Date("2025-03-05T07:02:11Z");
const SEALED_AT = new Date("2025-03-05T07:10:00Z");

/** Every signature each letter must have, in revision order: field, /SubFilter, signer's common name. */
const EXPECTED: Readonly<Record<LetterName, readonly (readonly [string, string, string])[]>> = {
  libpdf: [["Signature_1", "ETSI.CAdES.detached", PERSON]],
  libpdfAdbe: [["Signature_1", "adbe.pkcs7.detached", PERSON]],
  libpdfXrefStream: [["Signature_1", "ETSI.CAdES.detached", PERSON]],
  oursThenLibpdf: [
    ["Signature1", "ETSI.CAdES.detached", PERSON],
    ["Signature_1", "ETSI.CAdES.detached", SEAL],
  ],
  libpdfThenOurs: [
    ["Signature_1", "ETSI.CAdES.detached", PERSON],
    ["Signature1", "ETSI.CAdES.detached", SEAL],
  ],
  signpdf: [["Signature1", "adbe.pkcs7.detached", PERSON]],
  opensslAttributes: [["Signature1", "adbe.pkcs7.detached", PERSON]],
  opensslCades: [["Signature1", "ETSI.CAdES.detached", PERSON]],
  opensslNoAttributes: [["Signature1", "adbe.pkcs7.detached", PERSON]],
};

let pki: TestPki;
let temp: TempDir;
let nss: string;
/** Root and intermediate PEM, for `openssl cms -verify -CAfile`. */
let caBundle: string;
/** Signed with the test PKI's person and seal PKCS#12s. */
let letters: Letters;
/** The same letters signed with {@link signingCerts} (no CRL/OCSP pointers), for pdfsig's trust. */
let nssLetters: Letters;
let fileCounter = 0;

/** Makes every genuine letter with `certs`; `tag` keeps openssl's file names apart. */
async function makeLetters(certs: Certs, tag: string): Promise<Letters> {
  const letter = await unsignedLetter();
  const { person, organisation } = certs;
  const libpdf = await libpdfSign(letter, person, { signingTime: SIGNED_AT });
  const ours = await signWith([person], { signingTime: SIGNED_AT });
  const openssl = (
    attributes: "default" | "cades" | "none",
    subFilter: "adbe.pkcs7.detached" | "ETSI.CAdES.detached",
  ) =>
    opensslSignPdf(letter, person, temp, {
      attributes,
      subFilter,
      signingTime: SIGNED_AT,
      name: `${tag}-${attributes}`,
    });
  return {
    libpdf,
    libpdfAdbe: await libpdfSign(letter, person, {
      signingTime: SIGNED_AT,
      subFilter: "adbe.pkcs7.detached",
    }),
    libpdfXrefStream: await libpdfSign(await toXrefStreamPdf(letter), person, { signingTime: SIGNED_AT }),
    oursThenLibpdf: await libpdfSign(ours, organisation, { reason: "Đóng dấu", signingTime: SEALED_AT }),
    libpdfThenOurs: await signWith([organisation], { pdf: libpdf, signingTime: SEALED_AT }),
    signpdf: await signpdfSign(letter, person, { signingTime: SIGNED_AT }),
    opensslAttributes: await openssl("default", "adbe.pkcs7.detached"),
    opensslCades: await openssl("cades", "ETSI.CAdES.detached"),
    opensslNoAttributes: await openssl("none", "adbe.pkcs7.detached"),
  };
}

beforeAll(async () => {
  pki = await testPki();
  temp = await tempDir("lienthong-other-signers-");
  nss = await makeNssDb(temp.dir, pki.root.certPem, pki.intermediate.certPem, [
    pki.rootCrl,
    pki.intermediateCrl,
  ]);
  caBundle = pki.root.certPem + pki.intermediate.certPem;
  letters = await makeLetters(pki, "pki");
  nssLetters = await makeLetters(await signingCerts(pki), "nss");
});

afterAll(async () => {
  await temp?.cleanup();
});

function validate(bytes: Uint8Array): Promise<ValidationReport> {
  return validatePdf(bytes, offlineOptions(pki, { expectedOrganCode: ORGAN }));
}

function check(signature: SignatureReport | undefined, name: string) {
  return signature?.checks.find((c) => c.name === name);
}

/** What the tests compare: verdict, problems, and per signature what matters, failing checks spelled out. */
function summary(report: ValidationReport) {
  return {
    verdict: report.verdict,
    problems: report.problems.map((problem) => problem.code),
    signatures: report.signatures.map((signature) => ({
      field: signature.fieldName,
      subFilter: signature.subFilter,
      signer: signature.signer?.name,
      indication: signature.indication,
      subIndication: signature.subIndication,
      organBinding: check(signature, "organ-binding")?.status,
      revocation: signature.revocation.status,
      failed: signature.checks
        .filter((c) => c.status === "failed")
        .map((c) => `${c.name} ${c.code}: ${c.detail}`),
    })),
  };
}

/** Every signature TOTAL_PASSED, organ bound, CRL good; the newest covering the whole file. */
async function expectGenuine(name: LetterName, bytes: Uint8Array): Promise<ValidationReport> {
  const report = await validate(bytes);
  expect({ name, ...summary(report) }).toEqual({
    name,
    verdict: "TOTAL_PASSED",
    problems: [],
    signatures: EXPECTED[name].map(([field, subFilter, signer]) => ({
      field,
      subFilter,
      signer,
      indication: "TOTAL_PASSED",
      subIndication: undefined,
      organBinding: "passed",
      revocation: "good",
      failed: [],
    })),
  });
  const last = report.signatures.length - 1;
  expect(report.signatures.map((s) => [s.coverage, s.modification])).toEqual(
    report.signatures.map((_, i) =>
      i === last ? ["whole-file", "none"] : ["revision", "signatures-and-validation-data"],
    ),
  );
  return report;
}

async function pdfsigOf(bytes: Uint8Array): Promise<PdfsigSignature[]> {
  const path = join(temp.dir, `pdfsig-${fileCounter++}.pdf`);
  await writeFile(path, bytes);
  return pdfsig(path, nss);
}

/** pdfsig's view: valid, digest good, the newest signature covering the whole file, the signer's name. */
function pdfsigSummary(found: readonly PdfsigSignature[], withTrust: boolean) {
  return found.map((s) => ({
    valid: s.valid,
    digestMismatch: s.digestMismatch,
    totalDocumentSigned: s.totalDocumentSigned,
    signer: s.signerName,
    ...(withTrust ? { trusted: s.trusted } : {}),
  }));
}

function expectedPdfsig(name: LetterName, withTrust: boolean) {
  const expected = EXPECTED[name];
  return expected.map(([, , signer], i) => ({
    valid: true,
    digestMismatch: false,
    totalDocumentSigned: i === expected.length - 1,
    signer,
    ...(withTrust ? { trusted: true } : {}),
  }));
}

/** The genuine-letter checks of one letter: the verifier, pdfsig on both certificate sets, openssl on the CMSs. */
async function expectAllAgree(name: LetterName): Promise<ValidationReport> {
  const report = await expectGenuine(name, letters[name]);
  await expectGenuine(name, nssLetters[name]);
  expect({ name, pdfsig: pdfsigSummary(await pdfsigOf(letters[name]), false) }).toEqual({
    name,
    pdfsig: expectedPdfsig(name, false),
  });
  expect({ name, pdfsig: pdfsigSummary(await pdfsigOf(nssLetters[name]), true) }).toEqual({
    name,
    pdfsig: expectedPdfsig(name, true),
  });
  for (const index of EXPECTED[name].keys()) {
    expect({ name, index, openssl: await opensslVerify(letters[name], index, caBundle, temp.dir) }).toEqual({
      name,
      index,
      openssl: 0,
    });
  }
  return report;
}

/** Signed attribute names of the n-th signature's CMS as `openssl cms -cmsout -print` lists them. */
async function signedAttributes(bytes: Uint8Array, index: number): Promise<string[]> {
  const path = join(temp.dir, `print-${fileCounter++}.p7s`);
  await writeFile(path, extractSignature(bytes, index).cms);
  const text = await opensslPrint(path);
  const section = /signedAttrs:([\s\S]*?)\n\s*signatureAlgorithm:/.exec(text)?.[1] ?? "";
  return [...section.matchAll(/object: (\S+)/g)].map((m) => m[1]!);
}

describe("@libpdf/core 0.4.2", () => {
  it("signs our unsigned letter: TOTAL_PASSED, and pdfsig and openssl agree", async () => {
    const report = await expectAllAgree("libpdf");
    expect(report.document.revisions).toBe(2); // an incremental update on pdf-lib's classic xref
    expect(report.signatures[0]).toMatchObject({
      reason: "Ký số văn bản",
      claimedSigningTime: SIGNED_AT.toISOString(),
    });
    expect(check(report.signatures[0], "signing-certificate-reference")?.status).toBe("passed");
  });

  it("writes a signing-time signed attribute (always) beside signing-certificate-v2: that is fine", async () => {
    const attributes = await signedAttributes(letters.libpdf, 0);
    expect(attributes).toEqual(
      expect.arrayContaining([
        "contentType",
        "messageDigest",
        "signingTime",
        "id-smime-aa-signingCertificateV2",
      ]),
    );
    const report = await validate(letters.libpdf);
    expect(report.signatures[0]?.indication).toBe("TOTAL_PASSED");
  });

  it("signs with adbe.pkcs7.detached, and on an xref-stream letter: TOTAL_PASSED", async () => {
    await expectAllAgree("libpdfAdbe");
    await expectAllAgree("libpdfXrefStream");
  });

  it("countersigns our signed letter (the seal): both signatures TOTAL_PASSED", async () => {
    const report = await expectAllAgree("oursThenLibpdf");
    expect(report.signatures.map((s) => s.reason)).toEqual(["Ký số văn bản", "Đóng dấu"]);
    expect(report.signatures[0]?.changes.every((change) => change.verdict === "allowed")).toBe(true);
  });

  it("a letter it signed, sealed by our signer: both signatures TOTAL_PASSED", async () => {
    const report = await expectAllAgree("libpdfThenOurs");
    expect(report.signatures[0]?.changes.every((change) => change.verdict === "allowed")).toBe(true);
  });
});

describe("@signpdf/signpdf 3.3 (placeholder-pdf-lib, signer-p12)", () => {
  it("a single signature covering the whole file: TOTAL_PASSED, and pdfsig and openssl agree", async () => {
    const report = await expectAllAgree("signpdf");
    // node-forge's pkcs7 signer writes no ESS attribute: allowed for adbe.pkcs7.detached.
    expect(check(report.signatures[0], "signing-certificate-reference")).toMatchObject({
      status: "skipped",
      code: "ESS_CERT_ID_ABSENT",
    });
    expect(await signedAttributes(letters.signpdf, 0)).toContain("signingTime");
  });

  it("cannot countersign: its pdf-lib rewrite breaks our earlier signature, and the verifier says so", async () => {
    const signed = await signWith([pki.person], { signingTime: SIGNED_AT });
    const rewritten = await signpdfSign(signed, pki.organisation, { signingTime: SEALED_AT });
    const report = await validate(rewritten);
    expect(report.verdict).toBe("TOTAL_FAILED");
    // The rewritten file keeps the old signature dictionary, whose /ByteRange now points at other
    // bytes: its gap is no longer its /Contents.
    expect(report.signatures).toHaveLength(2);
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
    });
    expect(check(report.signatures[0], "byte-range")?.code).toBe("BYTE_RANGE_GAP_MISMATCH");
    // pdfsig agrees that the old signature is broken.
    const found = await pdfsigOf(rewritten);
    expect(found[0]).toMatchObject({ valid: false, digestMismatch: true, signerName: PERSON });
  });

  it("with /SubFilter ETSI.CAdES.detached but no signing-certificate-v2: refused as not PAdES (FORMAT_FAILURE)", async () => {
    const bytes = await signpdfSign(await unsignedLetter(), pki.person, { subFilter: "ETSI.CAdES.detached" });
    const report = await validate(bytes);
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
    });
    expect(check(report.signatures[0], "signing-certificate-reference")).toMatchObject({
      status: "failed",
      code: "ESS_CERT_ID_MISSING",
    });
  });
});

describe("openssl cms -sign over our placeholder's byte ranges", () => {
  it("default signed attributes, adbe.pkcs7.detached: TOTAL_PASSED", async () => {
    await expectAllAgree("opensslAttributes");
    expect(await signedAttributes(letters.opensslAttributes, 0)).toEqual(
      expect.arrayContaining(["contentType", "signingTime", "messageDigest"]),
    );
  });

  it("-cades (signing-certificate-v2), ETSI.CAdES.detached: TOTAL_PASSED", async () => {
    const report = await expectAllAgree("opensslCades");
    expect(check(report.signatures[0], "signing-certificate-reference")?.status).toBe("passed");
  });

  it("-noattr, adbe.pkcs7.detached: TOTAL_PASSED with a passed NOT_PADES_BASELINE check", async () => {
    const report = await expectAllAgree("opensslNoAttributes");
    expect(await signedAttributes(letters.opensslNoAttributes, 0)).toEqual([]);
    expect(report.signatures[0]?.checks).toContainEqual(
      expect.objectContaining({ name: "cms-structure", status: "passed", code: "NOT_PADES_BASELINE" }),
    );
  });

  it("ETSI.CAdES.detached without signing-certificate-v2, or without signed attributes: refused (FORMAT_FAILURE)", async () => {
    const letter = await unsignedLetter();
    const plain = await opensslSignPdf(letter, pki.person, temp, {
      attributes: "default",
      subFilter: "ETSI.CAdES.detached",
      name: "etsi-plain",
    });
    const bare = await opensslSignPdf(letter, pki.person, temp, {
      attributes: "none",
      subFilter: "ETSI.CAdES.detached",
      name: "etsi-bare",
    });
    const plainReport = await validate(plain);
    expect(plainReport.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
    });
    expect(check(plainReport.signatures[0], "signing-certificate-reference")?.code).toBe(
      "ESS_CERT_ID_MISSING",
    );
    const bareReport = await validate(bare);
    expect(bareReport.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
    });
    expect(check(bareReport.signatures[0], "cms-structure")?.code).toBe("NO_SIGNED_ATTRIBUTES");
  });
});

describe("forged twins of every genuine letter", () => {
  it.each(LETTERS)("%s: one byte the tool signed changed → HASH_FAILURE, pdfsig agrees", async (name) => {
    const target = TOOL_SIGNATURE[name];
    const forged = changeSignedByte(letters[name], target);
    const report = await validate(forged);
    expect({ name, tool: TOOL[name], verdict: report.verdict }).toEqual({
      name,
      tool: TOOL[name],
      verdict: "TOTAL_FAILED",
    });
    // The changed signature and every later one (they cover its revision) fail; earlier ones pass.
    const broken = (i: number): boolean => i >= target;
    expect(report.signatures.map((s) => [s.indication, s.subIndication])).toEqual(
      EXPECTED[name].map((_, i) =>
        broken(i) ? ["TOTAL_FAILED", "HASH_FAILURE"] : ["TOTAL_PASSED", undefined],
      ),
    );
    expect(report.signatures.map((s) => check(s, "message-digest")?.status)).toEqual(
      EXPECTED[name].map((_, i) => (broken(i) ? "failed" : "passed")),
    );
    // NSS says "Digest Mismatch." when it can compare the messageDigest attribute; without signed
    // attributes (-noattr) the signature value itself is over the digest, so "Signature is Invalid.".
    const message = name === "opensslNoAttributes" ? "Signature is Invalid." : "Digest Mismatch.";
    const found = await pdfsigOf(forged);
    expect(found.map((s) => ({ valid: s.valid, says: s.text.includes(message) }))).toEqual(
      EXPECTED[name].map((_, i) => ({ valid: !broken(i), says: broken(i) })),
    );
  });

  it.each(LETTERS)(
    "%s: the page's content rewritten in a later incremental update → not TOTAL_PASSED",
    async (name) => {
      const forged = rewritePageContent(letters[name]);
      const report = await validate(forged);
      expect({ name, tool: TOOL[name], passed: report.verdict === "TOTAL_PASSED" }).toEqual({
        name,
        tool: TOOL[name],
        passed: false,
      });
      // Every signature covers a revision before the rewrite: none may pass, each says "other".
      expect(report.signatures.map((s) => [s.indication === "TOTAL_PASSED", s.modification])).toEqual(
        EXPECTED[name].map(() => [false, "other"]),
      );
      // pdfsig checks only the digests: they still match, but no signature covers the whole file.
      const found = await pdfsigOf(forged);
      expect(found.map((s) => ({ valid: s.valid, totalDocumentSigned: s.totalDocumentSigned }))).toEqual(
        EXPECTED[name].map(() => ({ valid: true, totalDocumentSigned: false })),
      );
    },
  );
});
