/**
 * Bounded cost (issue 7): letters built to make the verifier work hard — a signed letter followed
 * by 9,500 empty incremental updates, a 200-page signed letter followed by 6,000 updates that each
 * re-emit a page unchanged (test/support/costly.ts). Each must either verify (TOTAL_PASSED, nothing
 * but bookkeeping after the signature) or be refused with a clear code (PDF_TOO_MANY_REVISIONS),
 * never a crash, a generic PDF_MALFORMED or a modification verdict. How long that takes is for
 * bench/costly.ts: no timing is asserted here. At the revision limit itself the letter verifies;
 * one revision more is refused.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isExchangeError } from "../../../shared/errors/index.ts";
import { MAX_REVISIONS } from "../../../shared/pdf/read-pdf.ts";
import type { Indication, ModificationLevel } from "../../../shared/verification/report.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { type CostlyFile, manyEmptyUpdates, manyPagesManyUpdates } from "../../support/costly.ts";
import { qpdfCheck } from "../../support/pdf.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { ORGAN, offlineOptions } from "./helpers.ts";

/** The code a refusal must carry. */
const TOO_MANY_REVISIONS = "PDF_TOO_MANY_REVISIONS";

let pki: TestPki;
let emptyUpdates: CostlyFile;
let manyPages: CostlyFile;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  pki = await testPki();
  emptyUpdates = await manyEmptyUpdates(pki.person);
  manyPages = await manyPagesManyUpdates(pki.person);
  ({ dir, cleanup } = await tempDir());
});

afterAll(async () => {
  await cleanup?.();
});

type Outcome =
  | {
      readonly outcome: "report";
      readonly verdict: Indication;
      readonly codes: readonly string[];
      readonly modifications: readonly ModificationLevel[];
    }
  | { readonly outcome: "thrown"; readonly code?: string; readonly message: string };

/** validatePdf's answer: a report (its verdict, the document problems' and failed checks' codes) or what it threw. */
async function judge(bytes: Uint8Array): Promise<Outcome> {
  try {
    const report = await validatePdf(bytes, offlineOptions(pki, { expectedOrganCode: ORGAN }));
    return {
      outcome: "report",
      verdict: report.verdict,
      codes: [
        ...report.problems.map((problem) => problem.code),
        ...report.signatures.flatMap((s) => s.checks.filter((c) => c.status === "failed").map((c) => c.code)),
      ],
      modifications: report.signatures.map((s) => s.modification),
    };
  } catch (error) {
    return {
      outcome: "thrown",
      ...(isExchangeError(error) ? { code: error.code } : {}),
      message: (error as Error).message,
    };
  }
}

function verified(outcome: Outcome): boolean {
  return (
    outcome.outcome === "report" &&
    outcome.verdict === "TOTAL_PASSED" &&
    outcome.modifications.length === 1 &&
    outcome.modifications.every((level) => level !== "other")
  );
}

function refused(outcome: Outcome): boolean {
  return outcome.outcome === "thrown"
    ? outcome.code === TOO_MANY_REVISIONS
    : outcome.verdict !== "TOTAL_PASSED" && outcome.codes.includes(TOO_MANY_REVISIONS);
}

/** The count of `startxref` keywords: one per cross-reference section. */
function sections(bytes: Uint8Array): number {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  return text.split("startxref").length - 1;
}

describe("costly files: verified or refused with a clear code", () => {
  it("the files are what they claim, and another reader (qpdf) finds them well-formed", async () => {
    expect(sections(emptyUpdates.bytes)).toBe(sections(emptyUpdates.signed) + 9_500);
    expect(emptyUpdates.bytes.length).toBeGreaterThan(700_000);
    expect(emptyUpdates.bytes.length).toBeLessThan(1_200_000);
    expect(sections(manyPages.bytes)).toBe(sections(manyPages.signed) + 6_000);
    expect(manyPages.pages).toBe(200);
    for (const file of [emptyUpdates, manyPages]) {
      const path = join(dir, `${file.pages}-${file.updates}.pdf`);
      await writeFile(path, file.bytes);
      await expect(qpdfCheck(path)).resolves.toContain("No syntax or stream encoding errors");
    }
  });

  it.each([
    ["a signed letter followed by 9,500 empty updates", () => emptyUpdates],
    ["a 200-page signed letter followed by 6,000 updates", () => manyPages],
  ])("%s", async (_, file) => {
    const outcome = await judge(file().bytes);
    expect({ ...outcome, acceptable: verified(outcome) || refused(outcome) }).toMatchObject({
      acceptable: true,
    });
  });
});

describe("the revision limit", () => {
  it.each([
    ["empty updates", (updates: number) => manyEmptyUpdates(pki.person, updates)],
    ["page re-emissions on 200 pages", (updates: number) => manyPagesManyUpdates(pki.person, 200, updates)],
  ])("at the limit the letter verifies, one revision more is refused (%s)", async (_, build) => {
    // The signed letter has two revisions (the original and the signature's update).
    const atLimit = await judge((await build(MAX_REVISIONS - 2)).bytes);
    expect(atLimit).toMatchObject({ outcome: "report", verdict: "TOTAL_PASSED" });
    expect(verified(atLimit)).toBe(true);
    const over = await judge((await build(MAX_REVISIONS - 1)).bytes);
    expect({ ...over, refused: refused(over) }).toMatchObject({ refused: true });
  });
});
