/**
 * Judging what changed between a signed revision and the file a viewer shows (the newest revision),
 * object by object: every signed object (existing or dangling) is compared with what the newest
 * cross-reference makes of it, and each difference goes to the policy's rules by the object's role in
 * the signed revision. New objects enter only through a change a rule allowed (a new field in
 * /Fields, a new widget in /Annots, a value of a pre-placed field): those are judged last — signed
 * fields with widgets and no actions; a document timestamp's widget invisible; every visible widget
 * reported as a painting with its page and rectangle.
 */
import { PdfDict, type PdfObject, PdfRef, PdfStream } from "../../pdf/objects.ts";
import type { PdfFile } from "../../pdf/read-pdf.ts";
import { missingReferences } from "../../pdf/unresolved-references.ts";
import { type Change, type ChangeClass, changedKeys, type Painting, type Role, sameObject } from "./model.ts";
import type { ChangePolicy } from "./policy.ts";
import {
  isDocumentTimestamp,
  isSignatureDictionary,
  RULES,
  type Rule,
  type RuleContext,
  refusedCode,
  type Subject,
} from "./rules.ts";
import type { SignedContent } from "./signed-content.ts";

/** Annotation flags (ISO 32000-1 §12.5.3 Table 165). */
const HIDDEN = 2;
/** NoZoom and NoRotate: the viewer may draw the appearance outside /Rect (§12.5.3). */
const UNANCHORED = 8 | 16;

const RELAXED: ReadonlySet<Role> = new Set(["dss", "validation-data", "info", "metadata"]);

export class JudgeContext implements RuleContext {
  readonly changes: Change[] = [];
  readonly paintings: Painting[] = [];
  private readonly rules: readonly Rule[];
  private readonly addedFields: PdfRef[] = [];
  private readonly addedAnnotations: { ref: PdfRef; page?: number }[] = [];
  private readonly filled: { field: number; dictionary: PdfDict; signature: number }[] = [];
  private annotationPages: Map<number, number> | undefined;

  constructor(
    readonly file: PdfFile,
    readonly signed: SignedContent,
    readonly policy: ChangePolicy,
    readonly final: number,
  ) {
    this.rules = RULES.filter((rule) => policy.rules.includes(rule.name));
  }

  /** Not an object of the signed content (new, or unreachable when signed). */
  isNew(ref: PdfRef): boolean {
    return !this.signed.objects.has(ref.objectNumber);
  }

  hasRole(ref: PdfRef, role: Role): boolean {
    return this.signed.objects.get(ref.objectNumber)?.role === role;
  }

  now(value: PdfObject | undefined): PdfObject | undefined {
    return this.deref(value, this.final);
  }

  atSigning(value: PdfObject | undefined): PdfObject | undefined {
    return this.deref(value, this.signed.revision);
  }

  private deref(value: PdfObject | undefined, revision: number): PdfObject | undefined {
    try {
      return this.file.deref(value, revision);
    } catch {
      return undefined;
    }
  }

  /** A signed field's dictionary as the newest revision has it. */
  fieldNow(number: number): PdfObject | undefined {
    return this.now(new PdfRef(number, this.generation(number)));
  }

  addedField(ref: PdfRef): void {
    this.addedFields.push(ref);
  }

  addedAnnotation(ref: PdfRef, page: number | undefined): void {
    this.addedAnnotations.push({ ref, ...(page ? { page } : {}) });
  }

  filledField(field: number, dictionary: PdfDict, signature: number): void {
    this.filled.push({ field, dictionary, signature });
  }

  /** The page a subject is on: a page, or an /Annots array of one. */
  pageOf(subject: Subject): number | undefined {
    if (subject.object === undefined) {
      return undefined;
    }
    const page = this.signed.pageNumbers.get(subject.object);
    if (page !== undefined || subject.role !== "annots") {
      return page;
    }
    for (const [number, index] of this.signed.pageNumbers) {
      const dict = this.atSigning(new PdfRef(number, this.generation(number)));
      const annots = dict instanceof PdfDict ? dict.get("Annots") : undefined;
      if (annots instanceof PdfRef && annots.objectNumber === subject.object) {
        return index;
      }
    }
    return undefined;
  }

  record(change: Omit<Change, "revision">, at?: number): void {
    let revision = at;
    if (revision === undefined && change.object !== undefined) {
      revision = this.definedIn(change.object);
    }
    this.changes.push({ ...(revision !== undefined ? { revision } : {}), ...change });
  }

