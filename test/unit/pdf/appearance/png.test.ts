import { deflateSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  crc32,
  decodePng as decode,
  encodePng,
  MAX_IMAGE_SIDE,
  readPngInfo,
} from "../../../../shared/pdf/appearance/png.ts";
import { decodePng, isBlue, isRed, pixelAt, sealImage, signatureImage } from "../../../support/images.ts";

describe("encodePng", () => {
  it("computes the standard CRC-32 check value", () => {
    // The check value of CRC-32/ISO-HDLC over "123456789" (the catalogue's reference).
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("round-trips any RGBA raster through the decoder", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.infiniteStream(fc.integer({ min: 0, max: 255 })),
        (width, height, values) => {
          const rgba = Uint8Array.from(values.take(width * height * 4));
          const decoded = decodePng(encodePng({ width, height, rgba }));
          expect(decoded.width).toBe(width);
          expect(decoded.height).toBe(height);
          expect(decoded.rgba).toEqual(rgba);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("writes valid chunk CRCs and an RGBA 8-bit header", () => {
    const png = encodePng({ width: 2, height: 1, rgba: new Uint8Array(8) });
    const info = readPngInfo(png);
    expect(info).toMatchObject({ width: 2, height: 1, bitDepth: 8, colorType: 6, interlaced: false });
    // IHDR CRC covers the type and data (bytes 12 .. 29).
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(29)).toBe(crc32(png.subarray(12, 29)));
  });

  it("refuses a raster of the wrong length", () => {
    expect(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(3) })).toThrow(RangeError);
  });
});

describe("readPngInfo", () => {
  it("rejects what is not a PNG, and oversized images", () => {
    // Prepare
    const jpegLike = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, ...new Uint8Array(40));
    const huge = encodePng({ width: 1, height: 1, rgba: new Uint8Array(4) });
    new DataView(huge.buffer).setUint32(16, MAX_IMAGE_SIDE + 1);
    // Act / Assess
    expect(() => readPngInfo(jpegLike)).toThrow(
      expect.objectContaining({ code: "APPEARANCE_IMAGE_INVALID" }),
    );
    expect(() => readPngInfo(new Uint8Array())).toThrow(
      expect.objectContaining({ code: "APPEARANCE_IMAGE_INVALID" }),
    );
    expect(() => readPngInfo(huge)).toThrow(expect.objectContaining({ code: "APPEARANCE_IMAGE_INVALID" }));
  });
});

/** A PNG built by hand from IHDR fields and already-filtered scanlines, independent of encodePng. */
function handPng(
  header: { width: number; height: number; depth: number; colour: number; interlace?: number },
  scanlines: readonly number[],
  extra: readonly [string, readonly number[]][] = [],
): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  ihdr.set([header.depth, header.colour, 0, 0, header.interlace ?? 0], 8);
  // A copy: Buffer.concat may return a view into a shared pool.
  return Uint8Array.from(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk("IHDR", ihdr),
      ...extra.map(([type, data]) => chunk(type, Uint8Array.from(data))),
      chunk("IDAT", deflateSync(Uint8Array.from(scanlines))),
      chunk("IEND", new Uint8Array()),
    ]),
  );
}

