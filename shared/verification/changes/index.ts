/**
 * What changed after a signed revision, and whether the policy allows it (ISO 32000-1 §7.5.6
 * incremental updates, §12.8.2.2 DocMDP; ETSI EN 319 142-1 §5.4). Fail closed: only what a rule of
 * the policy allows passes; every change is listed, classified, refused ones first.
 *
 * - `signed-content.ts`: the signed revision's objects and their roles (from the signed revision only);
 * - `judge.ts`: each signed object against the newest revision, and the new objects allowed changes bring in;
 * - `rules.ts` / `policy.ts`: the allow-list as named rules and the policies that list them;
 * - `integrity.ts`: each update as a file structure (no hidden or out-of-place definitions).
 *
 * The cost is linear in the signed revision's objects plus the file's bytes, whatever the number of
 * revisions (object lookups are O(log revisions)).
 */
import { PdfDict, PdfRef } from "../../pdf/objects.ts";
import type { PdfFile } from "../../pdf/read-pdf.ts";
import type { ModificationLevel } from "../report.ts";
import { revisionIntegrity } from "./integrity.ts";

export { signatureObjects } from "./integrity.ts";

import { JudgeContext, judgeSignedContent } from "./judge.ts";
import type { Change, Painting } from "./model.ts";
import { type ChangePolicyName, policyFor } from "./policy.ts";
import { collectSignedContent } from "./signed-content.ts";

export type { Change, ChangeClass, Painting, Role } from "./model.ts";
export { sameObject } from "./model.ts";
export { CHANGE_POLICIES, type ChangePolicy, type ChangePolicyName } from "./policy.ts";
export { RULES } from "./rules.ts";

export interface ChangeAnalysis {
  /** The worst level of the changes (DocMDP terms; "other" when any is refused). */
  readonly modification: ModificationLevel;
  /** Every change after the signed revision: refused ones first, then in file order. */
  readonly changes: readonly Change[];
  /** Widgets of later signatures that paint on a page. */
  readonly paintings: readonly Painting[];
  readonly policy: string;
}

export interface AnalyseOptions {
  /** Default "letter". */
  readonly policy?: ChangePolicyName;
  /** DocMDP /P of a certification signature at or before the signed revision (§12.8.2.2.2). */
  readonly docMdp?: 1 | 2 | 3;
}

const LEVEL_OF_CLASS = {
  bookkeeping: "none",
  metadata: "signatures-and-validation-data",
  validation: "signatures-and-validation-data",
  signature: "signatures-and-validation-data",
  form: "form-filling",
  content: "other",
} as const;
const RANK: Record<ModificationLevel, number> = {
  none: 0,
  "signatures-and-validation-data": 1,
  "form-filling": 2,
  other: 3,
};

/**
 * Compares the signed revision with what a viewer shows (the newest revision).
 *
 * @example
 * const { modification, changes } = analyseChanges(pdf, 0);
 * if (modification === "other") console.log(changes[0].detail); // the offending change
 */
export function analyseChanges(
  file: PdfFile,
  signedRevision: number,
  options: AnalyseOptions = {},
): ChangeAnalysis {
  const policy = policyFor(options.policy ?? "letter", options.docMdp);
  const final = file.revisions.length - 1;
  const changes: Change[] = [...revisionIntegrity(file, signedRevision)];
  let paintings: readonly Painting[] = [];
  if (signedRevision < final) {
    const context = new JudgeContext(file, collectSignedContent(file, signedRevision), policy, final);
    judgeSignedContent(context);
    changes.push(...context.changes);
    paintings = context.paintings;
  }
  const ordered = [
    ...changes.filter((change) => change.verdict === "refused"),
    ...changes.filter((change) => change.verdict === "allowed"),
  ];
  let modification: ModificationLevel = "none";
  for (const change of ordered) {
    const level = change.verdict === "refused" ? "other" : LEVEL_OF_CLASS[change.class];
    if (RANK[level] > RANK[modification]) {
      modification = level;
    }
  }
  return { modification, changes: ordered, paintings, policy: policy.name };
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
