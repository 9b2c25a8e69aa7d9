/**
 * The printed verification report, written by hand with the own subset-font embedder (no pdf-lib,
 * no fontkit), read back by independent tools: qpdf finds the file sound, pdfinfo its metadata and
 * pages, pdffonts two embedded subset fonts with ToUnicode, pdftotext the Vietnamese text, and
 * pdftoppm renders every page without complaint.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ValidationReport } from "../../../shared/verification/report.ts";
import { renderReportPdf } from "../../../shared/verification/report-pdf.ts";
import { WORDS } from "../../../shared/verification/summary.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { signAll } from "../../support/attacks.ts";
import { makeLetterPdf, qpdfCheck, signingCerts } from "../../support/pdf.ts";
import { testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { offlineOptions } from "./helpers.ts";

const run = promisify(execFile);

let dir: string;
let cleanup: () => Promise<void>;
let report: ValidationReport;

async function tool(command: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return run(command, [...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

async function written(name: string, pdf: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, pdf);
  return path;
}

beforeAll(async () => {
  const pki = await testPki();
  const { person, organisation } = await signingCerts(pki);
  ({ dir, cleanup } = await tempDir("lienthong-report-pdf-"));
  const signed = await signAll(await makeLetterPdf({ pages: 1 }), [person, organisation]);
  report = await validatePdf(signed, offlineOptions(pki));
}, 60_000);

afterAll(async () => {
  await cleanup?.();
});

describe("renderReportPdf", () => {
  it("writes a sound PDF with its title, and two embedded subset fonts with ToUnicode", async () => {
    const path = await written("report.pdf", await renderReportPdf(report, { title: "2491-STC-BCTC.pdf" }));

    await qpdfCheck(path);
    const info = (await tool("pdfinfo", ["-enc", "UTF-8", path])).stdout;
    expect(info).toMatch(/^Title:\s+Báo cáo kiểm tra chữ ký số \/ Signature verification report$/m);
    expect(info).toMatch(/^Producer:\s+Lienthong$/m);
    expect(info).toMatch(/^Page size:\s+595\.28 x 841\.89 pts \(A4\)/m);
    const rows = (await tool("pdffonts", [path])).stdout
      .split("\n")
      .slice(2)
      .filter((row) => row.trim() !== "");
    expect(rows.map((row) => row.split(/\s+/)[0]!.replace(/^[A-Z]{6}\+/, "")).sort()).toEqual([
      "LiberationSerif",
      "LiberationSerif-Bold",
    ]);
    for (const row of rows) {
      expect(row).toMatch(/^[A-Z]{6}\+\S+\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s/);
    }
  });

  it("gives back the Vietnamese text, the verdict, the file's digest and each check's code", async () => {
    const path = await written("text.pdf", await renderReportPdf(report, { title: "2491-STC-BCTC.pdf" }));

    const text = (await tool("pdftotext", ["-enc", "UTF-8", path, "-"])).stdout;
    expect(report.verdict).toBe("TOTAL_PASSED");
    for (const expected of [
      "BÁO CÁO KIỂM TRA CHỮ KÝ SỐ",
      "SIGNATURE VERIFICATION REPORT",
      "2491-STC-BCTC.pdf",
      `Kết quả / Result: ${WORDS.vi.verdict.TOTAL_PASSED} / ${WORDS.en.verdict.TOTAL_PASSED}`,
      report.document.sha256,
      "Chữ ký / Signature 1",
      "Chữ ký / Signature 2",
      "Các bước kiểm tra / Checks",
    ]) {
      expect(text).toContain(expected);
    }
    for (const check of report.signatures[0]!.checks) {
      expect(text).toContain(check.code);
    }
    expect(text).toBe(text.normalize("NFC"));
  });

  it("flows a long report over several pages, every one rendered without errors", async () => {
    const long: ValidationReport = {
      ...report,
      signatures: Array.from({ length: 6 }, () => report.signatures[0]!),
    };
    const path = await written("long.pdf", await renderReportPdf(long));

    const pages = Number(/^Pages:\s+(\d+)$/m.exec((await tool("pdfinfo", [path])).stdout)![1]);
    expect(pages).toBeGreaterThan(1);
    const text = (await tool("pdftotext", ["-enc", "UTF-8", path, "-"])).stdout;
    const lastCode = report.signatures[0]!.checks.at(-1)!.code;
    expect(text.split(lastCode).length - 1).toBeGreaterThanOrEqual(6);
    const lastPage = (
      await tool("pdftotext", ["-enc", "UTF-8", "-f", String(pages), "-l", String(pages), path, "-"])
    ).stdout;
    expect(lastPage.trim()).not.toBe("");
    const { stderr } = await tool("pdftoppm", ["-r", "30", "-png", path, join(dir, "page")]);
    expect(stderr).toBe("");
  });

  it("gives the same bytes for the same report", async () => {
    const a = await renderReportPdf(report);
    const b = await renderReportPdf(report);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
  });

  it("refuses font bytes that are not a TrueType font with APPEARANCE_FONT_INVALID", async () => {
    await expect(renderReportPdf(report, { fontBytes: new Uint8Array(100).fill(1) })).rejects.toMatchObject({
      code: "APPEARANCE_FONT_INVALID",
    });
  });
});
