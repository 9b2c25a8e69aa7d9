/**
 * References a viewer cannot resolve in the file it shows. A reader that meets an object the
 * cross-reference does not define may rebuild the whole cross-reference by scanning the file
 * (poppler does), and then shows whatever definitions it finds, hidden ones included: so the
 * verifier refuses an update that adds such a reference, and the signer never gives a new object a
 * number that signed content already refers to. Walks the newest revision once per file; bounded.
 */
import { PdfDict, type PdfObject, PdfRef, PdfStream } from "./objects.ts";
import type { PdfFile } from "./read-pdf.ts";

const MAX_OBJECTS = 2_000_000;
export interface MissingReference {
  readonly ref: PdfRef;
  /** Where it is referred to from. */
  readonly via: string;
}

const cache = new WeakMap<PdfFile, readonly MissingReference[]>();

/** Each reference (object number and generation) the newest revision cannot resolve. */
export function missingReferences(file: PdfFile): readonly MissingReference[] {
  const cached = cache.get(file);
  if (cached) {
    return cached;
  }
  const missing: MissingReference[] = [];
  const seen = new Set<string>();
  const queue: { ref: PdfRef; via: string }[] = [];
  const refsIn = (value: PdfObject | undefined, via: string): void => {
    const stack: PdfObject[] = value === undefined ? [] : [value];
    while (stack.length > 0) {
      const item = stack.pop()!;
      if (item instanceof PdfRef) {
        queue.push({ ref: item, via });
      } else if (Array.isArray(item)) {
        stack.push(...item);
      } else if (item instanceof PdfDict || item instanceof PdfStream) {
        stack.push(...(item instanceof PdfStream ? item.dict : item).map.values());
      }
    }
  };
  for (const [key, value] of file.trailer.map) {
    if (key !== "Prev" && key !== "XRefStm") {
      refsIn(value, `trailer /${key}`);
    }
  }
  while (queue.length > 0 && seen.size < MAX_OBJECTS) {
    const { ref, via } = queue.shift()!;
    const key = `${ref.objectNumber} ${ref.generation}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    let value: PdfObject | undefined;
    try {
      value = file.resolve(ref);
    } catch {
      value = undefined;
    }
    if (value === undefined) {
      missing.push({ ref, via });
      continue;
    }
    refsIn(value, `object ${ref.objectNumber}`);
  }
  cache.set(file, missing);
  return missing;
}
