import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { foldText, matchesQuery, organIdentifiers } from "../../../shared/exchange/directory.ts";

/**
 * The fold the directory's uniqueness rule and its search share: invisible format characters,
 * compatibility forms (fullwidth), case and diacritics do not make a different identifier.
 */

const VIETNAMESE =
  "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ0123456789";
const letter = fc.constantFrom(...[...VIETNAMESE, ...VIETNAMESE.toUpperCase()]);
const word = fc.array(letter, { minLength: 1, maxLength: 8 }).map((letters) => letters.join(""));
const name = fc.array(word, { minLength: 1, maxLength: 5 }).map((words) => words.join(" "));
/** Format characters an admin's paste may carry: ZWSP, ZWNJ, ZWJ, word joiner, soft hyphen, BOM, LRM. */
const invisible = fc.constantFrom("\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u200e");
const toFullwidth = (text: string) =>
  text.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

describe("organ identifiers", () => {
  it("fold zero-width, soft-hyphen and fullwidth variants to the plain text", () => {
    expect(foldText("Sở Tài chính\u200b")).toBe("so tai chinh");
    expect(foldText("Sở Tài \u00adchính")).toBe("so tai chinh");
    expect(foldText("０００.００.１１.Ｈ５３")).toBe("000.00.11.h53");
    expect(organIdentifiers({ code: "000.00.11.H53", name: "Sở X", aliases: ["ｓở x\u200b", " "] })).toEqual(
      new Set(["000.00.11.h53", "so x"]),
    );
  });

  it("any name with format characters inserted or written fullwidth folds as the name, idempotently", () => {
    fc.assert(
      fc.property(name, fc.array(fc.tuple(fc.nat(), invisible), { maxLength: 4 }), (text, inserts) => {
        let variant = text;
        for (const [at, char] of inserts) {
          const i = at % (variant.length + 1);
          variant = `${variant.slice(0, i)}${char}${variant.slice(i)}`;
        }
        const folded = foldText(text);
        expect(foldText(variant)).toBe(folded);
        expect(foldText(toFullwidth(text))).toBe(folded);
        expect(foldText(folded)).toBe(folded);
        // The search agrees: each variant finds the organ by its name.
        expect(matchesQuery({ code: "000.00.99.Z99", name: text }, variant)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
