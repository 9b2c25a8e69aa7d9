/**
 * The Notifier announces each parking to its DeadLetterSink exactly once, after the store marked the
 * entry dead (issue 11 item 2). Receivers are a fake `fetch` (no network): what is under test is
 * when the sink is called, not HTTP.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ChangeRecord,
  createEndpoint,
  type DeadLetterSink,
  MAX_ERROR_LENGTH,
  Notifier,
  type NotifierOptions,
  type OutboxEntry,
  type ParkedMessage,
  parkedMessage,
  type WebhookEndpoint,
  webhookIdFor,
} from "../../../shared/webhooks/index.ts";
import { MemoryWebhookStore } from "./memory-webhook-store.ts";

const ORGAN = "000.00.01.H02";

/** Records each announcement with the entry's state in the store at that moment. */
class RecordingSink implements DeadLetterSink {
  readonly parked: { message: ParkedMessage; stateThen: OutboxEntry["state"] | undefined }[] = [];
  constructor(private readonly store: MemoryWebhookStore) {}
  async park(message: ParkedMessage): Promise<void> {
    this.parked.push({ message, stateThen: (await this.store.getEntry(message.webhookId))?.state });
  }
}

/** A fetch that answers each URL with a fixed status, optionally held until released. */
function fakeFetch(statusOf: (url: string) => number, gate?: Promise<void>): typeof fetch {
  return async (input) => {
    await gate;
    return new Response("", { status: statusOf(String(input)) });
  };
}

async function endpointAt(store: MemoryWebhookStore, url: string): Promise<WebhookEndpoint> {
  const { endpoint } = createEndpoint(
    { url, events: ["letter.received"] },
    { organ: ORGAN, now: new Date(), local: true },
  );
  await store.putEndpoint(endpoint);
  return endpoint;
}

const record = (n: number): ChangeRecord => ({
  eventId: `letter:L${n}:letter.received:${ORGAN}`,
  organ: ORGAN,
  type: "letter.received",
  payload: { letterId: `L${n}`, recipient: ORGAN },
});

function notifierOf(store: MemoryWebhookStore, sink: DeadLetterSink, options: Partial<NotifierOptions> = {}) {
  // An empty schedule: the first failed attempt is the last one.
  return new Notifier({ store, local: true, deadLetters: sink, schedule: [], ...options });
}

