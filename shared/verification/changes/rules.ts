/**
 * The allow-list: small named rules, each allowing one kind of change to one role of object (after
 * pyHanko's `diff_analysis`, written anew). A rule applies to a (role, key) pair — key "*" is the
 * whole object — and either allows the change or says why not. A change no rule of the policy
 * applies to is refused. The policy (`policy.ts`) lists the rules in force.
 *
 * Containers (the catalog's /AcroForm, a page's /Annots, the form's /DR, …) may be direct or
 * indirect, and may be replaced by a copy: their rules compare what the signed revision's value and
 * the final value resolve to, and a replacement must be a new object, never one of the signed ones.
 */
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream } from "../../pdf/objects.ts";
import { type ChangeClass, type Role, sameObject } from "./model.ts";
import type { SignedContent } from "./signed-content.ts";

/** What a rule judges: one key of one object (or the whole object, key "*"). */
export interface Subject {
  readonly role: Role;
  readonly key: string;
  /** The object's number, when the subject is an object (not a direct container). */
  readonly object?: number;
  /** The container's value at signing and now (resolved). */
  readonly before: PdfObject | undefined;
  readonly after: PdfObject | undefined;
  /** For field and widget roles: the signed revision's field facts. */
  readonly field?: {
    readonly ft?: string;
    readonly signed: boolean;
    readonly valued: boolean;
    readonly parent?: number;
  };
  readonly where: string;
}

/** What a rule may ask of the judge (implemented by `JudgeContext` in judge.ts). */
export interface RuleContext {
  readonly signed: SignedContent;
  /** Not an object of the signed content. */
  isNew(ref: PdfRef): boolean;
  hasRole(ref: PdfRef, role: Role): boolean;
  /** Resolves in the newest revision / in the signed revision. */
  now(value: PdfObject | undefined): PdfObject | undefined;
  atSigning(value: PdfObject | undefined): PdfObject | undefined;
  fieldNow(number: number): PdfObject | undefined;
  pageOf(subject: Subject): number | undefined;
  addedField(ref: PdfRef): void;
  addedAnnotation(ref: PdfRef, page: number | undefined): void;
  filledField(field: number, dictionary: PdfDict, signature: number): void;
  judgeValue(role: Role, before: PdfObject | undefined, after: PdfObject | undefined, where: string): void;
}

export interface Rule {
  readonly name: string;
  readonly class: ChangeClass;
  /** The code of an allowed change. */
  readonly code: string;
  /** A container rule judges what is inside through other rules and records nothing itself. */
  readonly container?: boolean;
  applies(subject: Subject): boolean;
  /** Undefined when allowed; otherwise why not. */
  check(context: RuleContext, subject: Subject): string | undefined;
}

const dictOf = (value: PdfObject | undefined): PdfDict | undefined =>
  value instanceof PdfDict ? value : value instanceof PdfStream ? value.dict : undefined;
const get = (value: PdfObject | undefined, key: string): PdfObject | undefined => dictOf(value)?.get(key);

/** Keys of a rule, as a predicate over subjects of one role. */
function on(role: Role | readonly Role[], keys: readonly string[] | "*any"): (subject: Subject) => boolean {
  const roles = typeof role === "string" ? [role] : role;
  return (subject) => roles.includes(subject.role) && (keys === "*any" || keys.includes(subject.key));
}

/** A signature dictionary (ISO 32000-1 §12.8.1 Table 252): /Contents and /ByteRange. */
export function isSignatureDictionary(value: PdfObject | undefined): value is PdfDict {
  return value instanceof PdfDict && value.has("Contents") && value.has("ByteRange");
}

/** A document timestamp (ETSI EN 319 142-1 §5.4.3): /SubFilter ETSI.RFC3161 or /Type /DocTimeStamp. */
export function isDocumentTimestamp(value: PdfDict): boolean {
  return value.getName("SubFilter") === "ETSI.RFC3161" || value.getName("Type") === "DocTimeStamp";
}

