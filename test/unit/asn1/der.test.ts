import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BER,
  bytesToHex,
  children,
  DerError,
  decodeBitString,
  decodeDer,
  decodeInteger,
  decodeOid,
  decodeString,
  decodeTime,
  encodeBitString,
  encodeBmpString,
  encodeBoolean,
  encodedLength,
  encodeGeneralizedTime,
  encodeInteger,
  encodeLength,
  encodeNamedBits,
  encodeOctetString,
  encodeOid,
  encodePrintableString,
  encodeSequence,
  encodeSetOf,
  encodeTime,
  encodeUtcTime,
  encodeUtf8String,
  hexToBytes,
  octetStringValue,
  readElement,
  TAG,
  tlv,
  toDer,
  usesBerEncoding,
} from "../../../shared/asn1/der.ts";
import { runOpenssl } from "../../support/openssl.ts";
import { tempDir } from "../../support/temp-dir.ts";

describe("DER lengths and TLVs", () => {
  it("uses the short form below 128 and the minimal long form above", () => {
    expect(bytesToHex(encodeLength(0))).toBe("00");
    expect(bytesToHex(encodeLength(127))).toBe("7f");
    expect(bytesToHex(encodeLength(128))).toBe("8180");
    expect(bytesToHex(encodeLength(256))).toBe("820100");
    expect(bytesToHex(encodeLength(70_000))).toBe("83011170");
  });

  it("reads back what it writes for any content size", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (content) => {
        const element = decodeDer(tlv(TAG.OCTET_STRING, content));
        expect(element.tag).toBe(TAG.OCTET_STRING);
        expect(Array.from(element.content)).toEqual(Array.from(content));
      }),
    );
  });

  it("rejects truncated input, trailing bytes and indefinite length in DER mode", () => {
    const seq = encodeSequence(encodeInteger(5));
    expect(() => decodeDer(seq.subarray(0, seq.length - 1))).toThrow(DerError);
    expect(() => decodeDer(Uint8Array.of(...seq, 0))).toThrow(/trailing/);
    expect(() => decodeDer(Uint8Array.of(0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00))).toThrow(/indefinite/);
    expect(() => readElement(new Uint8Array(0))).toThrow(DerError);
  });

  it("reads BER indefinite lengths and constructed OCTET STRINGs when asked", () => {
    // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "cd" }, INTEGER 7 }
    const ber = Uint8Array.of(
      0x30,
      0x80,
      0x24,
      0x80,
      0x04,
      0x01,
      0xab,
      0x04,
      0x01,
      0xcd,
      0x00,
      0x00,
      0x02,
      0x01,
      0x07,
      0x00,
      0x00,
    );
    const outer = decodeDer(ber, { ber: true });
    expect(outer.indefinite).toBe(true);
    expect(outer.end).toBe(ber.length);
    const [octets, integer] = children(outer);
    expect(bytesToHex(octetStringValue(octets!))).toBe("abcd");
    expect(decodeInteger(integer!)).toBe(7n);
  });
});

describe("OBJECT IDENTIFIER", () => {
  it("matches OpenSSL's encoding of well-known OIDs", async () => {
    // Independent reference: `openssl asn1parse -genstr OID:<oid> -out -` writes the DER.
    const { dir, cleanup } = await tempDir();
    try {
      for (const oid of ["2.5.4.97", "1.2.840.113549.1.9.16.2.47", "1.3.6.1.5.5.7.3.8", "2.999.1"]) {
        const out = join(dir, "oid.der");
        expect(runOpenssl(["asn1parse", "-genstr", `OID:${oid}`, "-noout", "-out", out]).status).toBe(0);
        expect(bytesToHex(encodeOid(oid))).toBe(bytesToHex(await readFile(out)));
      }
    } finally {
      await cleanup();
    }
  });

  it("round-trips arbitrary arcs, including ones above 2^53", () => {
    const arc = fc.bigInt({ min: 0n, max: (1n << 70n) - 1n });
    fc.assert(
      fc.property(
        fc.constantFrom(0n, 1n, 2n),
        fc.bigInt({ min: 0n, max: 39n }),
        fc.array(arc, { maxLength: 8 }),
        (a, b, rest) => {
          const oid = [a, b, ...rest].join(".");
          expect(decodeOid(decodeDer(encodeOid(oid)))).toBe(oid);
        },
      ),
    );
  });

  it("rejects malformed OIDs", () => {
    expect(() => encodeOid("1")).toThrow(DerError);
    expect(() => encodeOid("1.2.x")).toThrow(DerError);
    expect(() => decodeOid(decodeDer(Uint8Array.of(0x06, 0x01, 0x81)))).toThrow(/truncated/);
  });
});

