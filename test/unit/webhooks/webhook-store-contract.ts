/**
 * The contract every WebhookStore implementation must pass: the memory store here, the DynamoDB
 * adapter later, with `describeWebhookStoreContract("dynamodb", () => freshTableStore())`.
 * `makeStore` must return a store that holds nothing yet (claims see the whole store).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type NewOutboxEntry,
  type WebhookEndpoint,
  type WebhookStore,
  webhookIdFor,
} from "../../../shared/webhooks/index.ts";

const T0 = 1_800_000_000_000;
const LEASE = 60_000;

function endpoint(organ: string, overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id: `ep_${randomBytes(12).toString("hex")}`,
    organ,
    url: "https://receiver.example.vn/hooks",
    events: ["letter.received", "status.changed"],
    secrets: [{ value: `whsec_${randomBytes(32).toString("base64")}` }],
    enabled: true,
    createdAt: new Date(T0).toISOString(),
    ...overrides,
  };
}

function entry(eventId: string, endpointId: string, at = T0, organ = "000.00.01.H01"): NewOutboxEntry {
  return {
    webhookId: webhookIdFor(eventId, endpointId),
    eventId,
    endpointId,
    organ,
    type: "letter.received",
    body: JSON.stringify({
      type: "letter.received",
      timestamp: new Date(at).toISOString(),
      data: { eventId },
    }),
    nextAttemptAt: at,
    createdAt: at,
  };
}

export function describeWebhookStoreContract(
  name: string,
  makeStore: () => WebhookStore | Promise<WebhookStore>,
): void {
  describe(`WebhookStore contract: ${name}`, () => {
    it("keeps endpoints per organ: put replaces, list narrows to the organ, delete says whether it found one", async () => {
      const store = await makeStore();
      const a = endpoint("000.00.01.H01");
      const b = endpoint("000.00.01.H02");
      await store.putEndpoint(a);
      await store.putEndpoint(b);
      await store.putEndpoint({ ...a, enabled: false, disabledReason: "410 Gone from the receiver" });
      expect(await store.getEndpoint(a.id)).toEqual({
        ...a,
        enabled: false,
        disabledReason: "410 Gone from the receiver",
      });
      expect((await store.listEndpoints("000.00.01.H02")).map((e) => e.id)).toEqual([b.id]);
      expect(await store.deleteEndpoint(b.id)).toBe(true);
      expect(await store.deleteEndpoint(b.id)).toBe(false);
      expect(await store.getEndpoint(b.id)).toBeUndefined();
      expect(await store.listEndpoints("000.00.01.H02")).toEqual([]);
    });

    it("enqueues each webhook id once and keeps the first body", async () => {
      const store = await makeStore();
      const first = entry("E1", "ep_1");
      expect(await store.enqueue([first, entry("E2", "ep_1")])).toBe(2);
      expect(await store.enqueue([{ ...first, body: "{}" }, entry("E3", "ep_1")])).toBe(1);
      const stored = await store.getEntry(first.webhookId);
      expect(stored).toMatchObject({ state: "pending", attempts: 0, body: first.body, eventId: "E1" });
      expect(await store.getEntry("msg_missing")).toBeUndefined();
    });

    it("claims only due entries, up to the limit, and hands none to a second claim while the lease holds", async () => {
      const store = await makeStore();
      await store.enqueue([
        entry("E1", "ep_1", T0),
        entry("E2", "ep_1", T0 + 10),
        entry("E3", "ep_1", T0 + 5_000),
      ]);
      const first = await store.claimDue(T0 + 10, { limit: 1, leaseMs: LEASE });
      expect(first).toHaveLength(1);
      const second = await store.claimDue(T0 + 10, { limit: 10, leaseMs: LEASE });
      expect(second).toHaveLength(1);
      expect(new Set([...first, ...second].map((c) => c.entry.eventId))).toEqual(new Set(["E1", "E2"]));
      expect(await store.claimDue(T0 + 4_999, { limit: 10, leaseMs: LEASE })).toEqual([]);
      const claimed = await store.getEntry(first[0]!.entry.webhookId);
      expect(claimed?.nextAttemptAt).toBe(T0 + 10 + LEASE);
    });

    it("gives parallel claims disjoint entries", async () => {
      const store = await makeStore();
      await store.enqueue(Array.from({ length: 20 }, (_, i) => entry(`E${i}`, "ep_1")));
      const claims = await Promise.all(
        Array.from({ length: 4 }, () => store.claimDue(T0, { limit: 20, leaseMs: LEASE })),
      );
      const ids = claims.flat().map((c) => c.entry.webhookId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(20);
    });

    it("brings a claim back after its lease with a new token, and refuses the old token", async () => {
      const store = await makeStore();
      const e = entry("E1", "ep_1");
      await store.enqueue([e]);
      const [old] = await store.claimDue(T0, { limit: 10, leaseMs: LEASE });
      expect(await store.claimDue(T0 + LEASE - 1, { limit: 10, leaseMs: LEASE })).toEqual([]);
      const [fresh] = await store.claimDue(T0 + LEASE, { limit: 10, leaseMs: LEASE });
      expect(fresh?.entry.webhookId).toBe(e.webhookId);
      expect(fresh?.claimToken).not.toBe(old?.claimToken);
      const at = T0 + LEASE + 1;
      expect(
        await store.recordAttempt(e.webhookId, old!.claimToken, { kind: "delivered", at, status: 200 }),
      ).toBe(false);
      expect((await store.getEntry(e.webhookId))?.state).toBe("pending");
      expect(
        await store.recordAttempt(e.webhookId, fresh!.claimToken, { kind: "delivered", at, status: 204 }),
      ).toBe(true);
      expect(await store.getEntry(e.webhookId)).toMatchObject({
        state: "delivered",
        attempts: 1,
        deliveredAt: at,
        lastStatus: 204,
      });
      // Delivered is final: the token is spent and nothing is claimable any more.
      expect(
        await store.recordAttempt(e.webhookId, fresh!.claimToken, { kind: "delivered", at, status: 200 }),
      ).toBe(false);
      expect(await store.claimDue(T0 + 10 * LEASE, { limit: 10, leaseMs: LEASE })).toEqual([]);
    });

    it("reschedules a retry at its time and counts the attempts", async () => {
      const store = await makeStore();
      const e = entry("E1", "ep_1");
      await store.enqueue([e]);
      const [claim] = await store.claimDue(T0, { limit: 10, leaseMs: LEASE });
      const record = {
        kind: "retry",
        at: T0 + 1,
        nextAttemptAt: T0 + 5_000,
        status: 503,
        error: "HTTP 503",
      } as const;
      expect(await store.recordAttempt(e.webhookId, claim!.claimToken, record)).toBe(true);
      expect(await store.getEntry(e.webhookId)).toMatchObject({
        state: "pending",
        attempts: 1,
        nextAttemptAt: T0 + 5_000,
        lastStatus: 503,
        lastError: "HTTP 503",
        lastAttemptAt: T0 + 1,
      });
      // The token of a recorded attempt is spent.
      expect(await store.recordAttempt(e.webhookId, claim!.claimToken, record)).toBe(false);
      expect(await store.claimDue(T0 + 4_999, { limit: 10, leaseMs: LEASE })).toEqual([]);
      const [again] = await store.claimDue(T0 + 5_000, { limit: 10, leaseMs: LEASE });
      expect(again?.entry.attempts).toBe(1);
    });

    it("parks dead entries in a queue an admin lists (by organ, oldest first) and redelivers with the same id", async () => {
      const store = await makeStore();
      const a = entry("E1", "ep_1", T0, "000.00.01.H01");
      const b = entry("E2", "ep_2", T0, "000.00.01.H02");
      const c = entry("E3", "ep_1", T0, "000.00.01.H01");
      await store.enqueue([a, b, c]);
      const claims = await store.claimDue(T0, { limit: 10, leaseMs: LEASE });
      const tokenOf = (id: string) => claims.find((x) => x.entry.webhookId === id)!.claimToken;
      await store.recordAttempt(c.webhookId, tokenOf(c.webhookId), {
        kind: "dead",
        at: T0 + 3,
        error: "timeout",
      });
      await store.recordAttempt(a.webhookId, tokenOf(a.webhookId), {
        kind: "dead",
        at: T0 + 1,
        error: "HTTP 500",
        status: 500,
      });
      await store.recordAttempt(b.webhookId, tokenOf(b.webhookId), {
        kind: "dead",
        at: T0 + 2,
        error: "timeout",
      });
      expect((await store.listDead()).map((x) => x.eventId)).toEqual(["E1", "E2", "E3"]);
      expect((await store.listDead({ organ: "000.00.01.H01" })).map((x) => x.eventId)).toEqual(["E1", "E3"]);
      expect(await store.listDead({ limit: 1 })).toHaveLength(1);
      expect(await store.claimDue(T0 + 10 * LEASE, { limit: 10, leaseMs: LEASE })).toEqual([]);

      const revived = await store.redeliver(a.webhookId, T0 + 100);
      expect(revived).toMatchObject({
        webhookId: a.webhookId,
        body: a.body,
        state: "pending",
        attempts: 0,
        nextAttemptAt: T0 + 100,
      });
      expect((await store.listDead()).map((x) => x.eventId)).toEqual(["E2", "E3"]);
      const [claim] = await store.claimDue(T0 + 100, { limit: 10, leaseMs: LEASE });
      expect(claim?.entry.webhookId).toBe(a.webhookId);
      // The claim of before the redelivery cannot touch it.
      expect(
        await store.recordAttempt(a.webhookId, tokenOf(a.webhookId), {
          kind: "delivered",
          at: T0 + 101,
          status: 200,
        }),
      ).toBe(false);
      expect(
        await store.recordAttempt(a.webhookId, claim!.claimToken, {
          kind: "delivered",
          at: T0 + 101,
          status: 200,
        }),
      ).toBe(true);
    });

    it("refuses to redeliver an unknown or a live entry, with codes", async () => {
      const store = await makeStore();
      const e = entry("E1", "ep_1");
      await store.enqueue([e]);
      await expect(store.redeliver("msg_missing", T0)).rejects.toMatchObject({
        code: "WEBHOOK_MESSAGE_NOT_FOUND",
      });
      await expect(store.redeliver(e.webhookId, T0)).rejects.toMatchObject({
        code: "WEBHOOK_MESSAGE_NOT_DEAD",
      });
      const [claim] = await store.claimDue(T0, { limit: 1, leaseMs: LEASE });
      await store.recordAttempt(e.webhookId, claim!.claimToken, { kind: "delivered", at: T0, status: 200 });
      await expect(store.redeliver(e.webhookId, T0)).rejects.toMatchObject({
        code: "WEBHOOK_MESSAGE_NOT_DEAD",
      });
    });
  });
}
