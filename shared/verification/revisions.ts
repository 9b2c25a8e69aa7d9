/**
 * What changed after a signed revision (ISO 32000-1 §7.5.6 incremental updates, §12.8.2.2 DocMDP).
 * Every later revision is compared with the one before it, object by object, through the parser's
 * per-revision view. Only an allow-list passes; everything else is modification "other", which fails
 * the signature (the "incremental saving", "shadow" and "evil annotation" attacks of Mladenov et al.
 * 2019 and Mainka et al. 2021).
 *
 * Allowed, by level:
 * - bookkeeping (no level): the xref section or stream and object streams, the trailer's /Info
 *   dictionary, the XMP /Metadata stream (neither changes what is displayed), objects rewritten
 *   unchanged;
 * - validation data: /DSS and its /VRI dictionaries (ETSI EN 319 142-1 §5.4.2), new document
 *   timestamp fields;
 * - signatures: a new signature field (new object, /FT /Sig) appended to /AcroForm /Fields, its widget
 *   appended to the page's /Annots, its appearance and signature dictionary (new objects), /SigFlags;
 *   signing an existing empty signature field (/V, /AP of its widget);
 * - form filling: /V, /AP, /AS (/I) of existing non-signature fields that were EMPTY at signing, and
 *   /AP, /AS of their widgets (`judgeFormFilling`). A field that had a value at signing is signed
 *   content: any change to it or its widgets is "other" (the "shadow replace" attack).
 *
 * Never allowed: page contents, resources, fonts, any change to an existing stream, annotations other
 * than new signature widgets (whatever the DocMDP level: evil annotations fail), a changed page tree or
 * catalog entry beyond /AcroForm, /DSS and /Extensions, a changed or re-signed signature field or
 * signature dictionary, deleted objects, objects of a revision stored outside that revision's bytes,
 * and object definitions in a revision that its cross-reference section does not point to (hidden
 * duplicates).
 */

import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from "../pdf/objects.ts";
import type { PdfFile } from "../pdf/read-pdf.ts";
import type { ModificationLevel } from "./report.ts";

/** Internal levels, ordered. */
const LEVELS = ["none", "validation", "signature", "form", "other"] as const;
type Level = (typeof LEVELS)[number];

export interface RevisionProblem {
  readonly revision: number;
  readonly code: string;
  readonly detail: string;
}

export interface RevisionAnalysis {
  readonly modification: ModificationLevel;
  /** Changes found, worst first; the ones that make "other" carry the reason. */
  readonly changes: readonly RevisionProblem[];
}

export interface AnalyseOptions {
  /** DocMDP /P of a certification signature at or before the signed revision (§12.8.2.2.2). */
  readonly docMdp?: 1 | 2 | 3;
}

const MAX_DEPTH = 24;
const MAX_NODES = 100_000;

/**
 * What form filling may change on a field dictionary (merged with its widget or not) that was empty
 * at signing, and on its widgets: the value and its appearance (see `Judge.judgeFormFilling`).
 */
const FORM_FIELD_KEYS: ReadonlySet<string> = new Set(["V", "I", "AP", "AS"]);
const FORM_WIDGET_KEYS: ReadonlySet<string> = new Set(["AP", "AS"]);

/** Structural equality of two PDF objects (references compared as references, not followed). */
export function sameObject(a: PdfObject | undefined, b: PdfObject | undefined, depth = 0): boolean {
  if (depth > MAX_DEPTH) {
    return false;
  }
  if (a === b) {
    return true;
  }
  if (a === undefined || b === undefined || a === null || b === null) {
    return false;
  }
  if (typeof a !== "object" || typeof b !== "object") {
    return a === b;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
      return false;
    }
    return a.every((item, i) => sameObject(item, b[i], depth + 1));
  }
  if (a instanceof PdfName) {
    return b instanceof PdfName && a.value === b.value;
  }
  if (a instanceof PdfRef) {
    return b instanceof PdfRef && a.equals(b);
  }
  if (a instanceof PdfString) {
    return b instanceof PdfString && Buffer.compare(a.bytes, b.bytes) === 0;
  }
  if (a instanceof PdfStream) {
    return (
      b instanceof PdfStream && sameObject(a.dict, b.dict, depth + 1) && Buffer.compare(a.data, b.data) === 0
    );
  }
  if (a instanceof PdfDict) {
    if (!(b instanceof PdfDict) || a.map.size !== b.map.size) {
      return false;
    }
    for (const [key, value] of a.map) {
      if (!b.map.has(key) || !sameObject(value, b.map.get(key), depth + 1)) {
        return false;
      }
    }
    return true;
  }
  return false;
}

