/**
 * A minimal PNG (ISO/IEC 15948, RFC 2083) encoder for 8-bit RGBA images, and a strict decoder for
 * appearance images. Images come from users, so they are decoded here with node:zlib (bounded
 * output, CRC-checked critical chunks) rather than by pdf-lib's embedder, which loops forever on
 * some corrupt image data.
 */
import { deflateSync, inflateSync } from "node:zlib";
import { ExchangeError } from "../../errors/exchange-error.ts";

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Largest accepted image side, in pixels: an appearance image is a few hundred pixels wide. */
export const MAX_IMAGE_SIDE = 2048;

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
    throw new RangeError(
      `expected ${width * height * 4} RGBA bytes for ${width}×${height}, got ${rgba.length}`,
    );
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
  const parts = [
    SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array()),
  ];
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

/** Bit depths allowed for each colour type (PNG §11.2.2, Table 11.1) and the samples per pixel. */
const COLOUR_TYPES: ReadonlyMap<number, { readonly depths: readonly number[]; readonly channels: number }> =
  new Map([
    [0, { depths: [1, 2, 4, 8, 16], channels: 1 }],
    [2, { depths: [8, 16], channels: 3 }],
    [3, { depths: [1, 2, 4, 8], channels: 1 }],
    [4, { depths: [8, 16], channels: 2 }],
    [6, { depths: [8, 16], channels: 4 }],
  ]);

function invalid(what: string, detail: string, cause?: unknown): ExchangeError {
  return new ExchangeError("APPEARANCE_IMAGE_INVALID", { detail: `${what}: ${detail}`, cause });
}

/**
 * Reads the signature and IHDR of a PNG. Throws APPEARANCE_IMAGE_INVALID when `bytes` is not a PNG,
 * its size is outside 1 … `MAX_IMAGE_SIDE` pixels, or its format is not one PNG allows.
 *
 * @example
 * const { width, height } = readPngInfo(signaturePng);
 */
export function readPngInfo(bytes: Uint8Array, what = "image"): PngInfo {
  const isPng = bytes.length >= 33 && SIGNATURE.every((byte, i) => bytes[i] === byte);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isPng || view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") {
    throw invalid(
      what,
      `expected a PNG file (signature 89 50 4E 47, then IHDR), got ${bytes.length} bytes of something else`,
    );
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw invalid(what, `expected 1–${MAX_IMAGE_SIDE} pixels a side, got ${width}×${height}`);
  }
  const bitDepth = bytes[24]!;
  const colorType = bytes[25]!;
  if (!COLOUR_TYPES.get(colorType)?.depths.includes(bitDepth)) {
    throw invalid(what, `colour type ${colorType} with bit depth ${bitDepth} is not a PNG format`);
  }
  return { width, height, bitDepth, colorType, interlaced: bytes[28] === 1 };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes a non-interlaced PNG of any colour type and bit depth to 8-bit RGBA (16-bit samples keep
 * their high byte; tRNS is applied). Critical chunks must carry a correct CRC; the image data must
 * inflate to exactly the size the header announces. Throws APPEARANCE_IMAGE_INVALID otherwise.
 *
 * @example
 * const { width, height, rgba } = decodePng(sealPng);
 */
