/**
 * The incremental-update writer (ISO 32000-1 §7.5.6): the original bytes stay untouched and a new
 * section is appended — the new objects, a cross-reference section of the same kind as the last
 * one (a table, or an uncompressed xref stream §7.5.8), and a trailer chained by /Prev.
 */
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream } from "./objects.ts";
import type { PdfFile } from "./read-pdf.ts";
import { formatObject, serializeBody } from "./serialize.ts";

/** A new object, or a new version of an existing one (same number, same generation). */
export interface UpdateObject {
  readonly objectNumber: number;
  /** Default 0. */
  readonly generation?: number;
  /** The object; or `body`, already serialised (the bytes between `N G obj` and `endobj`). */
  readonly value?: PdfObject;
  readonly body?: Uint8Array;
}

export interface IncrementalUpdateOptions {
  /** Default: the kind of the file's newest cross-reference section. */
  readonly xrefKind?: "table" | "stream";
}

/** The appended section alone; the new file is `file.bytes` followed by `update`. */
export interface IncrementalUpdate {
  /** The bytes appended to the original (offsets below are of the whole new file). */
  readonly update: Uint8Array;
  /** Object number → file offset of the first byte of its body (just after `N G obj\n`). */
  readonly bodyOffsets: ReadonlyMap<number, number>;
  /** Offset of the new cross-reference section (the new `startxref`). */
  readonly startxref: number;
}

export interface IncrementalUpdateResult extends Omit<IncrementalUpdate, "update"> {
  /** The whole new file: the original bytes followed by the update. */
  readonly bytes: Uint8Array;
}

/** Trailer entries carried over from the previous trailer (§7.5.5, §7.5.6). */
const CARRIED_TRAILER_KEYS = ["Root", "Info", "ID"] as const;

/**
 * Appends one incremental update to `file`. Never changes a byte of the original.
 *
 * @example
 * const { bytes } = writeIncrementalUpdate(pdf, [{ objectNumber: 12, value: newCatalog }]);
 */
export function writeIncrementalUpdate(
  file: PdfFile,
  objects: readonly UpdateObject[],
  options: IncrementalUpdateOptions = {},
): IncrementalUpdateResult {
  const { update, bodyOffsets, startxref } = buildIncrementalUpdate(file, objects, options);
  return { bytes: Buffer.concat([file.bytes, update]), bodyOffsets, startxref };
}

/**
 * The update {@link writeIncrementalUpdate} appends, without copying the original: a signer hashes
 * and writes the two parts as they are (a 20 MB letter is then never copied).
 */
export function buildIncrementalUpdate(
  file: PdfFile,
  objects: readonly UpdateObject[],
  options: IncrementalUpdateOptions = {},
): IncrementalUpdate {
  const original = file.bytes;
  const newest = file.revisions[file.revisions.length - 1]!;
  const kind = options.xrefKind ?? newest.xrefKind;
  const sorted = [...objects].sort((a, b) => a.objectNumber - b.objectNumber);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.objectNumber === sorted[i - 1]!.objectNumber) {
      throw new RangeError(`object ${sorted[i]!.objectNumber} appears twice in one update`);
    }
  }

  const chunks: Uint8Array[] = [];
  let position = original.length;
  const push = (chunk: Uint8Array | string): void => {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk;
    chunks.push(bytes);
    position += bytes.length;
  };
  const lastByte = original[original.length - 1];
  if (lastByte !== 0x0a && lastByte !== 0x0d) {
    push("\n");
  }

  const offsets = new Map<number, { offset: number; generation: number }>();
  const bodyOffsets = new Map<number, number>();
  for (const object of sorted) {
    const generation = object.generation ?? 0;
    offsets.set(object.objectNumber, { offset: position, generation });
    push(`${object.objectNumber} ${generation} obj\n`);
    bodyOffsets.set(object.objectNumber, position);
    if (object.body) {
      push(object.body);
    } else if (object.value !== undefined) {
      push(serializeBody(object.value));
    } else {
      throw new TypeError(`object ${object.objectNumber} has neither value nor body`);
    }
    push("\nendobj\n");
  }

  const previousSize = file.trailer.getNumber("Size") ?? 0;
  const maxNumber = sorted.length > 0 ? sorted[sorted.length - 1]!.objectNumber : 0;
  const trailer = new PdfDict();
  for (const key of CARRIED_TRAILER_KEYS) {
    const value = file.trailer.get(key);
    if (value !== undefined) {
      trailer.map.set(key, value);
    }
  }
  trailer.map.set("Prev", newest.startxref);

  const startxref = position;
  if (kind === "table") {
    trailer.map.set("Size", Math.max(previousSize, maxNumber + 1));
    push(xrefTable(offsets));
    push(`trailer\n${formatObject(trailer)}\nstartxref\n${startxref}\n%%EOF\n`);
  } else {
    const xrefNumber = Math.max(previousSize, maxNumber + 1);
    offsets.set(xrefNumber, { offset: position, generation: 0 });
    const stream = xrefStream(offsets, trailer, xrefNumber + 1);
    push(`${xrefNumber} 0 obj\n`);
    push(serializeBody(stream));
    push(`\nendobj\nstartxref\n${startxref}\n%%EOF\n`);
  }
  return { update: Buffer.concat(chunks, position - original.length), bodyOffsets, startxref };
}

