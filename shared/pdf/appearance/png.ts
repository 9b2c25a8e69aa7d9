/**
 * A minimal PNG (ISO/IEC 15948, RFC 2083) encoder for 8-bit RGBA images, and a header reader used
 * to reject unusable images with a clear error before they reach the PDF image embedder.
 */
import { deflateSync } from "node:zlib";
import { ExchangeError } from "../../errors/exchange-error.ts";

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Largest accepted image side, in pixels: an appearance image is a few hundred pixels wide. */
export const MAX_IMAGE_SIDE = 4096;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as used by PNG chunks (ISO 3309 / ITU-T V.42). */
export function crc32(bytes: Uint8Array, initial = 0): number {
  let c = ~initial >>> 0;
  for (const byte of bytes) {
    c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) {
    out[4 + i] = type.charCodeAt(i);
  }
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An 8-bit RGBA raster, rows top to bottom, 4 bytes per pixel. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

/**
 * Encodes an RGBA raster as a PNG (colour type 6, bit depth 8, filter 0 on every row).
 *
 * @example
 * const png = encodePng({ width: 1, height: 1, rgba: Uint8Array.of(255, 0, 0, 255) });
 */
export function encodePng(image: RgbaImage): Uint8Array {
  const { width, height, rgba } = image;
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`expected ${width * height * 4} RGBA bytes for ${width}×${height}, got ${rgba.length}`);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8);
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const parts = [SIGNATURE, chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array())];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** What the IHDR chunk says about a PNG. */
export interface PngInfo {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  readonly colorType: number;
  readonly interlaced: boolean;
}

/**
 * Reads the signature and IHDR of a PNG. Throws APPEARANCE_IMAGE_INVALID when `bytes` is not a PNG
 * or its size is outside 1 … `MAX_IMAGE_SIDE` pixels.
 *
 * @example
 * const { width, height } = readPngInfo(signaturePng);
 */
export function readPngInfo(bytes: Uint8Array, what = "image"): PngInfo {
  const isPng = bytes.length >= 33 && SIGNATURE.every((byte, i) => bytes[i] === byte);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isPng || view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") {
    throw new ExchangeError("APPEARANCE_IMAGE_INVALID", {
      detail: `${what}: expected a PNG file (signature 89 50 4E 47, then IHDR), got ${bytes.length} bytes of something else`,
    });
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw new ExchangeError("APPEARANCE_IMAGE_INVALID", {
      detail: `${what}: expected 1–${MAX_IMAGE_SIDE} pixels a side, got ${width}×${height}`,
    });
  }
  return { width, height, bitDepth: bytes[24]!, colorType: bytes[25]!, interlaced: bytes[28] === 1 };
}
