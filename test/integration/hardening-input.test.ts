import { sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, createServer as createTcpServer, type Server, type Socket } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LienthongClient } from "../../local/api-client.ts";
import type { Tsa } from "../../shared/cms/ports.ts";
import type { RuntimeConfig } from "../../shared/config.ts";
import { ExchangeError } from "../../shared/errors/index.ts";
import { LetterSigning } from "../../shared/exchange/letter-signing.ts";
import { apiHandler, RETRY_AFTER_SECONDS } from "../../shared/http/index.ts";
import { loadPkcs12 } from "../../shared/pki/index.ts";
import {
  createDynamoClient,
  createS3Client,
  DynamoLedger,
  S3DocumentStore,
} from "../../shared/storage/index.ts";
import {
  demoPki,
  draftLetter,
  letterMetadata,
  organClients,
  organCodes,
  personEntry,
  samplePdf,
  sha256,
  testLedger,
} from "../support/exchange.ts";
import { startTestTsa, type TestTsa } from "../support/tsa.ts";

/**
 * Issue 9, items 6, 7, 10 and 11 (HTTP wrapper), against the running local exchange and the
 * production adapters: text that breaks readers, dependency outages, two-phase signing attempts,
 * and the wrapper's headers and query parameters.
 */

process.env["LOG_LEVEL"] ??= "silent";

let sender: LienthongClient;
let codes: string[];

beforeAll(() => {
  [sender] = organClients() as [LienthongClient];
  codes = organCodes();
});