describe("INTEGER", () => {
  it("round-trips signed values with minimal encodings", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), (value) => {
        const der = encodeInteger(value);
        expect(decodeInteger(decodeDer(der))).toBe(value);
        const content = der.subarray(2);
        // X.690 §8.3.2: the first nine bits are never all zero or all one.
        if (content.length > 1) {
          const nine = ((content[0] as number) << 1) | ((content[1] as number) >> 7);
          expect(nine === 0 || nine === 0x1ff).toBe(false);
        }
      }),
    );
  });

  it("encodes unsigned bytes as a positive INTEGER", () => {
    expect(bytesToHex(encodeInteger(hexToBytes("ff01")))).toBe("020300ff01");
    expect(bytesToHex(encodeInteger(hexToBytes("0000017f")))).toBe("0202017f");
    expect(bytesToHex(encodeInteger(new Uint8Array(0)))).toBe("020100");
  });
});

describe("strings", () => {
  it("decodes UTF8String, BMPString, UniversalString and TeletexString", () => {
    const name = "Trần Thị Bích Ngọc";
    expect(decodeString(decodeDer(encodeUtf8String(name)))).toBe(name);
    expect(decodeString(decodeDer(encodeBmpString(name)))).toBe(name);
    const utf32 = Buffer.alloc(name.length * 4);
    [...name].forEach((c, i) => {
      utf32.writeUInt32BE(c.codePointAt(0) as number, i * 4);
    });
    expect(decodeString(decodeDer(tlv(TAG.UNIVERSAL_STRING, utf32)))).toBe(name);
    expect(decodeString(decodeDer(tlv(TAG.TELETEX_STRING, Uint8Array.of(0x54, 0xe2, 0x79))))).toBe("Tây");
  });

  it("rejects invalid UTF-8 and characters a PrintableString cannot hold", () => {
    expect(() => decodeString(decodeDer(tlv(TAG.UTF8_STRING, Uint8Array.of(0xc3))))).toThrow(DerError);
    expect(() => encodePrintableString("Tây")).toThrow(DerError);
    expect(() => encodePrintableString("VN")).not.toThrow();
  });
});

describe("times", () => {
  it("switches from UTCTime to GeneralizedTime in 2050 (RFC 5280 §4.1.2.5)", () => {
    expect(encodeTime(new Date("2049-12-31T23:59:59Z"))[0]).toBe(TAG.UTC_TIME);
    expect(encodeTime(new Date("2050-01-01T00:00:00Z"))[0]).toBe(TAG.GENERALIZED_TIME);
    expect(() => encodeUtcTime(new Date("2050-01-01T00:00:00Z"))).toThrow(DerError);
  });

  it("round-trips whole-second dates", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1950, 0, 1) / 1000, max: Date.UTC(9000, 0, 1) / 1000 }),
        (seconds) => {
          const date = new Date(seconds * 1000);
          expect(decodeTime(decodeDer(encodeTime(date))).getTime()).toBe(date.getTime());
          expect(decodeTime(decodeDer(encodeGeneralizedTime(date))).getTime()).toBe(date.getTime());
        },
      ),
    );
  });

  it("reads the UTCTime century rule, fractions and offsets", () => {
    const utc = (text: string) => decodeTime(decodeDer(tlv(TAG.UTC_TIME, Buffer.from(text))));
    const gen = (text: string) => decodeTime(decodeDer(tlv(TAG.GENERALIZED_TIME, Buffer.from(text))));
    expect(utc("500101000000Z").toISOString()).toBe("1950-01-01T00:00:00.000Z");
    expect(utc("491231235959Z").toISOString()).toBe("2049-12-31T23:59:59.000Z");
    expect(gen("20240305140211.25Z").toISOString()).toBe("2024-03-05T14:02:11.250Z");
    expect(gen("20240305210211+0700").toISOString()).toBe("2024-03-05T14:02:11.000Z");
    const withFraction = encodeGeneralizedTime(new Date("2024-03-05T14:02:11.250Z"), true);
    expect(Buffer.from(withFraction.subarray(2)).toString("latin1")).toBe("20240305140211.25Z");
    expect(() => utc("2403051402Z1")).toThrow(DerError);
  });
});

describe("named bits and sets", () => {
  it("drops trailing zero bits from a named bit list (X.690 §11.2.2)", () => {
    // digitalSignature (0) + nonRepudiation (1): 03 02 06 c0, as OpenSSL writes it.
    expect(bytesToHex(encodeNamedBits([0, 1]))).toBe("030206c0");
    // keyCertSign (5) + cRLSign (6): 03 02 01 06
    expect(bytesToHex(encodeNamedBits([5, 6]))).toBe("03020106");
    // decipherOnly (8) needs a second octet.
    const { unusedBits, bytes } = decodeBitString(decodeDer(encodeNamedBits([8])));
    expect(unusedBits).toBe(7);
    expect(bytesToHex(bytes)).toBe("0080");
  });

  it("sorts SET OF elements by their encodings", () => {
    const a = encodeInteger(2);
    const b = encodeInteger(1);
    const set = decodeDer(encodeSetOf(a, b));
    expect(children(set).map((c) => decodeInteger(c))).toEqual([1n, 2n]);
  });
});

