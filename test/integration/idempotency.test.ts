import { randomUUID } from "node:crypto";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type CreatedLetter, LienthongClient, type SentLetter, uploadFile } from "../../local/api-client.ts";
import { type ApiServer, startApiServer } from "../../local/api-server.ts";
import type { Role } from "../../shared/exchange/types.ts";
import { REPLAY_HEADER } from "../../shared/http/idempotency.ts";
import { letterMetadata, organCodes, samplePdf, sha256 } from "../support/exchange.ts";
import { installSdkMeter, type SdkMeter, total, writesDone } from "../support/sdk-meter.ts";

/**
 * Idempotency-Key through HTTP, against an API server in this process (the same handler modules as
 * `npm start`, on the test run's DynamoDB Local and S3 server), so that a wrapper on the SDK clients
 * counts every write the handlers make.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
let server: ApiServer;
let meter: SdkMeter;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: "ap-southeast-1",
    AWS_EC2_METADATA_DISABLED: "true",
    TABLE_NAME: "lienthong",
    BUCKET_NAME: "lienthong-letters",
    DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
    S3_ENDPOINT: inject("s3Endpoint"),
    SIGNER_MODE: "pkcs12",
    SIGNING_PKI_DIR: inject("pkiDir"),
    REVOCATION_POLICY: "off",
    LIENTHONG_SEND_POLICY: "record-only",
  });
  server = await startApiServer({ port: 0, host: "127.0.0.1", root });
  meter = installSdkMeter();
});
afterAll(async () => {
  meter?.uninstall();
  await server?.close();
});

function client(index: number): LienthongClient {
  const code = organCodes()[index] ?? "";
  const key = inject("demoKeys").find((k) => k.organCode === code && k.role === "integration");
  return new LienthongClient(server.url, key?.apiKey ?? "");
}

/** Writes that took effect (a conditional put refused by its condition writes nothing). */
const writes = () => writesDone(meter.counts);

async function draft(sender: LienthongClient, to: string[]): Promise<string> {
  const pdf = await samplePdf("idempotency");
  const created = await sender.call<CreatedLetter>("POST", "/v1/letters", {
    ...letterMetadata(to),
    file: { name: "cong-van.pdf", contentType: "application/pdf", size: pdf.length, sha256: sha256(pdf) },
  });
  await uploadFile(created.upload, pdf);
  return created.letter.id;
}

