import { StatsConsumer } from "../shared/exchange/stats.ts";
import type { StreamConsumer } from "../shared/exchange/stream.ts";
import { WebhookConsumer } from "../shared/exchange/webhook-events.ts";
import { log } from "../shared/http/log.ts";
import { lazily } from "./runtime.ts";
import { statsStore } from "./runtime-stats.ts";
import { notifier } from "./runtime-webhooks.ts";

/**
 * The consumers of the table's stream, in the order they run on each batch: the statistics, and
 * the webhook notifier (enqueues the batch's events, then one delivery pass).
 */
export const streamConsumers = lazily((): readonly StreamConsumer[] => [
  new StatsConsumer(statsStore()),
  new WebhookConsumer(notifier, (error) =>
    log("warn", "webhook delivery pass failed (the scheduled pass retries)", {
      error: error instanceof Error ? error.message : String(error),
    }),
  ),
]);
