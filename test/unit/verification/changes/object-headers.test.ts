import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { objectHeaders } from "../../../../shared/verification/changes/integrity.ts";

/** The regular expression the scanner replaced, over a latin1 copy of the range: the reference. */
function byRegex(bytes: Uint8Array, from: number, to: number): { offset: number; objectNumber: number }[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString("latin1");
  const pattern = /(?<![0-9])(\d+)[\0\t\n\v\f\r ]+(\d+)[\0\t\n\v\f\r ]+obj(?![A-Za-z0-9])/g;
  return [...text.matchAll(pattern)].map((match) => ({
    offset: from + match.index,
    objectNumber: Number(match[1]),
  }));
}

const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));

/** Text made of the pieces object headers are made of, so that near-misses are frequent. */
const pieces = fc.array(
  fc.constantFrom(
    "1",
    "0",
    "12",
    "007",
    " ",
    "\n",
    "\r\n",
    "\t",
    "\v",
    "\f",
    "\0",
    "obj",
    "ob",
    "j",
    "endobj",
    "x",
    "Z",
    "<<",
    ">>",
    "%",
    "\u00ff",
    "99999999999999999999999",
  ),
  { maxLength: 60 },
);

describe("objectHeaders", () => {
  it("finds the headers a repairing reader finds, and no others", () => {
    const text = "1 0 obj\n<<>>\nendobj\n 2  0\r\nobj 3 0 objx 4 0 obj5 x6 0 obj 07 00 obj";
    expect(objectHeaders(latin1(text), 0, text.length)).toEqual(byRegex(latin1(text), 0, text.length));
    expect(objectHeaders(latin1(text), 0, text.length).map((h) => h.objectNumber)).toEqual([1, 2, 6, 7]);
  });

  it("reads nothing outside [from, to): digits before `from` and letters after `to` do not count", () => {
    const bytes = latin1("12 0 obj");
    expect(objectHeaders(bytes, 1, 8)).toEqual([{ offset: 1, objectNumber: 2 }]);
    const tail = latin1("1 0 objX");
    expect(objectHeaders(tail, 0, 7)).toEqual([{ offset: 0, objectNumber: 1 }]);
    expect(objectHeaders(tail, 0, 6)).toEqual([]);
  });

  it("gives the same matches as the regular expression on generated text and ranges", () => {
    fc.assert(
      fc.property(pieces, fc.nat(), fc.nat(), (parts, a, b) => {
        const bytes = latin1(parts.join(""));
        const from = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const to = from + (b % (bytes.length - from + 1));
        expect(objectHeaders(bytes, from, to)).toEqual(byRegex(bytes, from, to));
      }),
      { numRuns: 3000 },
    );
  });

  it("gives the same matches as the regular expression on random bytes inside a larger buffer", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), pieces, (noise, parts) => {
        const whole = new Uint8Array([...noise, ...latin1(parts.join("")), ...noise]);
        const view = whole.subarray(3);
        expect(objectHeaders(view, 0, view.length)).toEqual(byRegex(view, 0, view.length));
      }),
      { numRuns: 1000 },
    );
  });
});
