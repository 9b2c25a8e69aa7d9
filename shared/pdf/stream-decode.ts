/**
 * Stream decoding for the filters the parser itself needs (ISO 32000-1 §7.4): FlateDecode with
 * PNG predictors 10–15 and TIFF predictor 2 (§7.4.4.4). Output is bounded so that a hostile
 * "zip bomb" stream cannot exhaust memory.
 */
import { malformed } from "./lexer.ts";
import { PdfDict, PdfName, type PdfObject, type PdfStream } from "./objects.ts";

/** node:zlib, loaded with the first compressed stream: `lienthong verify` of a letter without one never loads it. */
const inflateSync: typeof import("node:zlib").inflateSync = (data, options) =>
  process.getBuiltinModule("node:zlib").inflateSync(data, options);

/** Default bound on one decoded stream: 256 MiB. */
export const DEFAULT_MAX_DECODED_BYTES = 256 * 1024 * 1024;

export interface DecodeStreamOptions {
  /** Upper bound of the decoded size; default {@link DEFAULT_MAX_DECODED_BYTES}. */
  readonly maxBytes?: number;
}

/**
 * Decodes a stream's data. Supports no filter and FlateDecode (with predictors); any other filter
 * throws PDF_MALFORMED naming it.
 *
 * @example
 * const xrefData = decodeStream(xrefStream);
 */
export function decodeStream(stream: PdfStream, options: DecodeStreamOptions = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DECODED_BYTES;
  const filters = asList(stream.dict.get("Filter"));
  const parms = asList(stream.dict.get("DecodeParms"));
  let data = stream.data;
  for (let i = 0; i < filters.length; i++) {
    const filter = filters[i];
    const name = filter instanceof PdfName ? filter.value : undefined;
    const parm = parms[i];
    if (name === "FlateDecode" || name === "Fl") {
      data = inflate(data, maxBytes);
      data = unpredict(data, parm instanceof PdfDict ? parm : undefined);
    } else {
      throw malformed(`unsupported stream filter '${name ?? "?"}' (FlateDecode only)`);
    }
  }
  return data;
}

function asList(value: PdfObject | undefined): readonly PdfObject[] {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? value : [value as PdfObject];
}

function inflate(data: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return inflateSync(data, { maxOutputLength: maxBytes });
  } catch (error) {
    // Truncated or trailing-garbage zlib data is common in the wild; salvage what decodes.
    try {
      return inflateSync(data, { maxOutputLength: maxBytes, finishFlush: 2 /* Z_SYNC_FLUSH */ });
    } catch {
      throw malformed(`FlateDecode data cannot be inflated (${(error as Error).message})`, error);
    }
  }
}

/** Reverses PNG (10–15) and TIFF (2) predictors (§7.4.4.4, Table 8). */
export function unpredict(data: Uint8Array, parms: PdfDict | undefined): Uint8Array {
  const predictor = parms?.getNumber("Predictor") ?? 1;
  if (predictor <= 1) {
    return data;
  }
  const colors = parms?.getNumber("Colors") ?? 1;
  const bpc = parms?.getNumber("BitsPerComponent") ?? 8;
  const columns = parms?.getNumber("Columns") ?? 1;
  if (
    !Number.isInteger(colors) ||
    !Number.isInteger(bpc) ||
    !Number.isInteger(columns) ||
    colors < 1 ||
    colors > 32 ||
    columns < 1 ||
    columns > 1 << 24 ||
    ![1, 2, 4, 8, 16].includes(bpc)
  ) {
    throw malformed(
      `bad predictor parameters (Colors ${colors}, BitsPerComponent ${bpc}, Columns ${columns})`,
    );
  }
  const bytesPerPixel = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLength = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) {
    return tiffUnpredict(data, rowLength, bytesPerPixel, bpc, colors);
  }
  if (predictor >= 10 && predictor <= 15) {
    return pngUnpredict(data, rowLength, bytesPerPixel);
  }
  throw malformed(`unsupported predictor ${predictor} (expected 1, 2 or 10–15)`);
}

function pngUnpredict(data: Uint8Array, rowLength: number, bpp: number): Uint8Array {
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  for (let row = 0; row < rows; row++) {
    const type = data[row * (rowLength + 1)]!;
    const src = row * (rowLength + 1) + 1;
    const dst = row * rowLength;
    const prev = dst - rowLength;
    for (let i = 0; i < rowLength; i++) {
      const raw = data[src + i]!;
      const left = i >= bpp ? out[dst + i - bpp]! : 0;
      const up = row > 0 ? out[prev + i]! : 0;
      const upLeft = row > 0 && i >= bpp ? out[prev + i - bpp]! : 0;
      let value: number;
      switch (type) {
        case 0:
          value = raw;
          break;
        case 1:
          value = raw + left;
          break;
        case 2:
          value = raw + up;
          break;
        case 3:
          value = raw + ((left + up) >> 1);
          break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          value = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default:
          throw malformed(`unknown PNG predictor row type ${type}`);
      }
      out[dst + i] = value & 0xff;
    }
  }
  return out;
}

function tiffUnpredict(
  data: Uint8Array,
  rowLength: number,
  bpp: number,
  bpc: number,
  colors: number,
): Uint8Array {
  if (bpc !== 8) {
    throw malformed(`TIFF predictor supported for 8 bits per component only, got ${bpc}`);
  }
  const out = Uint8Array.from(data);
  const rows = Math.floor(out.length / rowLength);
  for (let row = 0; row < rows; row++) {
    const base = row * rowLength;
    for (let i = colors; i < rowLength; i++) {
      out[base + i] = (out[base + i]! + out[base + i - bpp]!) & 0xff;
    }
  }
  return out;
}
