/**
 * The notifier: turns change records into outbox entries for the endpoints that subscribed, and
 * delivers due entries. At least once: an entry is marked delivered only after a 2xx; anything
 * else (an error, a timeout, a crash between the request and the record) leaves it pending, due
 * again at the next retry or at the end of its lease, with the same webhook id and body.
 * Order between messages is not kept; receivers sort by the payload's timestamp.
 */
import { randomBytes } from "node:crypto";
import { ExchangeError } from "../errors/index.ts";
import { parkedMessage, TABLE_ONLY_DEAD_LETTERS } from "./dead-letters.ts";
import { type AttemptOptions, type AttemptResult, attemptDelivery, type Resolver } from "./deliver.ts";
import { activeSecrets, type WebhookEndpoint } from "./endpoint.ts";
import { type ChangeRecord, webhookBody, webhookIdFor } from "./events.ts";
import type {
  AttemptRecord,
  ClaimedEntry,
  DeadLetterSink,
  NewOutboxEntry,
  OutboxEntry,
  WebhookStore,
} from "./ports.ts";
import { RETRY_SCHEDULE, type RetryWindow, retryDelay } from "./schedule.ts";
import { signWebhook } from "./signature.ts";

/** What the notifier logs: ids, counts and statuses, never a secret or a body. */
export interface WebhookLogEvent {
  readonly event: "webhook.attempt" | "webhook.dead" | "webhook.endpoint_disabled" | "webhook.park_failed";
  readonly webhookId: string;
  readonly endpointId: string;
  readonly attempt?: number;
  readonly outcome?: AttemptResult["outcome"];
  readonly status?: number;
  readonly error?: string;
}

export interface NotifierOptions {
  readonly store: WebhookStore;
  /** Told once per entry this notifier marks dead; default none (the table's list only). */
  readonly deadLetters?: DeadLetterSink;
  /** Epoch ms; default Date.now. Also the signature timestamp, so keep it near real time. */
  readonly clock?: () => number;
  /** Compresses the retry schedule (not the lease nor the timeout); default 1. */
  readonly timeScale?: number;
  readonly schedule?: readonly RetryWindow[];
  readonly random?: () => number;
  /** How long a claim lasts; must exceed the time to deliver one batch. Default 2 min. */
  readonly leaseMs?: number;
  /** Entries claimed per `deliverDue`; default 25. */
  readonly batchSize?: number;
  /** Requests in flight at once; default 8. */
  readonly concurrency?: number;
  /** Per attempt; default 10 s. */
  readonly timeoutMs?: number;
  /** The local runtime: loopback receivers are allowed. Default false (deployed rules). */
  readonly local?: boolean;
  /** How receivers' host names are resolved; default node:dns lookup. */
  readonly resolve?: Resolver;
  readonly fetch?: typeof fetch;
  readonly log?: (event: WebhookLogEvent) => void;
}

export interface DeliverySummary {
  readonly claimed: number;
  readonly delivered: number;
  readonly retried: number;
  readonly dead: number;
  /** Outcomes not recorded because the lease had run out and another notifier holds the entry. */
  readonly stale: number;
}

/**
 * @example
 * const notifier = new Notifier({ store });
 * await notifier.notify([{ eventId: "L1#recv#000.00.01.H02", organ: "000.00.01.H02", type: "letter.received", payload: { letterId: "L1" } }]);
 * await notifier.deliverDue(); // from the stream handler and from a timer
 */
export class Notifier {
  readonly #store: WebhookStore;
  readonly #clock: () => number;
  readonly #options: NotifierOptions;
  /** What every attempt is given besides the message. */
  readonly #delivery: Pick<AttemptOptions, "local" | "timeoutMs" | "resolve" | "fetch">;