/** A raw request to the local API, with its headers. */
async function raw(
  method: string,
  path: string,
  options: { body?: string; key?: string | undefined } = {},
): Promise<{
  status: number;
  headers: Headers;
  body: { code?: string; detail?: string } & Record<string, unknown>;
}> {
  const key = "key" in options ? options.key : sender.apiKey;
  const response = await fetch(`${inject("apiUrl")}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

async function letterBody(overrides: Record<string, unknown>, fileName = "cong-van.pdf"): Promise<string> {
  const pdf = await samplePdf();
  return JSON.stringify({
    ...letterMetadata([codes[1]!]),
    file: { name: fileName, contentType: "application/pdf", size: pdf.length, sha256: sha256(pdf) },
    ...overrides,
  });
}

describe("6. text fields that break readers", () => {
  it("refuses a lone surrogate in a subject (it broke the recipient's jq)", async () => {
    const body = await letterBody({ subject: "V/v \ud800 kiểm thử" });
    expect(body).toContain("\\ud800"); // JSON.stringify escapes it: valid JSON, invalid Unicode
    const response = await raw("POST", "/v1/letters", { body });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe("VALIDATION_FAILED");
    expect(response.body.detail).toBe(
      "body.subject: contains U+D800, a lone surrogate (not valid Unicode), at position 5",
    );
  });

  it.each([
    ["NUL", "cong\u0000van.pdf"],
    ["a terminal escape", "\u001b[2J\u001b]0;pwned\u0007.pdf"],
    ["a right-to-left override", "hoa-don\u202Efdp.exe"],
    ["a C1 control", "cong\u009bvan.pdf"],
  ])("refuses %s in a file name", async (_name, fileName) => {
    const response = await raw("POST", "/v1/letters", { body: await letterBody({}, fileName) });
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/^body\.file\.name: contains U\+/);
  });

  it("counts 300 decomposed 'ệ' as 300 characters and stores them composed (NFC)", async () => {
    const decomposed = "e\u0323\u0302".repeat(300);
    const created = await raw("POST", "/v1/letters", { body: await letterBody({ subject: decomposed }) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = (created.body["letter"] as { id: string }).id;
    const letter = await sender.call<{ subject: string }>("GET", `/v1/letters/${id}`);
    expect(letter.subject).toBe("ệ".repeat(300));
  });

  it("refuses dates that are not on the calendar", async () => {
    for (const dueDate of ["2026-13-45", "2026-02-30"]) {
      const response = await raw("POST", "/v1/letters", { body: await letterBody({ dueDate }) });
      expect(response.status, dueDate).toBe(400);
      expect(response.body.detail).toContain("body.dueDate");
    }
    const leap = await raw("POST", "/v1/letters", { body: await letterBody({ dueDate: "2028-02-29" }) });
    expect(leap.status).toBe(201);
  });
});

describe("11. the HTTP wrapper's answers", () => {
  it("answers a 401 with WWW-Authenticate", async () => {
    for (const key of [undefined, "lt_not_a_key"]) {
      const response = await raw("GET", "/v1/inbox", { key });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="lienthong"');
    }
  });

  it("takes limit only as decimal digits", async () => {
    const hex = await raw("GET", "/v1/inbox?limit=0x10");
    expect(hex.status).toBe(400);
    expect(hex.body.detail).toBe("query.limit: expected a whole number from 1 to 100 in decimal digits");
    expect((await raw("GET", "/v1/inbox?limit=16")).status).toBe(200);
  });

  it("refuses a repeated parameter by name, with no 'NaN'", async () => {
    const response = await raw("GET", "/v1/inbox?limit=1&limit=2");
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe('query parameter "limit" is given more than once; give it once');
  });

  it("says why a cursor is refused", async () => {
    const response = await raw("GET", "/v1/inbox?cursor=bm90LWEtY3Vyc29y");
    expect(response.status).toBe(400);
    expect(response.body.code).toBe("INVALID_CURSOR");
    expect(response.body.detail).toMatch(/^the cursor cannot be used: .+/);
  });

  it("refuses control characters in a query string", async () => {
    const response = await raw("GET", "/v1/inbox?cursor=%1B%5B2J");
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain("U+001B");
  });
});

// --- 7. Dependency failures -------------------------------------------------------------------

const context = {} as Context;

function config(endpoints: { dynamodb?: string; s3?: string }): RuntimeConfig {
  return {
    region: "ap-southeast-1",
    tableName: "lienthong",
    bucketName: "lienthong-letters",
    dynamodbEndpoint: endpoints.dynamodb ?? inject("dynamodbEndpoint"),
    s3Endpoint: endpoints.s3 ?? inject("s3Endpoint"),
    presignTtlSeconds: 60,
    maxFileBytes: 1024,
    revocation: "off",
  };
}

/** GET /v1/letters/{id} as the function serves it, over a ledger and store at the given endpoints. */
function letterRoute(endpoints: { dynamodb?: string; s3?: string }) {
  const cfg = config(endpoints);
  const dynamo = createDynamoClient(cfg);
  const s3 = createS3Client(cfg);
  afterAll(() => {
    dynamo.destroy();
    s3.destroy();
  });
  const ledger = new DynamoLedger(dynamo, cfg.tableName);
  const documents = new S3DocumentStore({ client: s3, bucket: cfg.bucketName, ttlSeconds: 60 });
  return apiHandler(
    { findApiKey: (hash) => ledger.findApiKey(hash), action: "read" },
    async ({ pathParameters }) => ({
      status: 200,
      body: {
        letter: (await ledger.getLetter(pathParameters["id"] ?? "")) ?? null,
        file: (await documents.read(`incoming/${pathParameters["id"]}/missing`))?.length ?? null,
      },
    }),
  );
}

function event(apiKey: string): APIGatewayProxyEventV2 {
  const id = "00000000-0000-4000-8000-000000000000";
  return {
    version: "2.0",
    routeKey: "GET /v1/letters/{id}",
    rawPath: `/v1/letters/${id}`,
    rawQueryString: "",
    headers: { authorization: `Bearer ${apiKey}` },
    pathParameters: { id },
    requestContext: {
      accountId: "0",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: {
        method: "GET",
        path: `/v1/letters/${id}`,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "t",
      },
      requestId: "hardening",
      routeKey: "GET /v1/letters/{id}",
      stage: "$default",
      time: "",
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  };
}

function expectDependencyUnavailable(result: APIGatewayProxyStructuredResultV2): void {
  expect(result.statusCode, result.body).toBe(503);
  expect(result.headers?.["retry-after"]).toBe(String(RETRY_AFTER_SECONDS));
  expect(JSON.parse(result.body ?? "{}")).toMatchObject({ code: "DEPENDENCY_UNAVAILABLE", status: 503 });
  expect(result.body).not.toMatch(/ECONN|127\.0\.0\.1|Exception/);
}

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A loopback HTTP server giving every request the same answer; counts the requests. */
async function fixedAnswer(
  status: number,
  contentType: string,
  body: string,
): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    hits += 1;
    req.resume();
    req.on("end", () => res.writeHead(status, { "content-type": contentType }).end(body));
  });
  const port = await listen(server);
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${port}`, hits: () => hits };
}

