import { Lifecycle } from "../shared/exchange/lifecycle.ts";
import type { DynamoEvents } from "../shared/storage/dynamo-events.ts";
import { baseRuntime, lazily } from "./runtime.ts";

/**
 * The audit chains on the table, for the routes that record or read a letter's life: statuses,
 * recall, history (table only: no bucket, no CMS, so these stay light routes).
 */
export const eventStore = (): DynamoEvents => baseRuntime().ledger.events;

export const lifecycle = lazily(
  (): Lifecycle => new Lifecycle({ ledger: baseRuntime().ledger, events: eventStore() }),
);