  constructor(options: NotifierOptions) {
    this.#store = options.store;
    this.#clock = options.clock ?? Date.now;
    this.#options = options;
    this.#delivery = {
      local: options.local ?? false,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    };
  }

  /** Enqueues one entry per (record, subscribed enabled endpoint of its organ); idempotent. */
  async notify(records: readonly ChangeRecord[], now: number = this.#clock()): Promise<{ enqueued: number }> {
    const byOrgan = new Map<string, readonly WebhookEndpoint[]>();
    const entries: NewOutboxEntry[] = [];
    for (const record of records) {
      let endpoints = byOrgan.get(record.organ);
      if (endpoints === undefined) {
        endpoints = await this.#store.listEndpoints(record.organ);
        byOrgan.set(record.organ, endpoints);
      }
      const body = webhookBody(record, record.occurredAt ?? new Date(now).toISOString());
      for (const endpoint of endpoints) {
        if (!endpoint.enabled || !endpoint.events.includes(record.type)) {
          continue;
        }
        entries.push({
          webhookId: webhookIdFor(record.eventId, endpoint.id),
          eventId: record.eventId,
          endpointId: endpoint.id,
          organ: record.organ,
          type: record.type,
          body,
          nextAttemptAt: now,
          createdAt: now,
        });
      }
    }
    return { enqueued: entries.length === 0 ? 0 : await this.#store.enqueue(entries) };
  }

  /** Claims the due entries and makes one attempt at each. */
  async deliverDue(now: number = this.#clock()): Promise<DeliverySummary> {
    const claimed = await this.#store.claimDue(now, {
      limit: this.#options.batchSize ?? 25,
      leaseMs: this.#options.leaseMs ?? 120_000,
    });
    const counts = { claimed: claimed.length, delivered: 0, retried: 0, dead: 0, stale: 0 };
    const endpoints = new Map<string, Promise<WebhookEndpoint | undefined>>();
    const endpointOf = (id: string): Promise<WebhookEndpoint | undefined> => {
      let found = endpoints.get(id);
      if (found === undefined) {
        found = this.#store.getEndpoint(id);
        endpoints.set(id, found);
      }
      return found;
    };
    let next = 0;
    const failures: unknown[] = [];
    const worker = async (): Promise<void> => {
      for (let item = claimed[next++]; item !== undefined; item = claimed[next++]) {
        try {
          const record = await this.#attempt(item, await endpointOf(item.entry.endpointId));
          const recorded = await this.#store.recordAttempt(item.entry.webhookId, item.claimToken, record);
          if (!recorded) {
            counts.stale++;
          } else if (record.kind === "delivered") {
            counts.delivered++;
          } else if (record.kind === "retry") {
            counts.retried++;
          } else {
            counts.dead++;
            await this.#park(item.entry, record);
          }
        } catch (error) {
          // The entry stays claimed and comes back when its lease runs out (or, when only the
          // dead-letter announcement failed, stays dead in the table, which is what admins list).
          failures.push(error);
        }
      }
    };
    const workers = Math.max(1, Math.min(this.#options.concurrency ?? 8, claimed.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (failures.length > 0) {
      throw failures[0];
    }
    return counts;
  }

  /** Admin: puts a dead-letter entry back in the outbox, due now, with the same webhook id. */
  redeliver(webhookId: string, now: number = this.#clock()): Promise<OutboxEntry> {
    return this.#store.redeliver(webhookId, now);
  }

  /**
   * Sends one signed `webhook.test` message straight to an endpoint, outside the outbox (no
   * retry, no state change), for `lienthong webhooks test`. Throws WEBHOOK_ENDPOINT_NOT_FOUND.
   */
  async sendTest(endpointId: string): Promise<AttemptResult & { readonly webhookId: string }> {
    const endpoint = await this.#store.getEndpoint(endpointId);
    if (endpoint === undefined) {
      throw new ExchangeError("WEBHOOK_ENDPOINT_NOT_FOUND", { detail: endpointId });
    }
    const at = this.#clock();
    const webhookId = `msg_${randomBytes(16).toString("hex")}`;
    const body = JSON.stringify({
      type: "webhook.test",
      timestamp: new Date(at).toISOString(),
      data: { endpointId: endpoint.id, organ: endpoint.organ },
    });
    const result = await attemptDelivery({
      url: endpoint.url,
      body,
      headers: signWebhook({
        id: webhookId,
        timestampSeconds: Math.floor(at / 1000),
        body,
        secrets: activeSecrets(endpoint, at),
      }),
      ...this.#delivery,
    });
    return { webhookId, ...result };
  }

  /**
   * Announces a parking the store has recorded (so a stale outcome, recorded by nobody, announces
   * nothing). A failure is logged and rethrown: the entry stays dead in the table all the same.
   */
  async #park(entry: OutboxEntry, record: Extract<AttemptRecord, { kind: "dead" }>): Promise<void> {
    try {
      await (this.#options.deadLetters ?? TABLE_ONLY_DEAD_LETTERS).park(parkedMessage(entry, record));
    } catch (error) {
      this.#options.log?.({
        event: "webhook.park_failed",
        webhookId: entry.webhookId,
        endpointId: entry.endpointId,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  async #attempt(item: ClaimedEntry, endpoint: WebhookEndpoint | undefined): Promise<AttemptRecord> {
    const { entry } = item;
    const attempt = entry.attempts + 1;
    const log = this.#options.log ?? (() => undefined);
    if (endpoint === undefined || !endpoint.enabled) {
      const error =
        endpoint === undefined
          ? "endpoint deleted"
          : `endpoint disabled (${endpoint.disabledReason ?? "by an admin"})`;
      log({ event: "webhook.dead", webhookId: entry.webhookId, endpointId: entry.endpointId, error });
      return { kind: "dead", at: this.#clock(), error };
    }
    const at = this.#clock();
    const result = await attemptDelivery({
      url: endpoint.url,
      body: entry.body,
      headers: signWebhook({
        id: entry.webhookId,
        timestampSeconds: Math.floor(at / 1000),
        body: entry.body,
        secrets: activeSecrets(endpoint, at),
      }),
      ...this.#delivery,
    });
    const done = this.#clock();
    const { status, error = "" } = result;
    log({
      event: "webhook.attempt",
      webhookId: entry.webhookId,
      endpointId: endpoint.id,
      attempt,
      ...result,
    });
    if (result.outcome === "delivered") {
      return { kind: "delivered", at: done, status: status ?? 200 };
    }
    if (result.outcome === "gone") {
      await this.#store.putEndpoint({
        ...endpoint,
        enabled: false,
        disabledReason: "410 Gone from the receiver",
      });
      log({
        event: "webhook.endpoint_disabled",
        webhookId: entry.webhookId,
        endpointId: endpoint.id,
        status,
      });
      return { kind: "dead", at: done, ...(status === undefined ? {} : { status }), error };
    }
    const delay = retryDelay(attempt, {
      schedule: this.#options.schedule ?? RETRY_SCHEDULE,
      timeScale: this.#options.timeScale ?? 1,
      ...(this.#options.random === undefined ? {} : { random: this.#options.random }),
    });
    if (delay === undefined) {
      log({ event: "webhook.dead", webhookId: entry.webhookId, endpointId: endpoint.id, attempt, error });
      return { kind: "dead", at: done, ...(status === undefined ? {} : { status }), error };
    }
    return {
      kind: "retry",
      at: done,
      nextAttemptAt: done + delay,
      ...(status === undefined ? {} : { status }),
      error,
    };
  }
}