/** Contiguous runs of object numbers, for subsections and /Index. */
function runs(numbers: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const n of numbers) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === n) {
      last[1]++;
    } else {
      out.push([n, 1]);
    }
  }
  return out;
}

/** A classic table (§7.5.4): entries are exactly 20 bytes ("nnnnnnnnnn ggggg n" + SP LF). */
function xrefTable(offsets: ReadonlyMap<number, { offset: number; generation: number }>): string {
  const numbers = [...offsets.keys()].sort((a, b) => a - b);
  let out = "xref\n";
  // Object 0 heads the free list; repeating it in each section is what most writers do.
  if (numbers[0] !== 0) {
    out += "0 1\n0000000000 65535 f \n";
  }
  for (const [first, count] of runs(numbers)) {
    out += `${first} ${count}\n`;
    for (let n = first; n < first + count; n++) {
      const { offset, generation } = offsets.get(n)!;
      out += `${String(offset).padStart(10, "0")} ${String(generation).padStart(5, "0")} n \n`;
    }
  }
  return out;
}

/** An uncompressed cross-reference stream (§7.5.8) holding type-1 entries only. */
function xrefStream(
  offsets: ReadonlyMap<number, { offset: number; generation: number }>,
  trailer: PdfDict,
  size: number,
): PdfStream {
  const numbers = [...offsets.keys()].sort((a, b) => a - b);
  let maxOffset = 0;
  for (const { offset } of offsets.values()) {
    maxOffset = Math.max(maxOffset, offset);
  }
  let offsetWidth = 1;
  while (offsetWidth < 8 && maxOffset >= 256 ** offsetWidth) {
    offsetWidth++;
  }
  offsetWidth = Math.max(offsetWidth, 4);
  const rowWidth = 1 + offsetWidth + 2;
  const data = new Uint8Array(numbers.length * rowWidth);
  numbers.forEach((n, row) => {
    const { offset, generation } = offsets.get(n)!;
    const base = row * rowWidth;
    data[base] = 1;
    let rest = offset;
    for (let i = offsetWidth; i >= 1; i--) {
      data[base + i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    data[base + offsetWidth + 1] = (generation >> 8) & 0xff;
    data[base + offsetWidth + 2] = generation & 0xff;
  });
  const dict = new PdfDict([
    ["Type", new PdfName("XRef")],
    ["Size", size],
    ["W", [1, offsetWidth, 2]],
    ["Index", runs(numbers).flat()],
    ...trailer.map,
  ]);
  return new PdfStream(dict, data);
}

/** Reference helper for callers building updates. */
export function ref(objectNumber: number, generation = 0): PdfRef {
  return new PdfRef(objectNumber, generation);
}
