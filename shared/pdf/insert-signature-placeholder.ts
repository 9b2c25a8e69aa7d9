/**
 * Adds an empty signature to a PDF as one incremental update (ISO 32000-1 §7.5.6, §12.7.4.5,
 * §12.8.1): the signature dictionary with its placeholders, a merged field/widget annotation on a
 * page, the page's /Annots and the /AcroForm (/Fields, /SigFlags 3; a new form is an indirect object
 * so that other signers can add their fields to it). The caller then hashes the byte ranges and
 * embeds the CMS with `embedSignatureContents`.
 */
import { ExchangeError } from "../errors/exchange-error.ts";
import { appearancePage, INVISIBLE_RECT, isVisibleAppearance } from "./appearance/layout.ts";
import type { AppearanceKind, AppearanceOptions, BuiltAppearance, Rect } from "./appearance/types.ts";
import { buildIncrementalUpdate, type UpdateObject } from "./incremental-update.ts";
import { malformed } from "./lexer.ts";
import { PdfDict, PdfName, type PdfObject, PdfRef, textString } from "./objects.ts";
import { listPages, type PdfPage } from "./pages.ts";
import { asExchangeError, type PdfFile, readPdf } from "./read-pdf.ts";
import {
  buildSignatureDictionary,
  patchByteRange,
  type SignatureDictionaryOptions,
} from "./signature-placeholder.ts";
import { missingReferences } from "./unresolved-references.ts";

/** Key on our widgets recording the appearance kind, so a later seal can find the signer's widget. */
export const APPEARANCE_KIND_KEY = "Lienthong.Kind";

/** Widget flags (§12.5.3): Print (4) + Locked (128). */
const WIDGET_FLAGS = 132;

export interface InsertSignaturePlaceholderOptions extends Omit<SignatureDictionaryOptions, "contentsBytes"> {
  /** Bytes reserved for the DER CMS (see the CMS package's `estimateCmsSize`). */
  readonly contentsBytes: number;
  /** Field name (/T); default the first free "Signature1", "Signature2", … */
  readonly fieldName?: string;
  /** Default invisible (`kind: "none"`). */
  readonly appearance?: AppearanceOptions;
}

/** The placeholder as the original file plus the appended update, neither copied into the other. */
export interface SignatureUpdate extends Omit<SignaturePlaceholder, "bytes"> {
  /** The file signed: the input, untouched. */
  readonly original: Uint8Array;
  /** The incremental update holding the placeholder; /Contents is at `contentsStart - original.length`. */
  readonly update: Uint8Array;
}

export interface SignaturePlaceholder {
  /** The whole file with the update appended; /Contents still zero. */
  readonly bytes: Uint8Array;
  readonly byteRange: readonly [number, number, number, number];
  /** File offsets of the /Contents hex string, `<` included, `>` included (end exclusive). */
  readonly contentsStart: number;
  readonly contentsEnd: number;
  readonly fieldName: string;
  readonly signatureObjectNumber: number;
  /** 1-based page of the widget. */
  readonly page: number;
  /** The widget's /Rect ([0 0 0 0] when invisible). */
  readonly rect: Rect;
}

/**
 * Appends a signature field with a placeholder signature to `pdf`.
 * Throws PDF_MALFORMED / PDF_ENCRYPTED for unusable files and VALIDATION_FAILED for a taken field name.
 *
 * @example
 * const placeholder = await insertSignaturePlaceholder(pdf, { contentsBytes: 16384, reason: "Ký số văn bản" });
 * const digest = hashByteRange(placeholder.bytes, placeholder.byteRange, "sha256");
 */
export async function insertSignaturePlaceholder(
  pdf: Uint8Array,
  options: InsertSignaturePlaceholderOptions,
): Promise<SignaturePlaceholder> {
  const { original, update, ...placed } = await buildSignatureUpdate(readPdf(pdf), options);
  return { ...placed, bytes: Buffer.concat([original, update]) };
}

/** Like {@link insertSignaturePlaceholder} for a parsed file, returning the update alone (no copy of the file). */
export async function buildSignatureUpdate(
  file: PdfFile,
  options: InsertSignaturePlaceholderOptions,
): Promise<SignatureUpdate> {
  try {
    return await insert(file, options);
  } catch (error) {
    if (error instanceof ExchangeError) {
      throw error;
    }
    throw asExchangeError(error);
  }
}

