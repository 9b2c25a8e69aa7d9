import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { command } from "../../../cli/commands/verify.ts";
import { writeIncrementalUpdate } from "../../../shared/pdf/incremental-update.ts";
import { type PdfDict, PdfName } from "../../../shared/pdf/objects.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { signDetached } from "../../../shared/signing/sign-detached.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import type { ValidationReport } from "../../../shared/verification/report.ts";
import { renderReportPdf } from "../../../shared/verification/report-pdf.ts";
import { summarise } from "../../../shared/verification/summary.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { offlineOptions, signWith } from "./helpers.ts";

const run = promisify(execFile);

/** One chunk as the async byte stream `signDetached` reads. */
async function* chunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

let pki: TestPki;
let dir: string;
let cleanup: () => Promise<void>;
const path = (name: string): string => join(dir, name);

beforeAll(async () => {
  pki = await testPki();
  ({ dir, cleanup } = await tempDir("lienthong-verify-cli-"));
  await writeFile(path("good.pdf"), await signWith([pki.person, pki.organisation]));
  await writeFile(path("revoked.pdf"), await signWith([pki.revoked]));
  await writeFile(path("root.pem"), pki.root.certPem);
  await writeFile(path("root.crl"), pki.rootCrl);
  await writeFile(path("intermediate.crl"), pki.intermediateCrl);
  await writeFile(path("not-a-pdf.pdf"), "hello");
  const content = new Uint8Array(Buffer.from("phụ lục"));
  await writeFile(path("appendix.txt"), content);
  const signer = SoftwareSigner.fromPkcs12(pki.organisation.p12, pki.organisation.p12Password);
  await writeFile(path("appendix.txt.p7s"), await signDetached(chunks(content), { signer }));
});

afterAll(async () => {
  await cleanup?.();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs the command in-process, capturing what it prints. */
async function verify(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...items: unknown[]) => {
    out.push(items.join(" "));
  });
  vi.spyOn(console, "error").mockImplementation((...items: unknown[]) => {
    err.push(items.join(" "));
  });
  const code = await command.run(args);
  vi.restoreAllMocks();
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const offline = (): string[] => [
  "--trust",
  path("root.pem"),
  "--crl",
  path("root.crl"),
  "--crl",
  path("intermediate.crl"),
  "--offline",
];

describe("lienthong verify", () => {
  it("exits 0 for a valid letter and prints the JSON report", async () => {
    const { code, out } = await verify([
      path("good.pdf"),
      ...offline(),
      "--json",
      "--organ",
      "000.00.11.H53",
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as ValidationReport;
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures).toHaveLength(2);
    for (const signature of report.signatures) {
      expect(signature.indication).toBe("TOTAL_PASSED");
      expect(["none", "signatures-and-validation-data"]).toContain(signature.modification);
    }
  });

  it("exits 1 for a revoked signer, with the sub-indication in the JSON", async () => {
    const { code, out } = await verify([path("revoked.pdf"), ...offline(), "--json"]);
    expect(code).toBe(1);
    const report = JSON.parse(out) as ValidationReport;
    expect(report.verdict).toBe("TOTAL_FAILED");
    expect(report.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "REVOKED" });
  });

  it("exits 1 (indeterminate) offline without CRLs, and prints a Vietnamese summary by default", async () => {
    const { code, out } = await verify([path("good.pdf"), "--trust", path("root.pem"), "--offline"]);
    expect(code).toBe(1);
    expect(out).toContain("CHƯA XÁC ĐỊNH ĐƯỢC");
    expect(out).toContain("Trần Thị Bích Ngọc");
  });

  it("with --json, a file refused as a whole still prints a TOTAL_FAILED report naming the code (exit 2)", async () => {
    const refused = await verify([path("not-a-pdf.pdf"), ...offline(), "--json"]);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.out)).toMatchObject({
      verdict: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
      problems: [{ code: "PDF_MALFORMED" }],
      signatures: [],
    });
    expect(refused.err).toContain("PDF_MALFORMED");
  });

  it("exits 2 for unusable input or arguments, with one line naming the code", async () => {
    const notPdf = await verify([path("not-a-pdf.pdf"), ...offline()]);
    expect(notPdf.code).toBe(2);
    expect(notPdf.err).toContain("PDF_MALFORMED");
    expect(notPdf.err).toContain("Tệp không phải là PDF đọc được");
    expect(notPdf.err.split("\n")).toHaveLength(1);
    expect((await verify([path("missing.pdf"), ...offline()])).code).toBe(2);
    expect((await verify([path("good.pdf")])).err).toContain("TRUST_ANCHORS_MISSING");
    expect((await verify([path("good.pdf"), "--bogus"])).code).toBe(2);
    expect((await verify([path("good.pdf"), ...offline(), "--lang", "fr"])).code).toBe(2);
    expect((await verify([])).code).toBe(2);
    expect((await verify([path("good.pdf"), "--trust", path("not-a-pdf.pdf")])).code).toBe(2);
  });

  it("verifies a detached signature with --p7s", async () => {
    const { code, out } = await verify([
      path("appendix.txt"),
      "--p7s",
      path("appendix.txt.p7s"),
      ...offline(),
      "--lang",
      "en",
    ]);
    expect(code).toBe(0);
    expect(out).toContain("Letter: VALID");
  });

  it("writes a printable PDF report whose text shows the verdict", async () => {
    const { code } = await verify([path("revoked.pdf"), ...offline(), "--report", path("report.pdf")]);
    expect(code).toBe(1);
    const { stdout } = await run("pdftotext", ["-enc", "UTF-8", path("report.pdf"), "-"]);
    expect(stdout).toContain("KHÔNG HỢP LỆ / NOT VALID");
    expect(stdout).toContain("REVOKED");
    expect(stdout).toContain("SHA-256");
  });

  it("prints help and exits 0", async () => {
    const { code, out } = await verify(["--help"]);
    expect(code).toBe(0);
    expect(out).toContain("--crl");
  });

  it("runs as a real process with the documented exit codes", async () => {
    const bin = join(import.meta.dirname, "../../../cli/bin.js");
    const good = await run("node", [bin, "verify", path("good.pdf"), ...offline()]).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
    expect(good).toBe(0);
    const bad = await run("node", [bin, "verify", path("revoked.pdf"), ...offline()]).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
    expect(bad).toBe(1);
  });
});

