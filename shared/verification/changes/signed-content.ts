/**
 * Signed content: every object reachable from the signed revision's trailer, existing or not, with
 * the role the SIGNED revision gives it. Roles never come from later revisions: a later /DSS, /Info
 * or widget that points at a page's content stream does not make that stream validation data.
 *
 * Each reference is an edge with a role decided by where it sits (the catalog's /Pages is a page
 * tree, a page's /Annots an annotation list, …; everything else is `content`). Back-pointers (/P,
 * /Parent) give no role. An object reached along edges of different roles takes the strictest
 * (`content`, or `content` again for two conflicting structural roles), so an attacker who prepares
 * the document cannot give a page's content stream a second, relaxed role before it is signed.
 */
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from "../../pdf/objects.ts";
import type { PdfFile } from "../../pdf/read-pdf.ts";
import type { FieldFacts, Role } from "./model.ts";

/** One object of the signed revision. */
export interface SignedObject {
  readonly ref: PdfRef;
  readonly role: Role;
  /** How it was first reached, for messages ("page 1 /Contents"). */
  readonly via: string;
  /** Undefined when the signed revision refers to an object it does not define (dangling). */
  readonly value: PdfObject | undefined;
  readonly field?: FieldFacts;
}

export interface SignedContent {
  readonly revision: number;
  readonly objects: ReadonlyMap<number, SignedObject>;
  /** Page object number → 1-based page number. */
  readonly pageNumbers: ReadonlyMap<number, number>;
  /** True when the form has fields other than signature fields. */
  readonly hasNonSignatureFields: boolean;
  /** Font names the signed form's /DA strings use (§12.7.3.3): adding one to /DR changes their look. */
  readonly daFontNames: ReadonlySet<string>;
  /** Objects the walk could not read in the signed revision. */
  readonly unreadable: readonly number[];
}

/** Bound on (object, role) visits: hostile graphs. */
const MAX_VISITS = 2_000_000;

interface Visit {
  readonly ref: PdfRef;
  readonly role: Role;
  readonly via: string;
  /** Field context: inherited /FT and value, and the parent field. */
  readonly ft?: string;
  readonly valued?: boolean;
  readonly parent?: number;
  /** A content visit of a page or catalog, put off until the structure has been walked. */
  readonly deferred?: boolean;
}

type EdgeRole = Role | "back";

/** The role of a reference at `key` of an object playing `role` (direct nesting counts as `content`). */
function edgeRole(role: Role, key: string): EdgeRole {
  if (key === "P" || key === "Parent") {
    return role === "content" ? "content" : "back";
  }
  switch (role) {
    case "catalog":
      return (
        (
          { Pages: "page-tree", AcroForm: "acroform", DSS: "dss", Metadata: "metadata" } as Record<
            string,
            Role
          >
        )[key] ?? "content"
      );
    case "page-tree":
      return key === "Kids" ? "page-tree" : "content";
    case "page":
      return key === "Annots" ? "annots" : "content";
    case "annots":
      return "annotation";
    case "acroform":
      return key === "Fields" ? "fields" : key === "DR" ? "form-resources" : "content";
    case "fields":
      return "field";
    case "form-resources":
      return key === "Font" ? "form-fonts" : "content";
    case "field":
      return key === "Kids" ? "field" : "content";
    case "dss":
    case "validation-data":
      return "validation-data";
    case "info":
      return "info";
    case "metadata":
      return "metadata";
    default:
      return "content";
  }
}

