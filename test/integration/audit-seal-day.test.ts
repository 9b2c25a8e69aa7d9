import fc from "fast-check";
import { describe, expect, inject, it } from "vitest";

/**
 * `POST /v1/admin/audit/seal?day=` through HTTP: the day is a calendar day not later than today in
 * Vietnam, else 400 VALIDATION_FAILED and nothing is sealed (a seal of 2026-02-30 or 2099-01-01
 * would be evidence of nothing). A property over generated year-month-day triples, against an
 * oracle of its own (the Gregorian month lengths), never a seal of today (other files seal it).
 */

const adminKey = () => inject("demoKeys").find((k) => k.role === "admin")!.apiKey;

async function seal(day: string): Promise<{ status: number; code?: string; day?: string }> {
  const response = await fetch(`${inject("apiUrl")}/v1/admin/audit/seal?day=${encodeURIComponent(day)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey()}` },
  });
  return { status: response.status, ...((await response.json()) as { code?: string; day?: string }) };
}

const leap = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const monthDays = (year: number, month: number) =>
  [31, leap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
const vietnamToday = () => new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
const pad = (n: number, width: number) => String(n).padStart(width, "0");

describe("the day an audit seal is for", () => {
  it("refuses the red team's days: 2026-13-45, 2026-02-30, 2099-01-01, tomorrow in Vietnam", async () => {
    const tomorrow = new Date(Date.now() + 31 * 3_600_000).toISOString().slice(0, 10);
    for (const day of ["2026-13-45", "2026-02-30", "2099-01-01", tomorrow, "2026-1-01", "20260101"]) {
      const answer = await seal(day);
      expect([answer.status, answer.code], day).toEqual([400, "VALIDATION_FAILED"]);
    }
  });

  it("is sealed iff it is a calendar day not later than today (generated days)", async () => {
    const thisYear = Number(vietnamToday().slice(0, 4));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1999, 2000, 2024, thisYear + 1, 2100),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        async (year, month, dayOfMonth) => {
          const day = `${pad(year, 4)}-${pad(month, 2)}-${pad(dayOfMonth, 2)}`;
          const calendar =
            month >= 1 && month <= 12 && dayOfMonth >= 1 && dayOfMonth <= monthDays(year, month);
          const answer = await seal(day);
          if (calendar && day <= vietnamToday()) {
            expect([answer.status, answer.day], day).toEqual([200, day]);
          } else {
            expect([answer.status, answer.code], day).toEqual([400, "VALIDATION_FAILED"]);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
