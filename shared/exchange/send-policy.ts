import type { Indication } from "../verification/report.ts";

/**
 * The send policy: which verification verdicts `POST /v1/letters/{id}/send` delivers. A letter
 * whose verdict the policy in force does not list is refused (SIGNATURE_POLICY_FAILED): nothing
 * is delivered and the draft is kept. Pure data and two functions; the exchange applies it, a
 * deployment chooses it with {@link SEND_POLICY_VARIABLE}.
 *
 * - `require-total-passed` (default): only letters whose every signature passed.
 * - `allow-indeterminate`: also letters whose verdict is INDETERMINATE (e.g. revocation could
 *   not be checked, or a signer not bound to the sending organ); never TOTAL_FAILED.
 * - `record-only`: every letter is delivered and its verdict only recorded (the behaviour before
 *   the policy existed); the recipient's clerk must read the verdict.
 */
export const SEND_POLICIES = {
  "require-total-passed": ["TOTAL_PASSED"],
  "allow-indeterminate": ["TOTAL_PASSED", "INDETERMINATE"],
  "record-only": ["TOTAL_PASSED", "INDETERMINATE", "TOTAL_FAILED"],
} as const satisfies Record<string, readonly Indication[]>;

export type SendPolicy = keyof typeof SEND_POLICIES;

export const SEND_POLICY_NAMES = Object.keys(SEND_POLICIES) as readonly SendPolicy[];

export const DEFAULT_SEND_POLICY: SendPolicy = "require-total-passed";

const EVERY_VERDICT: readonly Indication[] = ["TOTAL_PASSED", "INDETERMINATE", "TOTAL_FAILED"];

/** The environment variable a deployment sets the policy with. */
export const SEND_POLICY_VARIABLE = "LIENTHONG_SEND_POLICY";

/**
 * Whether the policy delivers a letter with this verdict. `undefined` means the letter was not
 * verified at all (an exchange without a verifier): only a policy that delivers every verdict
 * (`record-only`) delivers it.
 *
 * @example
 * sendPolicyAccepts("allow-indeterminate", "INDETERMINATE"); // true
 * sendPolicyAccepts("require-total-passed", "INDETERMINATE"); // false
 */
export function sendPolicyAccepts(policy: SendPolicy, verdict: Indication | undefined): boolean {
  const accepted: readonly Indication[] = SEND_POLICIES[policy];
  if (verdict === undefined) {
    return EVERY_VERDICT.every((each) => accepted.includes(each));
  }
  return accepted.includes(verdict);
}

/**
 * Reads the policy a deployment set. Unset (or empty) is the default; anything else must be one
 * of the names exactly: an unknown value is a configuration error, never a silent default.
 *
 * @example
 * parseSendPolicy(process.env[SEND_POLICY_VARIABLE]); // "require-total-passed" when unset
 * parseSendPolicy("record-onyl"); // throws
 */
export function parseSendPolicy(value: string | undefined): SendPolicy {
  if (value === undefined || value === "") {
    return DEFAULT_SEND_POLICY;
  }
  if (!isSendPolicy(value)) {
    throw new Error(`${SEND_POLICY_VARIABLE} must be one of ${SEND_POLICY_NAMES.join(", ")}, got '${value}'`);
  }
  return value;
}

export function isSendPolicy(value: unknown): value is SendPolicy {
  return typeof value === "string" && Object.hasOwn(SEND_POLICIES, value);
}

/**
 * The send policy as a deployment setting an admin reads and changes (`PUT /v1/admin/send-policy`):
 * the verdicts `send` delivers, plus which signatures a letter must carry. Stored in the table;
 * where no setting exists, {@link SEND_POLICY_VARIABLE} or the default applies, with no signature
 * requirement beyond the verdict (so a deployment behaves as before until an admin sets one).
 * {@link RECOMMENDED_SEND_POLICY} is what `npm run admin:bootstrap` writes on a fresh deployment.
 */
export interface SendPolicySetting {
  readonly verdicts: SendPolicy;
  /** At least one signature of a person (a competent signer's certificate), TOTAL_PASSED. */
  readonly requirePersonSignature: boolean;
  /**
   * The last signature is the organisation's (its seal certificate), bound to the sending organ,
   * TOTAL_PASSED, and covers the whole file (nothing added after it).
   */
  readonly requireFinalOrganSignature: boolean;
}

/** The production default: every signature passed, a person's signature and the organ's seal last. */
export const RECOMMENDED_SEND_POLICY: SendPolicySetting = {
  verdicts: "require-total-passed",
  requirePersonSignature: true,
  requireFinalOrganSignature: true,
};

/** The setting in force without a stored one: the environment's verdicts, no signature requirement. */
export function environmentSetting(verdicts: SendPolicy): SendPolicySetting {
  return { verdicts, requirePersonSignature: false, requireFinalOrganSignature: false };
}

/** What {@link unmetRequirements} reads of each signature of a verification report. */
export interface SignatureFacts {
  readonly kind: string;
  readonly indication: Indication;
  readonly coverage?: string;
  readonly signer?: {
    readonly name?: string;
    readonly title?: string;
    readonly organization?: string;
    readonly organCode?: string;
  };
}

export type SignatureRequirement = "person-signature" | "final-organ-signature";

/**
 * The requirements of `setting` a file's signatures do not meet. An organisation's certificate
 * names the organ itself (common name = organisation, no title: Decree 130/2018 organisation
 * certificates); any other signer is a person.
 *
 * @example
 * unmetRequirements(RECOMMENDED_SEND_POLICY, report.signatures, "000.00.11.H53"); // ["final-organ-signature"]
 */
export function unmetRequirements(
  setting: SendPolicySetting,
  signatures: readonly SignatureFacts[],
  sender: string,
): SignatureRequirement[] {
  const signed = signatures.filter((signature) => signature.kind !== "document-timestamp");
  const unmet: SignatureRequirement[] = [];
  if (
    setting.requirePersonSignature &&
    !signed.some((signature) => signature.indication === "TOTAL_PASSED" && !isOrganisation(signature))
  ) {
    unmet.push("person-signature");
  }
  const last = signed[signed.length - 1];
  if (
    setting.requireFinalOrganSignature &&
    !(
      last &&
      isOrganisation(last) &&
      last.indication === "TOTAL_PASSED" &&
      last.signer?.organCode === sender &&
      last.coverage === "whole-file"
    )
  ) {
    unmet.push("final-organ-signature");
  }
  return unmet;
}

function isOrganisation(signature: SignatureFacts): boolean {
  const signer = signature.signer;
  return (
    signer !== undefined &&
    signer.title === undefined &&
    (signer.name === undefined || signer.name === signer.organization)
  );
}