describe("summary and PDF report", () => {
  it("summarises in Vietnamese and English, one line per signature, with the reason when not valid", async () => {
    const good = await validatePdf(await readFile(path("good.pdf")), offlineOptions(pki));
    const vi = summarise(good, "vi").split("\n");
    expect(vi[0]).toBe("Văn bản: HỢP LỆ");
    expect(vi).toHaveLength(3);
    expect(vi[1]).toContain("Chữ ký 1: Trần Thị Bích Ngọc (Phó Giám đốc), cơ quan 000.00.11.H53");
    expect(vi[1]).toContain("(+07:00)");
    const bad = await validatePdf(await readFile(path("revoked.pdf")), offlineOptions(pki));
    const en = summarise(bad, "en");
    expect(en).toContain("Letter: NOT VALID");
    expect(en).toContain("the certificate has been revoked");
    expect(summarise(bad, "vi")).toContain("chứng thư số đã bị thu hồi");
  });

  it("says whether a format failure is a change after signing or an unreadable signature", async () => {
    const good = await readFile(path("good.pdf"));
    const file = readPdf(good);
    const rootRef = file.trailer.getRef("Root")!;
    const catalog = file.resolve(rootRef) as PdfDict;
    const changed = writeIncrementalUpdate(file, [
      { objectNumber: rootRef.objectNumber, value: catalog.with({ PageMode: new PdfName("FullScreen") }) },
    ]).bytes;
    const modified = summarise(await validatePdf(changed, offlineOptions(pki)), "en");
    expect(modified).toContain(
      "the letter was changed after signing [MODIFIED_AFTER_SIGNING_CATALOG_CHANGED]",
    );
    expect(summarise(await validatePdf(changed, offlineOptions(pki)), "vi")).toContain(
      "văn bản đã bị sửa đổi sau khi ký",
    );
    // The first /Contents no longer starts a SEQUENCE: the signed bytes are intact, the CMS unreadable.
    const text = Buffer.from(good).toString("latin1");
    const at = text.indexOf("/Contents <30") + "/Contents <".length;
    const broken = Buffer.from(good);
    broken.write("31", at, "latin1");
    // (The seal covers the first /Contents: it now reports the change, rightly.)
    const unreadable = summarise(await validatePdf(broken, offlineOptions(pki)), "en").split("\n")[1];
    expect(unreadable).toContain("Signature 1:");
    expect(unreadable).toContain("the digital signature cannot be read");
    expect(unreadable).not.toContain("changed after signing");
  });

  it("renders a multi-signature report to a PDF that pdftotext can read", async () => {
    const report = await validatePdf(await readFile(path("good.pdf")), offlineOptions(pki));
    const pdf = await renderReportPdf(report, { title: "good.pdf" });
    await writeFile(path("good-report.pdf"), pdf);
    const { stdout } = await run("pdftotext", ["-enc", "UTF-8", path("good-report.pdf"), "-"]);
    expect(stdout).toContain("BÁO CÁO KIỂM TRA CHỮ KÝ SỐ");
    expect(stdout).toContain("HỢP LỆ / VALID");
    expect(stdout).toContain(report.document.sha256);
    expect(stdout).toContain("BYTE_RANGE_OK");
    expect(stdout).toContain("Chữ ký / Signature 2");
  });
});