describe("the notifier's dead-letter announcements", () => {
  it("announces each parked message once, after the store marked it dead, and nothing else", async () => {
    const store = new MemoryWebhookStore();
    const ok = await endpointAt(store, "http://127.0.0.1:9/ok");
    const failing = await endpointAt(store, "http://127.0.0.1:9/fails");
    const deleted = await endpointAt(store, "http://127.0.0.1:9/deleted");
    const sink = new RecordingSink(store);
    const notifier = notifierOf(store, sink, {
      fetch: fakeFetch((url) => (url.endsWith("/ok") ? 200 : 503)),
    });
    await notifier.notify([record(1), record(2)]);
    await store.deleteEndpoint(deleted.id);

    const summary = await notifier.deliverDue();

    expect(summary).toMatchObject({ claimed: 6, delivered: 2, dead: 4 });
    const expected = [failing, deleted].flatMap((endpoint) =>
      [1, 2].map((n) => webhookIdFor(record(n).eventId, endpoint.id)),
    );
    expect(sink.parked.map((p) => p.message.webhookId).sort()).toEqual(expected.sort());
    expect(sink.parked.every((p) => p.stateThen === "dead")).toBe(true);
    for (const { message } of sink.parked) {
      const entry = (await store.getEntry(message.webhookId))!;
      const failed = message.endpointId === failing.id;
      expect(message).toEqual({
        webhookId: entry.webhookId,
        eventId: entry.eventId,
        organ: ORGAN,
        endpointId: entry.endpointId,
        type: "letter.received",
        attempts: 1,
        ...(failed ? { lastStatus: 503 } : {}),
        lastError: entry.lastError,
        parkedAt: entry.deadAt,
      });
      expect(message.lastError).toBe(failed ? entry.lastError : "endpoint deleted");
    }
    expect(sink.parked.some((p) => p.message.endpointId === ok.id)).toBe(false);

    // A later pass finds nothing due: nothing is announced twice.
    expect((await notifier.deliverDue()).claimed).toBe(0);
    expect(sink.parked).toHaveLength(4);
  });

  it("announces the final attempt's count after retries", async () => {
    const store = new MemoryWebhookStore();
    await endpointAt(store, "http://127.0.0.1:9/fails");
    const sink = new RecordingSink(store);
    let now = 1_000_000;
    const notifier = notifierOf(store, sink, {
      clock: () => now,
      schedule: [
        { minMs: 10, maxMs: 10 },
        { minMs: 10, maxMs: 10 },
      ],
      fetch: fakeFetch(() => 500),
    });
    await notifier.notify([record(1)]);
    for (let pass = 0; pass < 3; pass++) {
      await notifier.deliverDue();
      expect(sink.parked).toHaveLength(pass < 2 ? 0 : 1);
      now += 10;
    }

    expect(sink.parked[0]!.message).toMatchObject({ attempts: 3, lastStatus: 500 });
  });

  it("parking the same message twice sends once: an outcome the store refuses (stale claim) announces nothing", async () => {
    const store = new MemoryWebhookStore();
    await endpointAt(store, "http://127.0.0.1:9/fails");
    const sink = new RecordingSink(store);
    let now = 1_000_000;
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = notifierOf(store, sink, {
      clock: () => now,
      leaseMs: 1_000,
      fetch: fakeFetch(() => 500, held),
    });
    const fast = notifierOf(store, sink, { clock: () => now, leaseMs: 1_000, fetch: fakeFetch(() => 500) });
    await slow.notify([record(1)]);

    // The slow notifier claims the entry and hangs on the receiver; its lease runs out, the other
    // claims the entry again and parks it; then the slow one's outcome comes back, too late.
    const slowPass = slow.deliverDue();
    await new Promise((resolve) => setImmediate(resolve));
    now += 1_001;
    const fastSummary = await fast.deliverDue();
    release();
    const slowSummary = await slowPass;

    expect(fastSummary).toMatchObject({ claimed: 1, dead: 1 });
    expect(slowSummary).toMatchObject({ claimed: 1, dead: 0, stale: 1 });
    expect(sink.parked).toHaveLength(1);
  });

  it("a message an admin redelivered that dies again is a new parking, announced again", async () => {
    const store = new MemoryWebhookStore();
    await endpointAt(store, "http://127.0.0.1:9/fails");
    const sink = new RecordingSink(store);
    const notifier = notifierOf(store, sink, { fetch: fakeFetch(() => 500) });
    await notifier.notify([record(1)]);
    await notifier.deliverDue();
    const [first] = sink.parked;

    await notifier.redeliver(first!.message.webhookId);
    await notifier.deliverDue();

    expect(sink.parked.map((p) => p.message.webhookId)).toEqual([
      first!.message.webhookId,
      first!.message.webhookId,
    ]);
  });

  it("the announcement never carries the body, and its error stays short (property)", () => {
    const entry = (body: string, attempts: number): OutboxEntry => ({
      webhookId: "msg_1",
      eventId: "letter:L1:letter.received:000.00.01.H02",
      endpointId: "wh_1",
      organ: ORGAN,
      type: "letter.received",
      body,
      state: "pending",
      attempts,
      nextAttemptAt: 0,
      createdAt: 0,
    });
    fc.assert(
      fc.property(
        fc.string({ minLength: 8 }).map((s) => `BODY<${s}>`),
        fc.string({ maxLength: 3 * MAX_ERROR_LENGTH }).filter((e) => !e.includes("BODY<")),
        fc.nat(100),
        fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
        (body, error, attempts, status) => {
          const message = parkedMessage(entry(body, attempts), {
            kind: "dead",
            at: 5,
            error,
            ...(status === undefined ? {} : { status }),
          });
          const keys = Object.keys(message).sort();
          const allowed = [
            "attempts",
            "endpointId",
            "eventId",
            "lastError",
            "organ",
            "parkedAt",
            "type",
            "webhookId",
            ...(status === undefined ? [] : ["lastStatus"]),
          ].sort();
          return (
            JSON.stringify(keys) === JSON.stringify(allowed) &&
            !JSON.stringify(message).includes("BODY<") &&
            message.lastError === error.slice(0, MAX_ERROR_LENGTH) &&
            message.attempts === attempts + 1
          );
        },
      ),
    );
  });
});
