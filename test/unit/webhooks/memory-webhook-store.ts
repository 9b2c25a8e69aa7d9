/**
 * An in-memory WebhookStore for unit tests only (the exchange's adapter is DynamoDB). It follows
 * the port's rules literally and is checked by the same contract the real adapter must pass.
 */
import { randomUUID } from "node:crypto";
import { ExchangeError } from "../../../shared/errors/index.ts";
import type {
  AttemptRecord,
  ClaimedEntry,
  NewOutboxEntry,
  OutboxEntry,
  WebhookEndpoint,
  WebhookStore,
} from "../../../shared/webhooks/index.ts";

export class MemoryWebhookStore implements WebhookStore {
  readonly endpoints = new Map<string, WebhookEndpoint>();
  readonly entries = new Map<string, OutboxEntry>();

  async putEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    this.endpoints.set(endpoint.id, structuredClone(endpoint));
  }

  async getEndpoint(endpointId: string): Promise<WebhookEndpoint | undefined> {
    const found = this.endpoints.get(endpointId);
    return found === undefined ? undefined : structuredClone(found);
  }

  async listEndpoints(organ: string): Promise<readonly WebhookEndpoint[]> {
    return [...this.endpoints.values()].filter((e) => e.organ === organ).map((e) => structuredClone(e));
  }

  async deleteEndpoint(endpointId: string): Promise<boolean> {
    return this.endpoints.delete(endpointId);
  }

  async enqueue(entries: readonly NewOutboxEntry[]): Promise<number> {
    let inserted = 0;
    for (const entry of entries) {
      if (!this.entries.has(entry.webhookId)) {
        this.entries.set(entry.webhookId, { ...entry, state: "pending", attempts: 0 });
        inserted++;
      }
    }
    return inserted;
  }

  async getEntry(webhookId: string): Promise<OutboxEntry | undefined> {
    return this.entries.get(webhookId);
  }

  async claimDue(now: number, options: { limit: number; leaseMs: number }): Promise<ClaimedEntry[]> {
    const due = [...this.entries.values()]
      .filter((e) => e.state === "pending" && e.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
      .slice(0, options.limit);
    return due.map((entry) => {
      const claimToken = randomUUID();
      const claimedEntry: OutboxEntry = { ...entry, claimToken, nextAttemptAt: now + options.leaseMs };
      this.entries.set(entry.webhookId, claimedEntry);
      return { entry: claimedEntry, claimToken };
    });
  }

  async recordAttempt(webhookId: string, claimToken: string, record: AttemptRecord): Promise<boolean> {
    const entry = this.entries.get(webhookId);
    if (entry === undefined || entry.state !== "pending" || entry.claimToken !== claimToken) {
      return false;
    }
    const { claimToken: _released, ...rest } = entry;
    const base = {
      ...rest,
      attempts: entry.attempts + 1,
      lastAttemptAt: record.at,
      ...(record.status === undefined ? {} : { lastStatus: record.status }),
    };
    if (record.kind === "delivered") {
      this.entries.set(webhookId, { ...base, state: "delivered", deliveredAt: record.at });
    } else if (record.kind === "retry") {
      this.entries.set(webhookId, { ...base, lastError: record.error, nextAttemptAt: record.nextAttemptAt });
    } else {
      this.entries.set(webhookId, { ...base, state: "dead", lastError: record.error, deadAt: record.at });
    }
    return true;
  }

  async listDead(options: { organ?: string; limit?: number } = {}): Promise<readonly OutboxEntry[]> {
    return [...this.entries.values()]
      .filter((e) => e.state === "dead" && (options.organ === undefined || e.organ === options.organ))
      .sort((a, b) => (a.deadAt ?? 0) - (b.deadAt ?? 0))
      .slice(0, options.limit ?? 100);
  }

  async redeliver(webhookId: string, now: number): Promise<OutboxEntry> {
    const entry = this.entries.get(webhookId);
    if (entry === undefined) {
      throw new ExchangeError("WEBHOOK_MESSAGE_NOT_FOUND", { detail: webhookId });
    }
    if (entry.state !== "dead") {
      throw new ExchangeError("WEBHOOK_MESSAGE_NOT_DEAD", { detail: `${webhookId} is ${entry.state}` });
    }
    const { deadAt: _deadAt, claimToken: _claimToken, ...rest } = entry;
    const revived: OutboxEntry = { ...rest, state: "pending", attempts: 0, nextAttemptAt: now };
    this.entries.set(webhookId, revived);
    return revived;
  }
}
