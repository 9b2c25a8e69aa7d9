/**
 * The webhook consumer of the table's stream, with the real notifier on an in-memory outbox: a
 * batch makes a delivery pass (a claim of due entries) only when it enqueued something new; a
 * batch seen again, or one whose events nobody subscribed to, leaves the due entries to the
 * scheduled passes.
 */
import { describe, expect, it } from "vitest";
import type { TableChange } from "../../../shared/exchange/stream.ts";
import { WebhookConsumer } from "../../../shared/exchange/webhook-events.ts";
import { type ClaimedEntry, createEndpoint, Notifier } from "../../../shared/webhooks/index.ts";
import { MemoryWebhookStore } from "../webhooks/memory-webhook-store.ts";

const RECIPIENT = "000.00.11.H53";
const SENDER = "000.00.00.H53";

/** Counts the delivery passes (each claims the due entries once). */
class CountingStore extends MemoryWebhookStore {
  claims = 0;
  override async claimDue(now: number, options: { limit: number; leaseMs: number }): Promise<ClaimedEntry[]> {
    this.claims += 1;
    return super.claimDue(now, options);
  }
}

const arrival = (letterId: string): TableChange => ({
  id: `stream-${letterId}`,
  kind: "insert",
  keys: { PK: `DOC#${letterId}`, SK: `TO#${RECIPIENT}` },
  newImage: {
    entity: "delivery",
    letterId,
    recipient: RECIPIENT,
    sender: SENDER,
    status: "01",
    deliveredAt: "2026-12-01T01:00:00.000Z",
    head: { seq: 1, hash: "h1" },
  },
  at: "2026-12-01T01:00:00Z",
});

async function setUp(events: string[]) {
  const store = new CountingStore();
  // Nothing listens on port 1: an attempt fails at once and is scheduled again.
  const { endpoint } = createEndpoint(
    { url: "http://127.0.0.1:1/hook", events },
    { organ: RECIPIENT, now: new Date(), local: true },
  );
  await store.putEndpoint(endpoint);
  const notifier = new Notifier({ store, timeoutMs: 200 });
  const errors: unknown[] = [];
  const consumer = new WebhookConsumer(
    () => notifier,
    (error) => errors.push(error),
  );
  return { store, consumer, errors };
}

describe("the webhook consumer of the stream", () => {
  it("makes one delivery pass for a batch that enqueued events, none when the same batch comes again", async () => {
    const { store, consumer, errors } = await setUp(["letter.received"]);
    await consumer.consume([arrival("L1"), arrival("L2")]);
    expect(store.claims).toBe(1);
    expect([...store.entries.values()].map((e) => [e.type, e.attempts])).toEqual([
      ["letter.received", 1],
      ["letter.received", 1],
    ]);

    await consumer.consume([arrival("L1"), arrival("L2")]);
    expect(store.claims, "a redelivered batch enqueues nothing and claims nothing").toBe(1);
    expect([...store.entries.values()].map((e) => e.attempts)).toEqual([1, 1]);
    expect(errors).toEqual([]);
  });

  it("makes no pass for events nobody subscribed to, nor for changes that are no webhook event", async () => {
    const { store, consumer } = await setUp(["status.changed"]);
    await consumer.consume([arrival("L3")]);
    await consumer.consume([{ ...arrival("L4"), newImage: { entity: "letter", state: "sent" } }]);
    expect(store.claims).toBe(0);
    expect(store.entries.size).toBe(0);
  });
});
