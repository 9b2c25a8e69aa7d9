/**
 * The dead-letter announcement of a parked webhook message (issue 11 item 2). The outbox's `dead`
 * state is the dead-letter queue itself: the admin routes list and redeliver from the table, in AWS
 * and locally. A DeadLetterSink only announces each parking, so that in AWS an SQS queue (and its
 * alarm) shows that something needs an admin; locally the table's list is all there is.
 *
 * The announcement carries ids, the event type, the attempt count and the last error, never the
 * endpoint's secret and never the body: the body is an organ's letter metadata, already kept in the
 * outbox entry that redelivery re-sends, and a copy in a second store (kept 14 days, read by
 * operators) would only widen who can read it. The last error is cut to {@link MAX_ERROR_LENGTH}
 * characters so that a message stays small whatever the receiver answered.
 */
import type { AttemptRecord, DeadLetterSink, OutboxEntry, ParkedMessage } from "./ports.ts";

export const MAX_ERROR_LENGTH = 1_000;

/** The announcement of `entry` just marked dead by `record` (the store counted that attempt too). */
export function parkedMessage(
  entry: OutboxEntry,
  record: Extract<AttemptRecord, { kind: "dead" }>,
): ParkedMessage {
  return {
    webhookId: entry.webhookId,
    eventId: entry.eventId,
    organ: entry.organ,
    endpointId: entry.endpointId,
    type: entry.type,
    attempts: entry.attempts + 1,
    ...(record.status === undefined ? {} : { lastStatus: record.status }),
    lastError: record.error.slice(0, MAX_ERROR_LENGTH),
    parkedAt: record.at,
  };
}

/** The local sink: nothing beyond the table's dead entries, which the admin routes list. */
export const TABLE_ONLY_DEAD_LETTERS: DeadLetterSink = { park: () => Promise.resolve() };