/** A signature dictionary (ISO 32000-1 §12.8.1 Table 252): /Contents and /ByteRange present. */
function isSignatureDictionary(value: PdfObject | undefined): value is PdfDict {
  return value instanceof PdfDict && value.has("Contents") && value.has("ByteRange");
}

/** Keys whose values differ between two dictionaries. */
function changedKeys(before: PdfDict, after: PdfDict): string[] {
  const keys = new Set([...before.map.keys(), ...after.map.keys()]);
  return [...keys].filter((key) => !sameObject(before.get(key), after.get(key)));
}

function refKey(ref: PdfRef): string {
  return `${ref.objectNumber} ${ref.generation}`;
}

/** A form field as of one revision. */
interface FieldRole {
  /** The field type /FT, own or inherited (ISO 32000-1 §12.7.3.1 Table 220). */
  readonly ft?: string;
  /** A signature field whose /V holds a value (a signature dictionary). */
  readonly signed: boolean;
  /** The field's /V (own or inherited, Table 220) is present and not empty (see `hasFieldValue`). */
  readonly valued: boolean;
}

/**
 * Whether a field value counts as filled in: absent, null, an empty string, an empty array (choice
 * fields, §12.7.4.4) and, for button fields, the off state /Off (§12.7.4.2.3) are empty; anything
 * else, including a reference that does not resolve, is a value (fail closed).
 */
function hasFieldValue(
  value: PdfObject | undefined,
  resolved: PdfObject | undefined,
  ft: string | undefined,
): boolean {
  if (value === undefined || value === null) {
    return false;
  }
  if (resolved === undefined) {
    return true; // an unresolvable reference: fail closed
  }
  if (resolved === null) {
    return false;
  }
  if (resolved instanceof PdfString) {
    return resolved.text() !== "";
  }
  if (Array.isArray(resolved)) {
    return resolved.length > 0;
  }
  if (resolved instanceof PdfName && ft === "Btn") {
    return resolved.value !== "Off";
  }
  return true;
}

/** What the revision before the update looked like: the roles of its objects. */
interface State {
  readonly revision: number;
  readonly rootNumber?: number;
  readonly acroFormNumber?: number;
  readonly fieldsNumber?: number;
  readonly pages: ReadonlySet<number>;
  readonly annotsArrays: ReadonlySet<number>;
  /** Field objects: their roles (see `FieldRole`). */
  readonly fields: ReadonlyMap<number, FieldRole>;
  /** Widget annotations that are kids of fields (not fields themselves). */
  readonly widgets: ReadonlyMap<number, { readonly parent: number }>;
  readonly dssObjects: ReadonlySet<number>;
  readonly signatureDictionaries: ReadonlySet<number>;
  readonly infoNumber?: number;
}