  /** The revision that made an object what it is now: its entry's, or its object stream's if newer. */
  private definedIn(object: number): number | undefined {
    try {
      const located = this.file.locate(new PdfRef(object, this.generation(object)), this.final);
      if (located?.entry.type !== "compressed") {
        return located?.revision;
      }
      const container = this.file.locate(new PdfRef(located.entry.streamObjectNumber, 0), this.final);
      return Math.max(located.revision, container?.revision ?? 0);
    } catch {
      return undefined;
    }
  }

  /** The first revision after signing whose trailer differs from the signed one at `key`. */
  trailerChange(key: string): number | undefined {
    const signed = this.file.revisions[this.signed.revision]!.trailer.get(key);
    for (let revision = this.signed.revision + 1; revision <= this.final; revision++) {
      if (!sameObject(signed, this.file.revisions[revision]!.trailer.get(key))) {
        return revision;
      }
    }
    return undefined;
  }

  private generation(object: number): number {
    return this.signed.objects.get(object)?.ref.generation ?? 0;
  }

  refuse(
    role: Change["role"],
    code: string,
    detail: string,
    object?: number,
    rule = `refused:${role}`,
    at?: number,
  ): void {
    this.record(
      {
        ...(object !== undefined ? { object } : {}),
        role,
        rule,
        verdict: "refused",
        class: "content",
        code,
        detail,
      },
      at,
    );
  }

  /** Judges a value of `role` that differs between signing and now, key by key. */
  judgeValue(
    role: Role,
    before: PdfObject | undefined,
    after: PdfObject | undefined,
    where: string,
    object?: number,
    field?: Subject["field"],
    at?: number,
  ): void {
    if (sameObject(before, after)) {
      return;
    }
    const asDict = (value: PdfObject | undefined) => value instanceof PdfDict || value instanceof PdfStream;
    const keys =
      before === undefined || before === null
        ? asDict(after)
          ? changedKeys(new PdfDict(), after as PdfDict)
          : ["*"]
        : asDict(before) && asDict(after)
          ? changedKeys(before as PdfDict, after as PdfDict)
          : ["*"];
    const unclaimed: string[] = [];
    let unclaimedSubject: Subject | undefined;
    for (const key of keys) {
      const subject: Subject = {
        role,
        key,
        ...(object !== undefined ? { object } : {}),
        before,
        after,
        ...(field ? { field } : {}),
        where,
      };
      const rule = this.rules.find((candidate) => candidate.applies(subject));
      if (!rule) {
        unclaimed.push(key);
        unclaimedSubject ??= subject;
        continue;
      }
      const why = rule.check(this, subject);
      if (why !== undefined) {
        this.refuse(role, refusedCode(subject), `${where}: ${why}`, object, rule.name, at);
      } else if (!rule.container) {
        this.allow(
          rule,
          role,
          key === "*" ? `${where} was updated` : `${where}: /${key} updated`,
          object,
          at,
        );
      }
    }
    if (unclaimedSubject) {
      const what = unclaimed.includes("*") ? "was changed" : `/${unclaimed.join(", /")} changed`;
      const signedContent = role === "content" ? ", signed content," : "";
      this.refuse(
        role,
        refusedCode(unclaimedSubject),
        `${where}${signedContent} ${what}`,
        object,
        undefined,
        at,
      );
    }
  }

  allow(
    rule: { name: string; class: ChangeClass; code: string },
    role: Change["role"],
    detail: string,
    object?: number,
    at?: number,
  ): void {
    this.record(
      {
        ...(object !== undefined ? { object } : {}),
        role,
        rule: rule.name,
        verdict: "allowed",
        class: rule.class,
        code: rule.code,
        detail,
      },
      at,
    );
  }