/**
 * Judges a container key: the values at signing and now, resolved in their revisions. A new
 * indirect value must be a new object. Returns why not, or undefined after judging the inside.
 */
function container(context: RuleContext, subject: Subject, role: Role): string | undefined {
  const before = get(subject.before, subject.key);
  const after = get(subject.after, subject.key);
  if (after === undefined) {
    return `/${subject.key} was removed`;
  }
  if (
    after instanceof PdfRef &&
    !(before instanceof PdfRef && before.equals(after)) &&
    !context.isNew(after)
  ) {
    return `/${subject.key} now points to ${after.objectNumber} ${after.generation} R, an object of the signed revision`;
  }
  context.judgeValue(role, context.atSigning(before), context.now(after), `${subject.where} /${subject.key}`);
  return undefined;
}

/**
 * Judges a list that may only grow by new objects (/Fields, /Annots): every signed item stays, in
 * order; each added item is a reference to a new object, handed to `added`.
 */
function growingList(
  context: RuleContext,
  subject: Subject,
  added: (ref: PdfRef) => void,
): string | undefined {
  const before = Array.isArray(subject.before) ? subject.before : subject.before == null ? [] : undefined;
  const after = subject.after;
  if (!before || !Array.isArray(after)) {
    return "is not an array";
  }
  let i = 0;
  const extra: PdfObject[] = [];
  for (const item of after) {
    const next = before[i];
    if (i < before.length && sameObject(next, item)) {
      i++;
    } else {
      extra.push(item);
    }
  }
  if (i < before.length) {
    return `lost or reordered ${before.length - i} item(s) of the signed revision`;
  }
  for (const item of extra) {
    if (!(item instanceof PdfRef) || !context.isNew(item)) {
      return `lists ${item instanceof PdfRef ? `${item.objectNumber} ${item.generation} R, an object of the signed revision` : "a direct object"}`;
    }
  }
  for (const item of extra) {
    added(item as PdfRef);
  }
  return undefined;
}

