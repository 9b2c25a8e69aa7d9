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
