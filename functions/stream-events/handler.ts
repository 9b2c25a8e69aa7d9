import type { DynamoDBStreamEvent } from "aws-lambda";
import { dispatchChanges } from "../../shared/exchange/stream.ts";
import { log } from "../../shared/http/log.ts";
import { type StreamRecordLike, tableChangesOf } from "../../shared/storage/stream-records.ts";
import { streamConsumers } from "../runtime-stream.ts";
import { handler as deliverWebhooks } from "../webhook-deliver/handler.ts";

/** The `source` of the scheduled webhook delivery pass (infra/webhooks.ts). */
const WEBHOOK_DELIVER_SOURCE = "lienthong.webhook-deliver";

/**
 * The table's stream (not an HTTP route: infra/stream-consumer.ts maps the stream to it; locally
 * local/stream-poller.ts calls it with the records it reads). A batch is handed to every consumer;
 * if one fails the handler throws, and the batch comes again (bisected in AWS until the failing
 * record is alone, then sent to the dead-letter queue). Consumers are idempotent.
 */
export async function handler(event: DynamoDBStreamEvent | { readonly source: string }): Promise<unknown> {
  if ("source" in event) {
    return event.source === WEBHOOK_DELIVER_SOURCE ? deliverWebhooks() : undefined;
  }
  const records = event.Records as unknown as StreamRecordLike[];
  const changes = tableChangesOf(records);
  try {
    await dispatchChanges(streamConsumers(), changes);
  } catch (error) {
    log("error", "stream batch failed", {
      records: records.length,
      first: records[0]?.dynamodb?.SequenceNumber,
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}