function collectState(file: PdfFile, revision: number): State {
  const trailer = file.revisions[revision]!.trailer;
  const rootRef = trailer.getRef("Root");
  const infoRef = trailer.getRef("Info");
  const pages = new Set<number>();
  const annotsArrays = new Set<number>();
  const fields = new Map<number, FieldRole>();
  const widgets = new Map<number, { parent: number }>();
  const dssObjects = new Set<number>();
  const signatureDictionaries = new Set<number>();
  let acroFormNumber: number | undefined;
  let fieldsNumber: number | undefined;
  let budget = MAX_NODES;
  const resolve = (value: PdfObject | undefined): PdfObject | undefined => {
    try {
      return file.deref(value, revision);
    } catch {
      return undefined;
    }
  };
  const root = rootRef ? resolve(rootRef) : undefined;
  if (root instanceof PdfDict) {
    // Page tree (§7.7.3), bounded against hostile cycles.
    const seen = new Set<string>();
    const walk = (node: PdfObject | undefined, depth: number): void => {
      if (!(node instanceof PdfRef) || seen.has(refKey(node)) || depth > 64 || budget-- <= 0) {
        return;
      }
      seen.add(refKey(node));
      const dict = resolve(node);
      if (!(dict instanceof PdfDict)) {
        return;
      }
      const kids = resolve(dict.get("Kids"));
      if (Array.isArray(kids)) {
        pages.add(node.objectNumber); // an intermediate /Pages node
        for (const kid of kids) {
          walk(kid, depth + 1);
        }
        return;
      }
      pages.add(node.objectNumber);
      const annots = dict.get("Annots");
      if (annots instanceof PdfRef) {
        annotsArrays.add(annots.objectNumber);
      }
    };
    walk(root.get("Pages"), 0);

    const acroFormValue = root.get("AcroForm");
    if (acroFormValue instanceof PdfRef) {
      acroFormNumber = acroFormValue.objectNumber;
    }
    const acroForm = resolve(acroFormValue);
    if (acroForm instanceof PdfDict) {
      const fieldsValue = acroForm.get("Fields");
      if (fieldsValue instanceof PdfRef) {
        fieldsNumber = fieldsValue.objectNumber;
      }
      const visit = (
        node: PdfObject | undefined,
        inheritedFt: string | undefined,
        inheritedValued: boolean,
        parent: number | undefined,
      ): void => {
        if (
          !(node instanceof PdfRef) ||
          fields.has(node.objectNumber) ||
          widgets.has(node.objectNumber) ||
          budget-- <= 0
        ) {
          return;
        }
        const dict = resolve(node);
        if (!(dict instanceof PdfDict)) {
          return;
        }
        const ft = dict.getName("FT") ?? inheritedFt;
        const isField = dict.has("T") || dict.has("FT") || parent === undefined;
        if (!isField && parent !== undefined) {
          widgets.set(node.objectNumber, { parent });
          return;
        }
        const v = dict.get("V");
        const signed = ft === "Sig" && v !== undefined && v !== null;
        const valued = dict.has("V") ? hasFieldValue(v, resolve(v), ft) : inheritedValued;
        fields.set(node.objectNumber, { ...(ft ? { ft } : {}), signed, valued });
        if (signed && v instanceof PdfRef) {
          signatureDictionaries.add(v.objectNumber);
        }
        const kids = resolve(dict.get("Kids"));
        if (Array.isArray(kids)) {
          for (const kid of kids) {
            visit(kid, ft, valued, node.objectNumber);
          }
        }
      };
      const list = resolve(fieldsValue);
      if (Array.isArray(list)) {
        for (const field of list) {
          visit(field, undefined, false, undefined);
        }
      }
    }
    const dssValue = root.get("DSS");
    if (dssValue instanceof PdfRef) {
      dssObjects.add(dssValue.objectNumber);
    }
    const dss = resolve(dssValue);
    if (dss instanceof PdfDict) {
      const vriValue = dss.get("VRI");
      if (vriValue instanceof PdfRef) {
        dssObjects.add(vriValue.objectNumber);
      }
      const vri = resolve(vriValue);
      if (vri instanceof PdfDict) {
        for (const entry of vri.map.values()) {
          if (entry instanceof PdfRef) {
            dssObjects.add(entry.objectNumber);
          }
        }
      }
      for (const key of ["Certs", "CRLs", "OCSPs"]) {
        const arrayValue = dss.get(key);
        if (arrayValue instanceof PdfRef) {
          dssObjects.add(arrayValue.objectNumber);
        }
      }
    }
  }
  return {
    revision,
    ...(rootRef ? { rootNumber: rootRef.objectNumber } : {}),
    ...(acroFormNumber !== undefined ? { acroFormNumber } : {}),
    ...(fieldsNumber !== undefined ? { fieldsNumber } : {}),
    pages,
    annotsArrays,
    fields,
    widgets,
    dssObjects,
    signatureDictionaries,
    ...(infoRef ? { infoNumber: infoRef.objectNumber } : {}),
  };
}

class Judge {
  level: Level = "none";
  readonly changes: RevisionProblem[] = [];
  constructor(
    readonly file: PdfFile,
    /** The revision before the one judged. */
    readonly before: State,
    readonly revision: number,
    /** The signed revision: what the signer saw (form values at signing are signed content). */
    readonly signing: State,
  ) {}

  raise(level: Level, code: string, detail: string): void {
    if (LEVELS.indexOf(level) > LEVELS.indexOf(this.level)) {
      this.level = level;
    }
    if (level !== "none") {
      this.changes.push({ revision: this.revision, code, detail });
    }
  }

  other(code: string, detail: string): void {
    this.raise("other", code, detail);
  }

  /** Resolves in the revision being judged. */
  now(value: PdfObject | undefined): PdfObject | undefined {
    try {
      return this.file.deref(value, this.revision);
    } catch {
      return undefined;
    }
  }

