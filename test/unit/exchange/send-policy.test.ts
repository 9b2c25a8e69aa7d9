import { describe, expect, it } from "vitest";
import {
  DEFAULT_SEND_POLICY,
  parseSendPolicy,
  SEND_POLICIES,
  SEND_POLICY_NAMES,
  type SendPolicy,
  sendPolicyAccepts,
} from "../../../shared/exchange/send-policy.ts";
import type { Indication } from "../../../shared/verification/report.ts";

const VERDICTS: readonly Indication[] = ["TOTAL_PASSED", "INDETERMINATE", "TOTAL_FAILED"];

/** What each policy must deliver, written out independently of the module's table. */
const EXPECTED: Readonly<Record<SendPolicy, Readonly<Record<Indication | "unverified", boolean>>>> = {
  "require-total-passed": {
    TOTAL_PASSED: true,
    INDETERMINATE: false,
    TOTAL_FAILED: false,
    unverified: false,
  },
  "allow-indeterminate": { TOTAL_PASSED: true, INDETERMINATE: true, TOTAL_FAILED: false, unverified: false },
  "record-only": { TOTAL_PASSED: true, INDETERMINATE: true, TOTAL_FAILED: true, unverified: true },
};

describe("the send policy", () => {
  it("has exactly the three documented policies, and require-total-passed by default", () => {
    expect([...SEND_POLICY_NAMES].sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(DEFAULT_SEND_POLICY).toBe("require-total-passed");
  });

  for (const policy of Object.keys(EXPECTED) as SendPolicy[]) {
    it(`${policy}: delivers exactly the verdicts it lists`, () => {
      for (const verdict of VERDICTS) {
        expect(sendPolicyAccepts(policy, verdict), `${policy} / ${verdict}`).toBe(EXPECTED[policy][verdict]);
        expect(SEND_POLICIES[policy].includes(verdict as never)).toBe(EXPECTED[policy][verdict]);
      }
      expect(sendPolicyAccepts(policy, undefined), `${policy} / unverified`).toBe(
        EXPECTED[policy].unverified,
      );
    });

    it(`${policy}: is read from the setting as it is spelled`, () => {
      expect(parseSendPolicy(policy)).toBe(policy);
    });
  }

  it("falls back to the default only when the setting is absent or empty", () => {
    expect(parseSendPolicy(undefined)).toBe("require-total-passed");
    expect(parseSendPolicy("")).toBe("require-total-passed");
  });

  it("treats any other value as a configuration error, naming the setting and the choices", () => {
    for (const value of [
      "record-onyl",
      "REQUIRE-TOTAL-PASSED",
      " require-total-passed",
      "allow_indeterminate",
      "off",
      "true",
      "toString",
      "__proto__",
    ]) {
      expect(() => parseSendPolicy(value), value).toThrowError(
        /LIENTHONG_SEND_POLICY must be one of require-total-passed, allow-indeterminate, record-only/,
      );
    }
  });
});
