import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ExchangeError } from "../../../shared/errors/index.ts";
import { listQuerySchema } from "../../../shared/exchange/letter-schema.ts";
import {
  apiHandler,
  hashApiKey,
  isDependencyFailure,
  RETRY_AFTER_SECONDS,
} from "../../../shared/http/index.ts";

process.env["LOG_LEVEL"] = "silent";

const KEY = "lt_test_key";
const findApiKey = async (hash: string) =>
  hash === hashApiKey(KEY) ? { organCode: "000.00.11.H53", role: "clerk" as const } : undefined;

function event(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: "GET /v1/things/{id}",
    rawPath: "/v1/things/1",
    rawQueryString: "",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    requestContext: {
      accountId: "1",
      apiId: "a",
      domainName: "x",
      domainPrefix: "x",
      http: {
        method: "GET",
        path: "/v1/things/1",
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "t",
      },
      requestId: "req-1",
      routeKey: "GET /v1/things/{id}",
      stage: "$default",
      time: "",
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...overrides,
  };
}

const context = {} as Context;
const problem = (body: string | undefined) =>
  JSON.parse(body ?? "{}") as { code?: string; detail?: string; status?: number };

const list = apiHandler({ findApiKey, action: "read", query: listQuerySchema }, async ({ query }) => ({
  status: 200,
  body: query,
}));

/** The event API Gateway (and local/api-server.ts) makes of a query string: repeats joined by commas. */
function withQuery(raw: string): Partial<APIGatewayProxyEventV2> {
  const joined: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    joined[name] = name in joined ? `${joined[name]},${value}` : value;
  }
  return { rawQueryString: raw, queryStringParameters: joined };
}

describe("query strings", () => {
  it("takes a strict decimal limit", async () => {
    const ok = await list(event(withQuery("limit=7")), context);
    expect(JSON.parse(ok.body ?? "")).toEqual({ limit: 7 });
    const hex = await list(event(withQuery("limit=0x10")), context);
    expect(hex.statusCode).toBe(400);
    expect(problem(hex.body).detail).toContain("query.limit");
  });

  it("refuses a repeated parameter with a 400 that names it (no 'NaN')", async () => {
    const result = await list(event(withQuery("limit=1&limit=2")), context);
    expect(result.statusCode).toBe(400);
    const body = problem(result.body);
    expect(body.code).toBe("VALIDATION_FAILED");
    expect(body.detail).toBe('query parameter "limit" is given more than once; give it once');
    expect(result.body).not.toContain("NaN");
  });

  it("refuses percent-encoded bytes that are not UTF-8, and controls, in a query value", async () => {
    const bytes = await list(event(withQuery("cursor=%FF%FE")), context);
    expect(bytes.statusCode).toBe(400);
    expect(problem(bytes.body).detail).toBe('query parameter "cursor" is not percent-encoded UTF-8');
    const nul = await list(event(withQuery("cursor=ab%00")), context);
    expect(nul.statusCode).toBe(400);
    expect(problem(nul.body).detail).toContain("U+0000");
  });
});

