import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ERROR_CODES, ExchangeError } from "../../../shared/errors/index.ts";
import type { Caller } from "../../../shared/exchange/types.ts";
import { apiHandler, hashApiKey } from "../../../shared/http/index.ts";

process.env["LOG_LEVEL"] = "silent";

const KEY = "lt_test_key";
const findApiKey = async (hash: string) =>
  hash === hashApiKey(KEY) ? { organCode: "000.00.11.H53", role: "clerk" as const } : undefined;

function event(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: "POST /v1/things",
    rawPath: "/v1/things",
    rawQueryString: "",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    requestContext: {
      accountId: "1",
      apiId: "a",
      domainName: "x",
      domainPrefix: "x",
      http: { method: "POST", path: "/v1/things", protocol: "HTTP/1.1", sourceIp: "1.1.1.1", userAgent: "t" },
      requestId: "req-1",
      routeKey: "POST /v1/things",
      stage: "$default",
      time: "",
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...overrides,
  };
}

const context = {} as Context;
const parse = (body: string | undefined) => JSON.parse(body ?? "{}") as Record<string, unknown>;

describe("apiHandler", () => {
  const handler = apiHandler(
    { findApiKey, action: "read", body: z.object({ n: z.number() }).strict() },
    async ({ body, caller }) => ({
      status: 201,
      body: { twice: body.n * 2, organ: caller.organCode },
    }),
  );

  it("passes the validated body and the caller to the logic, and serialises the reply", async () => {
    const result = await handler(event({ body: '{"n": 21}' }), context);
    expect(result).toMatchObject({ statusCode: 201 });
    expect(parse(result.body)).toEqual({ twice: 42, organ: "000.00.11.H53" });
  });

  it("reads base64-encoded bodies as API Gateway sends them", async () => {
    const result = await handler(
      event({ body: Buffer.from('{"n": 1}').toString("base64"), isBase64Encoded: true }),
      context,
    );
    expect(parse(result.body)).toMatchObject({ twice: 2 });
  });

  it.each([
    ["no key", { "content-type": "application/json" }, "UNAUTHENTICATED", 401],
    [
      "unknown key",
      { authorization: "Bearer nope", "content-type": "application/json" },
      "UNAUTHENTICATED",
      401,
    ],
    [
      "wrong media type",
      { authorization: `Bearer ${KEY}`, "content-type": "text/plain" },
      "UNSUPPORTED_MEDIA_TYPE",
      415,
    ],
  ])("maps %s to a problem document", async (_name, headers, code, status) => {
    const result = await handler(event({ headers, body: '{"n": 1}' }), context);
    expect(result.statusCode).toBe(status);
    expect(result.headers?.["content-type"]).toMatch(/^application\/problem\+json/);
    expect(parse(result.body)).toMatchObject({
      code,
      status,
      type: `urn:problem:${code}`,
      instance: "req-1",
    });
  });

  it("names every invalid field", async () => {
    const result = await handler(event({ body: '{"n": "x", "extra": 1}' }), context);
    const problem = parse(result.body) as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe("VALIDATION_FAILED");
    expect(problem.errors.map((e) => e.path).sort()).toEqual(["body", "body.n"]);
  });

  it("never shows internals of an unexpected failure", async () => {
    const failing = apiHandler({ findApiKey, action: "read" }, async () => {
      throw new Error("connect ECONNREFUSED 10.0.0.1:8000 secret-table");
    });
    const result = await failing(event(), context);
    expect(result.statusCode).toBe(500);
    const body = result.body ?? "";
    expect(parse(body)).toMatchObject({
      code: "INTERNAL",
      messages: { en: ERROR_CODES.INTERNAL.en, vi: ERROR_CODES.INTERNAL.vi },
    });
    expect(body).not.toContain("ECONNREFUSED");
    expect(body).not.toContain("secret-table");
  });

  it("shows the detail of the caller's mistakes only", async () => {
    const failing = apiHandler({ findApiKey, action: "read" }, async () => {
      throw new ExchangeError("LETTER_NOT_FOUND", { detail: "letter 42" });
    });
    expect(parse((await failing(event(), context)).body)).toMatchObject({ status: 404, detail: "letter 42" });
  });
});

describe("apiHandler's role check", () => {
  const keyed = (role: unknown) => async (hash: string) =>
    hash === hashApiKey(KEY) ? ({ organCode: "000.00.11.H53", role } as Caller) : undefined;

  it("refuses a key whose role lacks the route's action with 403 ROLE_NOT_ALLOWED, before the logic and the body", async () => {
    let ran = false;
    const send = apiHandler(
      { findApiKey: keyed("clerk"), action: "send", body: z.object({ n: z.number() }) },
      async () => {
        ran = true;
        return { status: 200, body: {} };
      },
    );
    const result = await send(event({ body: '{"n": "not a number"}' }), context);
    expect(result.statusCode).toBe(403);
    expect(parse(result.body)).toMatchObject({
      code: "ROLE_NOT_ALLOWED",
      status: 403,
      detail: "this key's role (clerk) may not send letters; a key of role integration may",
      messages: { en: ERROR_CODES.ROLE_NOT_ALLOWED.en, vi: ERROR_CODES.ROLE_NOT_ALLOWED.vi },
      role: "clerk",
      action: "send",
      allowedRoles: ["integration"],
    });
    expect(ran).toBe(false);
  });

  it("lets a role through to an action the table allows it", async () => {
    const seal = apiHandler({ findApiKey: keyed("clerk"), action: "seal" }, async ({ caller }) => ({
      status: 200,
      body: { role: caller.role },
    }));
    const result = await seal(event(), context);
    expect(result.statusCode).toBe(200);
    expect(parse(result.body)).toEqual({ role: "clerk" });
  });

  it.each([
    ["an unknown role", "auditor"],
    ["no role", undefined],
    ["a role that is not a string", 7],
    ["an inherited property name", "toString"],
  ])("fails closed on a stored key with %s", async (_name, role) => {
    let ran = false;
    const read = apiHandler({ findApiKey: keyed(role), action: "read" }, async () => {
      ran = true;
      return { status: 200, body: {} };
    });
    const result = await read(event(), context);
    expect(result.statusCode).toBe(403);
    expect(parse(result.body)).toMatchObject({
      code: "ROLE_NOT_ALLOWED",
      allowedRoles: ["clerk", "integration"],
    });
    expect(ran).toBe(false);
  });

  it("still answers 401 to a missing key, whatever the action", async () => {
    const administer = apiHandler({ findApiKey: keyed("admin"), action: "administer" }, async () => ({
      status: 200,
      body: {},
    }));
    expect((await administer(event({ headers: {} }), context)).statusCode).toBe(401);
    expect((await administer(event(), context)).statusCode).toBe(200);
  });
});

describe("the error registry", () => {
  it("gives every code an HTTP status and a message in English and Vietnamese", () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(info.status, code).toBeGreaterThanOrEqual(400);
      expect(info.status, code).toBeLessThan(600);
      expect(info.en.length, code).toBeGreaterThan(5);
      expect(info.vi.length, code).toBeGreaterThan(5);
      expect(info.vi, code).not.toBe(info.en);
    }
  });
});
