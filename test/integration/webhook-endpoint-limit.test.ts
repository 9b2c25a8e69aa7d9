import { randomBytes, randomInt } from "node:crypto";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import fc from "fast-check";
import { afterAll, describe, expect, inject, it } from "vitest";
import { LienthongClient } from "../../local/api-client.ts";
import { isExchangeError } from "../../shared/errors/index.ts";
import { MAX_WEBHOOK_ENDPOINTS_PER_ORGAN } from "../../shared/exchange/webhook-endpoints.ts";
import { createDynamoClient } from "../../shared/storage/clients.ts";
import { DynamoWebhooks } from "../../shared/storage/dynamo-webhooks.ts";
import { ITEM_KEYS } from "../../shared/storage/schema.ts";
import type { WebhookEndpoint } from "../../shared/webhooks/index.ts";
import { testStorageConfig } from "../support/exchange.ts";

/**
 * At most MAX_WEBHOOK_ENDPOINTS_PER_ORGAN endpoints per organ (red team: 60 of 60 were accepted and
 * every event fanned out to each): the next is 409 WEBHOOK_ENDPOINT_LIMIT, concurrent registrations
 * included, through HTTP and on the DynamoDB adapter over DynamoDB Local.
 */

const MAX = MAX_WEBHOOK_ENDPOINTS_PER_ORGAN;
/** An organ code no other test uses (the admin may manage any organ's endpoints). */
const freshOrgan = () =>
  `${randomInt(100, 999)}.${randomInt(10, 99)}.${randomInt(10, 99)}.W${String(randomInt(0, 99)).padStart(2, "0")}`;

function admin(): LienthongClient {
  const key = inject("demoKeys").find((k) => k.role === "admin");
  if (!key) {
    throw new Error("the local exchange printed no admin key");
  }
  return new LienthongClient(inject("apiUrl"), key.apiKey);
}

const register = (organ: string, i: number) =>
  admin().request<{ id: string; code?: string }>("POST", "/v1/webhooks", {
    organ,
    url: `http://127.0.0.1:9/limit-${i}`,
    events: ["letter.received"],
  });

