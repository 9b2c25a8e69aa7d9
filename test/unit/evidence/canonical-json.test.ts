import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalBytes,
  canonicalJson,
  type JsonValue,
  parseCanonical,
} from "../../../shared/evidence/canonical-json.ts";

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

describe("canonical JSON (RFC 8785)", () => {
  it("sorts keys by UTF-16 code units (§3.2.3 example)", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    // Read the order off the text: JSON.parse would put the integer-like key "1" first again.
    const keys = [...canonicalJson(input).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((match) => match[1]);
    expect(keys).toEqual(["\\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"]);
  });

  it("serialises numbers, strings and literals as §3.2.2's example", () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as JsonValue;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("writes numbers in the ECMAScript form (Appendix B samples)", () => {
    const samples: [number, string][] = [
      [0, "0"],
      [-0, "0"],
      [5e-324, "5e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"],
      [9007199254740992, "9007199254740992"],
      [1e21, "1e+21"],
      [1e20, "100000000000000000000"],
      [0.000001, "0.000001"],
      [1e-7, "1e-7"],
      [-1.5, "-1.5"],
    ];
    for (const [value, text] of samples) {
      expect(canonicalJson(value)).toBe(text);
    }
  });

  it("leaves out undefined members and keeps Vietnamese text as UTF-8", () => {
    expect(canonicalJson({ b: undefined, a: "Sở Tài chính" })).toBe('{"a":"Sở Tài chính"}');
    expect(Buffer.from(canonicalBytes({ a: "ở" })).toString("hex")).toBe(
      Buffer.from('{"a":"ở"}').toString("hex"),
    );
  });

  it("gives the same bytes whatever the key order, and parses its own output back", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        const json = value as JsonValue;
        const shuffled = shuffleKeys(json, seed);
        expect(canonicalJson(shuffled)).toBe(canonicalJson(json));
        const bytes = canonicalBytes(json);
        const parsed = parseCanonical(bytes);
        expect(canonicalJson(parsed)).toBe(canonicalJson(json));
      }),
    );
  });

  it("refuses what is not I-JSON", () => {
    const bad: unknown[] = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "\ud800x",
      { a: "\udc00" },
      new Date(0),
      1n,
      [() => 1],
    ];
    for (const value of bad) {
      expect(() => canonicalJson(value as JsonValue), String(value)).toThrow(
        expect.objectContaining({ code: "EVIDENCE_MALFORMED" }),
      );
    }
  });

  it("parses only bytes already in canonical form", () => {
    expect(parseCanonical(utf8('{"a":[1,"x"],"b":null}'))).toEqual({ a: [1, "x"], b: null });
    const refused = [
      '{"a": 1}',
      '{"b":1,"a":2}',
      '{"a":1,"a":1}',
      '{"a":1.0}',
      '{"a":"\\u0041"}',
      "[1]\n",
      "not json",
    ].map(utf8);
    refused.push(new Uint8Array([0x22, 0xff, 0x22]));
    for (const bytes of refused) {
      expect(() => parseCanonical(bytes), Buffer.from(bytes).toString("latin1")).toThrow(
        expect.objectContaining({ code: "EVIDENCE_MALFORMED" }),
      );
    }
  });
});

/** The same JSON value with every object's keys inserted in a seed-dependent order. */
function shuffleKeys(value: JsonValue, seed: number): JsonValue {
  if (Array.isArray(value)) {
    return value.map((item: JsonValue) => shuffleKeys(item, seed));
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    const rotated = entries.map((_, index) => entries[(index + Math.abs(seed)) % entries.length]!);
    if (seed % 2 === 0) {
      rotated.reverse();
    }
    return Object.fromEntries(rotated.map(([key, item]) => [key, shuffleKeys(item as JsonValue, seed)]));
  }
  return value;
}
