/**
 * `lienthong edxml inspect`: what a clerk sees of a package, offline, with the documented exit codes
 * (0 parsed, 1 parsed with warnings, 2 refused or bad arguments), in text and JSON.
 */
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../../cli/main.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { FIXTURES } from "../edxml/helpers.ts";

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

const letter = join(FIXTURES, "edoc_update.edxml");
const status = join(FIXTURES, "status_acceptance_03.edxml");
let temp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  temp = await tempDir("lienthong-edxml-cli-");
});
afterAll(async () => {
  await temp.cleanup();
});

describe("lienthong edxml inspect", () => {
  it("prints a letter: sender, recipients, number, dates, subject, type, business, attachments, warnings (exit 1)", async () => {
    const { code, out } = await cli("edxml", "inspect", letter);
    expect(code).toBe(1);
    expect(out).toContain("000.00.00.G22  Văn phòng Chính phủ");
    for (const organ of ["000.00.00.H41", "000.00.00.H14", "000.00.00.G17"]) {
      expect(out).toContain(organ);
    }
    expect(out).toContain("7816/VPCP-TTĐT");
    expect(out).toMatch(/Promulgated: +2018-09-28, Hà Nội/);
    expect(out).toMatch(/Due: +2018-09-28/);
    expect(out).toContain("V/v kết nối, liên thông phần mềm quản lý văn bản");
    expect(out).toContain("Công văn (1/0)");
    expect(out).toContain("2 update — Cập nhật văn bản điện tử");
    expect(out).toContain("1896_QD-TTg_m_294779.doc  application/zip  270823 bytes");
    expect(out).toContain("sha256 51653b9613f7f0275b43f80704033299740c702f354f44a06f55770cfbb0b135");
    expect(out).toContain("EDXML_ATTACHMENT_MISMATCH");
    expect(out).toContain("EDXML_SIGNATURE_PLACEHOLDER");
  });

  it("prints a status package with its code (exit 0: no warnings)", async () => {
    const { code, out } = await cli("edxml", "inspect", status);
    expect(code).toBe(0);
    expect(out).toMatch(/Status: +03 accepted/);
    expect(out).toContain("7816/VPCP-TTĐT of 000.00.00.G22 (2015-09-30)");
    expect(out).toMatch(/Timestamp: +2015-09-20T11:08:36/);
    expect(out).toContain("No warnings.");
  });

  it("--json: the model without bytes, attachments with size and SHA-256, codes, explained warnings", async () => {
    const parsed = JSON.parse((await cli("edxml", "inspect", letter, "--json")).out);
    expect(parsed).toMatchObject({
      kind: "letter",
      from: { id: "000.00.00.G22" },
      code: { number: "7816", notation: "VPCP-TTĐT" },
      promulgation: { date: "2018-09-28" },
      business: { type: "update" },
      businessTypeCode: "2",
      attachments: [
        {
          name: "1896_QD-TTg_m_294779.doc",
          contentType: "application/zip",
          size: 270823,
          sha256: "51653b9613f7f0275b43f80704033299740c702f354f44a06f55770cfbb0b135",
        },
      ],
    });
    expect(parsed.attachments[0].bytes).toBeUndefined();
    expect(parsed.warnings.map((w: { code: string }) => w.code)).toEqual([
      "EDXML_ATTACHMENT_MISMATCH",
      "EDXML_SIGNATURE_PLACEHOLDER",
    ]);
    expect(parsed.warnings[0].vi).toMatch(/không khớp/);
    const report = await cli("edxml", "inspect", status, "--json");
    expect(report.code).toBe(0);
    expect(JSON.parse(report.out)).toMatchObject({
      kind: "status",
      status: "accepted",
      statusCode: "03",
      warnings: [],
    });
  });

  it("refuses hostile or oversized packages with a code (exit 2), in text and JSON", async () => {
    const xxe = await temp.file(
      "xxe.edxml",
      '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]><edXML>&x;</edXML>',
    );
    const text = await cli("edxml", "inspect", xxe);
    expect(text.code).toBe(2);
    expect(text.err).toContain("EDXML_DTD_FORBIDDEN");
    expect(text.out).toBe("");
    const json = await cli("edxml", "inspect", xxe, "--json");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({ refused: { code: "EDXML_DTD_FORBIDDEN" } });

    const big = await temp.file("big.edxml", "");
    await truncate(big, 60 * 1024 * 1024); // sparse: refused on its size, never read
    const large = await cli("edxml", "inspect", big);
    expect(large.code).toBe(2);
    expect(large.err).toContain("EDXML_TOO_LARGE");
  });

  it("--help with an example; bad arguments and missing files exit 2", async () => {
    const help = await cli("edxml", "inspect", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("Example:");
    expect(help.out).toContain("lienthong edxml inspect");
    expect((await cli("edxml", "--help")).code).toBe(0);
    expect((await cli("edxml")).code).toBe(2);
    const unknown = await cli("edxml", "explode", letter);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("VALIDATION_FAILED");
    const missing = await cli("edxml", "inspect", join(temp.dir, "nope.edxml"));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("cannot read");
    expect((await cli("edxml", "inspect")).code).toBe(2);
    expect((await cli("--help")).out).toContain("edxml inspect");
  });
});