async function insert(file: PdfFile, options: InsertSignaturePlaceholderOptions): Promise<SignatureUpdate> {
  const rootRef = file.trailer.get("Root");
  const root = file.deref(rootRef);
  if (!(rootRef instanceof PdfRef) || !(root instanceof PdfDict)) {
    throw malformed("the trailer's /Root is not a reference to a dictionary");
  }
  const pages = listPages(file);
  if (pages.length === 0) {
    throw malformed("the document has no pages");
  }
  const appearance: AppearanceOptions = options.appearance ?? { kind: "none" };
  const kind: AppearanceKind = appearance.kind;
  const fieldName = chooseFieldName(file, root, options.fieldName);

  // For a seal, find the newest signer widget: it gives the default page and the anchor.
  const signerWidget = kind === "seal" ? findSignerWidget(file, pages, appearance.page) : undefined;
  const pageNumber =
    kind === "none"
      ? (appearance.page ?? 1)
      : appearancePage({ kind, page: appearance.page ?? signerWidget?.page }, pages.length);
  const page = pages[pageNumber - 1];
  if (!page) {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: `page must be an integer from 1 to ${pages.length}, got ${pageNumber}`,
    });
  }

  // New objects go above every number in use, including numbers content refers to without defining
  // them: filling one would change signed content (and the verifier refuses it).
  const referenced = missingReferences(file).reduce((max, { ref }) => Math.max(max, ref.objectNumber + 1), 1);
  let next = Math.max(file.trailer.getNumber("Size") ?? 1, referenced);
  const signatureNumber = next++;
  const widgetNumber = next++;
  const objects: UpdateObject[] = [];

  let rect: Rect = INVISIBLE_RECT;
  let built: BuiltAppearance | undefined;
  if (isVisibleAppearance(appearance)) {
    const [x0, y0, x1, y1] = page.mediaBox;
    const offset = (r: Rect): Rect => [r[0] - x0, r[1] - y0, r[2] - x0, r[3] - y0];
    // Loaded on demand: the builder pulls in pdf-lib and fontkit, which invisible signing never needs.
    const { buildAppearance } = await import("./appearance/build-appearance.ts");
    built = await buildAppearance({
      ...appearance,
      page: pageNumber,
      // The appearance package lays out in a [0 0 w h] page; shift to and from the MediaBox origin.
      rect: appearance.rect ? offset(appearance.rect) : undefined,
      pageSize: { width: x1 - x0, height: y1 - y0 },
      anchor: signerWidget ? offset(signerWidget.rect) : undefined,
      firstObjectNumber: next,
    });
    next = built.nextObjectNumber;
    rect = [built.rect[0] + x0, built.rect[1] + y0, built.rect[2] + x0, built.rect[3] + y0];
    for (const object of built.objects) {
      objects.push({ objectNumber: object.objectNumber, body: object.bytes });
    }
  }

  const signature = buildSignatureDictionary(options);
  objects.push({ objectNumber: signatureNumber, body: signature.body });

  const signatureRef = new PdfRef(signatureNumber);
  const widgetRef = new PdfRef(widgetNumber);
  const widget = new PdfDict([
    ["Type", new PdfName("Annot")],
    ["Subtype", new PdfName("Widget")],
    ["FT", new PdfName("Sig")],
    ["T", textString(fieldName)],
    ["V", signatureRef],
    ["P", page.ref],
    ["Rect", [...rect]],
    ["F", WIDGET_FLAGS],
    [APPEARANCE_KIND_KEY, new PdfName(kind)],
  ]);
  if (built) {
    widget.map.set("AP", new PdfDict([["N", new PdfRef(built.appearanceObjectNumber)]]));
  }
  objects.push({ objectNumber: widgetNumber, value: widget });
  objects.push(...addToArray(file, page.ref, page.dict, "Annots", widgetRef));
  objects.push(...addField(file, rootRef, root, widgetRef, () => next++));

  const { update, bodyOffsets } = buildIncrementalUpdate(file, objects);
  const original = file.bytes;
  const bodyOffset = bodyOffsets.get(signatureNumber)!;
  const contentsStart = bodyOffset + signature.contentsAt;
  const contentsEnd = contentsStart + signature.contentsLength;
  const length = original.length + update.length;
  const byteRange = [0, contentsStart, contentsEnd, length - contentsEnd] as const;
  const byteRangeAt = bodyOffset - original.length + signature.byteRangeAt;
  patchByteRange(update, byteRangeAt, signature.byteRangeWidth, byteRange);
  return {
    original,
    update,
    byteRange,
    contentsStart,
    contentsEnd,
    fieldName,
    signatureObjectNumber: signatureNumber,
    page: pageNumber,
    rect,
  };
}

/** Updates for `owner[key]` with `item` appended: a new version of the array object when indirect, else of the owner. */
export function addToArray(
  file: PdfFile,
  ownerRef: PdfRef,
  owner: PdfDict,
  key: string,
  item: PdfObject,
): UpdateObject[] {
  const current = owner.get(key);
  if (current instanceof PdfRef) {
    const array = file.resolve(current);
    if (Array.isArray(array)) {
      return [
        { objectNumber: current.objectNumber, generation: current.generation, value: [...array, item] },
      ];
    }
  }
  const existing = Array.isArray(current) ? current : [];
  return [
    {
      objectNumber: ownerRef.objectNumber,
      generation: ownerRef.generation,
      value: owner.with({ [key]: [...existing, item] }),
    },
  ];
}

/**
 * Adds the field to /AcroForm /Fields and sets /SigFlags 3 (SignaturesExist | AppendOnly, §12.7.2
 * Table 219). An existing form, direct or indirect, is extended where it is. A file without one gets
 * an indirect AcroForm (`allocate` gives its object number) that the catalog points to: other signers
 * (poppler's `pdfsig -add-signature`) update an indirect form but leave their new field out of a
 * direct one.
 */
