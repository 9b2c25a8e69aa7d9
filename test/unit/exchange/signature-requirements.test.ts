import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  environmentSetting,
  RECOMMENDED_SEND_POLICY,
  type SignatureFacts,
  unmetRequirements,
} from "../../../shared/exchange/send-policy.ts";

const SENDER = "000.00.11.H53";
const person = (indication: SignatureFacts["indication"] = "TOTAL_PASSED"): SignatureFacts => ({
  kind: "pdf-signature",
  indication,
  coverage: "revision",
  signer: {
    name: "Trần Thị Bích Ngọc",
    title: "Phó Giám đốc",
    organization: "Sở Tài chính",
    organCode: SENDER,
  },
});
const seal = (overrides: Partial<SignatureFacts> = {}, organCode = SENDER): SignatureFacts => ({
  kind: "pdf-signature",
  indication: "TOTAL_PASSED",
  coverage: "whole-file",
  signer: { name: "Sở Tài chính", organization: "Sở Tài chính", organCode },
  ...overrides,
});
const timestamp: SignatureFacts = {
  kind: "document-timestamp",
  indication: "TOTAL_PASSED",
  coverage: "whole-file",
};

describe("the send policy's signature requirements", () => {
  it("the recommended policy wants a passed person's signature and the sender's seal last over the whole file", () => {
    expect(unmetRequirements(RECOMMENDED_SEND_POLICY, [person(), seal()], SENDER)).toEqual([]);
    // A document timestamp after the seal is not a signature: the seal is still the last one.
    expect(unmetRequirements(RECOMMENDED_SEND_POLICY, [person(), seal(), timestamp], SENDER)).toEqual([]);
    expect(unmetRequirements(RECOMMENDED_SEND_POLICY, [seal(), person()], SENDER)).toEqual([
      "final-organ-signature",
    ]);
    expect(unmetRequirements(RECOMMENDED_SEND_POLICY, [person("INDETERMINATE"), seal()], SENDER)).toEqual([
      "person-signature",
    ]);
    expect(
      unmetRequirements(RECOMMENDED_SEND_POLICY, [person(), seal({ coverage: "revision" })], SENDER),
    ).toEqual(["final-organ-signature"]);
    expect(unmetRequirements(RECOMMENDED_SEND_POLICY, [person(), seal({}, "000.00.12.H53")], SENDER)).toEqual(
      ["final-organ-signature"],
    );
    expect(unmetRequirements(RECOMMENDED_SEND_POLICY, [], SENDER)).toEqual([
      "person-signature",
      "final-organ-signature",
    ]);
  });

  it("without requirements (the environment's policy) nothing is ever unmet", () => {
    const kinds = fc.constantFrom("pdf-signature", "document-timestamp", "detached");
    const facts = fc.record({
      kind: kinds,
      indication: fc.constantFrom("TOTAL_PASSED", "INDETERMINATE", "TOTAL_FAILED" as const),
      coverage: fc.constantFrom("whole-file", "revision", "unclear"),
    });
    fc.assert(
      fc.property(fc.array(facts, { maxLength: 5 }), (signatures) => {
        expect(unmetRequirements(environmentSetting("require-total-passed"), signatures, SENDER)).toEqual([]);
      }),
    );
  });
});
