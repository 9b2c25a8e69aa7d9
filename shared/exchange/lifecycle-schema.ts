import { ORGAN_CODE, text } from "./letter-schema.ts";
import { vietnamDay } from "./vietnam-time.ts";
import * as z from "./zod.ts"; // zod/mini (zod.ts says why)

/** Request schemas of the lifecycle, receipt and audit routes (issue 10 items 4, 5, 8). */

/** `?recipient=`: one copy of the letter (the sender may name any recipient, a recipient itself). */
export const copyQuerySchema = z.strictObject({
  recipient: z.optional(z.string().check(z.regex(ORGAN_CODE, "expected an organ code NNN.NN.NN.Xnn"))),
});

/** `POST /v1/letters/{id}/recall`: the sender asks every recipient for the letter back (13). */
export const recallSchema = z.strictObject({
  reason: text({ min: 1, max: 1000, multiline: true }),
  /** `recall`: give the letter back; `update`: let the sender update it (edXML uses 13 for both). */
  purpose: z._default(z.enum(["recall", "update"]), "recall"),
});

export type RecallRequest = z.infer<typeof recallSchema>;

/** A real calendar day (not 2026-02-30): the date it names prints back as itself. */
const isCalendarDay = (day: string) => {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
};

/**
 * `POST /v1/admin/audit/seal?day=`: the day to seal (default today, Vietnam time): a calendar day,
 * not later than today in Vietnam (a future day's seal would be evidence of nothing, and its file
 * would stand in the way of the real one).
 */
export const sealQuerySchema = z.strictObject({
  day: z.optional(
    z.string().check(
      z.regex(/^\d{4}-\d{2}-\d{2}$/, "expected a day as YYYY-MM-DD"),
      z.refine(isCalendarDay, "expected a calendar day (YYYY-MM-DD)"),
      z.refine((day) => day <= vietnamDay(new Date()), "expected a day not later than today (Vietnam time)"),
    ),
  ),
});