describe("BER to DER (X.690 §10)", () => {
  const hex = (bytes: Uint8Array): string => bytesToHex(bytes);
  const of = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

  it("re-encodes indefinite, non-minimal and segmented encodings, and sorts SETs", () => {
    // SEQUENCE (indefinite) {
    //   OCTET STRING constructed (indefinite) { "ab", "cd" },
    //   BIT STRING constructed { 03 02 00 f0, 03 02 04 c0 },
    //   SET (length 0x81 0x06, non-minimal) { INTEGER 2, INTEGER 1 },
    //   BOOLEAN 0x01 (TRUE, BER)
    // }
    const ber = hexToBytes(
      [
        "3080",
        "2480" + "0401ab" + "0401cd" + "0000",
        "2308" + "030200f0" + "030204c0",
        "318106" + "020102" + "020101",
        "010101",
        "0000",
      ].join(""),
    );
    const element = readElement(ber, 0, BER);
    expect(usesBerEncoding(element)).toBe(true);
    const der = toDer(element);
    expect(hex(der)).toBe(
      hex(
        encodeSequence(
          encodeOctetString(of(0xab, 0xcd)),
          encodeBitString(of(0xf0, 0xc0), 4),
          encodeSetOf(encodeInteger(2), encodeInteger(1)),
          encodeBoolean(true),
        ),
      ),
    );
    expect(usesBerEncoding(decodeDer(der))).toBe(false);
  });

  it("flags each BER-only feature on its own, and keeps unsorted definite SETs as they are", () => {
    expect(usesBerEncoding(readElement(of(0x30, 0x80, 0x05, 0x00, 0x00, 0x00), 0, BER))).toBe(true);
    expect(usesBerEncoding(readElement(of(0x04, 0x81, 0x01, 0xaa)))).toBe(true);
    expect(usesBerEncoding(readElement(of(0x24, 0x03, 0x04, 0x01, 0xaa), 0, BER))).toBe(true);
    expect(usesBerEncoding(readElement(of(0x01, 0x01, 0x05)))).toBe(true);
    const unsorted = of(0x31, 0x06, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01);
    expect(usesBerEncoding(readElement(unsorted))).toBe(false);
    expect(hex(toDer(readElement(unsorted)))).toBe("3106020101020102");
  });

  it("gives what OpenSSL gives when it converts a streamed (BER) CMS to DER", async () => {
    const { dir, file, cleanup } = await tempDir();
    try {
      const key = join(dir, "key.pem");
      const cert = join(dir, "cert.pem");
      expect(
        runOpenssl([
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          key,
          "-out",
          cert,
          "-subj",
          "/CN=BER test/O=Lienthong",
          "-days",
          "2",
        ]).status,
      ).toBe(0);
      const data = await file("data.bin", new Uint8Array(9000).fill(0x61));
      const berFile = join(dir, "ber.p7s");
      const derFile = join(dir, "der.p7s");
      expect(
        runOpenssl([
          "cms",
          "-sign",
          "-binary",
          "-stream",
          "-nodetach",
          "-in",
          data,
          "-signer",
          cert,
          "-inkey",
          key,
          "-outform",
          "DER",
          "-out",
          berFile,
        ]).status,
      ).toBe(0);
      expect(
        runOpenssl(["cms", "-cmsout", "-inform", "DER", "-in", berFile, "-outform", "DER", "-out", derFile])
          .status,
      ).toBe(0);
      const ber = new Uint8Array(await readFile(berFile));
      const der = new Uint8Array(await readFile(derFile));
      expect(ber[1]).toBe(0x80);
      expect(hex(toDer(readElement(ber, 0, BER)))).toBe(hex(der));
    } finally {
      await cleanup();
    }
  });

  it("finds the end of a BER element inside zero padding, and refuses incomplete ones", () => {
    const ber = of(0x30, 0x80, 0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00);
    const padded = new Uint8Array(64);
    padded.set(ber);
    expect(encodedLength(padded, BER)).toBe(ber.length);
    expect(encodedLength(padded)).toBeUndefined(); // DER mode: indefinite is not DER
    expect(encodedLength(of(0x30, 0x80, 0x05, 0x00), BER)).toBeUndefined();
    expect(encodedLength(of(0x30, 0x03, 0x02, 0x01, 0x05, 0, 0))).toBe(5);
  });
});
