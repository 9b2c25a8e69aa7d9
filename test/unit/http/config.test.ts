import { describe, expect, it } from "vitest";
import { readConfig } from "../../../shared/config.ts";
import { SEND_POLICY_NAMES } from "../../../shared/exchange/send-policy.ts";

const BASE = { TABLE_NAME: "lienthong", BUCKET_NAME: "lienthong-letters" } as const;

describe("readConfig's send policy (LIENTHONG_SEND_POLICY)", () => {
  it("is require-total-passed when unset or empty", () => {
    expect(readConfig({ ...BASE }).sendPolicy).toBe("require-total-passed");
    expect(readConfig({ ...BASE, LIENTHONG_SEND_POLICY: "" }).sendPolicy).toBe("require-total-passed");
  });

  it.each(["require-total-passed", "allow-indeterminate", "record-only"])("reads %s", (policy) => {
    expect(SEND_POLICY_NAMES).toContain(policy);
    expect(readConfig({ ...BASE, LIENTHONG_SEND_POLICY: policy }).sendPolicy).toBe(policy);
  });

  it.each(["record-onyl", "RECORD-ONLY", " record-only", "strict", "toString", "__proto__"])(
    "refuses '%s' as a configuration error, never a silent default",
    (value) => {
      expect(() => readConfig({ ...BASE, LIENTHONG_SEND_POLICY: value })).toThrowError(
        /^LIENTHONG_SEND_POLICY must be one of require-total-passed, allow-indeterminate, record-only, got '/,
      );
    },
  );

  it("is read with the rest of the configuration", () => {
    expect(readConfig({ ...BASE, LIENTHONG_SEND_POLICY: "allow-indeterminate" })).toMatchObject({
      tableName: "lienthong",
      bucketName: "lienthong-letters",
      revocation: "require",
      sendPolicy: "allow-indeterminate",
    });
  });
});
