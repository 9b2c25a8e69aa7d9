import { createHash } from "node:crypto";

/** The events an organ can subscribe to (issue 11 item 2). */
export const WEBHOOK_EVENT_TYPES = [
  "letter.received",
  "status.changed",
  "recall.requested",
  "receipt.issued",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === "string" && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * One change of the exchange, as the stream handler hands it to the notifier. `eventId` must be
 * stable for the change (e.g. derived from the item key and sequence, not from the stream read),
 * so a stream record processed twice yields the same webhook ids and hence one outbox entry each.
 */
export interface ChangeRecord {
  readonly eventId: string;
  /** The organ the event is for: only its endpoints receive it. */
  readonly organ: string;
  readonly type: WebhookEventType;
  readonly payload: Readonly<Record<string, unknown>>;
  /** ISO 8601; defaults to the time the notifier first sees the record. */
  readonly occurredAt?: string;
}

/**
 * The webhook id of an event for an endpoint: a hash of both, so it is the same on every retry,
 * every re-read of the stream and every admin redelivery (Standard Webhooks: receivers drop
 * duplicates by `webhook-id`).
 *
 * @example
 * webhookIdFor("letter:L1:received", "ep_abc"); // "msg_3f1c…" (32 hex digits)
 */
export function webhookIdFor(eventId: string, endpointId: string): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([eventId, endpointId]))
    .digest("hex");
  return `msg_${digest.slice(0, 32)}`;
}

/**
 * The body sent for a record: the Standard Webhooks payload shape `{type, timestamp, data}`.
 * It is fixed when the entry is enqueued, so every retry sends (and signs) the same bytes.
 */
export function webhookBody(record: ChangeRecord, occurredAt: string): string {
  return JSON.stringify({ type: record.type, timestamp: occurredAt, data: record.payload });
}
