/**
 * Byte ranges of a signature (ISO 32000-1 §12.8.1, /ByteRange): hashing over views of the file,
 * never a concatenated copy.
 */
import { createHash, type Hash } from "node:crypto";
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

/**
 * Digests of several byte ranges of one file, sharing the work of their common prefix. Every
 * signature's first range starts at byte 0 and a counter-signature's covers the earlier one's,
 * so a letter with n signatures is hashed about once instead of n + 1 times (the whole-file
 * digest included): the hash state after [0, k) is kept and copied (`Hash.copy`) for each range.
 *
 * @example
 * const digester = new ByteRangeDigester(pdfBytes);
 * const first = digester.digest([0, 840, 17226, 512], "sha256");
 * const whole = digester.digest([0, pdfBytes.length], "sha256");
 */
export class ByteRangeDigester {
  /** Per algorithm: hash states after [0, length), ascending by length. */
  private readonly prefixes = new Map<string, { length: number; hash: Hash }[]>();

  constructor(private readonly bytes: Uint8Array) {}

  digest(byteRange: readonly number[], hashAlgorithm: string): Uint8Array {
    const slices = byteRangeSlices(this.bytes, byteRange);
    if (byteRange[0] !== 0) {
      return hashByteRange(this.bytes, byteRange, hashAlgorithm);
    }
    const hash = this.prefix(hashAlgorithm, byteRange[1]!);
    for (const slice of slices.slice(1)) {
      hash.update(slice);
    }
    return new Uint8Array(hash.digest());
  }

  /** A fresh hash state over [0, length), continued from the longest known shorter prefix. */
  private prefix(hashAlgorithm: string, length: number): Hash {
    let states = this.prefixes.get(hashAlgorithm);
    if (!states) {
      states = [];
      this.prefixes.set(hashAlgorithm, states);
    }
    const known = states.filter((state) => state.length <= length).at(-1);
    const hash = known ? known.hash.copy() : createHash(hashAlgorithm);
    hash.update(this.bytes.subarray(known?.length ?? 0, length));
    if (known?.length !== length) {
      states.push({ length, hash: hash.copy() });
      states.sort((a, b) => a.length - b.length);
    }
    return hash;
  }
}
