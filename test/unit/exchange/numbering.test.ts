/**
 * A letter's id is its number's (numbering.ts): the one conditional write of a draft is what
 * keeps a number used once, so the id must be a function of exactly the number's identity.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LETTER_ID } from "../../../shared/exchange/letter-schema.ts";
import { letterIdOf, numberIdentity } from "../../../shared/exchange/numbering.ts";

const organ = fc.constantFrom("000.00.01.H53", "000.00.02.H53", "000.02.11.H53");
const year = fc.integer({ min: 2020, max: 2100 });
const code = fc.record({
  number: fc.oneof(fc.nat({ max: 100_000 }).map(String), fc.string({ minLength: 1, maxLength: 8 })),
  notation: fc.constantFrom("UBND-VP", "ubnd-vp", "SYT-KHTC", "QĐ-UBND", "QĐ-UBND"),
});

describe("letterIdOf", () => {
  it("is a version 8 UUID, the same for the same number identity and different otherwise", () => {
    fc.assert(
      fc.property(organ, organ, year, year, code, code, (o1, o2, y1, y2, c1, c2) => {
        const a = letterIdOf(o1, y1, c1);
        const b = letterIdOf(o2, y2, c2);
        expect(a).toMatch(LETTER_ID);
        expect(a[14]).toBe("8");
        expect("89ab").toContain(a[19]);
        const same =
          o1 === o2 && y1 === y2 && JSON.stringify(numberIdentity(c1)) === JSON.stringify(numberIdentity(c2));
        expect(a === b).toBe(same);
      }),
      { numRuns: 2_000 },
    );
  });

  it("treats the numbers a clerk writes differently but means the same as one number", () => {
    const id = letterIdOf("000.00.01.H53", 2026, { number: "12", notation: "UBND-VP" });
    expect(letterIdOf("000.00.01.H53", 2026, { number: "012", notation: "ubnd-vp" })).toBe(id);
    // Composed and decomposed Vietnamese are the same notation (NFC).
    expect(letterIdOf("000.00.01.H53", 2026, { number: "1", notation: "QĐ-UBND" })).toBe(
      letterIdOf("000.00.01.H53", 2026, { number: "1", notation: "QĐ-UBND".normalize("NFD") }),
    );
    expect(letterIdOf("000.00.01.H53", 2027, { number: "12", notation: "UBND-VP" })).not.toBe(id);
  });
});
