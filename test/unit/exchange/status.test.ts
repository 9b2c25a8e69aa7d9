import { describe, expect, it } from "vitest";
import {
  createLetterSchema,
  MAX_RECIPIENTS,
  STATUS_CODES,
  setStatusSchema,
} from "../../../shared/exchange/index.ts";
import { allowedPredecessors, assertTransition } from "../../../shared/exchange/status.ts";

describe("the delivery status machine", () => {
  it("lets a clerk accept or refuse an arrived letter, then process and finish it", () => {
    expect(() => assertTransition("01", "03")).not.toThrow();
    expect(() => assertTransition("01", "02")).not.toThrow();
    expect(() => assertTransition("03", "04")).not.toThrow();
    expect(() => assertTransition("04", "05")).not.toThrow();
    expect(() => assertTransition("05", "06")).not.toThrow();
  });

  it("refuses skipping acceptance, going back, and leaving a final status", () => {
    for (const [from, to] of [
      ["01", "05"],
      ["03", "01"],
      ["02", "03"],
      ["06", "05"],
      ["03", "03"],
    ] as const) {
      expect(() => assertTransition(from, to), `${from}→${to}`).toThrowError(
        expect.objectContaining({ code: "STATUS_NOT_ALLOWED" }),
      );
    }
  });

  it("derives the conditional-write predecessors from the same table", () => {
    for (const to of STATUS_CODES) {
      for (const from of allowedPredecessors(to)) {
        expect(() => assertTransition(from, to)).not.toThrow();
      }
    }
    expect(allowedPredecessors("06").sort()).toEqual(["03", "04", "05"]);
    expect(allowedPredecessors("01")).toEqual([]);
  });
});

describe("the letter schema", () => {
  const valid = {
    code: { number: "2491", notation: "STC-BCTC" },
    documentType: "Công văn",
    subject: "V/v báo cáo",
    recipients: ["000.00.12.H53"],
    file: { name: "a.pdf", size: 10, sha256: "A".repeat(64) },
  };

  it("fills defaults and normalises the checksum", () => {
    const parsed = createLetterSchema.parse(valid);
    expect(parsed.urgency).toBe(0);
    expect(parsed.file.contentType).toBe("application/pdf");
    expect(parsed.file.sha256).toBe("a".repeat(64));
  });

  it.each([
    ["a repeated recipient", { recipients: ["000.00.12.H53", "000.00.12.H53"] }],
    ["no recipient", { recipients: [] }],
    ["a subject over 500 characters", { subject: "x".repeat(501) }],
    ["an unknown field", { colour: "red" }],
    ["urgency 5", { urgency: 5 }],
    ["a path in the file name", { file: { ...valid.file, name: "../x.pdf" } }],
    ["a due date that is not a date", { dueDate: "tomorrow" }],
  ])("rejects %s", (_name, change) => {
    expect(createLetterSchema.safeParse({ ...valid, ...change }).success).toBe(false);
  });

  it("takes recipients up to the documented fan-out limit, and no more", () => {
    const two = (n: number) => String(n).padStart(2, "0");
    const codes = (n: number) =>
      Array.from({ length: n }, (_, i) => `000.${two(Math.floor(i / 100))}.${two(i % 100)}.H53`);
    expect(MAX_RECIPIENTS).toBeGreaterThanOrEqual(1000); // the documented fan-out limit (fan-out.ts)
    expect(createLetterSchema.safeParse({ ...valid, recipients: codes(MAX_RECIPIENTS) }).success).toBe(true);
    expect(createLetterSchema.safeParse({ ...valid, recipients: codes(MAX_RECIPIENTS + 1) }).success).toBe(
      false,
    );
  });

  it("requires a reason for a refusal only", () => {
    expect(setStatusSchema.safeParse({ status: "02" }).success).toBe(false);
    expect(setStatusSchema.safeParse({ status: "02", reason: "Sai thể thức" }).success).toBe(true);
    expect(setStatusSchema.safeParse({ status: "03" }).success).toBe(true);
    expect(setStatusSchema.safeParse({ status: "13" }).success).toBe(false);
  });
});