/** A TCP relay to DynamoDB Local that can be cut, as when the emulator dies mid-test. */
async function relayTo(target: string): Promise<{ url: string; cut: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const local = await listen(server);
  const cut = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) {
        socket.destroy();
      }
    });
  afterAll(cut);
  return { url: `http://127.0.0.1:${local}`, cut };
}

describe("7. dependency failures answer 503 with Retry-After", () => {
  const apiKey = () => {
    const key = inject("demoKeys").find((k) => k.role === "integration");
    if (!key) {
      throw new Error("no integration key");
    }
    return key.apiKey;
  };

  it("when the ledger points at a closed loopback port", async () => {
    const route = letterRoute({ dynamodb: `http://127.0.0.1:${await closedPort()}` });
    expectDependencyUnavailable(await route(event(apiKey()), context));
  });

  it("when DynamoDB Local goes away between two requests", async () => {
    const relay = await relayTo(inject("dynamodbEndpoint"));
    const route = letterRoute({ dynamodb: relay.url });
    const before = await route(event(apiKey()), context);
    expect(before.statusCode, before.body).toBe(200);
    expect(JSON.parse(before.body ?? "{}")).toEqual({ letter: null, file: null });
    await relay.cut();
    expectDependencyUnavailable(await route(event(apiKey()), context));
  });

  it.each([
    [400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"],
    [400, "com.amazonaws.dynamodb.v20120810#ThrottlingException"],
    [500, "com.amazonaws.dynamodb.v20120810#InternalServerError"],
  ])("when DynamoDB answers %i %s, after at most 3 attempts", async (status, type) => {
    const dynamo = await fixedAnswer(
      status,
      "application/x-amz-json-1.0",
      JSON.stringify({ __type: type, message: "simulated" }),
    );
    const route = letterRoute({ dynamodb: dynamo.url });
    expectDependencyUnavailable(await route(event(apiKey()), context));
    expect(dynamo.hits()).toBeGreaterThanOrEqual(1);
    expect(dynamo.hits()).toBeLessThanOrEqual(3);
  });

  it("when S3 answers 503 SlowDown", async () => {
    const s3 = await fixedAnswer(
      503,
      "application/xml",
      "<?xml version='1.0'?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
    );
    const route = letterRoute({ s3: s3.url });
    expectDependencyUnavailable(await route(event(apiKey()), context));
    expect(s3.hits()).toBeLessThanOrEqual(3);
  });

  it("when S3 is unreachable", async () => {
    const route = letterRoute({ s3: `http://127.0.0.1:${await closedPort()}` });
    expectDependencyUnavailable(await route(event(apiKey()), context));
  });
});

// --- 10. Two-phase signing --------------------------------------------------------------------

interface Prepared {
  signingId: string;
  hashAlgorithm: string;
  toBeSigned: string;
}

/** The organ's competent signer as a USB token holds it: certificates (PEM) and a signing function. */
function token(organCode: string): { certificates: string; sign: (prepared: Prepared) => string } {
  const { manifest, path } = demoPki();
  const entry = personEntry(manifest, organCode);
  const key = loadPkcs12(readFileSync(path(entry.p12)), manifest.password).privateKey;
  return {
    certificates: readFileSync(path(entry.certificate), "utf8") + readFileSync(path(manifest.chain), "utf8"),
    sign: (prepared) =>
      sign(prepared.hashAlgorithm, Buffer.from(prepared.toBeSigned, "base64"), key).toString("base64"),
  };
}

describe("10. two-phase signing sessions", () => {
  const prepare = async (letterId: string, certificates: string) =>
    sender.call<Prepared>("POST", "/v1/sign/prepare", { letterId, certificates });
  const complete = (signingId: string, signatureValue: string) =>
    sender.request<{ code?: string; detail?: string }>("POST", "/v1/sign/complete", {
      signingId,
      signatureValue,
    });

  it("gives two prepares of one draft in the same moment different signing ids", async () => {
    const id = await draftLetter(sender, await samplePdf(), [codes[1]!]);
    const { certificates } = token(codes[0]!);
    const [a, b] = await Promise.all([prepare(id, certificates), prepare(id, certificates)]);
    expect(a.signingId).toMatch(/^[0-9a-f]{64}$/);
    expect(b.signingId).toMatch(/^[0-9a-f]{64}$/);
    expect(a.signingId).not.toBe(b.signingId);
  });

  it("survives a wrong signature value: the right one then completes", async () => {
    const id = await draftLetter(sender, await samplePdf(), [codes[1]!]);
    const mine = token(codes[0]!);
    const prepared = await prepare(id, mine.certificates);
    const wrong = await complete(prepared.signingId, token(codes[2]!).sign(prepared));
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe("SIGNATURE_VALUE_INVALID");
    expect(wrong.body.detail).toContain("2 more attempts");
    const right = await complete(prepared.signingId, mine.sign(prepared));
    expect(right.status, JSON.stringify(right.body)).toBe(200);
    const again = await complete(prepared.signingId, mine.sign(prepared));
    expect(again.body.code).toBe("SIGNING_SESSION_NOT_FOUND");
  });

  it("is spent after three wrong values, with a code that says so", async () => {
    const id = await draftLetter(sender, await samplePdf(), [codes[1]!]);
    const mine = token(codes[0]!);
    const prepared = await prepare(id, mine.certificates);
    const other = token(codes[2]!).sign(prepared);
    expect((await complete(prepared.signingId, other)).body.code).toBe("SIGNATURE_VALUE_INVALID");
    expect((await complete(prepared.signingId, other)).body.code).toBe("SIGNATURE_VALUE_INVALID");
    const third = await complete(prepared.signingId, other);
    expect(third.status).toBe(409);
    expect(third.body.code).toBe("SIGNING_SESSION_SPENT");
    const right = await complete(prepared.signingId, mine.sign(prepared));
    expect(right.body.code).toBe("SIGNING_SESSION_SPENT");
    expect(right.body.detail).toContain("/v1/sign/prepare again");
  });
});

describe("10. a dependency failure while completing gives the session back", () => {
  let tsa: TestTsa;
  let tsaUp = false;
  const s3 = createS3Client(config({}));
  const signing = new LetterSigning({
    ledger: testLedger(),
    documents: new S3DocumentStore({ client: s3, bucket: "lienthong-letters", ttlSeconds: 60 }),
    tsa: {
      timestamp: (imprint, algorithm) =>
        tsaUp
          ? tsa.client.timestamp(imprint, algorithm)
          : Promise.reject(new ExchangeError("TSA_UNAVAILABLE", { detail: "simulated outage" })),
    } satisfies Tsa,
  });
  beforeAll(async () => {
    tsa = await startTestTsa();
  });
  afterAll(async () => {
    s3.destroy();
    await tsa.close();
  });

  it("completes with the same value once the TSA is back", async () => {
    const [organ] = codes as [string];
    const letterId = await draftLetter(sender, await samplePdf(), [codes[1]!]);
    const caller = { organCode: organ, role: "integration" as const };
    const mine = token(organ);
    const prepared = await signing.prepare(caller, {
      letterId,
      certificates: mine.certificates,
      timestamp: true,
      appearance: { kind: "none" },
    });
    const input = { signingId: prepared.signingId, signatureValue: mine.sign(prepared) };
    await expect(signing.complete(caller, input)).rejects.toMatchObject({ code: "TSA_UNAVAILABLE" });
    tsaUp = true;
    const signed = await signing.complete(caller, input);
    expect(signed.letterId).toBe(letterId);
    await expect(signing.complete(caller, input)).rejects.toMatchObject({
      code: "SIGNING_SESSION_NOT_FOUND",
    });
  });
});
