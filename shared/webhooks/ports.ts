/**
 * The WebhookStore port: endpoints and the outbox, one entry per (event, endpoint), keyed by its
 * webhook id. An adapter (DynamoDB in the exchange) implements it; every implementation must pass
 * test/unit/webhooks/webhook-store-contract.ts.
 *
 * The at-least-once rule lives in how the methods combine: an entry is claimed with a lease (its
 * `nextAttemptAt` moves to the end of the lease, so a notifier that dies leaves it due again when
 * the lease runs out), and only the holder of the current claim token may record the outcome.
 */
import type { WebhookEndpoint } from "./endpoint.ts";
import type { WebhookEventType } from "./events.ts";

export type OutboxState = "pending" | "delivered" | "dead";

export interface OutboxEntry {
  /** Deterministic: `webhookIdFor(eventId, endpointId)`. The key of the entry. */
  readonly webhookId: string;
  readonly eventId: string;
  readonly endpointId: string;
  readonly organ: string;
  readonly type: WebhookEventType;
  /** The exact JSON sent and signed on every attempt. */
  readonly body: string;
  readonly state: OutboxState;
  /** Attempts made so far (reset to 0 by a redelivery). */
  readonly attempts: number;
  /** Epoch ms when the entry is next due (while pending). */
  readonly nextAttemptAt: number;
  readonly createdAt: number;
  /** The token of the latest claim; an outcome is recorded only with it. */
  readonly claimToken?: string;
  readonly lastAttemptAt?: number;
  readonly lastStatus?: number;
  readonly lastError?: string;
  readonly deliveredAt?: number;
  /** When it was parked in the dead-letter queue. */
  readonly deadAt?: number;
}

/** A new entry: pending, no attempt yet, due at `nextAttemptAt`. */
export type NewOutboxEntry = Pick<
  OutboxEntry,
  "webhookId" | "eventId" | "endpointId" | "organ" | "type" | "body" | "nextAttemptAt" | "createdAt"
>;

export interface ClaimedEntry {
  readonly entry: OutboxEntry;
  readonly claimToken: string;
}

/** What one attempt came to. `attempts` of the entry goes up by one for each of them. */
export type AttemptRecord =
  | { readonly kind: "delivered"; readonly at: number; readonly status: number }
  | {
      readonly kind: "retry";
      readonly at: number;
      readonly nextAttemptAt: number;
      readonly status?: number;
      readonly error: string;
    }
  | { readonly kind: "dead"; readonly at: number; readonly status?: number; readonly error: string };

export interface WebhookStore {
  putEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  getEndpoint(endpointId: string): Promise<WebhookEndpoint | undefined>;
  /** All endpoints of an organ, enabled or not. */
  listEndpoints(organ: string): Promise<readonly WebhookEndpoint[]>;
  /** Returns false when there was no such endpoint. Its outbox entries stay (and go dead when due). */
  deleteEndpoint(endpointId: string): Promise<boolean>;

  /**
   * Inserts the entries whose webhook id is new; an existing one is left as it is (a stream
   * record read twice changes nothing). Returns how many were inserted.
   */
  enqueue(entries: readonly NewOutboxEntry[]): Promise<number>;
  getEntry(webhookId: string): Promise<OutboxEntry | undefined>;
  /**
   * Claims up to `limit` pending entries with `nextAttemptAt <= now`, each with a fresh token,
   * moving their `nextAttemptAt` to `now + leaseMs`. No entry is handed to two live claims.
   */
  claimDue(
    now: number,
    options: { readonly limit: number; readonly leaseMs: number },
  ): Promise<ClaimedEntry[]>;
  /**
   * Records an attempt on a claimed entry. Returns false (and changes nothing) when `claimToken`
   * is no longer the entry's token or the entry is not pending: the lease ran out and another
   * notifier holds it now.
   */
  recordAttempt(webhookId: string, claimToken: string, record: AttemptRecord): Promise<boolean>;

  /** The dead-letter queue, oldest first; `organ` narrows it to one organ's entries. */
  listDead(options?: { readonly organ?: string; readonly limit?: number }): Promise<readonly OutboxEntry[]>;
  /**
   * Moves a dead entry back to pending, due at `now`, attempts reset, same webhook id and body.
   * Throws WEBHOOK_MESSAGE_NOT_FOUND or WEBHOOK_MESSAGE_NOT_DEAD.
   */
  redeliver(webhookId: string, now: number): Promise<OutboxEntry>;
}

/**
 * What the dead-letter sink is told when the store has marked an entry dead: who, what, how many
 * attempts and why, never the secret nor the body (shared/webhooks/dead-letters.ts says why).
 */
export interface ParkedMessage {
  readonly webhookId: string;
  readonly eventId: string;
  readonly organ: string;
  readonly endpointId: string;
  readonly type: WebhookEventType;
  /** Attempts made, the last one included. */
  readonly attempts: number;
  readonly lastStatus?: number;
  readonly lastError: string;
  /** Epoch ms: the entry's `deadAt`. */
  readonly parkedAt: number;
}

/**
 * Where parked messages are announced (SQS in AWS: shared/storage/sqs-dead-letters.ts). Called once
 * per entry the store marked dead, after the mark: the outbox stays the source of truth that the
 * admin routes list and redeliver from, so a sink failure loses no message, only its alert.
 */
export interface DeadLetterSink {
  park(message: ParkedMessage): Promise<void>;
}
