import { randomInt, randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { LienthongClient } from "../../local/api-client.ts";
import { PeekInbox } from "../../shared/exchange/peek.ts";
import type { Delivery } from "../../shared/exchange/types.ts";
import { createDynamoClient } from "../../shared/storage/clients.ts";
import { DynamoPeekStore } from "../../shared/storage/dynamo-peek.ts";
import { letterMetadata, organCodes, signedPdf, testLedger } from "../support/exchange.ts";

/**
 * The peek/confirm inbox (issue 11 item 3) through HTTP on the local exchange, and as a property
 * against a model in process (the production adapters on DynamoDB Local, a controlled clock).
 * Each test polls the inbox of a fresh organ of its own, so that no other test's peeks interfere.
 */

interface PeekAnswer {
  readonly items: readonly { letterId: string; subject: string; lockToken: string; lockedUntil: string }[];
}

const freshCode = () =>
  `${randomInt(100, 999)}.${randomInt(10, 99)}.${randomInt(10, 99)}.P${String(randomInt(0, 99)).padStart(2, "0")}`;

let sender: LienthongClient;
let senderCode: string;
let admin: LienthongClient;
let pdf: Uint8Array;

beforeAll(async () => {
  const url = inject("apiUrl");
  const keys = inject("demoKeys");
  senderCode = organCodes()[0]!;
  sender = new LienthongClient(
    url,
    keys.find((k) => k.organCode === senderCode && k.role === "integration")!.apiKey,
  );
  admin = new LienthongClient(url, keys.find((k) => k.role === "admin")!.apiKey);
  pdf = await signedPdf(senderCode, "peek");
});

/** A fresh recipient organ with an integration key, and `count` letters sent to it. */
async function pollerWithLetters(
  count: number,
): Promise<{ poller: LienthongClient; code: string; ids: string[] }> {
  const code = freshCode();
  await admin.call("POST", "/v1/admin/organs", { code, name: `Cơ quan thăm dò ${code}` });
  const made = await admin.call<{ secret: string }>("POST", `/v1/admin/organs/${code}/keys`, {
    role: "integration",
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push((await sender.sendLetter(letterMetadata([code]), pdf, `peek-${i}.pdf`)).id);
  }
  return { poller: new LienthongClient(inject("apiUrl"), made.secret), code, ids };
}

const peek = async (client: LienthongClient, query: string) => {
  const answer = await client.request<PeekAnswer>("POST", `/v1/inbox/peek?${query}`);
  expect(answer.status).toBe(200);
  return answer.body.items;
};

describe("POST /v1/inbox/peek and /confirm", () => {
  it("two concurrent peeks get disjoint sets, together every unconfirmed copy", async () => {
    const { poller, ids } = await pollerWithLetters(6);
    const [a, b] = await Promise.all([
      peek(poller, "limit=4&lockSeconds=600"),
      peek(poller, "limit=4&lockSeconds=600"),
    ]);
    const first = a.map((item) => item.letterId);
    const second = b.map((item) => item.letterId);
    expect(first.filter((id) => second.includes(id))).toEqual([]);
    expect([...first, ...second].sort()).toEqual([...ids].sort());
    // Each item names the lock its peek holds; a third peek finds nothing free.
    expect(new Set(a.map((item) => item.lockToken)).size).toBe(1);
    expect(await peek(poller, "limit=10&lockSeconds=600")).toEqual([]);
  });

  it("hands an unconfirmed copy out again once its lock ends, but never a confirmed one", async () => {
    const { poller, ids } = await pollerWithLetters(2);
    const held = await peek(poller, "limit=10&lockSeconds=1");
    expect(held.map((item) => item.letterId).sort()).toEqual([...ids].sort());
    const [confirmed, dropped] = ids as [string, string];
    expect((await poller.request("POST", `/v1/inbox/${confirmed}/confirm`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const again = await peek(poller, "limit=10&lockSeconds=60");
    expect(again.map((item) => item.letterId)).toEqual([dropped]);
    expect(again[0]!.lockToken).not.toBe(held[0]!.lockToken);
  });

  it("confirm is idempotent, and another organ cannot confirm (404, as if there were no letter)", async () => {
    const { poller, ids, code } = await pollerWithLetters(1);
    const id = ids[0]!;
    const first = await poller.request<{ confirmedAt: string; recipient: string }>(
      "POST",
      `/v1/inbox/${id}/confirm`,
    );
    const second = await poller.request<{ confirmedAt: string }>("POST", `/v1/inbox/${id}/confirm`);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.confirmedAt).toBe(first.body.confirmedAt);
    expect(first.body.recipient).toBe(code);
    // The sender is no recipient of it; a stranger neither; nor is a malformed id anything.
    const { poller: stranger } = await pollerWithLetters(0);
    for (const [client, path] of [
      [sender, `/v1/inbox/${id}/confirm`],
      [stranger, `/v1/inbox/${id}/confirm`],
      [stranger, `/v1/inbox/${randomUUID()}/confirm`],
      [stranger, "/v1/inbox/not-a-letter/confirm"],
    ] as const) {
      const answer = await client.request<{ code: string }>("POST", path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.code).toBe("LETTER_NOT_FOUND");
    }
  });

  it("refuses a limit or lock outside its bounds with VALIDATION_FAILED", async () => {
    const { poller } = await pollerWithLetters(0);
    for (const query of [
      "limit=0",
      "limit=101",
      "lockSeconds=0",
      "lockSeconds=43201",
      "limit=1e1",
      "extra=1",
    ]) {
      const answer = await poller.request<{ code: string }>("POST", `/v1/inbox/peek?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.code, query).toBe("VALIDATION_FAILED");
    }
  });
});

describe("peek/confirm against a model (fast-check, DynamoDB Local, a controlled clock)", () => {
  const ledger = testLedger();
  const client = createDynamoClient({
    region: "ap-southeast-1",
    tableName: "lienthong",
    bucketName: "lienthong-letters",
    dynamodbEndpoint: inject("dynamodbEndpoint"),
    presignTtlSeconds: 60,
    maxFileBytes: 1024,
    revocation: "off",
  });
  afterAll(() => client.destroy());

  type Step =
    | { readonly kind: "peek"; readonly limit: number; readonly lockSeconds: number }
    | { readonly kind: "confirm"; readonly copy: number }
    | { readonly kind: "wait"; readonly seconds: number };

  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant("peek" as const),
      limit: fc.integer({ min: 1, max: 4 }),
      lockSeconds: fc.integer({ min: 1, max: 30 }),
    }),
    fc.record({ kind: fc.constant("confirm" as const), copy: fc.nat({ max: 5 }) }),
    fc.record({ kind: fc.constant("wait" as const), seconds: fc.integer({ min: 0, max: 40 }) }),
  );

  it("a peek hands out exactly the free unconfirmed copies, oldest first; concurrent peeks never share one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(step, { minLength: 1, maxLength: 12 }),
        async (copies, steps) => {
          const recipient = freshCode();
          let now = Date.parse("2026-06-01T00:00:00.000Z");
          const inbox = new PeekInbox(new DynamoPeekStore(client, "lienthong"), () => new Date(now));
          const caller = { organCode: recipient, role: "integration" as const };
          const ids: string[] = Array.from({ length: copies }, () => randomUUID());
          // Arrived one second apart, before the first step.
          await ledger.putDeliveries(
            ids.map((letterId, i) => delivery(letterId, recipient, new Date(now - (copies - i) * 1000))),
          );
          // The model: per copy, confirmed or the time its lock ends (0: never locked).
          const confirmed = new Set<string>();
          const lockedUntil = new Map<string, number>();
          const free = () => ids.filter((id) => !confirmed.has(id) && (lockedUntil.get(id) ?? 0) <= now);
          for (const s of steps) {
            if (s.kind === "wait") {
              now += s.seconds * 1000;
            } else if (s.kind === "confirm") {
              const id = ids[s.copy % copies]!;
              await inbox.confirm(caller, id);
              confirmed.add(id);
            } else {
              // Two pollers at once with the same limit: disjoint, only free copies, as many as the
              // model frees up to both limits, oldest first (copies free since the same instant in any order).
              const freeNow = free();
              const query = { limit: s.limit, lockSeconds: s.lockSeconds };
              const [a, b] = await Promise.all([inbox.peek(caller, query), inbox.peek(caller, query)]);
              const got = [...a.items, ...b.items].map((item) => item.letterId);
              expect(new Set(got).size).toBe(got.length);
              expect(got.length).toBe(Math.min(2 * s.limit, freeNow.length));
              expect(got.filter((id) => !freeNow.includes(id))).toEqual([]);
              const newest = Math.max(...got.map(availability));
              expect(freeNow.filter((id) => !got.includes(id) && availability(id) < newest)).toEqual([]);
              for (const id of got) {
                lockedUntil.set(id, now + s.lockSeconds * 1000);
              }
            }
          }
          function availability(id: string): number {
            return lockedUntil.get(id) ?? Date.parse(deliveredAtOf(ids.indexOf(id)));
          }
          function deliveredAtOf(index: number): string {
            return new Date(Date.parse("2026-06-01T00:00:00.000Z") - (copies - index) * 1000).toISOString();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

function delivery(letterId: string, recipient: string, at: Date): Delivery {
  return {
    letterId,
    recipient,
    sender: "000.00.00.A01",
    status: "01",
    deliveredAt: at.toISOString(),
    updatedAt: at.toISOString(),
    summary: {
      code: { number: "1", notation: "T" },
      documentType: "Công văn",
      subject: "mô hình",
      urgency: 0,
    },
  };
}
