/**
 * Signing damaged but readable letters (issue 9 item 14). qpdf and poppler read a letter whose
 * /Length is wrong, whose cross-reference offsets miss their objects (bytes inserted by an
 * editor) or whose startxref is wrong; `lienthong sign` rewrites such a letter as a clean file
 * when it has no signature, says so, and the result passes the verifier, pdfsig and
 * `qpdf --check`, rendering and extracting exactly as the damaged file did. A damaged letter
 * that is already signed is refused with PDF_DAMAGED_SIGNED (rewriting it would break its
 * signatures), never with a stack trace.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../../cli/main.ts";
import { ERROR_CODES } from "../../../shared/errors/codes.ts";
import { listPages } from "../../../shared/pdf/pages.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { signPdf, signPdfParts } from "../../../shared/signing/sign-pdf.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import {
  makeLetterPdf,
  makeNssDb,
  pdfsig,
  pdfText,
  qpdfCheck,
  renderPage,
  signingCerts,
} from "../../support/pdf.ts";
import { type IssuedCert, type TestPki, testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";

const run = promisify(execFile);

let pki: TestPki;
let person: IssuedCert;
let signer: SoftwareSigner;
let dir: string;
let cleanup: () => Promise<void>;
let nss: string;
let p12: string;
let letter: Uint8Array;

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");
const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));

/** The first stream's /Length off by `delta` (the data is untouched). */
function wrongLength(pdf: Uint8Array, delta: number): Uint8Array {
  const text = latin1(pdf);
  const match = /\/Length (\d+)/.exec(text)!;
  return bytesOf(
    `${text.slice(0, match.index)}/Length ${Number(match[1]) + delta}${text.slice(match.index + match[0].length)}`,
  );
}

/** A comment inserted after the first object, as an editor that does not fix the xref would: every later offset is wrong. */
function shiftedOffsets(pdf: Uint8Array): Uint8Array {
  const text = latin1(pdf);
  const at = text.indexOf("endobj\n") + 7;
  return bytesOf(`${text.slice(0, at)}% edited by hand, cross-reference not updated\n${text.slice(at)}`);
}

/** The newest xref table's entry for `objectNumber` pointing `delta` bytes off. */
function wrongXrefEntry(pdf: Uint8Array, objectNumber: number, delta: number): Uint8Array {
  const text = latin1(pdf);
  const table = text.lastIndexOf("\nxref\n") + 6;
  const first = text.indexOf("\n", table) + 1; // after the "0 N" subsection header
  const entry = first + 20 * objectNumber;
  const offset = Number(text.slice(entry, entry + 10));
  return bytesOf(
    `${text.slice(0, entry)}${String(offset + delta).padStart(10, "0")}${text.slice(entry + 10)}`,
  );
}

/** The last startxref pointing `delta` bytes before the xref section. */
function wrongStartxref(pdf: Uint8Array, delta: number): Uint8Array {
  const text = latin1(pdf);
  const at = text.lastIndexOf("startxref\n") + 10;
  const value = /\d+/.exec(text.slice(at))![0];
  return bytesOf(`${text.slice(0, at)}${Number(value) - delta}${text.slice(at + value.length)}`);
}

/** Runs `lienthong …` in-process; the exit code and what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi
    .spyOn(console, "log")
    .mockImplementation((...args: unknown[]) => void out.push(args.join(" ")));
  const error = vi
    .spyOn(console, "error")
    .mockImplementation((...args: unknown[]) => void err.push(args.join(" ")));
  try {
    const code = await main(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

function sign(input: string, output: string): Promise<{ code: number; out: string; err: string }> {
  return cli("sign", input, "-o", output, "--p12", p12, "--password", person.p12Password);
}

/** qpdf's warnings about `path`: it reads the file (exit 0 or 3, "operation succeeded with warnings"). */
async function qpdfWarnings(path: string): Promise<string> {
  return run("qpdf", ["--check", path]).then(
    () => "",
    (error: { code?: number; stderr?: string }) => {
      expect(error.code).toBe(3);
      return String(error.stderr);
    },
  );
}

/** SHA-256 of each page rendered by pdftoppm (PNG): equal digests, identical pixels. */
async function renders(path: string, pages: number): Promise<string[]> {
  const out: string[] = [];
  for (let page = 1; page <= pages; page++) {
    out.push(
      createHash("sha256")
        .update(await renderPage(path, page, dir))
        .digest("hex"),
    );
  }
  return out;
}

beforeAll(async () => {
  pki = await testPki();
  // Without CRL/OCSP pointers, so that pdfsig trusts the signature offline.
  person = (await signingCerts(pki)).person;
  signer = SoftwareSigner.fromPkcs12(person.p12, person.p12Password);
  ({ dir, cleanup } = await tempDir("lienthong-damaged-"));
  nss = await makeNssDb(dir, pki.root.certPem, pki.intermediate.certPem);
  p12 = join(dir, "person.p12");
  await writeFile(p12, person.p12);
  letter = await makeLetterPdf({ pages: 2 });
});

