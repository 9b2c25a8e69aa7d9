/**
 * Signature fields of a PDF (ISO 32000-1 §12.7.4.5 signature fields, §12.8.1 signature dictionaries).
 */

import { PdfDict, type PdfObject, PdfRef, PdfString } from "./objects.ts";
import type { PdfFile, PdfSignatureInfo } from "./pdf-file.ts";

export type { PdfSignatureInfo } from "./pdf-file.ts";

/** Bound on the fields visited (hostile /Kids trees). */
const MAX_FIELDS = 100_000;

/** Walks /Root /AcroForm /Fields and /Kids for /FT /Sig fields with a /V; oldest revision first. */
export function listSignatures(file: PdfFile): PdfSignatureInfo[] {
  const root = file.deref(file.trailer.get("Root"));
  if (!(root instanceof PdfDict)) {
    return [];
  }
  const acroForm = file.deref(root.get("AcroForm"));
  if (!(acroForm instanceof PdfDict)) {
    return [];
  }
  const fields = file.deref(acroForm.get("Fields"));
  if (!Array.isArray(fields)) {
    return [];
  }
  const found: { info: PdfSignatureInfo; order: number }[] = [];
  const visited = new Set<string>();
  const visit = (value: PdfObject, parentName: string, inheritedFt: string | undefined): void => {
    if (!(value instanceof PdfRef)) {
      return;
    }
    const key = `${value.objectNumber} ${value.generation}`;
    if (visited.has(key) || visited.size >= MAX_FIELDS) {
      return;
    }
    visited.add(key);
    const field = file.resolve(value);
    if (!(field instanceof PdfDict)) {
      return;
    }
    const partial = field.getString("T")?.text();
    const fullName = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
    const ft = field.getName("FT") ?? inheritedFt;
    const kids = file.deref(field.get("Kids"));
    if (Array.isArray(kids)) {
      for (const kid of kids) {
        visit(kid, fullName, ft);
      }
    }
    const v = field.get("V");
    if (ft !== "Sig" || v === undefined || v === null) {
      return;
    }
    const info = describe(file, value, fullName, v);
    if (info) {
      found.push({ info, order: found.length });
    }
  };
  for (const field of fields) {
    visit(field, "", undefined);
  }
  found.sort((a, b) => a.info.revision - b.info.revision || a.order - b.order);
  return found.map((f) => f.info);
}

function describe(
  file: PdfFile,
  fieldRef: PdfRef,
  fieldName: string,
  v: PdfObject,
): PdfSignatureInfo | undefined {
  const signatureRef = v instanceof PdfRef ? v : fieldRef;
  const located = file.locate(signatureRef);
  if (!located) {
    return undefined;
  }
  const dictionary = v instanceof PdfRef ? located.value : v;
  if (!(dictionary instanceof PdfDict)) {
    return undefined;
  }
  const contents = dictionary.get("Contents");
  const byteRange = dictionary.getArray("ByteRange");
  const inFile = located.entry.type === "offset";
  return {
    fieldName,
    fieldRef,
    signatureRef,
    dictionary,
    subFilter: dictionary.getName("SubFilter"),
    byteRange: byteRange?.every((x) => typeof x === "number") ? (byteRange as readonly number[]) : undefined,
    contents: contents instanceof PdfString ? contents.bytes : undefined,
    contentsOffsets:
      inFile && contents instanceof PdfString && contents.start >= 0
        ? { start: contents.start, end: contents.end }
        : undefined,
    signingTime: textOf(dictionary.get("M")),
    reason: textOf(dictionary.get("Reason")),
    name: textOf(dictionary.get("Name")),
    location: textOf(dictionary.get("Location")),
    revision: located.revision,
  };
}

function textOf(value: PdfObject | undefined): string | undefined {
  return value instanceof PdfString ? value.text() : undefined;
}