/** The rules. Names are stable: a policy lists them, reports cite them. */
export const RULES: readonly Rule[] = [
  {
    name: "bookkeeping.catalog-version",
    class: "bookkeeping",
    code: "VERSION_UPDATED",
    applies: on("catalog", ["Version", "Extensions"]),
    check: (_, s) => {
      const version = get(s.after, "Version");
      return s.key === "Version" && version !== undefined && !(version instanceof PdfName)
        ? "/Version is not a name"
        : undefined;
    },
  },
  {
    name: "validation.catalog-dss",
    class: "validation",
    code: "VALIDATION_DATA_ADDED",
    container: true,
    applies: on("catalog", ["DSS"]),
    check: (context, s) => container(context, s, "dss"),
  },
  {
    name: "validation.dss-update",
    class: "validation",
    code: "VALIDATION_DATA_UPDATED",
    applies: on(["dss", "validation-data"], "*any"),
    check: () => undefined,
  },
  {
    name: "metadata.info",
    class: "metadata",
    code: "INFO_UPDATED",
    applies: (s) => s.role === "info",
    check: () => undefined,
  },
  {
    name: "metadata.xmp",
    class: "metadata",
    code: "METADATA_UPDATED",
    applies: (s) => (s.role === "catalog" && s.key === "Metadata") || s.role === "metadata",
    check: (context, s) => {
      if (s.role === "metadata") {
        return undefined; // the XMP stream rewritten in place (and what it refers to): never displayed
      }
      const after = get(s.after, "Metadata");
      const stream = context.now(after);
      if (after instanceof PdfRef && !context.isNew(after) && !context.hasRole(after, "metadata")) {
        return "/Metadata now points to an object of the signed revision";
      }
      return stream instanceof PdfStream && stream.dict.getName("Type") === "Metadata"
        ? undefined
        : "/Metadata is not an XMP metadata stream";
    },
  },
  {
    name: "signature.catalog-acroform",
    class: "signature",
    code: "ACROFORM_UPDATED",
    container: true,
    applies: on("catalog", ["AcroForm"]),
    check: (context, s) => container(context, s, "acroform"),
  },
  {
    name: "signature.acroform-fields",
    class: "signature",
    code: "SIGNATURE_FIELD_ADDED",
    container: true,
    applies: (s) => (s.role === "acroform" && s.key === "Fields") || (s.role === "fields" && s.key === "*"),
    check: (context, s) => {
      if (s.role === "acroform") {
        const after = get(s.after, "Fields");
        const before = get(s.before, "Fields");
        if (after instanceof PdfRef && before instanceof PdfRef && after.equals(before)) {
          return undefined;
        }
        if (after instanceof PdfRef && !context.isNew(after)) {
          return "/Fields now points to an object of the signed revision";
        }
        const subject = {
          ...s,
          role: "fields" as const,
          key: "*",
          before: context.atSigning(before),
          after: context.now(after),
        };
        const why = growingList(context, subject, (ref) => context.addedField(ref));
        return why === undefined ? undefined : `/Fields ${why}`;
      }
      const why = growingList(context, s, (ref) => context.addedField(ref));
      return why === undefined ? undefined : `/Fields ${why}`;
    },
  },
  {
    name: "signature.acroform-sigflags",
    class: "signature",
    code: "SIGFLAGS_SET",
    applies: on("acroform", ["SigFlags"]),
    check: (_, s) => {
      const flags = get(s.after, "SigFlags");
      return typeof flags === "number" && Number.isInteger(flags) && flags >= 0 && flags <= 3
        ? undefined
        : "/SigFlags is not 0 to 3";
    },
  },
  {
    name: "signature.acroform-resources",
    class: "signature",
    code: "FORM_RESOURCES_ADDED",
    container: true,
    applies: (s) =>
      (s.role === "acroform" && s.key === "DR") || (s.role === "form-resources" && s.key === "Font"),
    check: (context, s) => container(context, s, s.role === "acroform" ? "form-resources" : "form-fonts"),
  },
  {
    // Acrobat adds fonts (/Helv, /ZaDb) for its signature appearance: new names only. A replaced
    // font would change how viewers regenerate existing fields' appearances.
    name: "signature.form-resources-added",
    class: "signature",
    code: "FORM_RESOURCES_ADDED",
    applies: (s) => (s.role === "form-resources" || s.role === "form-fonts") && s.key !== "Font",
    check: (context, s) => {
      if (get(s.before, s.key) !== undefined) {
        return `/${s.key} was replaced or removed`;
      }
      return s.role === "form-fonts" && context.signed.daFontNames.has(s.key)
        ? `/${s.key} is named by a field's /DA at signing: its regenerated appearance would change`
        : undefined;
    },
  },
  {
    // A default appearance only matters to fields without their own appearance: allowed when the
    // form has no field but signature fields.
    name: "signature.acroform-default-appearance",
    class: "signature",
    code: "FORM_DEFAULTS_ADDED",
    applies: on("acroform", ["DA"]),
    check: (context, s) =>
      get(s.before, "DA") === undefined && !context.signed.hasNonSignatureFields
        ? undefined
        : "/DA of a form with fields other than signatures changed",
  },
  {
    name: "signature.page-annots",
    class: "signature",
    code: "SIGNATURE_WIDGET_ADDED",
    container: true,
    applies: (s) => (s.role === "page" && s.key === "Annots") || (s.role === "annots" && s.key === "*"),
    check: (context, s) => {
      const page = context.pageOf(s);
      if (s.role === "page") {
        const before = get(s.before, "Annots");
        const after = get(s.after, "Annots");
        if (after instanceof PdfRef && before instanceof PdfRef && after.equals(before)) {
          return undefined;
        }
        if (after instanceof PdfRef && !context.isNew(after)) {
          return "/Annots now points to an object of the signed revision";
        }
        const subject = {
          ...s,
          role: "annots" as const,
          key: "*",
          before: context.atSigning(before),
          after: context.now(after),
        };
        const why = growingList(context, subject, (ref) => context.addedAnnotation(ref, page));
        return why === undefined ? undefined : `/Annots ${why}`;
      }
      const why = growingList(context, s, (ref) => context.addedAnnotation(ref, page));
      return why === undefined ? undefined : `/Annots ${why}`;
    },
  },
  {
    // Signing a pre-placed empty signature field (§12.7.4.5): its value, appearance and flags.
    name: "signature.fill-empty-signature-field",
    class: "signature",
    code: "EMPTY_SIGNATURE_FIELD_SIGNED",
    applies: (s) =>
      s.field?.ft === "Sig" &&
      !s.field.signed &&
      ((s.role === "field" && ["V", "AP", "AS", "MK", "F", "Ff", "Lock", "SV"].includes(s.key)) ||
        (s.role === "widget" && ["AP", "AS", "MK", "F"].includes(s.key))),
    check: (context, s) => {
      if (s.key !== "V") {
        // Appearance and flags change only with the signature itself: an empty field that stays
        // empty may not repaint its widget.
        const field =
          s.role === "widget" && s.field?.parent !== undefined ? context.fieldNow(s.field.parent) : s.after;
        return isSignatureDictionary(context.now(get(field, "V")))
          ? undefined
          : `/${s.key} changed while the field stays unsigned`;
      }
      const value = get(s.after, "V");
      if (value instanceof PdfRef && !context.isNew(value)) {
        return "/V points to an object of the signed revision";
      }
      const dictionary = context.now(value);
      if (!isSignatureDictionary(dictionary)) {
        return "/V is not a signature dictionary";
      }
      if (s.object !== undefined) {
        context.filledField(s.object, dictionary, value instanceof PdfRef ? value.objectNumber : s.object);
      }
      return undefined;
    },
  },
  {
    // Form filling (§12.8.2.2.2 DocMDP /P 2): a field EMPTY at signing gets its value and the
    // appearance that shows it. A field valued at signing is signed content (the "shadow replace"
    // attack, Mainka et al. NDSS 2021).
    name: "form.fill-empty-field",
    class: "form",
    code: "FORM_FIELD_FILLED",
    applies: (s) =>
      s.field !== undefined &&
      s.field.ft !== "Sig" &&
      !s.field.valued &&
      ((s.role === "field" && ["V", "I", "AP", "AS"].includes(s.key)) ||
        (s.role === "widget" && ["AP", "AS"].includes(s.key))),
    check: () => undefined,
  },
];

