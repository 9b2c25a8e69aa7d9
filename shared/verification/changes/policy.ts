/**
 * Change policies: which rules of `rules.ts` are in force. One screen, on purpose.
 *
 * - `letter` (the default): what a letter may gain after a signature without changing what the
 *   clerk sees outside new signatures' widgets — further signatures (new fields, or pre-placed empty
 *   ones), document timestamps with invisible widgets, validation data, document information and
 *   XMP metadata, version bookkeeping, and the form resources signers add.
 * - `form-filling`: `letter` plus filling fields that were empty at signing (DocMDP /P 2). Filled
 *   fields change what is shown, so this is for forms, not letters; a deployment must ask for it.
 * - `docmdp-no-changes`: a certification signature with DocMDP /P 1 (ISO 32000-1 §12.8.2.2.2):
 *   only validation data and document timestamps (ETSI EN 319 142-1 §5.4), nothing else.
 */
export interface ChangePolicy {
  readonly name: string;
  readonly rules: readonly string[];
  /** What new signature fields may carry: any signature, or document timestamps only. */
  readonly newSignatures: "any" | "document-timestamps";
}

const VALIDATION = ["validation.catalog-dss", "validation.dss-update"];
const NEW_FIELDS = [
  "signature.catalog-acroform",
  "signature.acroform-fields",
  "signature.acroform-sigflags",
  "signature.page-annots",
];

export const LETTER_POLICY: ChangePolicy = {
  name: "letter",
  rules: [
    ...VALIDATION,
    ...NEW_FIELDS,
    "signature.fill-empty-signature-field",
    "signature.acroform-resources",
    "signature.form-resources-added",
    "signature.acroform-default-appearance",
    "metadata.info",
    "metadata.xmp",
    "bookkeeping.catalog-version",
  ],
  newSignatures: "any",
};

export const FORM_FILLING_POLICY: ChangePolicy = {
  name: "form-filling",
  rules: [...LETTER_POLICY.rules, "form.fill-empty-field"],
  newSignatures: "any",
};

export const DOCMDP_NO_CHANGES_POLICY: ChangePolicy = {
  name: "docmdp-no-changes",
  rules: [...VALIDATION, ...NEW_FIELDS],
  newSignatures: "document-timestamps",
};

export const CHANGE_POLICIES = {
  letter: LETTER_POLICY,
  "form-filling": FORM_FILLING_POLICY,
} as const;

export type ChangePolicyName = keyof typeof CHANGE_POLICIES;

/** The policy for a signature: a DocMDP /P 1 certification narrows any policy to no changes. */
export function policyFor(name: ChangePolicyName, docMdp: 1 | 2 | 3 | undefined): ChangePolicy {
  return docMdp === 1 ? DOCMDP_NO_CHANGES_POLICY : CHANGE_POLICIES[name];
}