describe("decodePng", () => {
  it("expands a 2-bit palette image with tRNS", () => {
    // Prepare: 3 pixels, indexes 0, 1, 2 packed as 00 01 10 xx = 0b00011000.
    const png = handPng(
      { width: 3, height: 1, depth: 2, colour: 3 },
      [0, 0b00011000],
      [
        ["PLTE", [255, 0, 0, 0, 255, 0, 0, 0, 255]],
        ["tRNS", [0, 128]],
      ],
    );
    // Act
    const image = decode(png);
    // Assess
    expect([...image.rgba]).toEqual([255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255]);
  });

  it("scales 1-bit grey and takes the high byte of 16-bit RGB", () => {
    const grey = decode(handPng({ width: 2, height: 1, depth: 1, colour: 0 }, [0, 0b10000000]));
    expect([...grey.rgba]).toEqual([255, 255, 255, 255, 0, 0, 0, 255]);
    const rgb16 = decode(
      handPng({ width: 1, height: 1, depth: 16, colour: 2 }, [0, 0x12, 0x34, 0xab, 0xcd, 0xff, 0x00]),
    );
    expect([...rgb16.rgba]).toEqual([0x12, 0xab, 0xff, 255]);
  });

  it("applies an RGB colour key (tRNS) to the matching pixels only", () => {
    const png = handPng(
      { width: 2, height: 1, depth: 8, colour: 2 },
      [0, 0, 0, 255, 0, 0, 254],
      [["tRNS", [0, 0, 0, 0, 0, 255]]],
    );
    expect([...decode(png).rgba]).toEqual([0, 0, 255, 0, 0, 0, 254, 255]);
  });

  it("undoes the Sub, Up, Average and Paeth filters", () => {
    // Prepare: grey + alpha 8-bit, 2×4, one filter per row; the expected pixels are computed by hand.
    const png = handPng({ width: 2, height: 4, depth: 8, colour: 4 }, [
      1,
      10,
      20,
      5,
      5, // Sub: (10,20) (15,25)
      2,
      1,
      1,
      1,
      1, // Up: (11,21) (16,26)
      3,
      4,
      4,
      4,
      4, // Average: (11+0)/2+4=9, (21)/2+4=14, (9+16)/2+4=16, (14+26)/2+4=24
      4,
      1,
      1,
      1,
      1, // Paeth: a=0,b=9,c=0 → b: 10; b=14 → 15; a=10,b=16,c=9 → p=17 → b=16: 17; a=15,b=24,c=14 → p=25 → b: 25
    ]);
    // Act
    const image = decode(png);
    // Assess
    const greyAlpha = [];
    for (let i = 0; i < 8; i++) {
      greyAlpha.push(image.rgba[i * 4]!, image.rgba[i * 4 + 3]!);
    }
    expect(greyAlpha).toEqual([10, 20, 15, 25, 11, 21, 16, 26, 9, 14, 16, 24, 10, 15, 17, 25]);
  });

  it("refuses corrupt or inconsistent image data with APPEARANCE_IMAGE_INVALID", () => {
    const good = encodePng({ width: 4, height: 4, rgba: new Uint8Array(64).fill(9) });
    const badCrc = Uint8Array.from(good);
    badCrc[40] = badCrc[40]! ^ 0xff;
    const badDeflate = handPng({ width: 4, height: 4, depth: 8, colour: 6 }, []);
    const idat = Buffer.from(badDeflate).indexOf("IDAT");
    badDeflate.fill(0x55, idat + 4, idat + 10);
    // Re-seal the CRC so that only the deflate stream is wrong.
    const length = new DataView(badDeflate.buffer).getUint32(idat - 4);
    new DataView(badDeflate.buffer).setUint32(
      idat + 4 + length,
      crc32(badDeflate.subarray(idat, idat + 4 + length)),
    );
    const short = handPng({ width: 4, height: 4, depth: 8, colour: 6 }, [0, 1, 2, 3]);
    const interlaced = handPng({ width: 1, height: 1, depth: 8, colour: 0, interlace: 1 }, [0, 0]);
    const badFilter = handPng({ width: 1, height: 1, depth: 8, colour: 0 }, [7, 0]);
    const badDepth = handPng({ width: 1, height: 1, depth: 4, colour: 6 }, [0, 0]);
    for (const png of [badCrc, badDeflate, short, interlaced, badFilter, badDepth]) {
      expect(() => decode(png)).toThrow(expect.objectContaining({ code: "APPEARANCE_IMAGE_INVALID" }));
    }
  });
});

describe("demo images", () => {
  it("draws a blue signature stroke on a transparent 300 × 120 background", () => {
    const image = decodePng(signatureImage());
    expect([image.width, image.height]).toEqual([300, 120]);
    let opaque = 0;
    let blue = 0;
    for (let i = 0; i < image.width * image.height; i++) {
      const px = [...image.rgba.subarray(i * 4, i * 4 + 4)];
      if (px[3]! > 200) {
        opaque++;
        blue += isBlue(px) ? 1 : 0;
      }
    }
    expect(pixelAt(image, 0, 0)[3]).toBe(0);
    // A stroke: present, but covering a small part of the image.
    expect(opaque / (image.width * image.height)).toBeGreaterThan(0.03);
    expect(opaque / (image.width * image.height)).toBeLessThan(0.3);
    expect(blue).toBe(opaque);
  });

  it("draws a red round seal touching the image edge, transparent in the corners", () => {
    const image = decodePng(sealImage());
    expect([image.width, image.height]).toEqual([400, 400]);
    for (const [x, y] of [
      [0, 0],
      [399, 0],
      [0, 399],
      [399, 399],
    ] as const) {
      expect(pixelAt(image, x, y)[3]).toBe(0);
    }
    // Outer ring at the left, right, top and bottom edges; star in the centre.
    for (const [x, y] of [
      [3, 200],
      [396, 200],
      [200, 3],
      [200, 396],
      [200, 200],
    ] as const) {
      const px = pixelAt(image, x, y);
      expect(isRed(px)).toBe(true);
      expect(px[3]).toBe(255);
    }
    // Between the inner ring and the star: transparent.
    expect(pixelAt(image, 200, 100)[3]).toBe(0);
  });
});
