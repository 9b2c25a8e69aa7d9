/**
 * The DeadLetterSink in AWS: one SQS message per webhook message the outbox parked (issue 11
 * item 2). The queue is an alert and an archive, not the dead-letter queue proper: the outbox's
 * `dead` entries are what the admin routes list and redeliver, and redelivering removes nothing
 * here (the message expires after the queue's retention; its alarm says someone should look).
 * A standard queue: a duplicate announcement is harmless, so no deduplication id.
 *
 * The client is made here, not in clients.ts (which every function imports), so that only the
 * webhook functions bundle the SQS client; it takes the same bounded attempts and timeouts.
 */
import { SendMessageCommand, SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import type { RuntimeConfig } from "../config.ts";
import type { DeadLetterSink, ParkedMessage } from "../webhooks/index.ts";
import { CONNECT_TIMEOUT_MS, MAX_ATTEMPTS } from "./clients.ts";

/** The environment variable holding the queue's URL; absent, the table's list is the only record. */
export const WEBHOOK_DLQ_URL_VARIABLE = "WEBHOOK_DLQ_URL";

/** `requestHandler`: the SDK's HTTP handler by default; tests put a recording one here. */
export function createSqsClient(
  config: Pick<RuntimeConfig, "region">,
  requestHandler?: SQSClientConfig["requestHandler"],
): SQSClient {
  return new SQSClient({
    region: config.region,
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: requestHandler ?? {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: 5_000,
      throwOnRequestTimeout: true,
    },
  });
}

/** The message body: the summary as JSON, `parkedAt` as an ISO 8601 instant for the people reading it. */
export function deadLetterBody(message: ParkedMessage): string {
  return JSON.stringify({ ...message, parkedAt: new Date(message.parkedAt).toISOString() });
}

export class SqsDeadLetters implements DeadLetterSink {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  /** Retried by the client (MAX_ATTEMPTS in all), then throws the last error. */
  async park(message: ParkedMessage): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: deadLetterBody(message) }),
    );
  }
}
