/**
 * Byte ranges of a signature (ISO 32000-1 §12.8.1, /ByteRange): hashing over views of the file,
 * never a concatenated copy.
 */
import { createHash } from "node:crypto";
import { malformed } from "./lexer.ts";

/**
 * Checks that `byteRange` is pairs of non-negative integers inside a file of `fileLength` bytes,
 * in ascending, non-overlapping order. Throws PDF_MALFORMED otherwise.
 */
export function checkByteRange(byteRange: readonly number[], fileLength: number): void {
  if (byteRange.length === 0 || byteRange.length % 2 !== 0) {
    throw malformed(`/ByteRange must have an even, non-zero number of entries, has ${byteRange.length}`);
  }
  let previousEnd = 0;
  for (let i = 0; i < byteRange.length; i += 2) {
    const start = byteRange[i]!;
    const length = byteRange[i + 1]!;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < previousEnd || length < 0) {
      throw malformed(`/ByteRange [${byteRange.join(" ")}] is not ascending pairs of non-negative integers`);
    }
    if (start + length > fileLength) {
      throw malformed(
        `/ByteRange [${byteRange.join(" ")}] reaches beyond the file end (${fileLength} bytes)`,
      );
    }
    previousEnd = start + length;
  }
}

/** The views of `bytes` a byte range covers (no copy). */
export function byteRangeSlices(bytes: Uint8Array, byteRange: readonly number[]): Uint8Array[] {
  checkByteRange(byteRange, bytes.length);
  const slices: Uint8Array[] = [];
  for (let i = 0; i < byteRange.length; i += 2) {
    slices.push(bytes.subarray(byteRange[i]!, byteRange[i]! + byteRange[i + 1]!));
  }
  return slices;
}

/**
 * Digest of the bytes a /ByteRange covers, hashed range by range over subarrays.
 *
 * @example
 * const digest = hashByteRange(pdfBytes, [0, 840, 17226, 512], "sha256");
 */
export function hashByteRange(
  bytes: Uint8Array,
  byteRange: readonly number[],
  hashAlgorithm: string,
): Uint8Array {
  const hash = createHash(hashAlgorithm);
  for (const slice of byteRangeSlices(bytes, byteRange)) {
    hash.update(slice);
  }
  return new Uint8Array(hash.digest());
}