describe("path parameters and bodies", () => {
  const thing = apiHandler({ findApiKey, action: "read" }, async ({ pathParameters }) => ({
    status: 200,
    body: { id: pathParameters["id"] },
  }));

  it("holds path parameters to the text rule", async () => {
    const result = await thing(event({ pathParameters: { id: "abc\u202Egpj" } }), context);
    expect(result.statusCode).toBe(400);
    expect(problem(result.body).detail).toBe(
      "path.id: contains U+202E, a bidirectional control, at position 4",
    );
    expect((await thing(event({ pathParameters: { id: "abc" } }), context)).statusCode).toBe(200);
  });

  it("refuses a base64 body that is not UTF-8 instead of reading U+FFFD into it", async () => {
    const echo = apiHandler(
      { findApiKey, action: "read", body: z.object({ s: z.string() }) },
      async ({ body }) => ({ status: 200, body }),
    );
    const bytes = Buffer.concat([Buffer.from('{"s":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const result = await echo(event({ body: bytes.toString("base64"), isBase64Encoded: true }), context);
    expect(result.statusCode).toBe(400);
    expect(problem(result.body)).toMatchObject({
      code: "MALFORMED_JSON",
      detail: "the body is not valid UTF-8",
    });
  });
});

describe("401 and 503 headers", () => {
  it("answers a 401 with WWW-Authenticate: Bearer", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong" }]) {
      const result = await list(event({ headers }), context);
      expect(result.statusCode).toBe(401);
      expect(result.headers?.["www-authenticate"]).toBe('Bearer realm="lienthong"');
    }
  });

  it.each([
    [
      "a refused connection",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    ],
    ["a reset connection", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })],
    ["an SDK timeout", Object.assign(new Error("timed out"), { name: "TimeoutError" })],
    [
      "DynamoDB throttling",
      Object.assign(new Error("rate"), {
        name: "ProvisionedThroughputExceededException",
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      "S3 SlowDown",
      Object.assign(new Error("slow"), { name: "SlowDown", $metadata: { httpStatusCode: 503 } }),
    ],
    [
      "a 500 from the service",
      Object.assign(new Error("x"), { name: "Unknown", $metadata: { httpStatusCode: 500 } }),
    ],
    ["an outage wrapped as INTERNAL", new ExchangeError("INTERNAL", { cause: { code: "ETIMEDOUT" } })],
  ])("answers %s with 503 DEPENDENCY_UNAVAILABLE and Retry-After", async (_name, error) => {
    const failing = apiHandler({ findApiKey, action: "read" }, async () => {
      throw error;
    });
    const result = await failing(event(), context);
    expect(result.statusCode).toBe(503);
    expect(result.headers?.["retry-after"]).toBe(String(RETRY_AFTER_SECONDS));
    expect(problem(result.body)).toMatchObject({ code: "DEPENDENCY_UNAVAILABLE", status: 503 });
    expect(result.body).not.toContain("127.0.0.1");
  });

  it("answers 503 when the key lookup itself fails on the dependency", async () => {
    const down = apiHandler(
      {
        findApiKey: async () => {
          throw Object.assign(new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })]), {
            code: "ECONNREFUSED",
          });
        },
        action: "read",
      },
      async () => ({ status: 200, body: {} }),
    );
    const result = await down(event(), context);
    expect(result.statusCode).toBe(503);
    expect(problem(result.body).code).toBe("DEPENDENCY_UNAVAILABLE");
  });
});

describe("isDependencyFailure", () => {
  it.each([
    ["a caller's mistake", new ExchangeError("LETTER_NOT_FOUND"), false],
    ["a programming error", new TypeError("x is undefined"), false],
    [
      "a conditional check",
      Object.assign(new Error("c"), {
        name: "ConditionalCheckFailedException",
        $metadata: { httpStatusCode: 400 },
      }),
      false,
    ],
    [
      "a 404 from S3",
      Object.assign(new Error("n"), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }),
      false,
    ],
    [
      "a transaction conflict",
      Object.assign(new Error("t"), {
        name: "TransactionCanceledException",
        CancellationReasons: [{ Code: "TransactionConflict" }],
      }),
      false,
    ],
    [
      "a throttled transaction",
      Object.assign(new Error("t"), {
        name: "TransactionCanceledException",
        CancellationReasons: [{ Code: "None" }, { Code: "ThrottlingError" }],
      }),
      true,
    ],
    ["ThrottlingException", Object.assign(new Error("t"), { name: "ThrottlingException" }), true],
    ["an SDK throttling flag", Object.assign(new Error("t"), { $retryable: { throttling: true } }), true],
    [
      "an AggregateError of refused connections",
      new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })]),
      true,
    ],
  ])("%s → %s", (_name, error, expected) => {
    expect(isDependencyFailure(error)).toBe(expected);
  });

  it("stops on a cyclic cause chain", () => {
    const a: { cause?: unknown } = {};
    a.cause = { cause: a };
    expect(isDependencyFailure(a)).toBe(false);
  });
});
