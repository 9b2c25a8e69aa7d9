import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LienthongClient } from "../../local/api-client.ts";
import { demoKeyOf } from "../../local/bootstrap.ts";
import { freePort } from "../../local/emulators/ports.ts";
import { createDynamoClient } from "../../shared/storage/clients.ts";
import { DynamoWebhooks } from "../../shared/storage/dynamo-webhooks.ts";
import { type OutboxEntry, webhookIdFor } from "../../shared/webhooks/index.ts";
import { letterMetadata, samplePdf } from "../support/exchange.ts";
import { receiver as startReceiver, type TestReceiver } from "../support/webhook-receiver.ts";
import { killGroup, startRuntimeGroup } from "./processes.ts";

/**
 * Webhooks end to end on the local runtime (`npm start` in its own process group: DynamoDB Local,
 * the stream poller, the API and the delivery timer), with real receivers on 127.0.0.1 that check
 * every request with the `standardwebhooks` package. The retry schedule is compressed
 * (LIENTHONG_WEBHOOK_TIME_SCALE=1e-4: the ~31 to 38 hours of retries in 11 to 14 s).
 *
 * - a receiver down for a while gets `letter.received` once it is back, with the same webhook id;
 * - a receiver that never answers ends in the dead-letter queue, and an admin redelivers it;
 * - the runtime killed (SIGKILL) while deliveries are in flight, then started again on the same
 *   data: every event is delivered, with the webhook id of before the kill.
 */
const dataDir = mkdtempSync(join(tmpdir(), "lienthong-webhooks-"));
const running: ChildProcess[] = [];
const receivers: TestReceiver[] = [];