function addField(
  file: PdfFile,
  rootRef: PdfRef,
  root: PdfDict,
  fieldRef: PdfRef,
  allocate: () => number,
): UpdateObject[] {
  const acroFormValue = root.get("AcroForm");
  const acroForm = file.deref(acroFormValue);
  const form = acroForm instanceof PdfDict ? acroForm : new PdfDict();
  const sigFlags = (form.getNumber("SigFlags") ?? 0) | 3;
  const fieldsValue = form.get("Fields");
  const updates: UpdateObject[] = [];
  let newForm: PdfDict;
  if (fieldsValue instanceof PdfRef && Array.isArray(file.resolve(fieldsValue))) {
    const fields = file.resolve(fieldsValue) as readonly PdfObject[];
    updates.push({
      objectNumber: fieldsValue.objectNumber,
      generation: fieldsValue.generation,
      value: [...fields, fieldRef],
    });
    newForm = form.with({ SigFlags: sigFlags });
  } else {
    const fields = Array.isArray(fieldsValue) ? fieldsValue : [];
    newForm = form.with({ Fields: [...fields, fieldRef], SigFlags: sigFlags });
  }
  if (acroFormValue instanceof PdfRef && acroForm instanceof PdfDict) {
    updates.push({
      objectNumber: acroFormValue.objectNumber,
      generation: acroFormValue.generation,
      value: newForm,
    });
  } else if (acroForm instanceof PdfDict) {
    updates.push({
      objectNumber: rootRef.objectNumber,
      generation: rootRef.generation,
      value: root.with({ AcroForm: newForm }),
    });
  } else {
    const acroFormNumber = allocate();
    updates.push({ objectNumber: acroFormNumber, value: newForm });
    updates.push({
      objectNumber: rootRef.objectNumber,
      generation: rootRef.generation,
      value: root.with({ AcroForm: new PdfRef(acroFormNumber) }),
    });
  }
  return updates;
}

/** All field names in the form (fully qualified), to keep /T unique. */
function fieldNames(file: PdfFile, root: PdfDict): Set<string> {
  const names = new Set<string>();
  const form = file.deref(root.get("AcroForm"));
  const fields = form instanceof PdfDict ? file.deref(form.get("Fields")) : undefined;
  if (!Array.isArray(fields)) {
    return names;
  }
  const seen = new Set<string>();
  const visit = (value: PdfObject, parent: string): void => {
    if (
      !(value instanceof PdfRef) ||
      seen.has(`${value.objectNumber} ${value.generation}`) ||
      seen.size > 100_000
    ) {
      return;
    }
    seen.add(`${value.objectNumber} ${value.generation}`);
    const field = file.resolve(value);
    if (!(field instanceof PdfDict)) {
      return;
    }
    const partial = field.getString("T")?.text();
    const full = partial === undefined ? parent : parent ? `${parent}.${partial}` : partial;
    if (partial !== undefined) {
      names.add(full);
    }
    const kids = file.deref(field.get("Kids"));
    if (Array.isArray(kids)) {
      for (const kid of kids) {
        visit(kid, full);
      }
    }
  };
  for (const field of fields) {
    visit(field, "");
  }
  return names;
}

function chooseFieldName(file: PdfFile, root: PdfDict, requested: string | undefined): string {
  const taken = fieldNames(file, root);
  if (requested !== undefined) {
    if (requested.length === 0 || requested.includes(".") || taken.has(requested)) {
      throw new ExchangeError("VALIDATION_FAILED", {
        detail: `field name must be new, non-empty and without '.', got '${requested}'`,
      });
    }
    return requested;
  }
  for (let n = 1; ; n++) {
    if (!taken.has(`Signature${n}`)) {
      return `Signature${n}`;
    }
  }
}

/**
 * The newest signature widget we drew with a `signer` appearance: on `page` when given, else on
 * any page. Returns its 1-based page and /Rect.
 */
function findSignerWidget(
  file: PdfFile,
  pages: readonly PdfPage[],
  page: number | undefined,
): { readonly page: number; readonly rect: Rect } | undefined {
  const signatures = file.signatures();
  for (let i = signatures.length - 1; i >= 0; i--) {
    const info = signatures[i]!;
    const field = file.resolve(info.fieldRef);
    if (!(field instanceof PdfDict)) {
      continue;
    }
    const kids = file.deref(field.get("Kids"));
    const widgets = [field, ...(Array.isArray(kids) ? kids.map((k) => file.deref(k)) : [])];
    for (const widget of widgets) {
      if (!(widget instanceof PdfDict) || widget.getName(APPEARANCE_KIND_KEY) !== "signer") {
        continue;
      }
      const rect = widget.getArray("Rect");
      const pageRef = widget.getRef("P");
      const index = pageRef ? pages.findIndex((p) => p.ref.equals(pageRef)) : -1;
      if (rect?.length !== 4 || !rect.every((x) => typeof x === "number") || index < 0) {
        continue;
      }
      if (page !== undefined && index !== page - 1) {
        continue;
      }
      return { page: index + 1, rect: rect as unknown as Rect };
    }
  }
  return undefined;
}