export function decodePng(bytes: Uint8Array, what = "image"): RgbaImage {
  const info = readPngInfo(bytes, what);
  if (info.interlaced) {
    throw invalid(what, "interlaced (Adam7) PNGs are not supported; save it without interlacing");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let offset = 8;
  let ended = false;
  while (offset + 12 <= bytes.length && !ended) {
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    if (end > bytes.length) {
      throw invalid(what, `chunk at offset ${offset} announces ${length} bytes, the file ends first`);
    }
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    const critical = (bytes[offset + 4]! & 0x20) === 0;
    if (
      critical &&
      crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== view.getUint32(offset + 8 + length)
    ) {
      throw invalid(what, `CRC mismatch in the ${type} chunk`);
    }
    if (type === "PLTE") {
      palette = data;
    } else if (type === "tRNS") {
      transparency = data;
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      ended = true;
    } else if (critical && type !== "IHDR") {
      throw invalid(what, `unknown critical chunk ${JSON.stringify(type)}`);
    }
    offset = end;
  }
  if (idat.length === 0) {
    throw invalid(what, "no image data (IDAT)");
  }
  const { width, height, bitDepth, colorType } = info;
  const channels = COLOUR_TYPES.get(colorType)!.channels;
  if (colorType === 3 && !palette) {
    throw invalid(what, "palette image without PLTE chunk");
  }
  const bitsPerPixel = channels * bitDepth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const bytesPerPixel = Math.max(1, bitsPerPixel >> 3);
  const expected = (stride + 1) * height;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (cause) {
    throw invalid(what, `image data does not inflate to the ${expected} bytes the header announces`, cause);
  }
  if (raw.length !== expected) {
    throw invalid(what, `image data inflates to ${raw.length} bytes, the header announces ${expected}`);
  }
  // Undo the row filters (PNG §9.2) in place, row by row.
  const rows = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    if (filter > 4) {
      throw invalid(what, `unknown row filter ${filter} on row ${y}`);
    }
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    if (filter === 0 || (filter === 2 && y === 0)) {
      rows.set(row, out);
      continue;
    }
    for (let x = 0; x < stride; x++) {
      const a = x >= bytesPerPixel ? rows[out + x - bytesPerPixel]! : 0;
      const b = y > 0 ? rows[out - stride + x]! : 0;
      const c = x >= bytesPerPixel && y > 0 ? rows[out - stride + x - bytesPerPixel]! : 0;
      const predictor = filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, c);
      rows[out + x] = (row[x]! + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  // Fast paths for the usual 8-bit formats without a colour key.
  if (bitDepth === 8 && colorType === 6) {
    rgba.set(rows);
    return { width, height, rgba };
  }
  if (bitDepth === 8 && (colorType === 2 || colorType === 4) && !(colorType === 2 && transparency)) {
    for (let i = 0, p = 0; i < width * height; i++, p += channels) {
      const o = i * 4;
      if (colorType === 2) {
        rgba[o] = rows[p]!;
        rgba[o + 1] = rows[p + 1]!;
        rgba[o + 2] = rows[p + 2]!;
        rgba[o + 3] = 255;
      } else {
        rgba[o] = rows[p]!;
        rgba[o + 1] = rows[p]!;
        rgba[o + 2] = rows[p]!;
        rgba[o + 3] = rows[p + 1]!;
      }
    }
    return { width, height, rgba };
  }
  const maxSample = (1 << Math.min(bitDepth, 8)) - 1;
  const sample = (y: number, index: number): number => {
    // index counts samples within the row; 16-bit samples keep their high byte.
    if (bitDepth === 8) {
      return rows[y * stride + index]!;
    }
    if (bitDepth === 16) {
      return rows[y * stride + index * 2]!;
    }
    const bit = index * bitDepth;
    return (rows[y * stride + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & maxSample;
  };
  const transparentKey = (y: number, x: number): boolean => {
    if (!transparency || (colorType !== 0 && colorType !== 2)) {
      return false;
    }
    const tView = new DataView(transparency.buffer, transparency.byteOffset, transparency.byteLength);
    for (let c = 0; c < channels; c++) {
      const raw16 =
        bitDepth === 16
          ? rows[y * stride + (x * channels + c) * 2]! * 256 + rows[y * stride + (x * channels + c) * 2 + 1]!
          : sample(y, x * channels + c);
      if (transparency.length < (c + 1) * 2 || tView.getUint16(c * 2) !== raw16) {
        return false;
      }
    }
    return true;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (colorType === 3) {
        const index = sample(y, x);
        if ((index + 1) * 3 > palette!.length) {
          throw invalid(what, `palette index ${index} is outside the ${palette!.length / 3}-entry palette`);
        }
        rgba[o] = palette![index * 3]!;
        rgba[o + 1] = palette![index * 3 + 1]!;
        rgba[o + 2] = palette![index * 3 + 2]!;
        rgba[o + 3] = transparency?.[index] ?? 255;
        continue;
      }
      const scale = (v: number): number => (bitDepth < 8 ? Math.round((v * 255) / maxSample) : v);
      if (colorType === 0 || colorType === 4) {
        const grey = scale(sample(y, x * channels));
        rgba[o] = grey;
        rgba[o + 1] = grey;
        rgba[o + 2] = grey;
        rgba[o + 3] = colorType === 4 ? sample(y, x * channels + 1) : 255;
      } else {
        rgba[o] = sample(y, x * channels);
        rgba[o + 1] = sample(y, x * channels + 1);
        rgba[o + 2] = sample(y, x * channels + 2);
        rgba[o + 3] = colorType === 6 ? sample(y, x * channels + 3) : 255;
      }
      if (transparentKey(y, x)) {
        rgba[o + 3] = 0;
      }
    }
  }
  return { width, height, rgba };
}
