/**
 * The page tree (ISO 32000-1 §7.7.3): pages in order, with inherited /MediaBox and /Rotate.
 */
import { malformed } from "./lexer.ts";
import { PdfDict, type PdfObject, PdfRef } from "./objects.ts";
import type { PdfFile } from "./read-pdf.ts";

export interface PdfPage {
  readonly ref: PdfRef;
  readonly dict: PdfDict;
  /** [llx lly urx ury], inherited when not on the page itself (§7.7.3.4); default US Letter. */
  readonly mediaBox: readonly [number, number, number, number];
  readonly rotate: number;
}

/** Bound on pages and tree nodes visited. */
const MAX_NODES = 1_000_000;

/**
 * The pages of `file` as seen by `revision` (default: the newest), in document order.
 *
 * @example
 * const last = listPages(pdf).at(-1);
 */
export function listPages(file: PdfFile, revision?: number): PdfPage[] {
  const rootRef = file.trailer.get("Root");
  const root = file.deref(rootRef, revision);
  if (!(root instanceof PdfDict)) {
    throw malformed("the trailer's /Root is not a dictionary");
  }
  const pagesRef = root.get("Pages");
  if (!(pagesRef instanceof PdfRef)) {
    throw malformed("the catalog's /Pages is not an indirect reference");
  }
  const pages: PdfPage[] = [];
  const visited = new Set<string>();
  const walk = (
    ref: PdfObject,
    inherited: { mediaBox?: PdfObject; rotate?: PdfObject },
    depth: number,
  ): void => {
    if (!(ref instanceof PdfRef)) {
      return;
    }
    const key = `${ref.objectNumber} ${ref.generation}`;
    if (visited.has(key) || visited.size >= MAX_NODES || depth > 256) {
      throw malformed(`page tree loops or is too large at ${key} R`);
    }
    visited.add(key);
    const node = file.resolve(ref, revision);
    if (!(node instanceof PdfDict)) {
      return;
    }
    const mediaBox = node.get("MediaBox") ?? inherited.mediaBox;
    const rotate = node.get("Rotate") ?? inherited.rotate;
    const kids = file.deref(node.get("Kids"), revision);
    if (node.getName("Type") === "Pages" || (Array.isArray(kids) && node.getName("Type") !== "Page")) {
      if (Array.isArray(kids)) {
        for (const kid of kids) {
          walk(kid, { mediaBox, rotate }, depth + 1);
        }
      }
      return;
    }
    pages.push({
      ref,
      dict: node,
      mediaBox: toBox(file.deref(mediaBox, revision)),
      rotate: toRotate(file.deref(rotate, revision)),
    });
  };
  walk(pagesRef, {}, 0);
  return pages;
}

function toBox(value: PdfObject | undefined): readonly [number, number, number, number] {
  if (Array.isArray(value) && value.length === 4 && value.every((x) => typeof x === "number")) {
    const [a, b, c, d] = value as [number, number, number, number];
    return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
  }
  return [0, 0, 612, 792];
}

function toRotate(value: PdfObject | undefined): number {
  return typeof value === "number" && Number.isInteger(value) ? ((value % 360) + 360) % 360 : 0;
}