  /** True when `ref` did not exist before this revision. */
  isNew(ref: PdfRef): boolean {
    try {
      return this.file.resolve(ref, this.before.revision) === undefined;
    } catch {
      return false;
    }
  }

  /** A new signature field (and, if separate, its widget): the level it adds, or undefined when it is not one. */
  newSignatureField(ref: PdfObject): Level | undefined {
    if (!(ref instanceof PdfRef) || !this.isNew(ref)) {
      return undefined;
    }
    const field = this.now(ref);
    if (!(field instanceof PdfDict) || field.getName("FT") !== "Sig") {
      return undefined;
    }
    const kids = this.now(field.get("Kids"));
    if (Array.isArray(kids) && !kids.every((kid) => kid instanceof PdfRef && this.isNew(kid))) {
      return undefined;
    }
    // Only a *signed* new field is allowed: an empty one could carry any appearance over the page and
    // would never be validated ("sneaky signature", Mainka et al. 2021).
    const valueRef = field.get("V");
    const value = this.now(valueRef);
    if (!(valueRef instanceof PdfRef) || !this.isNew(valueRef) || !isSignatureDictionary(value)) {
      return undefined;
    }
    return value.getName("Type") === "DocTimeStamp" ? "validation" : "signature";
  }

  /** Object numbers of signed signature fields and their widgets as of this revision (computed once). */
  #signedWidgets: Set<number> | undefined;

  /**
   * A new widget annotation of a signature field that is signed and listed in /AcroForm /Fields in
   * this revision (the field itself when merged, or a kid of one). Orphan widgets are not allowed.
   */
  isNewSignatureWidget(ref: PdfObject): boolean {
    if (!(ref instanceof PdfRef) || !this.isNew(ref)) {
      return false;
    }
    const widget = this.now(ref);
    if (!(widget instanceof PdfDict) || widget.getName("Subtype") !== "Widget") {
      return false;
    }
    if (!this.#signedWidgets) {
      const state = collectState(this.file, this.revision);
      this.#signedWidgets = new Set<number>();
      for (const [number, role] of state.fields) {
        if (role.ft === "Sig" && role.signed) {
          this.#signedWidgets.add(number);
        }
      }
      for (const [number, { parent }] of state.widgets) {
        const role = state.fields.get(parent);
        if (role?.ft === "Sig" && role.signed) {
          this.#signedWidgets.add(number);
        }
      }
    }
    return this.#signedWidgets.has(ref.objectNumber);
  }

  /** /Fields may only grow, by new signature fields. */
  judgeFields(before: PdfObject | undefined, after: PdfObject | undefined, where: string): void {
    const old = Array.isArray(before) ? before : [];
    const now = Array.isArray(after) ? after : undefined;
    if (!now) {
      this.other("FIELDS_REMOVED", `${where}: /Fields is no longer an array`);
      return;
    }
    const remaining = [...now];
    for (const item of old) {
      const at = remaining.findIndex((candidate) => sameObject(candidate, item));
      if (at < 0) {
        this.other("FIELD_REMOVED", `${where}: a form field present at signing was removed`);
        return;
      }
      remaining.splice(at, 1);
    }
    for (const added of remaining) {
      const level = this.newSignatureField(added);
      if (!level) {
        this.other("FIELD_ADDED", `${where}: added ${String(added)} is not a new signature field`);
        continue;
      }
      this.raise(level, "SIGNATURE_FIELD_ADDED", `${where}: new signature field ${String(added)}`);
    }
  }

  /** /Annots may only grow, by widgets of new signature fields. */
  judgeAnnots(before: PdfObject | undefined, after: PdfObject | undefined, where: string): void {
    const old = Array.isArray(before) ? before : [];
    const now = Array.isArray(after) ? after : after === undefined ? [] : undefined;
    if (!now) {
      this.other("ANNOTS_CHANGED", `${where}: /Annots is no longer an array`);
      return;
    }
    const remaining = [...now];
    for (const item of old) {
      const at = remaining.findIndex((candidate) => sameObject(candidate, item));
      if (at < 0) {
        this.other("ANNOTATION_REMOVED", `${where}: an annotation present at signing was removed`);
        return;
      }
      remaining.splice(at, 1);
    }
    for (const added of remaining) {
      if (!this.isNewSignatureWidget(added)) {
        this.other(
          "ANNOTATION_ADDED",
          `${where}: added annotation ${String(added)} is not the widget of a new signature`,
        );
      } else {
        this.raise("signature", "SIGNATURE_WIDGET_ADDED", `${where}: widget ${String(added)}`);
      }
    }
  }

