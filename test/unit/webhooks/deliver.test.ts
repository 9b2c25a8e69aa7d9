/** One delivery attempt against a real local receiver that checks signatures with `standardwebhooks`. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { attemptDelivery, generateSecret, signWebhook } from "../../../shared/webhooks/index.ts";
import { Receiver } from "./receiver.ts";

const secret = generateSecret();
/** The receiver is on loopback, which only the local runtime may call. */
const local = true;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await Receiver.start(secret);
});
afterAll(async () => {
  await receiver.down();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.refused.length = 0;
  receiver.behaviour = { kind: "answer", status: 204 };
});

const body = JSON.stringify({
  type: "letter.received",
  timestamp: "2026-12-01T08:00:00.000Z",
  data: { letterId: "L1" },
});
const signed = (secrets = [secret]) =>
  signWebhook({ id: "msg_deliver", timestampSeconds: Math.floor(Date.now() / 1000), body, secrets });

describe("attemptDelivery", () => {
  it("delivers on 2xx; the receiver verifies the signature and gets the exact body", async () => {
    const result = await attemptDelivery({ url: receiver.url, local, body, headers: signed() });
    expect(result).toEqual({ outcome: "delivered", status: 204 });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ id: "msg_deliver", body });
    expect(receiver.received[0]!.payload).toEqual(JSON.parse(body));
  });

  it("is refused by the receiver (401, not delivered) when signed with another secret", async () => {
    const result = await attemptDelivery({
      url: receiver.url,
      local,
      body,
      headers: signed([generateSecret()]),
    });
    expect(result).toMatchObject({ outcome: "failed", status: 401 });
    expect(receiver.refused).toHaveLength(1);
    expect(receiver.received).toHaveLength(0);
  });

  it("fails on 5xx with the status and a short reason", async () => {
    receiver.behaviour = { kind: "answer", status: 503, body: "  maintenance\n  window " };
    const result = await attemptDelivery({ url: receiver.url, local, body, headers: signed() });
    expect(result).toEqual({ outcome: "failed", status: 503, error: "HTTP 503: maintenance window" });
  });

  it("reports 410 Gone as gone (the notifier disables the endpoint)", async () => {
    receiver.behaviour = { kind: "answer", status: 410 };
    expect(await attemptDelivery({ url: receiver.url, local, body, headers: signed() })).toMatchObject({
      outcome: "gone",
      status: 410,
    });
  });

  it("does not follow a redirect, even to a URL that would accept", async () => {
    receiver.behaviour = { kind: "answer", status: 307, headers: { location: `${receiver.url}?moved=1` } };
    const result = await attemptDelivery({ url: receiver.url, local, body, headers: signed() });
    expect(result).toEqual({ outcome: "failed", status: 307, error: "HTTP 307: redirect not followed" });
    expect(receiver.received).toHaveLength(1);
  });

  it("gives up on a receiver that never answers after the timeout", async () => {
    receiver.behaviour = { kind: "hang" };
    const result = await attemptDelivery({
      url: receiver.url,
      local,
      body,
      headers: signed(),
      timeoutMs: 150,
    });
    expect(result).toEqual({ outcome: "failed", error: "timeout after 150 ms" });
  });

  it("reads only a bounded part of an endless response", async () => {
    receiver.behaviour = { kind: "endless", status: 500 };
    const result = await attemptDelivery({
      url: receiver.url,
      local,
      body,
      headers: signed(),
      maxResponseBytes: 100,
      timeoutMs: 5000,
    });
    expect(result.outcome).toBe("failed");
    // Not a timeout: the read stopped at the bound and the rest was cancelled.
    expect(result.error).toBe(`HTTP 500: ${"a".repeat(100)}`);
  });

  it("reports a refused connection", async () => {
    const gone = await Receiver.start(secret);
    const url = gone.url;
    await gone.down();
    expect(await attemptDelivery({ url, local, body, headers: signed() })).toEqual({
      outcome: "failed",
      error: "connection refused",
    });
  });
});
