import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ERROR_CODES, ExchangeError } from "../../../shared/errors/index.ts";
import { apiHandler, hashApiKey, toProblem } from "../../../shared/http/index.ts";

const verification = {
  verdict: "TOTAL_FAILED",
  summary: { vi: "Văn bản chưa được ký số.", en: "The letter is not signed." },
  policy: "require-total-passed",
  decision: "refused",
};
const report = "/v1/letters/L1/verification";

function refusal(problem: unknown): ExchangeError {
  return new ExchangeError("SIGNATURE_POLICY_FAILED", {
    detail: "letter L1 was not sent",
    meta: { problem },
  });
}

describe("toProblem's extension members (meta.problem, RFC 9457 §3.2)", () => {
  it("adds them to a problem shown to the caller (4xx)", () => {
    const problem = toProblem(refusal({ verification, report }), "req-1");
    expect(problem).toEqual({
      verification,
      report,
      type: "urn:problem:SIGNATURE_POLICY_FAILED",
      code: "SIGNATURE_POLICY_FAILED",
      status: 422,
      title: ERROR_CODES.SIGNATURE_POLICY_FAILED.en,
      detail: "letter L1 was not sent",
      messages: { en: ERROR_CODES.SIGNATURE_POLICY_FAILED.en, vi: ERROR_CODES.SIGNATURE_POLICY_FAILED.vi },
      instance: "req-1",
    });
  });

  it("never adds them to a 5xx", () => {
    for (const code of ["INTERNAL", "SIGNER_FAILED", "TSA_UNAVAILABLE"] as const) {
      const problem = toProblem(
        new ExchangeError(code, { detail: "db at 10.0.0.1", meta: { problem: { verification, report } } }),
        "req-1",
      );
      expect(problem.status, code).toBeGreaterThanOrEqual(500);
      expect(problem, code).not.toHaveProperty("verification");
      expect(problem, code).not.toHaveProperty("report");
      expect(problem, code).not.toHaveProperty("detail");
    }
  });

  it("cannot replace or add a standard member", () => {
    const problem = toProblem(
      refusal({
        type: "https://evil.example/x",
        status: 200,
        code: "OK",
        title: "Sent",
        messages: { en: "Sent", vi: "Đã gửi" },
        instance: "other",
        errors: ["x"],
        report,
      }),
      "req-1",
    );
    expect(problem).toMatchObject({
      type: "urn:problem:SIGNATURE_POLICY_FAILED",
      status: 422,
      code: "SIGNATURE_POLICY_FAILED",
      title: ERROR_CODES.SIGNATURE_POLICY_FAILED.en,
      messages: { en: ERROR_CODES.SIGNATURE_POLICY_FAILED.en, vi: ERROR_CODES.SIGNATURE_POLICY_FAILED.vi },
      instance: "req-1",
      report,
    });
    expect(problem).not.toHaveProperty("errors");
    // Absent standard members stay absent: no detail, no instance without a request id.
    const bare = toProblem(
      new ExchangeError("SIGNATURE_POLICY_FAILED", {
        meta: { problem: { detail: "forged", instance: "x" } },
      }),
    );
    expect(bare).not.toHaveProperty("detail");
    expect(bare).not.toHaveProperty("instance");
  });

  it("keeps meta.errors as the errors member", () => {
    const errors = [{ path: "body.n", message: "Expected number" }];
    const problem = toProblem(
      new ExchangeError("VALIDATION_FAILED", { meta: { errors, problem: { errors: "not these" } } }),
    );
    expect(problem.errors).toEqual(errors);
  });

  it.each([
    ["a string", "verification"],
    ["an array", [verification]],
    ["null", null],
  ])("ignores meta.problem that is %s", (_name, value) => {
    const problem = toProblem(refusal(value), "req-1");
    expect(Object.keys(problem).sort()).toEqual(
      ["code", "detail", "instance", "messages", "status", "title", "type"].sort(),
    );
  });
});

describe("apiHandler with a refusal carrying extension members", () => {
  const KEY = "lt_test_key";
  const findApiKey = async (hash: string) =>
    hash === hashApiKey(KEY) ? { organCode: "000.00.00.H53", role: "integration" as const } : undefined;
  const event = {
    version: "2.0",
    routeKey: "POST /v1/letters/{id}/send",
    rawPath: "/v1/letters/L1/send",
    rawQueryString: "",
    headers: { authorization: `Bearer ${KEY}` },
    pathParameters: { id: "L1" },
    requestContext: {
      accountId: "1",
      apiId: "a",
      domainName: "x",
      domainPrefix: "x",
      http: {
        method: "POST",
        path: "/v1/letters/L1/send",
        protocol: "HTTP/1.1",
        sourceIp: "1.1.1.1",
        userAgent: "t",
      },
      requestId: "req-7",
      routeKey: "POST /v1/letters/{id}/send",
      stage: "$default",
      time: "",
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  } satisfies APIGatewayProxyEventV2;

  let level: string | undefined;
  beforeEach(() => {
    level = process.env["LOG_LEVEL"];
    process.env["LOG_LEVEL"] = "info";
  });
  afterEach(() => {
    if (level === undefined) {
      delete process.env["LOG_LEVEL"];
    } else {
      process.env["LOG_LEVEL"] = level;
    }
    vi.restoreAllMocks();
  });

  it("answers the problem with the members, and logs the request with its code", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => {
      lines.push(line);
    });
    const handler = apiHandler({ findApiKey, action: "send" }, async () => {
      throw refusal({ verification, report });
    });
    const result = await handler(event, {} as Context);
    expect(result.statusCode).toBe(422);
    expect(result.headers?.["content-type"]).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(result.body ?? "{}")).toMatchObject({
      code: "SIGNATURE_POLICY_FAILED",
      status: 422,
      instance: "req-7",
      verification,
      report,
    });
    const access = lines.map((line) => JSON.parse(line)).find((entry) => entry.message === "request");
    expect(access).toMatchObject({
      requestId: "req-7",
      path: "/v1/letters/L1/send",
      status: 422,
      organ: "000.00.00.H53",
      code: "SIGNATURE_POLICY_FAILED",
    });
  });
});
