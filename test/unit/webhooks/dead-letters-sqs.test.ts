/**
 * The SQS DeadLetterSink (shared/storage/sqs-dead-letters.ts) through the real SDK client, its
 * serialiser and its retry strategy, over a recording transport in place of the network: no local
 * SQS implementation is available, so this fake is the one exception to "real parts" here. Fixed
 * credentials keep the SDK from looking for real ones (no request leaves the process).
 */
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_ATTEMPTS } from "../../../shared/storage/clients.ts";
import { createSqsClient, SqsDeadLetters } from "../../../shared/storage/sqs-dead-letters.ts";
import {
  createEndpoint,
  Notifier,
  type ParkedMessage,
  type WebhookLogEvent,
} from "../../../shared/webhooks/index.ts";
import { MemoryWebhookStore } from "./memory-webhook-store.ts";

const QUEUE_URL = "https://sqs.ap-southeast-1.amazonaws.com/123456789012/lienthong-webhook-dead-letters";

interface SeenRequest {
  readonly hostname: string;
  readonly path: string;
  readonly target: string | undefined;
  readonly input: unknown;
}

/** An HTTP handler for the SDK: records each request and answers from `statuses` (then 200). */
class RecordingTransport {
  readonly requests: SeenRequest[] = [];
  constructor(private readonly statuses: readonly number[] = []) {}

  async handle(request: {
    hostname: string;
    path: string;
    headers: Record<string, string>;
    body?: unknown;
  }): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
    const raw =
      typeof request.body === "string" ? request.body : new TextDecoder().decode(request.body as Uint8Array);
    const input = JSON.parse(raw) as { MessageBody?: string };
    this.requests.push({
      hostname: request.hostname,
      path: request.path,
      target: request.headers["x-amz-target"],
      input,
    });
    const status = this.statuses[this.requests.length - 1] ?? 200;
    const body =
      status === 200
        ? {
            MessageId: `m-${this.requests.length}`,
            MD5OfMessageBody: createHash("md5")
              .update(input.MessageBody ?? "")
              .digest("hex"),
          }
        : status >= 500
          ? { __type: "com.amazonaws.sqs#InternalError", message: "We encountered an internal error." }
          : { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." };
    return {
      response: {
        statusCode: status,
        headers: { "content-type": "application/x-amz-json-1.0" },
        body: new TextEncoder().encode(JSON.stringify(body)),
      },
    };
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

const sinkOver = (transport: RecordingTransport): SqsDeadLetters =>
  new SqsDeadLetters(createSqsClient({ region: "ap-southeast-1" }, transport), QUEUE_URL);

const MESSAGE: ParkedMessage = {
  webhookId: "msg_2b6f0cc904d137be2e1730235f5664094b831186",
  eventId: "letter:L1:letter.received:000.00.01.H02",
  organ: "000.00.01.H02",
  endpointId: "wh_0123456789abcdef",
  type: "letter.received",
  attempts: 8,
  lastStatus: 503,
  lastError: "HTTP 503: upstream unavailable",
  parkedAt: Date.UTC(2026, 11, 1, 8, 30, 0),
};

beforeEach(() => {
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  vi.stubEnv("AWS_SESSION_TOKEN", "");
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("SqsDeadLetters", () => {
  it("sends one SendMessage to the queue with exactly the summary (no body, no secret)", async () => {
    const transport = new RecordingTransport();

    await sinkOver(transport).park(MESSAGE);

    expect(transport.requests).toHaveLength(1);
    const [request] = transport.requests;
    expect(request!.target).toBe("AmazonSQS.SendMessage");
    expect(request!.hostname).toBe("sqs.ap-southeast-1.amazonaws.com");
    expect(request!.input).toEqual({
      QueueUrl: QUEUE_URL,
      MessageBody: JSON.stringify({
        webhookId: MESSAGE.webhookId,
        eventId: MESSAGE.eventId,
        organ: "000.00.01.H02",
        endpointId: "wh_0123456789abcdef",
        type: "letter.received",
        attempts: 8,
        lastStatus: 503,
        lastError: "HTTP 503: upstream unavailable",
        parkedAt: "2026-12-01T08:30:00.000Z",
      }),
    });
  });

  it("retries a failing SendMessage with the same input, then succeeds", async () => {
    const transport = new RecordingTransport([500, 503]);

    await sinkOver(transport).park(MESSAGE);

    expect(transport.requests).toHaveLength(3);
    expect(new Set(transport.requests.map((r) => JSON.stringify(r.input))).size).toBe(1);
  });

  it("gives up after the shared client's attempts and throws; a caller's mistake is not retried", async () => {
    const failing = new RecordingTransport(Array(MAX_ATTEMPTS + 2).fill(500));
    await expect(sinkOver(failing).park(MESSAGE)).rejects.toMatchObject({ name: "InternalError" });
    expect(failing.requests).toHaveLength(MAX_ATTEMPTS);

    const missing = new RecordingTransport([400]);
    await expect(sinkOver(missing).park(MESSAGE)).rejects.toMatchObject({ name: "QueueDoesNotExist" });
    expect(missing.requests).toHaveLength(1);
  });

  it("through the Notifier: a queue that keeps failing surfaces the error, and the entry stays dead and listed", async () => {
    const store = new MemoryWebhookStore();
    const { endpoint } = createEndpoint(
      { url: "http://127.0.0.1:9/gone", events: ["letter.received"] },
      { organ: MESSAGE.organ, now: new Date(), local: true },
    );
    await store.putEndpoint(endpoint);
    const transport = new RecordingTransport(Array(10).fill(500));
    const logs: WebhookLogEvent[] = [];
    const notifier = new Notifier({
      store,
      local: true,
      deadLetters: sinkOver(transport),
      log: (e) => logs.push(e),
    });
    await notifier.notify([
      {
        eventId: MESSAGE.eventId,
        organ: MESSAGE.organ,
        type: "letter.received",
        payload: { letterId: "L1" },
      },
    ]);
    await store.deleteEndpoint(endpoint.id);

    await expect(notifier.deliverDue()).rejects.toMatchObject({ name: "InternalError" });

    expect(transport.requests).toHaveLength(MAX_ATTEMPTS);
    const dead = await store.listDead();
    expect(dead.map((e) => [e.endpointId, e.state, e.lastError])).toEqual([
      [endpoint.id, "dead", "endpoint deleted"],
    ]);
    expect(logs.filter((e) => e.event === "webhook.park_failed")).toEqual([
      expect.objectContaining({ webhookId: dead[0]!.webhookId, endpointId: endpoint.id }),
    ]);
    // Nothing is due any more: the next pass neither re-parks nor re-announces it.
    expect((await notifier.deliverDue()).claimed).toBe(0);
    expect(transport.requests).toHaveLength(MAX_ATTEMPTS);
  });
});