afterAll(async () => {
  for (const child of running) {
    killGroup(child);
  }
  await Promise.all(receivers.map((r) => r.down()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function receiver(): Promise<TestReceiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

/** `npm start` in its own process group, until it is running; its DynamoDB endpoint. */
function start(port: number, crlPort: number): Promise<{ child: ChildProcess; dynamodb: string }> {
  return startRuntimeGroup({
    port,
    crlPort,
    dataDir,
    running,
    env: {
      LOG_LEVEL: "silent",
      LIENTHONG_SEND_POLICY: "record-only",
      LIENTHONG_WEBHOOK_TIME_SCALE: "1e-4",
      LIENTHONG_WEBHOOK_DELIVER_MS: "200",
    },
  });
}

function outboxAt(endpoint: string): { store: DynamoWebhooks; close: () => void } {
  const client = createDynamoClient({
    region: "ap-southeast-1",
    tableName: "lienthong",
    bucketName: "lienthong-letters",
    dynamodbEndpoint: endpoint,
    presignTtlSeconds: 60,
    maxFileBytes: 1024,
    revocation: "off",
  });
  return { store: new DynamoWebhooks(client, "lienthong"), close: () => client.destroy() };
}

/** Polls `check` every 100 ms until it gives a value; fails after `timeoutMs` (a cap, not an assertion). */
async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const SENDER = "000.00.00.H53";
const DOWN = "000.00.11.H53";
const SILENT = "000.00.12.H53";
const KILLED = "000.00.31.H37";

describe("webhooks on the local runtime", () => {
  it("delivers to a receiver back from down time, parks a silent one for an admin to redeliver, and loses nothing to a SIGKILL", async () => {
    const port = await freePort();
    const crlPort = await freePort();
    let runtime = await start(port, crlPort);
    const api = `http://127.0.0.1:${port}`;
    const keyFile = join(dataDir, "demo-keys.json");
    const sender = new LienthongClient(api, demoKeyOf(keyFile, SENDER, "integration"));
    const admin = new LienthongClient(api, demoKeyOf(keyFile, SENDER, "admin"));
    const pdf = await samplePdf("webhooks");

    // Each organ registers its own receiver with its integration key.
    const down = await receiver();
    const silent = await receiver();
    const killed = await receiver();
    const endpoints = new Map<TestReceiver, string>();
    const organs = new Map<TestReceiver, string>([
      [down, DOWN],
      [silent, SILENT],
      [killed, KILLED],
    ]);
    for (const [organ, r] of [
      [DOWN, down],
      [SILENT, silent],
      [KILLED, killed],
    ] as const) {
      const key = new LienthongClient(api, demoKeyOf(keyFile, organ, "integration"));
      const registered = await key.call<{ id: string; secret: string; organ: string }>(
        "POST",
        "/v1/webhooks",
        {
          url: r.url,
          events: ["letter.received"],
        },
      );
      expect(registered.organ).toBe(organ);
      expect(registered.secret).toMatch(/^whsec_/);
      r.secret = registered.secret;
      endpoints.set(r, registered.id);
      const listed = await key.call<{ items: Record<string, unknown>[] }>("GET", "/v1/webhooks");
      expect(listed.items.map((e) => e["id"])).toEqual([registered.id]);
      expect(JSON.stringify(listed)).not.toContain(registered.secret);
    }
    // The test message goes through the same signing: the receiver verifies it.
    const tested = await new LienthongClient(api, demoKeyOf(keyFile, DOWN, "integration")).call<{
      outcome: string;
    }>("POST", `/v1/webhooks/${endpoints.get(down)}/test`);
    expect(tested.outcome).toBe("delivered");
    expect(down.verified.map((d) => d.payload.type)).toEqual(["webhook.test"]);

    // 1 and 2: a receiver down for a while, and one that never answers.
    let outbox = outboxAt(runtime.dynamodb);
    await down.down();
    silent.hang = true;
    const first = await sender.sendLetter(letterMetadata([DOWN, SILENT]), pdf, "cong-van.pdf");
    const deadOf = async (r: TestReceiver, letterId: string): Promise<OutboxEntry | undefined> =>
      (await outbox.store.listDead({ limit: 100 })).find(
        (e) => e.endpointId === endpoints.get(r) && e.body.includes(letterId),
      );
    // The outbox message of the down receiver, once it failed twice.
    const webhookIdOf = (r: TestReceiver, letterId: string) =>
      eventually(`the outbox message for ${r.url}`, async () => {
        // The event id of a copy's arrival (shared/exchange/webhook-events.ts): its key and seq 0.
        const eventId = `DOC#${letterId}|TO#${organs.get(r)}|letter.received|0`;
        const id = webhookIdFor(eventId, endpoints.get(r) ?? "");
        return (await outbox.store.getEntry(id)) ? id : undefined;
      });
    const downId = await webhookIdOf(down, first.id);
    await eventually("two failed attempts at the down receiver", async () => {
      const entry = await outbox.store.getEntry(downId);
      return (entry?.attempts ?? 0) >= 2 ? entry : undefined;
    });
    expect(down.receivedOf(first.id)).toEqual([]);
    await down.up();
    const got = await eventually("the letter at the receiver back up", () =>
      down.receivedOf(first.id).length > 0 ? down.receivedOf(first.id) : undefined,
    );
    expect(got.map((d) => d.id)).toEqual([downId]);
    expect(got[0]?.payload.data).toMatchObject({ letterId: first.id, recipient: DOWN, sender: SENDER });
    expect(
      await eventually("the message delivered", async () => {
        const entry = await outbox.store.getEntry(downId);
        return entry?.state === "delivered" ? entry : undefined;
      }),
    ).toMatchObject({ state: "delivered", webhookId: downId });

    // The silent receiver: every attempt times out, then the message is parked.
    const parked = await eventually("the silent receiver's message in the dead-letter queue", async () => {
      const answer = await admin.call<{ items: { webhookId: string; attempts: number; body: string }[] }>(
        "GET",
        `/v1/admin/webhooks/dead?organ=${SILENT}`,
      );
      return answer.items.find((item) => item.body.includes(first.id));
    });
    expect(parked.attempts).toBe(8);
    const silentIds = new Set(silent.receivedOf(first.id).map((d) => d.id));
    expect([...silentIds]).toEqual([parked.webhookId]);
    // A non-admin may not touch the queue.
    expect((await sender.request("GET", "/v1/admin/webhooks/dead")).status).toBe(403);
    silent.hang = false;
    const before = silent.receivedOf(first.id).length;
    const revived = await admin.call<{ webhookId: string }>(
      "POST",
      `/v1/admin/webhooks/dead/${parked.webhookId}/redeliver`,
    );
    expect(revived.webhookId).toBe(parked.webhookId);
    await eventually("the redelivered message delivered", async () => {
      const entry = await outbox.store.getEntry(parked.webhookId);
      return entry?.state === "delivered" ? entry : undefined;
    });
    expect(silent.receivedOf(first.id).length).toBeGreaterThan(before);
    expect(new Set(silent.receivedOf(first.id).map((d) => d.id))).toEqual(new Set([parked.webhookId]));
    expect(await deadOf(silent, first.id)).toBeUndefined();

    // 3: SIGKILL while deliveries are in flight (the receiver holds them), restart on the same data.
    killed.hang = true;
    const letters: string[] = [];
    for (let i = 0; i < 3; i++) {
      letters.push((await sender.sendLetter(letterMetadata([KILLED]), pdf, "cong-van.pdf")).id);
    }
    await eventually("a delivery in flight", () => (killed.verified.length > 0 ? true : undefined));
    const inFlight = new Set(killed.verified.map((d) => d.id));
    killGroup(runtime.child);
    outbox.close();
    killed.hang = false;
    runtime = await start(port, crlPort);
    outbox = outboxAt(runtime.dynamodb);
    for (const letterId of letters) {
      await eventually(`letter ${letterId} delivered after the restart`, async () => {
        const id = await webhookIdOf(killed, letterId);
        const entry = await outbox.store.getEntry(id);
        return entry?.state === "delivered" ? entry : undefined;
      });
      expect(killed.receivedOf(letterId).length).toBeGreaterThan(0);
      expect(new Set(killed.receivedOf(letterId).map((d) => d.id)).size).toBe(1);
    }
    // What was in flight at the kill came again with the same webhook id.
    for (const id of inFlight) {
      expect(killed.verified.filter((d) => d.id === id).length).toBeGreaterThan(1);
    }
    expect([...down.refused, ...silent.refused, ...killed.refused]).toEqual([]);
    console.info(
      `in flight at the kill: ${inFlight.size} of 3; deliveries to the killed receiver: ${killed.verified.length}`,
    );
    outbox.close();
    killGroup(runtime.child);
  }, 300_000);
});
