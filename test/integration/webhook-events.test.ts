/**
 * Which exchange changes become which webhook events, through the local runtime (the API, the
 * stream poller running the stream handler, the notifier) with receivers that verify every
 * request with the `standardwebhooks` package: a letter, a status change and a recall request
 * each reach the organs they concern, once per event and endpoint, with ids that a redelivered
 * stream record reproduces.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LienthongClient } from "../../local/api-client.ts";
import type { TableChange } from "../../shared/exchange/stream.ts";
import { webhookRecordsOf } from "../../shared/exchange/webhook-events.ts";
import { parties, sendSigned } from "../support/lifecycle.ts";
import { type Delivery, receiver, type TestReceiver } from "../support/webhook-receiver.ts";

let codes: string[];
let sender: LienthongClient;
let recipient: LienthongClient;
let recipientClerk: LienthongClient;
let senderReceiver: TestReceiver;
let recipientReceiver: TestReceiver;
const ALL = ["letter.received", "status.changed", "recall.requested", "receipt.issued"];

beforeAll(async () => {
  const p = parties();
  codes = p.codes;
  [sender, recipient] = [p.integration[0]!, p.integration[1]!];
  recipientClerk = p.clerks[1]!;
  senderReceiver = await receiver();
  recipientReceiver = await receiver();
  for (const [client, r] of [
    [sender, senderReceiver],
    [recipient, recipientReceiver],
  ] as const) {
    const registered = await client.call<{ id: string; secret: string }>("POST", "/v1/webhooks", {
      url: r.url,
      events: ALL,
    });
    r.secret = registered.secret;
  }
});

afterAll(async () => {
  for (const [client, r] of [
    [sender, senderReceiver],
    [recipient, recipientReceiver],
  ] as const) {
    const { items } = await client.call<{ items: { id: string; url: string }[] }>("GET", "/v1/webhooks");
    for (const endpoint of items.filter((e) => e.url === r.url)) {
      await client.call("DELETE", `/v1/webhooks/${endpoint.id}`);
    }
    await r.down();
  }
});

/** `type@seq:status` of the verified deliveries about one letter, de-duplicated by webhook id. */
function seen(r: TestReceiver, letterId: string): string[] {
  const byId = new Map<string, Delivery>();
  for (const d of r.verified) {
    if (d.payload.data["letterId"] === letterId) {
      byId.set(d.id, d);
    }
  }
  return [...byId.values()]
    .map(
      (d) => `${d.payload.type}@${String(d.payload.data["seq"] ?? "-")}:${String(d.payload.data["status"])}`,
    )
    .sort();
}

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("webhook events of the exchange", () => {
  it("tells the recipient of its letter, both sides of a status and its receipt, the recipient of a recall", async () => {
    const id = await sendSigned(sender, codes[0]!, [codes[1]!]);
    await until("letter.received", () =>
      seen(recipientReceiver, id).some((s) => s.startsWith("letter.received")),
    );
    expect((await recipientClerk.request("POST", `/v1/letters/${id}/status`, { status: "03" })).status).toBe(
      200,
    );
    expect((await sender.request("POST", `/v1/letters/${id}/recall`, { reason: "Sai số hiệu" })).status).toBe(
      200,
    );

    const recipientExpects = [
      "letter.received@-:01",
      "receipt.issued@0:01",
      "status.changed@-:03",
      "receipt.issued@1:03",
      "recall.requested@-:13",
      "receipt.issued@2:13",
    ].sort();
    const senderExpects = [
      "receipt.issued@0:01",
      "status.changed@-:03",
      "receipt.issued@1:03",
      "receipt.issued@2:13",
    ].sort();
    await until(
      "every event",
      () => seen(recipientReceiver, id).length >= 6 && seen(senderReceiver, id).length >= 4,
    );
    expect(seen(recipientReceiver, id)).toEqual(recipientExpects);
    expect(seen(senderReceiver, id)).toEqual(senderExpects);
    const receipt = recipientReceiver.verified.find(
      (d) =>
        d.payload.type === "receipt.issued" &&
        d.payload.data["letterId"] === id &&
        d.payload.data["seq"] === 1,
    );
    expect(receipt?.payload.data["receipt"]).toBe(`/v1/letters/${id}/receipts/${codes[1]}/1.json`);
    expect([...senderReceiver.refused, ...recipientReceiver.refused]).toEqual([]);
    // Another organ's key cannot see or remove these endpoints.
    const { items } = await recipient.call<{ items: { id: string }[] }>("GET", "/v1/webhooks");
    const foreign = await sender.request<{ code: string }>("DELETE", `/v1/webhooks/${items[0]?.id}`);
    expect([foreign.status, foreign.body.code]).toEqual([404, "WEBHOOK_ENDPOINT_NOT_FOUND"]);
  });
});

describe("webhookRecordsOf", () => {
  const copy = {
    entity: "delivery",
    letterId: "L1",
    recipient: "000.00.11.H53",
    sender: "000.00.00.H53",
    status: "03",
    deliveredAt: "2026-12-01T01:00:00.000Z",
    head: { seq: 1, hash: "h1" },
  };
  const change = (oldImage: object, newImage: object, id: string): TableChange => ({
    id,
    kind: "modify",
    keys: { PK: "DOC#L1", SK: "TO#000.00.11.H53" },
    oldImage: oldImage as Record<string, unknown>,
    newImage: newImage as Record<string, unknown>,
    at: "2026-12-01T02:00:00Z",
  });

  it("gives a redelivered stream record (another record id) the same event ids", () => {
    const next = { ...copy, status: "05", head: { seq: 2, hash: "h2" } };
    const a = webhookRecordsOf(change(copy, next, "stream-1"));
    const b = webhookRecordsOf(change(copy, next, "stream-2"));
    expect(a.map((r) => [r.type, r.organ])).toEqual([
      ["status.changed", copy.sender],
      ["status.changed", copy.recipient],
      ["receipt.issued", copy.sender],
      ["receipt.issued", copy.recipient],
    ]);
    expect(b.map((r) => r.eventId)).toEqual(a.map((r) => r.eventId));
  });

  it("gives nothing for a change without a new chain event, or a revocation, or another item", () => {
    expect(webhookRecordsOf(change(copy, { ...copy, readAt: "x" }, "s"))).toEqual([]);
    expect(
      webhookRecordsOf(change(copy, { ...copy, revoked: { by: "L2" }, head: { seq: 2, hash: "h2" } }, "s")),
    ).toEqual([]);
    expect(webhookRecordsOf(change({ entity: "letter" }, { entity: "letter", state: "sent" }, "s"))).toEqual(
      [],
    );
  });
});
