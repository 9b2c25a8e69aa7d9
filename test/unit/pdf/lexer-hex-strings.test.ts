import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseObjectAt } from "../../../shared/pdf/lexer.ts";
import { PdfString } from "../../../shared/pdf/objects.ts";

/** ISO 32000-1 §7.3.4.3 read by the letter: white space skipped, an odd last digit padded with 0. */
function reference(digits: string): Uint8Array | "refused" {
  const out: number[] = [];
  let high = -1;
  for (const char of digits) {
    if (/[\0\t\n\f\r ]/.test(char)) {
      continue;
    }
    if (!/[0-9A-Fa-f]/.test(char)) {
      return "refused";
    }
    const value = Number.parseInt(char, 16);
    if (high < 0) {
      high = value;
    } else {
      out.push(high * 16 + value);
      high = -1;
    }
  }
  if (high >= 0) {
    out.push(high * 16);
  }
  return new Uint8Array(out);
}

function parse(digits: string): Uint8Array | "refused" {
  const bytes = new Uint8Array(Buffer.from(`<${digits}> `, "latin1"));
  try {
    const { value, end } = parseObjectAt(bytes, 0);
    expect(value).toBeInstanceOf(PdfString);
    expect(end).toBe(digits.length + 2);
    return new Uint8Array((value as PdfString).bytes);
  } catch {
    return "refused";
  }
}

describe("hex strings (§7.3.4.3)", () => {
  it("decodes digits of both cases, skips white space, pads an odd last digit, refuses other bytes", () => {
    expect(parse("48656c6C6F")).toEqual(new Uint8Array(Buffer.from("Hello")));
    expect(parse("48 65\n6c")).toEqual(new Uint8Array([0x48, 0x65, 0x6c]));
    expect(parse("486")).toEqual(new Uint8Array([0x48, 0x60]));
    expect(parse("48G5")).toBe("refused");
    expect(parse("4-")).toBe("refused");
    expect(parse("")).toEqual(new Uint8Array([]));
  });

  it("reads generated strings as the standard says", () => {
    const char = fc.constantFrom(
      ..."0123456789abcdefABCDEF",
      " ",
      "\n",
      "\r",
      "\t",
      "\f",
      "\0",
      "g",
      "-",
      "x",
      "\u00ff",
    );
    const text = fc.oneof(
      fc.array(fc.constantFrom(..."0123456789abcdefABCDEF"), { maxLength: 40 }).map((list) => list.join("")),
      fc.array(char, { maxLength: 40 }).map((list) => list.join("")),
    );
    fc.assert(
      fc.property(text, (digits) => {
        expect(parse(digits)).toEqual(reference(digits));
      }),
      { numRuns: 3000 },
    );
  });
});
