import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inboxQuerySchema, outboxQuerySchema } from "../../../shared/exchange/letter-schema.ts";
import { foldText, searchFieldOf, searchTerms } from "../../../shared/exchange/queries.ts";

const vietnamese = fc.string({
  unit: fc.constantFrom(
    ..."aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ ĐÂƠƯ".split(
      "",
    ),
  ),
  maxLength: 40,
});

describe("search folding", () => {
  it("ignores diacritics, case and Unicode normalisation form (property)", () => {
    fc.assert(
      fc.property(vietnamese, (text) => {
        const folded = foldText(text);
        expect(foldText(text.normalize("NFD"))).toBe(folded);
        expect(foldText(text.toUpperCase())).toBe(folded);
        expect(folded).toMatch(/^[a-z ]*$/);
        expect(foldText(folded)).toBe(folded);
      }),
    );
  });

  it("'so tai chinh' finds 'Sở Tài chính'; number/notation as letters cite them", () => {
    const field = searchFieldOf("delivery", {
      summary: { code: { number: "12", notation: "UBND-VP" }, subject: "V/v Sở Tài chính   báo cáo" },
    });
    expect(field).toEqual({ search: "12/ubnd-vp 12 ubnd-vp v/v so tai chinh bao cao" });
    for (const term of searchTerms("SO TÀI chinh 12/UBND-VP")) {
      expect("search" in field && field.search.includes(term)).toBe(true);
    }
    expect(searchFieldOf("event", { subject: "x" })).toEqual({});
    expect(searchFieldOf("letter", { code: { number: "1", notation: "A" }, subject: "Đề án" })).toEqual({
      search: "1/a 1 a de an",
    });
  });
});

describe("list query schemas", () => {
  it("parse filters from query text", () => {
    expect(
      inboxQuerySchema.parse({ status: "01,03", urgency: "2", overdue: "true", sender: "000.00.11.H53" }),
    ).toMatchObject({ status: ["01", "03"], urgency: 2, overdue: true, sender: "000.00.11.H53", limit: 20 });
    expect(outboxQuerySchema.parse({ state: "sent", recipient: "000.00.12.H53" })).toMatchObject({
      state: ["sent"],
    });
  });

  it("refuse unknown, repeated or malformed values", () => {
    for (const query of [
      { status: "07" },
      { status: "01,01" },
      { urgency: "5" },
      { overdue: "1" },
      { x: "1" },
    ]) {
      expect(inboxQuerySchema.safeParse(query).success, JSON.stringify(query)).toBe(false);
    }
    expect(outboxQuerySchema.safeParse({ state: "lost" }).success).toBe(false);
    expect(outboxQuerySchema.safeParse({ overdue: "true" }).success).toBe(false);
  });
});