  judgeAcroForm(before: PdfDict | undefined, after: PdfDict | undefined, where: string): void {
    if (!after) {
      if (before) {
        this.other("ACROFORM_REMOVED", `${where}: the interactive form was removed`);
      }
      return;
    }
    const old = before ?? new PdfDict();
    for (const key of changedKeys(old, after)) {
      if (key === "Fields") {
        const oldFields = old.get("Fields");
        const newFields = after.get("Fields");
        if (oldFields instanceof PdfRef || newFields instanceof PdfRef) {
          if (!(oldFields instanceof PdfRef && newFields instanceof PdfRef && oldFields.equals(newFields))) {
            this.other("FIELDS_REPLACED", `${where}: /Fields now points to another array`);
          }
          continue;
        }
        this.judgeFields(oldFields, newFields, `${where} /Fields`);
      } else if (key === "SigFlags") {
        this.raise("signature", "SIGFLAGS_SET", `${where}: /SigFlags`);
      } else if ((key === "DR" || key === "DA") && !old.has(key)) {
        this.raise("signature", "FORM_DEFAULTS_ADDED", `${where}: /${key} added`);
      } else {
        this.other("ACROFORM_CHANGED", `${where}: /${key} changed`);
      }
    }
  }

  judgeCatalog(before: PdfDict, after: PdfDict): void {
    for (const key of changedKeys(before, after)) {
      if (key === "AcroForm") {
        const oldValue = before.get("AcroForm");
        const newValue = after.get("AcroForm");
        if (oldValue instanceof PdfRef && newValue instanceof PdfRef && oldValue.equals(newValue)) {
          continue;
        }
        if (oldValue instanceof PdfRef) {
          this.other("ACROFORM_REPLACED", "catalog: /AcroForm now points to another dictionary");
          continue;
        }
        if (newValue instanceof PdfRef && !this.isNew(newValue)) {
          this.other("ACROFORM_REPLACED", "catalog: /AcroForm points to an object that existed before");
          continue;
        }
        const oldForm = before.getDict("AcroForm");
        const newForm = this.now(newValue);
        this.judgeAcroForm(oldForm, newForm instanceof PdfDict ? newForm : undefined, "catalog /AcroForm");
      } else if (key === "DSS" || key === "Extensions") {
        this.raise("validation", "VALIDATION_DATA_ADDED", `catalog: /${key}`);
      } else {
        this.other("CATALOG_CHANGED", `catalog: /${key} changed`);
      }
    }
  }

  /**
   * The form-filling rule, the one place that decides what an update may change on a non-signature
   * field (`part` "field", merged with its widget or not) or on a widget of one (`part` "widget").
   *
   * ISO 32000-1 §12.8.2.2.2 (DocMDP, /P 2) permits "filling in forms": giving a value to a field the
   * signer left for others to fill. A field that already had a value when it was signed is signed
   * content: the signer saw that value through its widgets' appearance streams. A later /V, or only a
   * new /AP (which is what viewers display; a viewer need not regenerate it from /V), would show a
   * value the signer never saw while the signature still verifies: the "shadow replace" attack on
   * form fields (Mainka et al., "Shadow Attacks: Hiding and Replacing Content in Signed PDFs", NDSS
   * 2021). So any change to such a field or its widgets is "other". A field empty at signing may get
   * its value (/V, and /I for choice fields, §12.7.4.4) and the appearance that shows it (/AP, /AS);
   * nothing else (position, flags, actions, /MK, /DA, …).
   *
   * `field` is the field's object number in the revision before the update; a field the signed revision
   * did not have counts as filled (fail closed: fields cannot be added by form filling anyway).
   */
  judgeFormFilling(part: "field" | "widget", number: number, field: number, keys: readonly string[]): void {
    if (this.signing.fields.get(field)?.valued ?? true) {
      this.other(
        "SIGNED_FORM_VALUE_CHANGED",
        `${part} ${number}: form field ${field} had a value at signing; /${keys.join(", /")} changed`,
      );
      return;
    }
    const allowed = part === "field" ? FORM_FIELD_KEYS : FORM_WIDGET_KEYS;
    const bad = keys.filter((key) => !allowed.has(key));
    if (bad.length > 0) {
      this.other(
        part === "field" ? "FIELD_CHANGED" : "WIDGET_CHANGED",
        `${part} ${number}: form field changed beyond its value and appearance (/${bad.join(", /")})`,
      );
      return;
    }
    this.raise(
      "form",
      part === "field" ? "FORM_FIELD_FILLED" : "WIDGET_APPEARANCE",
      `${part} ${number}: empty form field ${field} filled`,
    );
  }