/** A request whose response headers are kept (LienthongClient drops them). */
async function post(sender: LienthongClient, path: string, key: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${sender.apiKey}`,
      "idempotency-key": key,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe("Idempotency-Key", () => {
  it("answers a repeated send with the stored first response, writing nothing", async () => {
    const sender = client(0);
    const id = await draft(sender, organCodes().slice(1, 3));
    const key = randomUUID();
    const first = await post(sender, `/v1/letters/${id}/send`, key);
    expect(first.status).toBe(200);
    expect(first.headers.get(REPLAY_HEADER)).toBeNull();
    expect((first.body as unknown as SentLetter).state).toBe("sent");

    meter.reset();
    const again = await post(sender, `/v1/letters/${id}/send`, key);
    expect(writes()).toBe(0);
    expect(total(meter.counts.s3Calls)).toBe(0);
    expect(again.status).toBe(200);
    expect(again.headers.get(REPLAY_HEADER)).toBe("true");
    expect(again.body).toEqual(first.body);
  });

  it("refuses the same key for another request with 409 IDEMPOTENCY_KEY_REUSED, running nothing", async () => {
    const sender = client(0);
    const key = randomUUID();
    const body = { ...letterMetadata(organCodes().slice(1, 2)), file: fileOf(await samplePdf()) };
    const created = await post(sender, "/v1/letters", key, body);
    expect(created.status).toBe(201);

    meter.reset();
    const other = await post(sender, "/v1/letters", key, { ...body, subject: "Một nội dung khác" });
    expect(other.status).toBe(409);
    expect(other.body["code"]).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(writes()).toBe(0);
    // The refusal left the first request's record alone: it still replays.
    const replay = await post(sender, "/v1/letters", key, body);
    expect(replay.headers.get(REPLAY_HEADER)).toBe("true");
    expect(replay.body).toEqual(created.body);
    // Another letter's send under the key of this create is another request too.
    const id = await draft(sender, organCodes().slice(1, 2));
    const send = await post(sender, `/v1/letters/${id}/send`, key);
    expect(send.body["code"]).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("scopes keys to the calling organ: another organ's same key is another operation", async () => {
    const key = randomUUID();
    const a = await post(client(0), "/v1/letters", key, {
      ...letterMetadata(organCodes().slice(1, 2)),
      file: fileOf(await samplePdf()),
    });
    const b = await post(client(1), "/v1/letters", key, {
      ...letterMetadata(organCodes().slice(2, 3)),
      file: fileOf(await samplePdf()),
    });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get(REPLAY_HEADER)).toBeNull();
    expect((b.body["letter"] as { id: string }).id).not.toBe((a.body["letter"] as { id: string }).id);
  });

  it("answers 409 IDEMPOTENCY_KEY_IN_PROGRESS to a repeat while the first is still running", async () => {
    const sender = client(0);
    const id = await draft(sender, organCodes().slice(1, 3));
    const key = randomUUID();
    // The repeat is made from inside the first request, as it writes its first copy.
    let repeat: Promise<Awaited<ReturnType<typeof post>>> | undefined;
    const send = DynamoDBClient.prototype.send;
    type Command = { input: { Item?: Record<string, { S?: string }> } };
    (DynamoDBClient.prototype as unknown as { send: unknown }).send = async function (
      this: DynamoDBClient,
      command: Command,
      ...rest: unknown[]
    ) {
      if (!repeat && command.input.Item?.["entity"]?.S === "delivery") {
        repeat = post(sender, `/v1/letters/${id}/send`, key);
        await repeat;
      }
      return (send as unknown as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
    };
    try {
      const first = await post(sender, `/v1/letters/${id}/send`, key);
      expect(first.status).toBe(200);
      const second = await repeat;
      expect(second?.status).toBe(409);
      expect(second?.body["code"]).toBe("IDEMPOTENCY_KEY_IN_PROGRESS");
    } finally {
      (DynamoDBClient.prototype as unknown as { send: unknown }).send = send;
    }
    // Once it finished, the repeat is a replay.
    const later = await post(sender, `/v1/letters/${id}/send`, key);
    expect(later.headers.get(REPLAY_HEADER)).toBe("true");
  });

  it("runs a failed request again under the same key (only successes are kept)", async () => {
    const sender = client(0);
    const key = randomUUID();
    const missing = await post(sender, `/v1/letters/${randomUUID()}/send`, key);
    expect(missing.status).toBe(404);
    const again = await post(sender, `/v1/letters/${randomUUID()}/send`, key);
    // Not a replay and not "reused": the failed first attempt left no record.
    expect(again.status).toBe(404);
    expect(again.headers.get(REPLAY_HEADER)).toBeNull();
  });

  it("refuses a malformed key", async () => {
    const response = await post(client(0), "/v1/letters", "x".repeat(256), {});
    expect(response.status).toBe(400);
  });
});

function fileOf(pdf: Uint8Array) {
  return { name: "cong-van.pdf", contentType: "application/pdf", size: pdf.length, sha256: sha256(pdf) };
}

/** A demo key of organ `index` (in `organCodes()` order) and `role`; the admin key is organ 0's. */
function apiKeyOf(index: number, role: Role): string {
  const code = organCodes()[index];
  const key = inject("demoKeys").find((k) => k.organCode === code && k.role === role);
  if (!key) {
    throw new Error(`no ${role} key for organ ${index}`);
  }
  return key.apiKey;
}

interface Call {
  readonly key?: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly method?: string;
}

/** Any request with its status, headers and JSON answer (a problem or a result). */
async function call(apiKey: string, path: string, options: Call = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method: options.method ?? "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(options.key === undefined ? {} : { "idempotency-key": options.key }),
      ...(options.body === undefined ? {} : { "content-type": options.contentType ?? "application/json" }),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    replayed: response.headers.get(REPLAY_HEADER) === "true",
    text,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

const json = (value: unknown) => JSON.stringify(value);

describe("Idempotency-Key: a replay only ever answers the key that got the first answer", () => {
  it("does not give A's integration key the webhook (and secret) A's admin registered for organ B", async () => {
    const admin = apiKeyOf(0, "admin");
    const integration = apiKeyOf(0, "integration");
    const body = json({
      url: "http://127.0.0.1:9/b-hook",
      events: ["letter.received"],
      organ: organCodes()[1],
    });
    const key = `op-${randomUUID()}`;
    const registered = await call(admin, "/v1/webhooks", { key, body });
    expect(registered.status).toBe(201);
    const refused = await call(integration, "/v1/webhooks", { body });
    expect([refused.status, refused.body["code"]]).toEqual([403, "FORBIDDEN"]);

    const reused = await call(integration, "/v1/webhooks", { key, body });
    expect([reused.status, reused.body["code"], reused.replayed]).toEqual([403, "FORBIDDEN", false]);
    expect(reused.text).not.toContain(String(registered.body["secret"]));
    await call(admin, `/v1/webhooks/${registered.body["id"]}`, { method: "DELETE" });
  });

  it("does not give another key an answer its own request is refused (a route without secrets)", async () => {
    const admin = apiKeyOf(0, "admin");
    const registered = await call(admin, "/v1/webhooks", {
      body: json({ url: "http://127.0.0.1:9/b-test", events: ["letter.received"], organ: organCodes()[1] }),
    });
    expect(registered.status).toBe(201);
    const path = `/v1/webhooks/${registered.body["id"]}/test`;
    const key = `op-${randomUUID()}`;
    const tested = await call(admin, path, { key });
    expect(tested.status).toBe(200);
    expect(tested.replayed).toBe(false);

    // Organ 0's integration key may not see organ 1's endpoint: that, not the admin's answer.
    const other = await call(apiKeyOf(0, "integration"), path, { key });
    expect([other.status, other.body["code"], other.replayed]).toEqual([
      404,
      "WEBHOOK_ENDPOINT_NOT_FOUND",
      false,
    ]);
    // The admin's own repeat is the replay.
    const again = await call(admin, path, { key });
    expect(again.replayed).toBe(true);
    expect(again.body).toEqual(tested.body);
    await call(admin, `/v1/webhooks/${registered.body["id"]}`, { method: "DELETE" });
  });
});

describe("Idempotency-Key: the query string is part of the request", () => {
  it("refuses the same key for another ?day, replays a reordered or re-encoded query", async () => {
    const admin = apiKeyOf(0, "admin");
    const key = `op-${randomUUID()}`;
    const first = await call(admin, "/v1/admin/audit/seal?day=2026-11-01", { key });
    expect(first.status).toBe(200);
    const other = await call(admin, "/v1/admin/audit/seal?day=2026-11-02", { key });
    expect([other.status, other.body["code"]]).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
    const same = await call(admin, "/v1/admin/audit/seal?day=2026-11-%30%31", { key });
    expect(same.replayed).toBe(true);
    expect(same.body).toEqual(first.body);

    const sender = apiKeyOf(0, "integration");
    const id = await draft(new LienthongClient(server.url, sender), organCodes().slice(1, 2));
    const k2 = `op-${randomUUID()}`;
    const verified = await call(sender, `/v1/letters/${id}/verify?a=1&b=x+y&a=2`, { key: k2 });
    expect(verified.status).toBe(200);
    const reordered = await call(sender, `/v1/letters/${id}/verify?b=x%20y&a=1&a=2`, { key: k2 });
    expect(reordered.replayed).toBe(true);
    // A repeated parameter's values in another order, or one value less, is another request.
    for (const query of ["a=2&a=1&b=x+y", "a=1&b=x+y", "a=1&b=x+y&a=2&a=2"]) {
      const changed = await call(sender, `/v1/letters/${id}/verify?${query}`, { key: k2 });
      expect([query, changed.status, changed.body["code"]]).toEqual([query, 409, "IDEMPOTENCY_KEY_REUSED"]);
    }
  });
});

describe("Idempotency-Key: one-time secrets are never kept", () => {
  it("refuses to replay a new API key or webhook secret, and the table holds neither", async () => {
    const admin = apiKeyOf(0, "admin");
    const organ = organCodes().at(-1) ?? "";
    const keyBody = json({ role: "integration" });
    const k1 = `op-${randomUUID()}`;
    const created = await call(admin, `/v1/admin/organs/${organ}/keys`, { key: k1, body: keyBody });
    expect(created.status).toBe(201);
    const apiSecret = String(created.body["secret"]);
    expect(apiSecret).toMatch(/^lt_integration_/);
    const again = await call(admin, `/v1/admin/organs/${organ}/keys`, { key: k1, body: keyBody });
    expect([again.status, again.body["code"], again.replayed]).toEqual([
      409,
      "IDEMPOTENCY_SECRET_NOT_REPLAYABLE",
      false,
    ]);
    expect(again.text).not.toContain(apiSecret);
    // The key stays bound to its request: another body is still "reused", not a new key.
    const otherBody = await call(admin, `/v1/admin/organs/${organ}/keys`, {
      key: k1,
      body: json({ role: "clerk" }),
    });
    expect(otherBody.body["code"]).toBe("IDEMPOTENCY_KEY_REUSED");

    const integration = apiKeyOf(organCodes().length - 1, "integration");
    const hookBody = json({ url: "http://127.0.0.1:9/secret-hook", events: ["letter.received"] });
    const k2 = `op-${randomUUID()}`;
    const hook = await call(integration, "/v1/webhooks", { key: k2, body: hookBody });
    expect(hook.status).toBe(201);
    const hookSecret = String(hook.body["secret"]);
    expect(hookSecret).toMatch(/^whsec_/);
    const hookAgain = await call(integration, "/v1/webhooks", { key: k2, body: hookBody });
    expect([hookAgain.status, hookAgain.body["code"]]).toEqual([409, "IDEMPOTENCY_SECRET_NOT_REPLAYABLE"]);

    // The whole table: the API key only as its hash; the webhook secret only in its endpoint's own
    // item (deliveries are signed with it); no idempotency record holds any secret-looking text.
    const dynamo = new DynamoDBClient({
      endpoint: inject("dynamodbEndpoint"),
      region: "ap-southeast-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const holders: string[] = [];
    let records = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new ScanCommand({ TableName: "lienthong", ExclusiveStartKey: start as never, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) {
        const text = JSON.stringify(item);
        const where = `${item["PK"]?.S} ${item["SK"]?.S}`;
        if (text.includes(apiSecret) || text.includes(apiSecret.slice(-20))) {
          holders.push(`api key secret in ${where}`);
        }
        if (text.includes(hookSecret.slice(6, 30)) && item["id"]?.S !== hook.body["id"]) {
          holders.push(`webhook secret in ${where}`);
        }
        if (item["PK"]?.S?.startsWith("IDEM#")) {
          records++;
          if (/lt_|whsec_|secret/.test(text)) {
            holders.push(`secret-looking text in ${where}`);
          }
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    dynamo.destroy();
    expect(records).toBeGreaterThanOrEqual(2);
    expect(holders).toEqual([]);

    await call(admin, `/v1/admin/keys/${(created.body["key"] as { id: string }).id}`, { method: "DELETE" });
    await call(integration, `/v1/webhooks/${hook.body["id"]}`, { method: "DELETE" });
  });
});

describe("Idempotency-Key: replay iff the same caller sends the same request (property)", () => {
  it("replays iff API key, method, path, normalised query and body bytes all match", async () => {
    // Who may verify (clerk, integration of organs 0 and 1) and who may not (the admin key).
    const callers = [
      apiKeyOf(0, "clerk"),
      apiKeyOf(0, "integration"),
      apiKeyOf(1, "clerk"),
      apiKeyOf(1, "integration"),
      apiKeyOf(0, "admin"),
    ];
    const letters = [
      await draft(client(0), organCodes().slice(1, 2)),
      await draft(client(1), organCodes().slice(0, 1)),
    ];
    for (const [index, id] of letters.entries()) {
      expect((await post(client(index), `/v1/letters/${id}/send`, randomUUID())).status).toBe(200);
    }
    type Pair = readonly [string, string];
    const value = fc.string({ unit: fc.constantFrom("1", "x", " ", "é", "&", "="), maxLength: 3 });
    const pairs = fc.array(fc.tuple(fc.constantFrom("a", "b", "day"), value), { maxLength: 4 });
    const encode = (list: readonly Pair[], percent: boolean) =>
      list
        .map((pair) =>
          pair
            .map((part) =>
              percent
                ? // Every character percent-encoded, as UTF-8.
                  [...part]
                    .map((c) =>
                      c < "\x80"
                        ? `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`
                        : encodeURIComponent(c),
                    )
                    .join("")
                : encodeURIComponent(part).replaceAll("%20", "+"),
            )
            .join("="),
        )
        .join("&");
    /** The same pairs in another order; the values of one name keep theirs. */
    const shuffle = (list: readonly Pair[], names: readonly string[]) =>
      names.flatMap((name) => list.filter(([n]) => n === name));
    const canonical = (list: readonly Pair[]) => json(shuffle(list, ["a", "b", "day"]));
    const body = fc.option(fc.constantFrom('{"n":1}', '{"n":2}', "plain text", "é"), { nil: undefined });

    // Each dimension is kept half the time (`freq: 2`), so replays, reuses and other callers all occur.
    const seen = { replayed: 0, reused: 0, others: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          key: fc.string({
            unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
            maxLength: 12,
          }),
          who: fc.nat(3),
          letter: fc.nat(1),
          pairs,
          body,
        }),
        fc.record({
          who: fc.option(fc.nat(4), { nil: undefined, freq: 2 }),
          letter: fc.option(fc.nat(1), { nil: undefined, freq: 2 }),
          pairs: fc.option(pairs, { nil: undefined, freq: 2 }),
          order: fc.shuffledSubarray(["a", "b", "day"], { minLength: 3 }),
          percent: fc.boolean(),
          body: fc.option(body, { nil: null, freq: 2 }),
          bytes: fc.boolean(),
        }),
        async (first, change) => {
          const key = `${first.key}-${randomUUID()}`;
          const second = {
            who: change.who ?? first.who,
            letter: change.letter ?? first.letter,
            pairs: change.pairs ?? shuffle(first.pairs, change.order),
            body: change.body === null ? first.body : change.body,
          };
          const request = (r: typeof second, percent: boolean, bytes: boolean) =>
            call(
              callers[r.who] as string,
              `/v1/letters/${letters[r.letter]}/verify?${encode(r.pairs, percent)}`,
              {
                key,
                ...(r.body === undefined
                  ? {}
                  : {
                      body: r.body,
                      contentType: bytes ? "application/octet-stream" : "text/plain; charset=utf-8",
                    }),
              },
            );
          const a = await request(first, false, false);
          expect([a.status, a.replayed]).toEqual([200, false]);
          const b = await request(second, change.percent, change.bytes);

          const sameCaller = second.who === first.who;
          const same =
            sameCaller &&
            second.letter === first.letter &&
            canonical(second.pairs) === canonical(first.pairs) &&
            (second.body ?? "") === (first.body ?? "");
          expect(b.replayed).toBe(same);
          if (same) {
            seen.replayed++;
            expect(b.body).toEqual(a.body);
          } else if (sameCaller) {
            seen.reused++;
            expect([b.status, b.body["code"]]).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
          } else {
            seen.others++;
            // Another caller's request runs through its own checks: the admin key may not verify.
            expect(b.status).toBe(second.who === 4 ? 403 : 200);
          }
        },
      ),
      {
        numRuns: 60,
        // One of each outcome whatever the seed: a reordered, re-encoded replay sent as bytes; the same
        // request from another key of the organ; the same caller with another body.
        examples: [
          [
            {
              key: "x",
              who: 1,
              letter: 0,
              pairs: [
                ["b", "é"],
                ["a", "1"],
                ["a", " "],
              ],
              body: "plain text",
            },
            {
              who: undefined,
              letter: undefined,
              pairs: undefined,
              order: ["day", "a", "b"],
              percent: true,
              body: null,
              bytes: true,
            },
          ],
          [
            { key: "y", who: 1, letter: 0, pairs: [["a", "1"]], body: undefined },
            {
              who: 0,
              letter: undefined,
              pairs: undefined,
              order: ["a", "b", "day"],
              percent: false,
              body: null,
              bytes: false,
            },
          ],
          [
            { key: "z", who: 2, letter: 1, pairs: [], body: '{"n":1}' },
            {
              order: ["a", "b", "day"],
              percent: false,
              body: '{"n":2}',
              bytes: false,
              who: undefined,
              letter: undefined,
              pairs: undefined,
            },
          ],
        ],
      },
    );
    expect(Math.min(seen.replayed, seen.reused, seen.others)).toBeGreaterThan(0);
  });
});
