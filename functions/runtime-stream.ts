import { StatsConsumer } from "../shared/exchange/stats.ts";
import type { StreamConsumer } from "../shared/exchange/stream.ts";
import { lazily } from "./runtime.ts";
import { statsStore } from "./runtime-stats.ts";

/**
 * The consumers of the table's stream, in the order they run on each batch: the statistics now;
 * the webhook notifier (shared/webhooks) joins this list when it is integrated.
 */
export const streamConsumers = lazily((): readonly StreamConsumer[] => [new StatsConsumer(statsStore())]);