  judgeField(number: number, role: FieldRole, before: PdfDict, after: PdfDict): void {
    const keys = changedKeys(before, after);
    if (role.ft === "Sig") {
      if (role.signed) {
        this.other(
          "SIGNED_FIELD_CHANGED",
          `object ${number}: a signed signature field was changed (/${keys.join(", /")})`,
        );
        return;
      }
      const allowed = new Set(["V", "AP", "AS", "Lock", "SV", "MK"]);
      const bad = keys.filter((key) => !allowed.has(key));
      if (bad.length > 0) {
        this.other(
          "SIGNATURE_FIELD_CHANGED",
          `object ${number}: empty signature field changed beyond /V and /AP (/${bad.join(", /")})`,
        );
        return;
      }
      const value = after.get("V");
      if (value instanceof PdfRef && !this.isNew(value)) {
        this.other("SIGNATURE_VALUE_REUSED", `object ${number}: /V points to an object that existed before`);
        return;
      }
      this.raise(
        "signature",
        "EMPTY_SIGNATURE_FIELD_SIGNED",
        `object ${number}: signed a pre-placed signature field`,
      );
      return;
    }
    this.judgeFormFilling("field", number, number, keys);
  }

  /** One object that existed before and is different now. */
  judgeChangedObject(ref: PdfRef, before: PdfObject, after: PdfObject | undefined): void {
    const number = ref.objectNumber;
    const state = this.before;
    if (after === undefined) {
      this.other("OBJECT_DELETED", `object ${number} existed at signing and was deleted`);
      return;
    }
    if (sameObject(before, after)) {
      return;
    }
    if (number === state.rootNumber) {
      if (before instanceof PdfDict && after instanceof PdfDict) {
        this.judgeCatalog(before, after);
      } else {
        this.other("CATALOG_CHANGED", "the catalog is no longer a dictionary");
      }
      return;
    }
    if (number === state.acroFormNumber) {
      this.judgeAcroForm(
        before instanceof PdfDict ? before : undefined,
        after instanceof PdfDict ? after : undefined,
        `AcroForm object ${number}`,
      );
      return;
    }
    if (number === state.fieldsNumber) {
      this.judgeFields(before, after, `/Fields object ${number}`);
      return;
    }
    if (state.annotsArrays.has(number)) {
      this.judgeAnnots(before, after, `/Annots object ${number}`);
      return;
    }
    if (state.signatureDictionaries.has(number)) {
      this.other("SIGNATURE_DICTIONARY_CHANGED", `signature dictionary ${number} was changed after signing`);
      return;
    }
    if (state.pages.has(number)) {
      if (!(before instanceof PdfDict) || !(after instanceof PdfDict)) {
        this.other("PAGE_CHANGED", `page object ${number} changed type`);
        return;
      }
      for (const key of changedKeys(before, after)) {
        if (key === "Annots") {
          const oldAnnots = before.get("Annots");
          const newAnnots = after.get("Annots");
          if (newAnnots instanceof PdfRef) {
            if (!(oldAnnots instanceof PdfRef && oldAnnots.equals(newAnnots))) {
              if (oldAnnots === undefined && this.isNew(newAnnots)) {
                this.judgeAnnots(undefined, this.now(newAnnots), `page object ${number} /Annots`);
              } else {
                this.other("ANNOTS_REPLACED", `page object ${number}: /Annots now points to another array`);
              }
            }
            continue;
          }
          this.judgeAnnots(
            this.file.deref(oldAnnots, state.revision),
            newAnnots,
            `page object ${number} /Annots`,
          );
        } else {
          this.other(
            "PAGE_CHANGED",
            `page object ${number}: /${key} changed (page content, resources or tree)`,
          );
        }
      }
      return;
    }
    const field = state.fields.get(number);
    if (field) {
      if (before instanceof PdfDict && after instanceof PdfDict) {
        this.judgeField(number, field, before, after);
      } else {
        this.other("FIELD_CHANGED", `form field ${number} changed type`);
      }
      return;
    }
    const widget = state.widgets.get(number);
    if (widget && before instanceof PdfDict && after instanceof PdfDict) {
      const parent = state.fields.get(widget.parent);
      const keys = changedKeys(before, after);
      if (parent?.ft !== "Sig") {
        this.judgeFormFilling("widget", number, widget.parent, keys);
        return;
      }
      // Signing a pre-placed empty signature field: its widget gets the signature's appearance.
      const bad = keys.filter((key) => key !== "AP" && key !== "AS" && key !== "MK");
      if (bad.length > 0 || parent.signed) {
        this.other("WIDGET_CHANGED", `widget ${number} changed (/${keys.join(", /")})`);
        return;
      }
      this.raise("signature", "WIDGET_APPEARANCE", `widget ${number}: appearance state`);
      return;
    }
    if (state.dssObjects.has(number)) {
      this.raise("validation", "VALIDATION_DATA_UPDATED", `DSS object ${number}`);
      return;
    }
    if (number === state.infoNumber) {
      this.raise("none", "INFO_UPDATED", `document information dictionary ${number}`);
      return;
    }
    const type =
      before instanceof PdfStream
        ? before.dict.getName("Type")
        : before instanceof PdfDict
          ? before.getName("Type")
          : undefined;
    if (type === "XRef" || type === "ObjStm") {
      return; // bookkeeping; the objects inside object streams are judged one by one
    }
    if (type === "Metadata" && after instanceof PdfStream && after.dict.getName("Type") === "Metadata") {
      this.raise("none", "METADATA_UPDATED", `XMP metadata stream ${number}`);
      return;
    }
    this.other("OBJECT_CHANGED", `object ${number}, which existed at signing, was changed`);
  }
}