/** Whether a field value counts as filled in (§12.7.4: empty strings, arrays and /Off are empty). */
function hasFieldValue(resolved: PdfObject | undefined, ft: string | undefined): boolean {
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

/**
 * Walks the signed revision `revision` of `file`.
 *
 * @example
 * const signed = collectSignedContent(pdf, 0);
 * signed.objects.get(5)?.role; // "page"
 */
export function collectSignedContent(file: PdfFile, revision: number): SignedContent {
  const roles = new Map<
    number,
    { ref: PdfRef; roles: Set<Role>; via: string; value: PdfObject | undefined }
  >();
  const fields = new Map<number, FieldFacts>();
  const visited = new Set<string>();
  const pageNumbers = new Map<number, number>();
  const unreadable: number[] = [];
  let hasNonSignatureFields = false;
  const daFontNames = new Set<string>();
  const queue: Visit[] = [];
  const read = (ref: PdfRef): { value: PdfObject | undefined; ok: boolean } => {
    try {
      return { value: file.resolve(ref, revision), ok: true };
    } catch {
      return { value: undefined, ok: false };
    }
  };
  const deref = (value: PdfObject | undefined): PdfObject | undefined =>
    value instanceof PdfRef ? (read(value).value ?? null) : value;

  /** Queues a reference found at an edge of `role`; a direct value in that position plays the role. */
  const edge = (value: PdfObject | undefined, role: EdgeRole, via: string, from: Visit): void => {
    if (role === "back") {
      return;
    }
    if (value instanceof PdfRef) {
      queue.push({
        ref: value,
        role,
        via,
        ...(role === "field"
          ? { ft: from.ft, valued: from.valued ?? false, parent: from.ref.objectNumber }
          : {}),
      });
    } else if (Array.isArray(value) || value instanceof PdfDict) {
      body(value, role, via, from);
    }
  };
  /** The edges of an object's body (or of a direct value) playing `role`. */
  const body = (value: PdfObject | undefined, role: Role, via: string, from: Visit): void => {
    if (Array.isArray(value)) {
      const itemRole = arrayItemRole(role);
      for (const item of value) {
        edge(item, itemRole, via, from);
      }
      return;
    }
    const dict = value instanceof PdfStream ? value.dict : value instanceof PdfDict ? value : undefined;
    for (const [key, child] of dict?.map ?? []) {
      edge(child, edgeRole(role, key), `${via} /${key}`, from);
    }
  };

  const trailer = file.revisions[revision]!.trailer;
  for (const [key, value] of trailer.map) {
    if (key === "Prev" || key === "XRefStm" || key === "Size" || key === "ID") {
      continue;
    }
    if (value instanceof PdfRef) {
      const role: Role = key === "Root" ? "catalog" : key === "Info" ? "info" : "content";
      queue.push({ ref: value, role, via: key === "Root" ? "catalog" : `trailer /${key}` });
    }
  }

  let visits = 0;
  // Content that names a page or the catalog (/OpenAction, /Dest, /P of an action) is walked last,
  // and only for objects the structure did not reach: a destination must not turn a page's
  // /Annots into content, while an orphan "page" that only content reaches is content throughout.
  const deferred: Visit[] = [];
  const structural = (number: number) => {
    const found = roles.get(number)?.roles;
    return found !== undefined && (found.has("page") || found.has("catalog"));
  };
  while (queue.length > 0 || deferred.length > 0) {
    if (queue.length === 0) {
      const next = deferred.shift()!;
      if (!structural(next.ref.objectNumber)) {
        queue.push({ ...next, deferred: true });
      }
      continue;
    }
    const visit = queue.shift()!;
    if (++visits > MAX_VISITS) {
      break;
    }
    const number = visit.ref.objectNumber;
    const { value, ok } = read(visit.ref);
    if (
      visit.role === "content" &&
      !visit.deferred &&
      value instanceof PdfDict &&
      ["Page", "Pages", "Catalog"].includes(value.getName("Type") ?? "")
    ) {
      deferred.push(visit);
      continue;
    }
    let role = visit.role;
    // A page-tree edge reaches an intermediate node or a page: the object decides (§7.7.3).
    if (role === "page-tree" && value instanceof PdfDict) {
      const kids = deref(value.get("Kids"));
      role = Array.isArray(kids) && value.getName("Type") !== "Page" ? "page-tree" : "page";
    }
    // A /Kids edge of a field reaches a field or one of its widgets (§12.7.3.1).
    let facts: FieldFacts | undefined;
    if (role === "field" && value instanceof PdfDict) {
      const isField = value.has("T") || value.has("FT") || visit.parent === undefined || !visit.ft;
      const ft = value.getName("FT") ?? visit.ft;
      if (!isField && visit.parent !== undefined) {
        role = "widget";
        const parent = fields.get(visit.parent);
        facts = {
          ...(parent?.ft ? { ft: parent.ft } : {}),
          signed: parent?.signed ?? false,
          valued: parent?.valued ?? true,
          parent: visit.parent,
        };
      } else {
        const v = value.get("V");
        const signed = ft === "Sig" && v !== undefined && v !== null;
        const valued = value.has("V") ? hasFieldValue(deref(v), ft) : (visit.valued ?? false);
        facts = { ...(ft ? { ft } : {}), signed, valued };
        if (ft !== undefined && ft !== "Sig") {
          hasNonSignatureFields = true;
        }
      }
    }
    if (role === "page" && !pageNumbers.has(number)) {
      pageNumbers.set(number, pageNumbers.size + 1);
    }
    if ((role === "field" || role === "widget" || role === "acroform") && value instanceof PdfDict) {
      const da = deref(value.get("DA"));
      for (const name of da instanceof PdfString ? namesIn(da.text()) : []) {
        daFontNames.add(name);
      }
    }
    let entry = roles.get(number);
    if (!entry) {
      entry = {
        ref: visit.ref,
        roles: new Set(),
        via: role === "page" ? `page ${pageNumbers.get(number)}` : visit.via,
        value,
      };
      roles.set(number, entry);
      if (!ok) {
        unreadable.push(number);
      }
    }
    entry.roles.add(role);
    if (facts && !fields.has(number)) {
      fields.set(number, facts);
    }
    const key = `${number} ${role}`;
    if (visited.has(key) || value === undefined) {
      continue;
    }
    visited.add(key);
    const here: Visit = {
      ...visit,
      role,
      via: role === "page" ? `page ${pageNumbers.get(number)}` : visit.via,
      ...(facts ? { ft: facts.ft, valued: facts.valued } : {}),
    };
    if (role === "field" && facts?.ft === "Sig" && value instanceof PdfDict) {
      const v = value.get("V");
      if (v instanceof PdfRef) {
        queue.push({ ref: v, role: "signature", via: `${visit.via} /V` });
      }
    }
    body(value, role, here.via, here);
  }

  const objects = new Map<number, SignedObject>();
  for (const [number, entry] of roles) {
    const role = effectiveRole(entry.roles);
    const field = fields.get(number);
    objects.set(number, {
      ref: entry.ref,
      role,
      via: entry.via,
      value: entry.value,
      ...((role === "field" || role === "widget") && field ? { field } : {}),
    });
  }
  return { revision, objects, pageNumbers, hasNonSignatureFields, daFontNames, unreadable };
}

/** The role of the items of an array playing `role` (§7.7.3.2 /Kids, §12.5.1 /Annots, §12.7.2 /Fields). */
function arrayItemRole(role: Role): Role {
  switch (role) {
    case "annots":
      return "annotation";
    case "fields":
    case "field":
      return "field";
    case "page-tree":
      return "page-tree";
    case "dss":
    case "validation-data":
      return "validation-data";
    case "info":
      return "info";
    case "metadata":
      return "metadata";
    default:
      return "content";
  }
}

/**
 * The strictest reading of the roles an object was reached with. An object that content also refers
 * to is content (a /DR that is also a page's /Resources, an /Annots array that is also a /Contents
 * array, a field that is also a resource dictionary): a rule that lets a structural object grow could
 * otherwise add what content already names. Pages and the catalog are the exception: content names
 * them only as destinations (/OpenAction, /Dest), and their rules change nothing content can use. An
 * annotation that is also a form field or widget is judged as that; any other pair of structural
 * roles is a conflict, judged as content.
 */
function effectiveRole(roles: ReadonlySet<Role>): Role {
  const set = new Set(roles);
  if (set.has("content")) {
    set.delete("content");
    if (set.size !== 1 || !(set.has("page") || set.has("catalog") || set.has("signature"))) {
      return "content";
    }
  }
  if (set.has("field") || set.has("widget")) {
    set.delete("annotation");
  }
  if (set.size === 1) {
    return [...set][0]!;
  }
  return "content";
}

/**
 * Every name a /DA string holds, as written and #-decoded: the font its `Tf` selects is among them
 * however a viewer splits the string. Tokens are split as PDF splits them (§7.2.3: NUL, tab, LF,
 * FF, CR and space; \v is not whitespace), not by a regex's \s, which differs from poppler's
 * reading on both counts; taking every name, not the one before `Tf`, leaves no reading out.
 */
function namesIn(da: string): Set<string> {
  const names = new Set<string>();
  for (const match of da.matchAll(/\/([^\0\t\n\f\r ()<>[\]{}/%]*)/g)) {
    const raw = match[1]!;
    names.add(raw);
    names.add(
      raw.replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    );
  }
  return names;
}
