import { WebhookEndpoints } from "../shared/exchange/webhook-endpoints.ts";
import { log } from "../shared/http/log.ts";
import { DynamoWebhooks } from "../shared/storage/dynamo-webhooks.ts";
import {
  createSqsClient,
  SqsDeadLetters,
  WEBHOOK_DLQ_URL_VARIABLE,
} from "../shared/storage/sqs-dead-letters.ts";
import { type DeadLetterSink, Notifier, TABLE_ONLY_DEAD_LETTERS } from "../shared/webhooks/index.ts";
import { baseRuntime, lazily } from "./runtime.ts";

/**
 * Webhooks (issue 11 item 2): the DynamoDB outbox, the notifier and the endpoint routes' logic.
 * Locally (the table has an endpoint of its own: DynamoDB Local) receivers may be plain http on
 * loopback, and `LIENTHONG_WEBHOOK_TIME_SCALE` compresses the retry schedule (e.g. 1e-5: the
 * ~2 days of retries in about 2 s) for tests and demos; in AWS neither applies. Parked messages
 * are announced on the SQS queue named by `WEBHOOK_DLQ_URL` (the stream function's, infra/webhooks.ts);
 * without it (locally, and in the API's functions, which never park) the table's list is all.
 */
export const TIME_SCALE_VARIABLE = "LIENTHONG_WEBHOOK_TIME_SCALE";

const isLocal = () => baseRuntime().config.dynamodbEndpoint !== undefined;

function timeScale(): number {
  const raw = process.env[TIME_SCALE_VARIABLE];
  const value = raw === undefined || raw === "" ? 1 : Number(raw);
  if (!isLocal() || !(value > 0 && value <= 1)) {
    return 1;
  }
  return value;
}

export const webhookStore = lazily((): DynamoWebhooks => {
  const { dynamo, config } = baseRuntime();
  return new DynamoWebhooks(dynamo, config.tableName);
});

function deadLetters(): DeadLetterSink {
  const queueUrl = process.env[WEBHOOK_DLQ_URL_VARIABLE];
  if (queueUrl === undefined || queueUrl === "") {
    return TABLE_ONLY_DEAD_LETTERS;
  }
  return new SqsDeadLetters(createSqsClient(baseRuntime().config), queueUrl);
}

export const notifier = lazily(
  (): Notifier =>
    new Notifier({
      store: webhookStore(),
      local: isLocal(),
      deadLetters: deadLetters(),
      timeScale: timeScale(),
      // A compressed schedule (local only) retries within seconds: shorter per-attempt timeouts and
      // leases too, so that a notifier killed mid-batch has its claims back within seconds.
      ...(timeScale() < 1 ? { timeoutMs: 2_000, leaseMs: 10_000 } : {}),
      log: (event) => log(event.event === "webhook.attempt" ? "info" : "warn", event.event, { ...event }),
    }),
);

export const webhookEndpoints = lazily(
  (): WebhookEndpoints => new WebhookEndpoints({ store: webhookStore(), notifier, local: isLocal() }),
);