/** Offsets of `N G obj` headers in `bytes[from, to)` (a revision's body). */
function objectHeaders(
  bytes: Uint8Array,
  from: number,
  to: number,
): { offset: number; objectNumber: number }[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString("latin1");
  const headers: { offset: number; objectNumber: number }[] = [];
  const pattern = /(?<![0-9])(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj(?![A-Za-z0-9])/g;
  for (const match of text.matchAll(pattern)) {
    headers.push({ offset: from + match.index!, objectNumber: Number(match[1]) });
  }
  return headers;
}

function judgeRevision(file: PdfFile, revision: number, judge: Judge): void {
  const current = file.revisions[revision]!;
  const previous = file.revisions[revision - 1]!;
  const bodyStart = previous.endOffset;
  const bodyEnd = current.endOffset;
  const previousTrailer = previous.trailer;
  const rootBefore = previousTrailer.getRef("Root");
  const rootAfter = current.trailer.getRef("Root");
  if (!rootBefore || !rootAfter || !rootBefore.equals(rootAfter)) {
    judge.other("ROOT_REPLACED", `revision ${revision} points the trailer's /Root to another catalog`);
  }
  const spans: { start: number; end: number }[] = [];
  for (const [objectNumber, entry] of current.entries) {
    if (entry.type === "free") {
      if (objectNumber === 0) {
        continue;
      }
      try {
        const existed = file.locate(
          new PdfRef(objectNumber, Math.max(0, entry.generation - 1)),
          revision - 1,
        );
        if (existed) {
          judge.other("OBJECT_DELETED", `object ${objectNumber} was freed in revision ${revision}`);
        }
      } catch {
        judge.other("OBJECT_DELETED", `object ${objectNumber} was freed in revision ${revision}`);
      }
      continue;
    }
    const ref = new PdfRef(objectNumber, entry.generation);
    let located: ReturnType<PdfFile["locate"]>;
    try {
      located = file.locate(ref, revision);
    } catch (error) {
      judge.other(
        "OBJECT_UNREADABLE",
        `object ${objectNumber} of revision ${revision}: ${(error as Error).message}`,
      );
      continue;
    }
    if (entry.type === "offset") {
      if (entry.offset < bodyStart || entry.offset >= bodyEnd) {
        judge.other(
          "OBJECT_OUTSIDE_ITS_REVISION",
          `revision ${revision} points object ${objectNumber} to offset ${entry.offset}, outside its own bytes [${bodyStart}, ${bodyEnd})`,
        );
        continue;
      }
      if (located?.start !== undefined && located.end !== undefined) {
        spans.push({ start: located.start, end: located.end });
      }
    } else if (entry.type === "compressed") {
      const container = current.entries.get(entry.streamObjectNumber);
      if (container?.type !== "offset") {
        judge.other(
          "OBJECT_OUTSIDE_ITS_REVISION",
          `revision ${revision} puts object ${objectNumber} in object stream ${entry.streamObjectNumber} of an earlier revision`,
        );
        continue;
      }
    }
    let before: PdfObject | undefined;
    let beforeExists = false;
    try {
      const old = file.locate(new PdfRef(objectNumber, 0), revision - 1) ?? file.locate(ref, revision - 1);
      before = old?.value;
      beforeExists = old !== undefined;
    } catch {
      judge.other("OBJECT_UNREADABLE", `object ${objectNumber} as of revision ${revision - 1} is unreadable`);
      continue;
    }
    if (!beforeExists) {
      continue; // a new object: only matters through the references judged above
    }
    judge.judgeChangedObject(ref, before as PdfObject, located?.value);
  }
  // Shadow attacks: an object defined in this revision's bytes that its xref section does not use.
  // The cross-reference stream itself (and a hybrid file's /XRefStm, §7.5.8.4) need not list itself.
  const xrefObjects = new Set([current.startxref]);
  const hybrid = current.trailer.get("XRefStm");
  if (typeof hybrid === "number") {
    xrefObjects.add(hybrid);
  }
  for (const header of objectHeaders(file.bytes, bodyStart, bodyEnd)) {
    const inside = spans.some((span) => header.offset >= span.start && header.offset < span.end);
    if (!inside && !xrefObjects.has(header.offset)) {
      judge.other(
        "UNREFERENCED_OBJECT_DEFINITION",
        `revision ${revision} defines object ${header.objectNumber} at offset ${header.offset}, which its cross-reference section does not use`,
      );
    }
  }
}

function toModification(level: Level): ModificationLevel {
  switch (level) {
    case "none":
      return "none";
    case "validation":
    case "signature":
      return "signatures-and-validation-data";
    case "form":
      return "form-filling";
    default:
      return "other";
  }
}

/**
 * Compares the signed revision with every later one and returns the worst modification level.
 * With a DocMDP permission, changes beyond it are "other" (P=1: only validation data; P=2 and 3:
 * also form filling and signatures; annotations never).
 *
 * @example
 * const { modification } = analyseRevisions(pdf, 0, { docMdp: 2 });
 */
export function analyseRevisions(
  file: PdfFile,
  signedRevision: number,
  options: AnalyseOptions = {},
): RevisionAnalysis {
  let level: Level = "none";
  const changes: RevisionProblem[] = [];
  const signing = collectState(file, signedRevision);
  for (let revision = signedRevision + 1; revision < file.revisions.length; revision++) {
    const before = revision - 1 === signedRevision ? signing : collectState(file, revision - 1);
    const judge = new Judge(file, before, revision, signing);
    judgeRevision(file, revision, judge);
    changes.push(...judge.changes);
    if (LEVELS.indexOf(judge.level) > LEVELS.indexOf(level)) {
      level = judge.level;
    }
  }
  if (options.docMdp === 1 && (level === "signature" || level === "form")) {
    changes.unshift({
      revision: signedRevision,
      code: "DOCMDP_NO_CHANGES_ALLOWED",
      detail: `the certification signature allows no changes (/P 1), found ${toModification(level)}`,
    });
    level = "other";
  }
  return { modification: toModification(level), changes };
}

/**
 * The DocMDP permission of a certification signature (ISO 32000-1 §12.8.2.2): /Perms /DocMDP in the
 * catalog names the signature dictionary whose /Reference holds /TransformParams /P (default 2).
 */
export function docMdpPermission(file: PdfFile, signatureRef: PdfRef): 1 | 2 | 3 | undefined {
  try {
    const root = file.deref(file.trailer.get("Root"));
    if (!(root instanceof PdfDict)) {
      return undefined;
    }
    const perms = file.deref(root.get("Perms"));
    const docMdp = perms instanceof PdfDict ? perms.get("DocMDP") : undefined;
    if (!(docMdp instanceof PdfRef) || !docMdp.equals(signatureRef)) {
      return undefined;
    }
    const dictionary = file.resolve(signatureRef);
    if (!(dictionary instanceof PdfDict)) {
      return undefined;
    }
    const references = file.deref(dictionary.get("Reference"));
    if (!Array.isArray(references)) {
      return 2;
    }
    for (const item of references) {
      const reference = file.deref(item);
      if (reference instanceof PdfDict && reference.getName("TransformMethod") === "DocMDP") {
        const params = file.deref(reference.get("TransformParams"));
        const p = params instanceof PdfDict ? params.getNumber("P") : undefined;
        return p === 1 || p === 3 ? p : 2;
      }
    }
    return 2;
  } catch {
    return undefined;
  }
}
