import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  directorySearchText,
  foldText,
  matchesQuery,
  searchTerms,
} from "../../../shared/exchange/directory.ts";

/** Letters of Vietnamese names, with every tone and vowel mark, in both cases. */
const VIETNAMESE =
  "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ";
const letter = fc.constantFrom(...[...VIETNAMESE, ...VIETNAMESE.toUpperCase()]);
const word = fc.array(letter, { minLength: 1, maxLength: 10 }).map((letters) => letters.join(""));
const name = fc.array(word, { minLength: 1, maxLength: 6 }).map((words) => words.join(" "));

/** What a clerk types: no diacritics (đ → d), any case, any spacing. */
function typedBy(text: string, upper: readonly boolean[]): string {
  return [...foldText(text)].map((char, i) => (upper[i % upper.length] ? char.toUpperCase() : char)).join("");
}

describe("the directory search rule", () => {
  it("finds Sở Tài chính from 'so tai chinh', and đ/Đ from d", () => {
    const organ = { code: "000.00.11.H53", name: "Sở Tài chính tỉnh Tây Ninh" };
    expect(matchesQuery(organ, "so tai chinh")).toBe(true);
    expect(matchesQuery(organ, "SO TAI CHINH")).toBe(true);
    expect(matchesQuery(organ, "h53")).toBe(true);
    expect(matchesQuery(organ, "so noi vu")).toBe(false);
    expect(foldText("ĐÀ NẴNG  Đồng Tháp")).toBe("da nang dong thap");
    expect(
      matchesQuery({ code: "000.00.31.H37", name: "x", aliases: ["STTTT Ninh Bình"] }, "ninh binh"),
    ).toBe(true);
  });

  it("any name, with its diacritics removed and its case changed, still finds it", () => {
    fc.assert(
      fc.property(name, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (organName, upper) => {
        const organ = { code: "000.00.99.Z99", name: organName };
        expect(matchesQuery(organ, typedBy(organName, upper))).toBe(true);
        // Any one word of it, too.
        const words = typedBy(organName, upper).split(" ");
        expect(matchesQuery(organ, words[words.length - 1] ?? "")).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("folding is idempotent and leaves nothing a query could not type", () => {
    fc.assert(
      fc.property(name, (text) => {
        const folded = foldText(text);
        expect(foldText(folded)).toBe(folded);
        expect(folded).toMatch(/^[a-z ]*$/);
      }),
    );
  });

  it("searches by code, alias and name, and ignores empty and repeated words", () => {
    expect(
      directorySearchText({ code: "000.00.12.H53", name: "Sở Nội vụ", aliases: ["000.00.09.H53"] }),
    ).toBe("000.00.12.h53 000.00.09.h53 so noi vu");
    expect(searchTerms("  Sở  sở  ")).toEqual(["so"]);
    expect(searchTerms(undefined)).toEqual([]);
  });
});