  /** Judges the new objects that allowed changes brought in. */
  finish(): void {
    const widgets = new Map<number, { fieldName: string; timestamp: boolean; signature?: number }>();
    for (const ref of this.addedFields) {
      const field = this.now(ref);
      const name = field instanceof PdfDict ? (field.getString("T")?.text() ?? "") : "";
      const where = `new field ${ref.objectNumber}${name ? ` "${name}"` : ""}`;
      if (!(field instanceof PdfDict) || field.getName("FT") !== "Sig") {
        this.refuse(
          "field",
          "FORM_FIELD_ADDED",
          `${where} is not a signature field`,
          ref.objectNumber,
          "signature.new-signature-field",
        );
        continue;
      }
      const value = field.get("V");
      const dictionary = this.now(value);
      if (!isSignatureDictionary(dictionary) || (value instanceof PdfRef && !this.isNew(value))) {
        this.refuse(
          "field",
          "EMPTY_SIGNATURE_FIELD_ADDED",
          `${where} holds no new signature (an empty field may show anything)`,
          ref.objectNumber,
          "signature.new-signature-field",
        );
        continue;
      }
      const timestamp = isDocumentTimestamp(dictionary);
      if (!timestamp && this.policy.newSignatures === "document-timestamps") {
        this.refuse(
          "field",
          "DOCMDP_NO_CHANGES_ALLOWED",
          `${where}: the certification signature allows no new signatures (/P 1)`,
          ref.objectNumber,
          "signature.new-signature-field",
        );
        continue;
      }
      if (field.has("A") || field.has("AA")) {
        this.refuse(
          "field",
          "WIDGET_ACTION_ADDED",
          `${where} carries an action (/A or /AA)`,
          ref.objectNumber,
          "signature.new-signature-field",
        );
        continue;
      }
      const kids = this.now(field.get("Kids"));
      const list = Array.isArray(kids) ? kids : [ref];
      let ok = true;
      for (const kid of list) {
        const widget = kid instanceof PdfRef ? this.now(kid) : undefined;
        if (!(kid instanceof PdfRef) || (kid !== ref && !this.isNew(kid)) || !(widget instanceof PdfDict)) {
          this.refuse(
            "widget",
            "WIDGET_CHANGED",
            `${where}: a widget is not a new annotation`,
            ref.objectNumber,
            "signature.new-signature-field",
          );
          ok = false;
          break;
        }
        if (widget.has("A") || widget.has("AA")) {
          this.refuse(
            "widget",
            "WIDGET_ACTION_ADDED",
            `${where}: its widget ${kid.objectNumber} carries an action (/A or /AA)`,
            kid.objectNumber,
            "signature.new-signature-field",
          );
          ok = false;
          break;
        }
        widgets.set(kid.objectNumber, {
          fieldName: name,
          timestamp,
          ...(value instanceof PdfRef ? { signature: value.objectNumber } : { signature: ref.objectNumber }),
        });
      }
      if (ok) {
        this.allow(
          timestamp
            ? { name: "signature.new-signature-field", class: "validation", code: "DOCUMENT_TIMESTAMP_ADDED" }
            : { name: "signature.new-signature-field", class: "signature", code: "SIGNATURE_FIELD_ADDED" },
          "field",
          `${where}: ${timestamp ? "a document timestamp" : "a signature"}`,
        );
      }
    }
    for (const { ref, page } of this.addedAnnotations) {
      const widget = widgets.get(ref.objectNumber);
      const annotation = this.now(ref);
      if (!widget) {
        const subtype = annotation instanceof PdfDict ? annotation.getName("Subtype") : undefined;
        this.refuse(
          "annotation",
          "ANNOTATION_ADDED",
          `page ${page ?? "?"}: annotation ${ref.objectNumber} (/${subtype ?? "?"}) added, not the widget of a new signature`,
          ref.objectNumber,
          "signature.page-annots",
        );
        continue;
      }
      this.paint(ref.objectNumber, annotation, page, widget, `new widget ${ref.objectNumber}`);
    }
    for (const { field, dictionary, signature } of this.filled) {
      const at = this.now(new PdfRef(field, this.generation(field)));
      const kids = at instanceof PdfDict ? this.now(at.get("Kids")) : undefined;
      const list = Array.isArray(kids)
        ? kids.filter((kid): kid is PdfRef => kid instanceof PdfRef)
        : [new PdfRef(field, this.generation(field))];
      const name = at instanceof PdfDict ? (at.getString("T")?.text() ?? "") : "";
      for (const kid of list) {
        const widget = this.now(kid);
        const before = this.atSigning(kid);
        const painted = !(
          widget instanceof PdfDict &&
          before instanceof PdfDict &&
          ["AP", "AS", "MK", "F"].every((key) => sameObject(widget.get(key), before.get(key)))
        );
        if (painted) {
          this.paint(
            kid.objectNumber,
            widget,
            this.pageOfAnnotation(kid.objectNumber),
            { fieldName: name, timestamp: isDocumentTimestamp(dictionary), signature },
            `pre-placed field ${field}`,
          );
        }
      }
    }
  }

