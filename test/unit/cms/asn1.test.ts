import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { children, decodeDer } from "../../../shared/asn1/der.ts";
import {
  compareDer,
  derSetOf,
  encode,
  octetString,
  raw,
  sequence,
} from "../../../shared/cms/asn1-builder.ts";
import { testPki } from "../../support/pki.ts";

describe("asn1-builder", () => {
  it("embeds DER byte for byte", async () => {
    const pki = await testPki();
    const der = pki.person.certificate.der;
    expect(Buffer.from(encode(raw(der)))).toEqual(Buffer.from(der));
    const wrapped = encode(sequence([raw(der), raw(pki.intermediate.certificate.der)]));
    const [first, second] = children(decodeDer(wrapped));
    expect(Buffer.from(first!.bytes)).toEqual(Buffer.from(der));
    expect(second!.bytes.length).toBe(pki.intermediate.certificate.der.length);
  });

  it("refuses BER (indefinite or non-minimal lengths) where DER must be embedded", () => {
    expect(() => raw(new Uint8Array([0x30, 0x80, 0x05, 0x00, 0x00, 0x00]))).toThrow();
    expect(() => raw(new Uint8Array([0x04, 0x81, 0x01, 0xaa]))).toThrow();
    expect(() => raw(new Uint8Array([0x04, 0x01, 0xaa, 0xbb]))).toThrow();
  });

  it("orders SET OF by encoding (X.690 §11.6), whatever the input order", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 8 }), (values) => {
        const set = encode(derSetOf(values.map((v) => octetString(v))));
        const elements = children(decodeDer(set)).map((c) => c.bytes);
        expect(elements).toHaveLength(values.length);
        for (let i = 1; i < elements.length; i++) {
          expect(compareDer(elements[i - 1]!, elements[i]!)).toBeLessThanOrEqual(0);
        }
        const reversed = encode(derSetOf([...values].reverse().map((v) => octetString(v))));
        expect(Buffer.from(reversed)).toEqual(Buffer.from(set));
      }),
      { numRuns: 100 },
    );
  });

  it("compares with trailing zero padding, as X.690 §11.6 says", () => {
    expect(compareDer(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(0);
    expect(compareDer(new Uint8Array([1]), new Uint8Array([1, 1]))).toBeLessThan(0);
    expect(compareDer(new Uint8Array([2]), new Uint8Array([1, 9]))).toBeGreaterThan(0);
  });
});
