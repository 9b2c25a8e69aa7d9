/**
 * The forgery classes of `test/support/forgery-classes.ts` against `validatePdf`. For every case,
 * first that it is a real forgery (what poppler shows of page 1 differs from the signed letter: its
 * pdftotext or its pdftoppm render; the document title for the /Info-only cases), then what the
 * report must say: not TOTAL_PASSED, each affected signature's "modifications" check failed with a
 * MODIFIED_AFTER_SIGNING_ code, and — when the report lists its changes
 * (`signatures[i].changes`, refused first) — the first change is the offending one. The controls
 * (invisible document timestamps, a genuine visible signature, the signed base letters) must pass.
 *
 * Revision numbers in the expectations are 0-based, as in `PdfFile.revisions` and the analysis'
 * `RevisionProblem.revision`.
 */
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { isExchangeError } from "../../../shared/errors/index.ts";
import type { ValidationOptions } from "../../../shared/verification/options.ts";
import type { Check, SignatureReport, ValidationReport } from "../../../shared/verification/report.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { buildAttackBases, corpusSigners } from "../../support/attacks.ts";
import {
  buildForgeryBases,
  buildForgeryCases,
  type ForgeryCase,
  type ForgeryClass,
  type Rect,
} from "../../support/forgery-classes.ts";
import { pdfText, renderPage } from "../../support/pdf.ts";
import { testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { startTestTsa } from "../../support/tsa.ts";

const run = promisify(execFile);

// Prepare: the cases are built at collection time so that each is its own named test.
const pki = await testPki();
const bases = await buildForgeryBases(await buildAttackBases(await corpusSigners(pki)));
const tsa = await startTestTsa();
const cases = await buildForgeryCases(bases, tsa.client).finally(() => tsa.close());
const work = await tempDir("lienthong-forgery-");
afterAll(() => work.cleanup());

/** Offline: the test root as the only anchor (it also issued the TSA), both CAs' CRLs. */
const options: ValidationOptions = {
  trustAnchors: [pki.root.certificate],
  crls: [pki.rootCrl, pki.intermediateCrl],
  offline: true,
};

async function validate(bytes: Uint8Array): Promise<ValidationReport | { readonly thrown: string }> {
  try {
    return await validatePdf(bytes, options);
  } catch (error) {
    if (isExchangeError(error)) {
      return { thrown: error.code };
    }
    throw error;
  }
}

/** A report, failing the test when the verifier refused the file as a whole instead. */
async function reportOf(forgery: ForgeryCase): Promise<ValidationReport> {
  const result = await validate(forgery.bytes);
  expect(result, `${forgery.label} was refused as a whole instead of reported`).not.toHaveProperty("thrown");
  return result as ValidationReport;
}

function summary(report: ValidationReport): string {
  return report.signatures
    .map((s) => {
      const modifications = modificationsCheck(s);
      return `#${s.index} ${s.indication}/${s.subIndication ?? "-"}/${s.modification}/${modifications?.code ?? "-"}: ${modifications?.detail ?? ""}`;
    })
    .join(" | ");
}

function modificationsCheck(signature: SignatureReport): Check | undefined {
  return signature.checks.find((check) => check.name === "modifications");
}

/** One change as the report is to list it (a field being added: `signatures[i].changes`). */
interface ReportedChange {
  readonly revision: number;
  readonly object?: unknown;
  readonly rule: string;
  readonly verdict: "allowed" | "refused";
  readonly class: string;
  readonly code: string;
  readonly detail: string;
}

function changesOf(signature: SignatureReport): readonly ReportedChange[] | undefined {
  return (signature as SignatureReport & { readonly changes?: readonly ReportedChange[] }).changes;
}

/** The object number of a change's `object` (a number, "N G", or a reference-like object). */
function objectNumber(object: unknown): number | undefined {
  if (typeof object === "number") {
    return object;
  }
  if (typeof object === "string") {
    const match = /^\s*(\d+)/.exec(object);
    return match ? Number(match[1]) : undefined;
  }
  if (object && typeof object === "object" && "objectNumber" in object) {
    return Number((object as { objectNumber: unknown }).objectNumber);
  }
  return undefined;
}

/** `signatures[i].paintedAfter` (a field being added), as a list. */
function paintedAfter(signature: SignatureReport): readonly { page?: unknown; rect?: unknown }[] | undefined {
  const value = (signature as SignatureReport & { readonly paintedAfter?: unknown }).paintedAfter;
  if (value === undefined) {
    return undefined;
  }
  return (Array.isArray(value) ? value : [value]) as { page?: unknown; rect?: unknown }[];
}

function sameRect(actual: unknown, expected: Rect): boolean {
  return (
    Array.isArray(actual) &&
    actual.length === 4 &&
    actual.every((value, i) => typeof value === "number" && Math.abs(value - expected[i]!) < 0.5)
  );
}

// ---------------------------------------------------------------------------------------------
// What a viewer shows
// ---------------------------------------------------------------------------------------------

interface View {
  readonly text: string;
  readonly render: Uint8Array;
  readonly title: string;
}

let fileCount = 0;
const baseViews = new Map<Uint8Array, Promise<View>>();

async function viewOf(bytes: Uint8Array): Promise<View> {
  // One directory per file: renderPage names its output by the millisecond.
  const dir = join(work.dir, `view-${fileCount++}`);
  await mkdir(dir);
  const path = join(dir, "letter.pdf");
  await writeFile(path, bytes);
  const [text, render, info] = await Promise.all([
    pdfText(path, 1),
    renderPage(path, 1, dir),
    run("pdfinfo", [path]),
  ]);
  const title = /^Title:\s*(.*)$/m.exec(info.stdout)?.[1]?.trim() ?? "";
  return { text, render, title };
}

function baseView(base: Uint8Array): Promise<View> {
  let view = baseViews.get(base);
  if (!view) {
    view = viewOf(base);
    baseViews.set(base, view);
  }
  return view;
}

async function expectViewerChange(forgery: ForgeryCase): Promise<void> {
  const [before, after] = await Promise.all([baseView(forgery.base), viewOf(forgery.bytes)]);
  const rendersDiffer = Buffer.compare(before.render, after.render) !== 0;
  const viewer = forgery.viewer;
  switch (viewer.kind) {
    case "text":
      expect(before.text).not.toContain(viewer.shows);
      expect(after.text).toContain(viewer.shows);
      break;
    case "render":
    case "signature-widget":
      expect(rendersDiffer, "the render of page 1 is the signed letter's").toBe(true);
      break;
    case "title":
      expect(before.title).not.toBe(viewer.shows);
      expect(after.title).toBe(viewer.shows);
      break;
    case "none":
      expect(after.text).toBe(before.text);
      expect(rendersDiffer, "an invisible change changed the render of page 1").toBe(false);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// What the report says
// ---------------------------------------------------------------------------------------------

async function expectVerdict(forgery: ForgeryCase): Promise<void> {
  const report = await reportOf(forgery);
  const expectation = forgery.expect;
  const why = `${forgery.label}: ${summary(report)}`;
  if (expectation.verdict === "passed") {
    expect(report.verdict, why).toBe("TOTAL_PASSED");
    for (const signature of report.signatures) {
      expect(signature.indication).toBe("TOTAL_PASSED");
      const refused = (changesOf(signature) ?? []).filter((change) => change.verdict === "refused");
      expect(refused, `signature #${signature.index}`).toEqual([]);
    }
    const painted = expectation.painted;
    if (painted === "nothing") {
      for (const signature of report.signatures) {
        expect(paintedAfter(signature) ?? [], `signature #${signature.index} paintedAfter`).toEqual([]);
      }
      return;
    }
    for (const index of painted.signatures) {
      const list = paintedAfter(report.signatures[index]!);
      if (list) {
        expect(
          list.some((item) => item.page === painted.page && sameRect(item.rect, painted.rect)),
          `signature #${index} paintedAfter ${JSON.stringify(list)} lacks page ${painted.page} ${JSON.stringify(painted.rect)}`,
        ).toBe(true);
      }
    }
    return;
  }
  if (expectation.verdict === "reported") {
    for (const index of expectation.signatures) {
      const check = modificationsCheck(report.signatures[index]!);
      expect(check, `signature #${index} has no modifications check`).toBeDefined();
      expect(check!.code, `signature #${index}: ${why}`).not.toBe("NO_MODIFICATIONS");
      expect(check!.detail ?? "", `signature #${index}`).not.toMatch(/nothing was added/i);
    }
    return;
  }
  expect(report.verdict, why).not.toBe("TOTAL_PASSED");
  for (const index of expectation.signatures) {
    const signature = report.signatures[index];
    expect(signature, `${forgery.label}: no signature #${index}`).toBeDefined();
    expect(signature!.indication, `signature #${index}: ${why}`).not.toBe("TOTAL_PASSED");
    expect(signature!.modification, `signature #${index}: ${why}`).toBe("other");
    const check = modificationsCheck(signature!);
    expect(check?.status, `signature #${index} modifications check: ${why}`).toBe("failed");
    expect(check?.code ?? "", `signature #${index}: ${why}`).toMatch(/^MODIFIED_AFTER_SIGNING_/);
    const offence = expectation.offence;
    if (!offence) {
      continue;
    }
    if (offence.detail) {
      expect(check?.detail ?? "", `signature #${index} names the offence`).toMatch(offence.detail.mentions);
      expect(check?.detail ?? "", `signature #${index} names an allowed change`).not.toMatch(
        offence.detail.notMentions,
      );
    }
    const changes = changesOf(signature!);
    if (changes) {
      const list = JSON.stringify(changes.slice(0, 3));
      expect(changes.length, `signature #${index} lists no change`).toBeGreaterThan(0);
      const first = changes[0]!;
      expect(first.verdict, `signature #${index}: the first change ${list}`).toBe("refused");
      if (first.revision !== undefined) {
        expect(offence.revisions, `signature #${index}: the first change's revision ${list}`).toContain(
          first.revision,
        );
      }
      if (first.object !== undefined) {
        expect(offence.objects, `signature #${index}: the first change's object ${list}`).toContain(
          objectNumber(first.object),
        );
      }
      const firstAllowed = changes.findIndex((change) => change.verdict === "allowed");
      if (firstAllowed >= 0) {
        expect(
          changes.slice(firstAllowed).every((change) => change.verdict === "allowed"),
          `signature #${index}: refused changes come first`,
        ).toBe(true);
      }
    }
  }
}

function byClass(forgeryClass: ForgeryClass): (readonly [string, ForgeryCase])[] {
  return cases.filter((c) => c.forgeryClass === forgeryClass).map((c) => [c.label, c] as const);
}

function describeClass(title: string, forgeryClass: ForgeryClass): void {
  describe(title, () => {
    const list = byClass(forgeryClass);
    it("has cases", () => {
      expect(list.length).toBeGreaterThan(0);
    });
    it.each(list)("%s: the viewer shows what the class says", async (_label, forgery) => {
      await expectViewerChange(forgery);
    });
    it.each(list)("%s: the report says what the class says", async (_label, forgery) => {
      await expectVerdict(forgery);
    });
  });
}

describe("the signed base letters (no false alarms)", () => {
  const letters = Object.entries(bases).filter(
    (entry): entry is [string, Uint8Array] => entry[1] instanceof Uint8Array,
  );
  it.each(letters)("%s → TOTAL_PASSED", async (_label, bytes) => {
    const result = await validate(bytes);
    expect(result).not.toHaveProperty("thrown");
    const report = result as ValidationReport;
    expect(report.verdict, summary(report)).toBe("TOTAL_PASSED");
  });

  it("every case differs from its base and its labels are unique", () => {
    expect(new Set(cases.map((c) => c.label)).size).toBe(cases.length);
    for (const forgery of cases) {
      expect(Buffer.compare(forgery.base, forgery.bytes), forgery.label).not.toBe(0);
    }
  });
});

describeClass("1. an object of the signed revision given a new role, then rewritten", "new-role");
describeClass("2. object streams resolved from the wrong revision", "object-stream-revision");
describeClass("3. new objects that signed content already refers to", "dangling-reference");
describeClass("4. visible appearances that prove no identity", "timestamp-appearance");
describeClass("7. reports that hide changes", "hidden-change");