  private paint(
    number: number,
    annotation: PdfObject | undefined,
    page: number | undefined,
    widget: { fieldName: string; timestamp: boolean; signature?: number },
    where: string,
  ): void {
    const rectValue = annotation instanceof PdfDict ? this.now(annotation.get("Rect")) : undefined;
    const rect = Array.isArray(rectValue) ? rectValue.map((item) => this.now(item)) : undefined;
    const box =
      rect?.length === 4 && rect.every((x) => typeof x === "number") ? (rect as number[]) : undefined;
    const flags = annotation instanceof PdfDict ? (annotation.getNumber("F") ?? 0) : 0;
    const visible =
      page !== undefined &&
      (box === undefined || (box[2] !== box[0] && box[3] !== box[1])) &&
      (flags & HIDDEN) === 0;
    if (!visible) {
      return;
    }
    if ((flags & UNANCHORED) !== 0) {
      this.refuse(
        "widget",
        "WIDGET_UNANCHORED",
        `${where}: a visible widget with NoZoom or NoRotate may be drawn outside its rectangle`,
        number,
        "signature.new-signature-field",
      );
      return;
    }
    if (widget.timestamp) {
      this.refuse(
        "widget",
        "DOCUMENT_TIMESTAMP_VISIBLE",
        `${where}: a document timestamp's widget paints on page ${page} (a timestamp proves no identity; its widget must be invisible)`,
        number,
        "signature.new-signature-field",
      );
      return;
    }
    const [x1, y1, x2, y2] = (box ?? [0, 0, 0, 0]) as [number, number, number, number];
    this.paintings.push({
      fieldName: widget.fieldName,
      ...(widget.signature !== undefined ? { signatureObject: widget.signature } : {}),
      kind: "signature",
      page,
      rect: [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)],
    });
  }

  private pageOfAnnotation(number: number): number | undefined {
    if (!this.annotationPages) {
      this.annotationPages = new Map();
      for (const [pageNumber, index] of this.signed.pageNumbers) {
        const page = this.atSigning(new PdfRef(pageNumber, this.generation(pageNumber)));
        const annots = page instanceof PdfDict ? this.atSigning(page.get("Annots")) : undefined;
        for (const item of Array.isArray(annots) ? annots : []) {
          if (item instanceof PdfRef) {
            this.annotationPages.set(item.objectNumber, index);
          }
        }
      }
    }
    return this.annotationPages.get(number);
  }
}

/** Judges every signed object of `signed` against the newest revision. */
export function judgeSignedContent(context: JudgeContext): void {
  const { file, signed, final } = context;
  const trailerThen = file.revisions[signed.revision]!.trailer;
  const trailerNow = file.trailer;
  const rootThen = trailerThen.getRef("Root");
  const rootNow = trailerNow.getRef("Root");
  if (!rootThen || !rootNow || !rootThen.equals(rootNow)) {
    context.refuse(
      "trailer",
      "ROOT_REPLACED",
      "the trailer's /Root points to another catalog",
      undefined,
      undefined,
      context.trailerChange("Root"),
    );
  }
  if (!sameObject(trailerThen.get("Info"), trailerNow.get("Info"))) {
    const info = trailerNow.get("Info");
    if (info instanceof PdfRef && !context.isNew(info) && !context.hasRole(info, "info")) {
      context.refuse(
        "trailer",
        "INFO_REPLACED",
        `the trailer's /Info now points to object ${info.objectNumber}, signed content`,
        undefined,
        undefined,
        context.trailerChange("Info"),
      );
    } else {
      context.judgeValue(
        "info",
        context.atSigning(trailerThen.get("Info")),
        context.now(info),
        "trailer /Info",
        undefined,
        undefined,
        context.trailerChange("Info"),
      );
    }
  }
  for (const [number, object] of signed.objects) {
    const where = `object ${number} (${object.via})`;
    let after: PdfObject | undefined;
    try {
      after = file.resolve(object.ref, final);
    } catch (error) {
      context.refuse(
        object.role,
        "OBJECT_UNREADABLE",
        `${where} cannot be read now: ${(error as Error).message}`,
        number,
      );
      continue;
    }
    if (object.value === undefined) {
      if (after !== undefined && !RELAXED.has(object.role)) {
        context.refuse(
          object.role,
          "DANGLING_REFERENCE_FILLED",
          `${where}: the signed revision refers to this object without defining it; a later revision defines it`,
          number,
        );
      }
      continue;
    }
    if (after === undefined) {
      context.refuse(object.role, "OBJECT_DELETED", `${where} existed at signing and was deleted`, number);
      continue;
    }
    context.judgeValue(object.role, object.value, after, where, number, object.field);
  }
  context.finish();
  for (const { ref, via } of missingReferences(file)) {
    const signedObject = signed.objects.get(ref.objectNumber);
    const danglingWhenSigned =
      signedObject !== undefined && signedObject.value === undefined && signedObject.ref.equals(ref);
    if (!danglingWhenSigned) {
      context.refuse(
        "content",
        "REFERENCE_TO_MISSING_OBJECT",
        `${via} refers to ${ref.objectNumber} ${ref.generation} R, which the file does not define (a viewer may then rebuild the file's cross-reference and show other objects)`,
      );
    }
  }
}
