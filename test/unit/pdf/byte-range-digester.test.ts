import { createHash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteRangeDigester, hashByteRange } from "../../../shared/pdf/byte-range.ts";

describe("ByteRangeDigester", () => {
  const bytes = randomBytes(64 * 1024);

  it("gives the same digests as hashing each range alone, in any order and for any algorithm", () => {
    const range = fc
      .tuple(fc.nat(bytes.length), fc.nat(bytes.length), fc.nat(bytes.length))
      .map(([a, b, c]) => {
        const [first, gapEnd, end] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
        return [0, first, gapEnd, end - gapEnd];
      });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(range, fc.constantFrom("sha256", "sha384", "sha512")), { maxLength: 6 }),
        (asks) => {
          const digester = new ByteRangeDigester(bytes);
          for (const [byteRange, algorithm] of asks) {
            expect(Buffer.from(digester.digest(byteRange, algorithm))).toEqual(
              Buffer.from(hashByteRange(bytes, byteRange, algorithm)),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("digests the whole file after the signatures' ranges, and ranges not starting at 0", () => {
    const digester = new ByteRangeDigester(bytes);
    digester.digest([0, 1000, 2000, 500], "sha256");
    expect(Buffer.from(digester.digest([0, bytes.length], "sha256")).toString("hex")).toBe(
      createHash("sha256").update(bytes).digest("hex"),
    );
    expect(Buffer.from(digester.digest([10, 20], "sha256"))).toEqual(
      createHash("sha256").update(bytes.subarray(10, 30)).digest(),
    );
  });

  it("refuses a range outside the file like hashByteRange does", () => {
    expect(() => new ByteRangeDigester(bytes).digest([0, 10, 20, bytes.length], "sha256")).toThrowError(
      expect.objectContaining({ code: "PDF_MALFORMED" }),
    );
  });
});
