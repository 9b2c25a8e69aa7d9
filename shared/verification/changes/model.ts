/**
 * The vocabulary of change analysis: the roles objects play in a signed revision, and the changes
 * found after it. Plain data, shared by the walk (`signed-content.ts`), the rules (`rules.ts`), the
 * policy (`policy.ts`) and the report.
 */
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from "../../pdf/objects.ts";

/**
 * What an object is in the signed revision (ISO 32000-1 §7.7 document structure, §12.7 forms,
 * ETSI EN 319 142-1 §5.4 DSS). Anything not named here is `content`: it may never change.
 */
export type Role =
  | "catalog"
  | "page-tree"
  | "page"
  | "annots"
  | "annotation"
  | "acroform"
  | "fields"
  | "form-resources"
  | "form-fonts"
  | "field"
  | "widget"
  | "signature"
  | "dss"
  | "validation-data"
  | "info"
  | "metadata"
  | "content";

/** What kind of change it is; `content` is a change to what the signer saw. */
export type ChangeClass = "bookkeeping" | "metadata" | "validation" | "signature" | "form" | "content";

/** One change made after a signed revision, as judged by the policy. */
export interface Change {
  /** The revision (0-based) that made it, when known. */
  readonly revision?: number;
  /** The object changed, when the change is to one object. */
  readonly object?: number;
  readonly role: Role | "trailer" | "revision";
  /** The rule that allowed it, or that refused it (`refused:<role>` when no rule applies). */
  readonly rule: string;
  readonly verdict: "allowed" | "refused";
  readonly class: ChangeClass;
  readonly code: string;
  readonly detail: string;
}

/** A widget painted after a signature by a later signature or timestamp (the viewer shows it). */
export interface Painting {
  readonly fieldName: string;
  readonly signatureObject?: number;
  readonly kind: "signature" | "document-timestamp";
  /** 1-based page number. */
  readonly page: number;
  /** [llx lly urx ury] in default user space. */
  readonly rect: readonly [number, number, number, number];
}

/** Field facts of the signed revision (ISO 32000-1 §12.7.3.1 Table 220, inheritance applied). */
export interface FieldFacts {
  readonly ft?: string;
  /** A signature field whose /V holds a signature dictionary. */
  readonly signed: boolean;
  /** A field whose /V holds a value (see `hasFieldValue`). */
  readonly valued: boolean;
  /** For a widget kid: the field it belongs to. */
  readonly parent?: number;
}

/** Structural equality to any depth (references compared as references, not followed). Iterative. */
export function sameObject(a: PdfObject | undefined, b: PdfObject | undefined): boolean {
  const stack: [PdfObject | undefined, PdfObject | undefined][] = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (x === y) {
      continue;
    }
    if (x === undefined || y === undefined || x === null || y === null) {
      return false;
    }
    if (typeof x !== "object" || typeof y !== "object") {
      return false;
    }
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) {
        return false;
      }
      for (let i = 0; i < x.length; i++) {
        stack.push([x[i], y[i]]);
      }
    } else if (x instanceof PdfName) {
      if (!(y instanceof PdfName) || x.value !== y.value) {
        return false;
      }
    } else if (x instanceof PdfRef) {
      if (!(y instanceof PdfRef) || !x.equals(y)) {
        return false;
      }
    } else if (x instanceof PdfString) {
      if (!(y instanceof PdfString) || Buffer.compare(x.bytes, y.bytes) !== 0) {
        return false;
      }
    } else if (x instanceof PdfStream) {
      if (!(y instanceof PdfStream) || Buffer.compare(x.data, y.data) !== 0) {
        return false;
      }
      stack.push([x.dict, y.dict]);
    } else if (x instanceof PdfDict) {
      if (!(y instanceof PdfDict) || x.map.size !== y.map.size) {
        return false;
      }
      for (const [key, value] of x.map) {
        if (!y.map.has(key)) {
          return false;
        }
        stack.push([value, y.map.get(key)]);
      }
    } else {
      return false;
    }
  }
  return true;
}

/** Keys whose values differ between two dictionaries (or a stream's data: key "stream data"). */
export function changedKeys(before: PdfDict | PdfStream, after: PdfDict | PdfStream): string[] {
  const a = before instanceof PdfStream ? before.dict : before;
  const b = after instanceof PdfStream ? after.dict : after;
  const keys = new Set([...a.map.keys(), ...b.map.keys()]);
  const changed = [...keys].filter((key) => !sameObject(a.get(key), b.get(key)));
  const dataOf = (value: PdfDict | PdfStream) => (value instanceof PdfStream ? value.data : undefined);
  const [da, db] = [dataOf(before), dataOf(after)];
  if ((da === undefined) !== (db === undefined) || (da && db && Buffer.compare(da, db) !== 0)) {
    changed.push("stream data");
  }
  return changed;
}