describe("POST /v1/webhooks: endpoints per organ", () => {
  it(`accepts ${MAX}, refuses the next with 409 WEBHOOK_ENDPOINT_LIMIT, accepts again after a delete`, async () => {
    const organ = freshOrgan();
    const ids: string[] = [];
    for (let i = 0; i < MAX; i++) {
      const answer = await register(organ, i);
      expect(answer.status).toBe(201);
      ids.push(answer.body.id);
    }
    const refused = await register(organ, MAX);
    expect([refused.status, refused.body.code]).toEqual([409, "WEBHOOK_ENDPOINT_LIMIT"]);
    // Another organ is not affected.
    expect((await register(freshOrgan(), 0)).status).toBe(201);
    const deleted = await admin().request("DELETE", `/v1/webhooks/${ids[0]}`);
    expect(deleted.status).toBe(200);
    expect((await register(organ, MAX + 1)).status).toBe(201);
    expect((await register(organ, MAX + 2)).body.code).toBe("WEBHOOK_ENDPOINT_LIMIT");
    const listed = await admin().call<{ items: unknown[] }>("GET", `/v1/webhooks?organ=${organ}`);
    expect(listed.items).toHaveLength(MAX);
  });

  it("lets exactly the cap's worth of concurrent registrations through", async () => {
    const organ = freshOrgan();
    const answers = await Promise.all(Array.from({ length: MAX + 15 }, (_, i) => register(organ, i)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(MAX);
    expect(answers.filter((a) => a.status !== 201).map((a) => [a.status, a.body.code])).toEqual(
      Array.from({ length: 15 }, () => [409, "WEBHOOK_ENDPOINT_LIMIT"]),
    );
    const listed = await admin().call<{ items: unknown[] }>("GET", `/v1/webhooks?organ=${organ}`);
    expect(listed.items).toHaveLength(MAX);
  });
});

describe("DynamoWebhooks endpoint count", () => {
  const config = testStorageConfig();
  const client = createDynamoClient(config);
  afterAll(() => client.destroy());
  const store = new DynamoWebhooks(client, config.tableName);

  const endpoint = (organ: string): WebhookEndpoint => ({
    id: `ep_${randomBytes(12).toString("hex")}`,
    organ,
    url: "https://receiver.example.vn/hooks",
    events: ["letter.received"],
    secrets: [{ value: `whsec_${randomBytes(32).toString("base64")}` }],
    enabled: true,
    createdAt: new Date().toISOString(),
  });
  const counted = async (organ: string) => {
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: config.tableName,
        Key: marshall({ PK: ITEM_KEYS.webhookEndpoints(organ), SK: "COUNT" }),
        ConsistentRead: true,
      }),
    );
    return Item ? unmarshall(Item)["endpoints"] : undefined;
  };
  const refusal = (run: Promise<unknown>) =>
    run.then(
      () => undefined,
      (error: unknown) => (isExchangeError(error) ? error.code : error),
    );

  it("replacing an endpoint (the notifier disabling it) counts nothing", async () => {
    const organ = freshOrgan();
    const one = endpoint(organ);
    await store.putEndpoint(one);
    await store.putEndpoint({ ...one, enabled: false, disabledReason: "410 Gone from the receiver" });
    expect(await counted(organ)).toBe(1);
    expect(await store.deleteEndpoint(one.id)).toBe(true);
    expect(await store.deleteEndpoint(one.id)).toBe(false);
    expect(await counted(organ)).toBe(0);
  });

  it("starts the count from endpoints registered before it was kept", async () => {
    const organ = freshOrgan();
    const old = Array.from({ length: MAX + 2 }, () => endpoint(organ));
    for (const e of old) {
      // As an older version wrote them: the endpoint item alone.
      await client.send(
        new PutItemCommand({
          TableName: config.tableName,
          Item: marshall({
            ...e,
            ...ITEM_KEYS.webhookEndpoint(e.id),
            entity: "webhookEndpoint",
            GSI2PK: ITEM_KEYS.webhookEndpoints(organ),
            GSI2SK: `${e.createdAt}#${e.id}`,
          }),
        }),
      );
    }
    expect(await refusal(store.putEndpoint(endpoint(organ)))).toBe("WEBHOOK_ENDPOINT_LIMIT");
    expect(await counted(organ)).toBe(MAX + 2);
    for (const e of old.slice(0, 3)) {
      expect(await store.deleteEndpoint(e.id)).toBe(true);
    }
    expect(await refusal(store.putEndpoint(endpoint(organ)))).toBeUndefined();
    expect(await refusal(store.putEndpoint(endpoint(organ)))).toBe("WEBHOOK_ENDPOINT_LIMIT");
    expect((await store.listEndpoints(organ)).length).toBe(MAX);
  });

  it("property: concurrent registrations and deletions keep count = endpoints ≤ cap", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: MAX }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 2 * MAX }),
        async (before, operations) => {
          const organ = freshOrgan();
          const existing = Array.from({ length: before }, () => endpoint(organ));
          for (const e of existing) {
            await store.putEndpoint(e);
          }
          // true: register a new one; false: delete one of those registered before, each once.
          let toDelete = 0;
          const outcomes = await Promise.all(
            operations.map((add) => {
              const victim = add ? undefined : existing[toDelete++];
              return add
                ? refusal(store.putEndpoint(endpoint(organ)))
                : victim
                  ? store.deleteEndpoint(victim.id).then((found) => (found ? undefined : "missing"))
                  : Promise.resolve(undefined);
            }),
          );
          expect(outcomes.filter((o) => o !== undefined && o !== "WEBHOOK_ENDPOINT_LIMIT")).toEqual([]);
          const listed = (await store.listEndpoints(organ)).length;
          expect(listed).toBeLessThanOrEqual(MAX);
          expect(await counted(organ)).toBe(listed);
          // Refused only at the cap: had every deletion gone first, at least as many would fit.
          const added = operations.filter((add) => add).length;
          const accepted = added - outcomes.filter((o) => o === "WEBHOOK_ENDPOINT_LIMIT").length;
          const deletions = Math.min(before, operations.length - added);
          expect(listed).toBe(before - deletions + accepted);
          if (accepted < added) {
            expect(before + accepted).toBeGreaterThanOrEqual(MAX);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