/** The code of a change no rule allows, by role. */
export function refusedCode(subject: Subject): string {
  switch (subject.role) {
    case "field":
      return subject.field?.ft === "Sig"
        ? subject.field.signed
          ? "SIGNED_FIELD_CHANGED"
          : "SIGNATURE_FIELD_CHANGED"
        : subject.field?.valued
          ? "SIGNED_FORM_VALUE_CHANGED"
          : "FIELD_CHANGED";
    case "widget":
      return subject.field?.valued || subject.field?.signed ? "SIGNED_FORM_VALUE_CHANGED" : "WIDGET_CHANGED";
    default:
      return (
        (
          {
            catalog: "CATALOG_CHANGED",
            "page-tree": "PAGE_TREE_CHANGED",
            page: "PAGE_CHANGED",
            annots: "ANNOTS_CHANGED",
            annotation: "ANNOTATION_CHANGED",
            acroform: "ACROFORM_CHANGED",
            fields: "FIELDS_CHANGED",
            "form-resources": "FORM_RESOURCES_CHANGED",
            "form-fonts": "FORM_RESOURCES_CHANGED",
            signature: "SIGNATURE_DICTIONARY_CHANGED",
          } as Partial<Record<Role, string>>
        )[subject.role] ?? "OBJECT_CHANGED"
      );
  }
}
