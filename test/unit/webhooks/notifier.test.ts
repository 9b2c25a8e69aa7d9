/**
 * Webhooks end to end (issue 11 item 2, Must show): change records → outbox → signed POSTs to a
 * real receiver on 127.0.0.1 that verifies them with the `standardwebhooks` package. The retry
 * schedule is compressed with `timeScale` (about 1.4 s instead of 39 h at most) and runs in real
 * time, so the signature timestamps stay fresh for the receiver's tolerance check.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  type ChangeRecord,
  createEndpoint,
  Notifier,
  type NotifierOptions,
  RETRY_SCHEDULE,
  type WebhookEndpoint,
  type WebhookLogEvent,
  type WebhookStore,
  webhookIdFor,
} from "../../../shared/webhooks/index.ts";
import { MemoryWebhookStore } from "./memory-webhook-store.ts";
import { Receiver, until } from "./receiver.ts";

const ORGAN = "000.00.01.H02";
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.down()));
});

async function setUp(options: Partial<NotifierOptions> = {}) {
  const store = new MemoryWebhookStore();
  const probe = createEndpoint(
    { url: "http://127.0.0.1:1/placeholder", events: ["letter.received", "status.changed"] },
    { organ: ORGAN, now: new Date(), local: true },
  );
  const receiver = await Receiver.start(probe.secret);
  receivers.push(receiver);
  const endpoint: WebhookEndpoint = { ...probe.endpoint, url: receiver.url };
  await store.putEndpoint(endpoint);
  const logs: WebhookLogEvent[] = [];
  const notifier = new Notifier({
    store,
    local: true,
    timeScale: 1e-5,
    timeoutMs: 200,
    log: (event) => logs.push(event),
    ...options,
  });
  return { store, receiver, endpoint, secret: probe.secret, notifier, logs };
}

const record = (n: number, type: ChangeRecord["type"] = "letter.received"): ChangeRecord => ({
  eventId: `letter:L${n}:${type}:${ORGAN}`,
  organ: ORGAN,
  type,
  payload: { letterId: `L${n}`, recipient: ORGAN },
});

describe("the notifier against a real receiver", () => {
  it("delivers a signed event the receiver accepts, once, only to subscribed endpoints of the organ", async () => {
    const { store, receiver, endpoint, notifier } = await setUp();
    const other = createEndpoint(
      { url: receiver.url, events: ["letter.received"] },
      { organ: "000.00.01.H03", now: new Date(), local: true },
    );
    await store.putEndpoint(other.endpoint);

    const ours = record(1);
    const notForUs = record(2, "receipt.issued");
    expect(await notifier.notify([ours, notForUs, { ...record(3), organ: "000.00.09.H99" }])).toEqual({
      enqueued: 1,
    });
    // The stream hands the same record again: nothing new.
    expect(await notifier.notify([ours])).toEqual({ enqueued: 0 });

    expect(await notifier.deliverDue()).toMatchObject({ claimed: 1, delivered: 1 });
    const id = webhookIdFor(ours.eventId, endpoint.id);
    expect(receiver.ids).toEqual([id]);
    expect(receiver.refused).toEqual([]);
    expect(receiver.received[0]!.payload).toMatchObject({ type: "letter.received", data: ours.payload });
    expect(await store.getEntry(id)).toMatchObject({ state: "delivered", attempts: 1, lastStatus: 204 });
    expect(await notifier.deliverDue()).toMatchObject({ claimed: 0 });
  });

  it("gets the event to a receiver that was down, once it is back, with the same webhook id", async () => {
    const { store, receiver, endpoint, notifier } = await setUp();
    await receiver.down();
    await notifier.notify([record(1)]);
    const id = webhookIdFor(record(1).eventId, endpoint.id);

    await until(
      async () => ((await store.getEntry(id))?.attempts ?? 0) >= 3,
      () => notifier.deliverDue(),
    );
    expect(await store.getEntry(id)).toMatchObject({ state: "pending", lastError: "connection refused" });
    expect(receiver.received).toEqual([]);

    await receiver.up();
    await until(
      async () => (await store.getEntry(id))?.state === "delivered",
      () => notifier.deliverDue(),
    );
    expect(receiver.ids).toEqual([id]);
    expect(receiver.received[0]!.payload).toMatchObject({ data: record(1).payload });
  });

  it("parks an event for a receiver that never answers in the dead-letter queue, and an admin redelivers it", async () => {
    const { store, receiver, endpoint, notifier, logs, secret } = await setUp();
    receiver.behaviour = { kind: "hang" };
    await notifier.notify([record(1)]);
    const id = webhookIdFor(record(1).eventId, endpoint.id);

    await until(
      async () => (await store.listDead()).length > 0,
      () => notifier.deliverDue(),
    );
    const [dead] = await store.listDead({ organ: ORGAN });
    expect(dead).toMatchObject({ webhookId: id, state: "dead", attempts: RETRY_SCHEDULE.length + 1 });
    expect(dead!.lastError).toBe("timeout after 200 ms");
    // Every attempt reached the receiver with the same id and a valid signature.
    expect(receiver.ids).toEqual(Array(RETRY_SCHEDULE.length + 1).fill(id));
    // No more attempts once parked.
    expect(await notifier.deliverDue(Date.now() + 1e9)).toMatchObject({ claimed: 0 });

    receiver.behaviour = { kind: "answer", status: 200 };
    await notifier.redeliver(id);
    expect(await store.listDead()).toEqual([]);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 1 });
    expect(await store.getEntry(id)).toMatchObject({ state: "delivered", attempts: 1 });
    expect(new Set(receiver.ids)).toEqual(new Set([id]));

    // Logged: ids and outcomes, never the secret or the body.
    expect(logs.some((e) => e.event === "webhook.dead" && e.webhookId === id)).toBe(true);
    const logged = JSON.stringify(logs);
    expect(logged).not.toContain(secret.slice("whsec_".length));
    expect(logged).not.toContain("letterId");
  });

  it("loses no event when the notifier is killed mid-batch; duplicates carry the same webhook id", async () => {
    const { store, receiver, endpoint } = await setUp();
    const records = Array.from({ length: 10 }, (_, i) => record(i));
    const leaseMs = 400;

    // The first notifier's process dies after recording three outcomes: from then on nothing it
    // does reaches the store (its next write never lands), while its claims still hold leases.
    let writes = 0;
    const dying = new Proxy<WebhookStore>(store, {
      get(target, property) {
        if (property === "recordAttempt") {
          return (...args: Parameters<WebhookStore["recordAttempt"]>) =>
            ++writes > 3 ? new Promise<boolean>(() => undefined) : target.recordAttempt(...args);
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const first = new Notifier({ store: dying, local: true, concurrency: 1, leaseMs, timeoutMs: 1000 });
    await first.notify(records);
    void first.deliverDue();
    await until(
      () => receiver.received.length >= 4,
      async () => undefined,
    );
    // Four requests reached the receiver; the fourth was never recorded, six were never sent.
    expect(receiver.received).toHaveLength(4);
    const delivered = async () => [...store.entries.values()].filter((e) => e.state === "delivered").length;
    expect(await delivered()).toBe(3);

    // A new notifier (the Lambda's retry, the next poll) finds the rest once the lease runs out.
    const second = new Notifier({ store, local: true, leaseMs, timeoutMs: 1000 });
    await until(
      async () => (await delivered()) === 10,
      () => second.deliverDue(),
      { pauseMs: 50 },
    );

    const expected = records.map((r) => webhookIdFor(r.eventId, endpoint.id));
    expect(new Set(receiver.ids)).toEqual(new Set(expected));
    // Exactly one duplicate, the one in flight at the crash, with the same id and the same body.
    expect(receiver.received).toHaveLength(11);
    const counts = new Map<string, string[]>();
    for (const r of receiver.received) {
      counts.set(r.id, [...(counts.get(r.id) ?? []), r.body]);
    }
    const duplicated = [...counts.entries()].filter(([, bodies]) => bodies.length > 1);
    expect(duplicated).toHaveLength(1);
    expect(new Set(duplicated[0]![1]).size).toBe(1);
    expect(receiver.refused).toEqual([]);
  });

  it("disables an endpoint that answers 410 Gone and parks its messages", async () => {
    const { store, receiver, endpoint, notifier } = await setUp();
    receiver.behaviour = { kind: "answer", status: 410 };
    await notifier.notify([record(1)]);
    expect(await notifier.deliverDue()).toMatchObject({ dead: 1 });
    expect(await store.getEndpoint(endpoint.id)).toMatchObject({
      enabled: false,
      disabledReason: "410 Gone from the receiver",
    });
    // A disabled endpoint gets no new entries.
    expect(await notifier.notify([record(2)])).toEqual({ enqueued: 0 });
    expect(receiver.received).toHaveLength(1);
  });

  it("parks entries whose endpoint was deleted instead of retrying them", async () => {
    const { store, receiver, endpoint, notifier } = await setUp();
    await notifier.notify([record(1)]);
    await store.deleteEndpoint(endpoint.id);
    expect(await notifier.deliverDue()).toMatchObject({ dead: 1 });
    expect((await store.listDead())[0]).toMatchObject({ lastError: "endpoint deleted" });
    expect(receiver.received).toEqual([]);
  });

  it("hands each entry to one of two notifiers running at once: every id arrives exactly once", async () => {
    const { store, receiver, endpoint } = await setUp();
    const records = Array.from({ length: 20 }, (_, i) => record(i));
    const [a, b] = [
      new Notifier({ store, local: true, batchSize: 7 }),
      new Notifier({ store, local: true, batchSize: 7 }),
    ];
    await a.notify(records);
    await until(
      async () => [...store.entries.values()].every((e) => e.state === "delivered"),
      () => Promise.all([a.deliverDue(), b.deliverDue()]),
    );
    expect([...receiver.ids].sort()).toEqual(records.map((r) => webhookIdFor(r.eventId, endpoint.id)).sort());
  });

  it("sends a signed test message on request, and says when the endpoint does not exist", async () => {
    const { receiver, endpoint, notifier, store } = await setUp();
    const result = await notifier.sendTest(endpoint.id);
    expect(result).toMatchObject({ outcome: "delivered", status: 204 });
    expect(receiver.ids).toEqual([result.webhookId]);
    expect(receiver.received[0]!.payload).toMatchObject({
      type: "webhook.test",
      data: { endpointId: endpoint.id },
    });
    expect(store.entries.size).toBe(0);
    await expect(notifier.sendTest("ep_missing")).rejects.toMatchObject({
      code: "WEBHOOK_ENDPOINT_NOT_FOUND",
    });
  });
});