afterAll(async () => {
  await cleanup?.();
});

const DAMAGE: readonly [string, (pdf: Uint8Array) => Uint8Array][] = [
  ["a /Length too long and every later xref offset wrong", (pdf) => shiftedOffsets(wrongLength(pdf, 37))],
  ["a /Length too short", (pdf) => wrongLength(pdf, -30)],
  ["one xref entry a few bytes off", (pdf) => wrongXrefEntry(pdf, 3, 5)],
  ["a wrong startxref", (pdf) => wrongStartxref(pdf, 7)],
];

describe("signing a damaged letter that has no signature: repaired, said so, and valid everywhere", () => {
  it("the combined damage is what today's signer refuses: 'no object header at offset …'", async () => {
    const damaged = DAMAGE[0]![1](letter);
    await expect(signPdf(damaged, { signer })).rejects.toMatchObject({
      code: "PDF_MALFORMED",
      message: expect.stringContaining("no object header at offset"),
    });
  });

  it.each(DAMAGE)("%s", async (name, damage) => {
    const slug = name.replace(/\W+/g, "-");
    const damaged = damage(letter);
    const input = join(dir, `${slug}.pdf`);
    const output = join(dir, `${slug}-signed.pdf`);
    await writeFile(input, damaged);
    // Damaged (qpdf warns) but readable (qpdf and poppler read the letter).
    expect(await qpdfWarnings(input)).toMatch(/WARNING/);
    const text = await pdfText(input);
    expect(text).toContain("Trang 2/2");

    const result = await sign(input, output);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toContain(`${input}: damaged (`);
    expect(result.out).toContain("rewritten as a clean file before signing");
    expect(result.out).toContain("đã được ghi lại thành tệp sạch trước khi ký");

    const signed = new Uint8Array(await readFile(output));
    const report = await validatePdf(signed, {
      trustAnchors: [pki.root.certificate],
      crls: [pki.rootCrl, pki.intermediateCrl],
      offline: true,
    });
    expect({
      verdict: report.verdict,
      failed: report.signatures.flatMap((s) =>
        s.checks.filter((c) => c.status === "failed").map((c) => c.code),
      ),
    }).toEqual({ verdict: "TOTAL_PASSED", failed: [] });
    const popplers = await pdfsig(output, nss);
    expect(
      popplers.map((s) => ({ valid: s.valid, trusted: s.trusted, total: s.totalDocumentSigned })),
    ).toEqual([{ valid: true, trusted: true, total: true }]);
    expect(await qpdfCheck(output)).toContain("No syntax or stream encoding errors");

    // What it shows is what the damaged file showed (and the intact letter shows).
    expect(await pdfText(output)).toBe(text);
    const intact = join(dir, "intact.pdf");
    await writeFile(intact, letter);
    expect(await renders(output, 2)).toEqual(await renders(input, 2));
    expect(await renders(output, 2)).toEqual(await renders(intact, 2));
  });

  it("reports the repair in the result; an intact letter is signed in place, not rewritten", async () => {
    const damaged = DAMAGE[0]![1](letter);
    const repaired = await signPdfParts(damaged, { signer, repair: true });
    expect(repaired.repaired?.problems.length).toBeGreaterThan(0);
    expect(listPages(readPdf(Buffer.concat([repaired.base, repaired.update])))).toHaveLength(2);

    const intact = await signPdfParts(letter, { signer, repair: true });
    expect(intact.repaired).toBeUndefined();
    expect(intact.base).toBe(letter);
    // Without `repair`, the library keeps refusing what it cannot read.
    await expect(signPdfParts(damaged, { signer })).rejects.toMatchObject({ code: "PDF_MALFORMED" });
  });
});

describe("a damaged letter that is already signed is refused", () => {
  it.each([
    ["a wrong startxref", (pdf: Uint8Array) => wrongStartxref(pdf, 7)],
    ["bytes inserted before the signature", (pdf: Uint8Array) => shiftedOffsets(pdf)],
    ["one xref entry off", (pdf: Uint8Array) => wrongXrefEntry(pdf, 3, 5)],
  ])("%s: PDF_DAMAGED_SIGNED in vi and en, nothing written, no stack trace", async (name, damage) => {
    const damaged = damage(await signPdf(letter, { signer }));
    const slug = name.replace(/\W+/g, "-");
    const input = join(dir, `signed-${slug}.pdf`);
    const output = join(dir, `signed-${slug}-out.pdf`);
    await writeFile(input, damaged);

    const result = await sign(input, output);
    expect(result.code).toBe(2);
    const info = ERROR_CODES.PDF_DAMAGED_SIGNED;
    expect(result.err).toContain(`lienthong sign: PDF_DAMAGED_SIGNED: ${info.en} / ${info.vi}`);
    expect(result.err).not.toMatch(/\n\s+at /);
    expect(result.out).toBe("");
    expect(existsSync(output)).toBe(false);

    await expect(signPdfParts(damaged, { signer, repair: true })).rejects.toMatchObject({
      code: "PDF_DAMAGED_SIGNED",
    });
  });
});
