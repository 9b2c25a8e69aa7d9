/**
 * Webhook endpoints as the API manages them (issue 11 item 2): an organ's integration key
 * registers, lists, deletes and tests its own; an admin key does so for any organ (naming it) and
 * lists and redelivers the dead-letter queue. Another organ's endpoint is reported as absent, never
 * as forbidden, so ids cannot be probed.
 *
 * An organ has at most {@link MAX_WEBHOOK_ENDPOINTS_PER_ORGAN} endpoints: every event of the organ
 * is one signed POST per endpoint, so the count bounds the fan-out one organ can cause. The store
 * enforces it atomically (shared/storage/dynamo-webhooks.ts), so concurrent registrations cannot
 * pass it either; the eleventh is 409 WEBHOOK_ENDPOINT_LIMIT.
 */
import { ExchangeError } from "../errors/index.ts";
import {
  createEndpoint,
  type Notifier,
  type OutboxEntry,
  type PublicWebhookEndpoint,
  publicEndpoint,
  type WebhookStore,
} from "../webhooks/index.ts";
import { ORGAN_CODE, text } from "./letter-schema.ts";
import type { Caller } from "./types.ts";
import * as z from "./zod.ts"; // zod/mini (zod.ts says why)

/**
 * Endpoints per organ. Ten covers what an organ runs — its document-management system, a standby
 * or staging receiver, a few departmental systems — with room to rotate URLs (register the new one
 * before deleting the old), while an event of one organ stays at most ten deliveries.
 */
export const MAX_WEBHOOK_ENDPOINTS_PER_ORGAN = 10;

const organ = z.string().check(z.regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53"));

/** `POST /v1/webhooks`: the URL and events are checked by shared/webhooks (one place for the rule). */
export const registerWebhookSchema = z.strictObject({
  url: text({ min: 1, max: 2048 }),
  events: z.array(z.string()).check(z.minLength(1), z.maxLength(4)),
  /** An admin names the organ; an organ's own key may leave it out (or name itself). */
  organ: z.optional(organ),
});
export type RegisterWebhookRequest = z.infer<typeof registerWebhookSchema>;

/** `GET /v1/webhooks?organ=` and `GET /v1/admin/webhooks/dead?organ=&limit=`. */
export const webhookOrganQuerySchema = z.strictObject({ organ: z.optional(organ) });
export const deadWebhooksQuerySchema = z.strictObject({
  organ: z.optional(organ),
  limit: z.optional(z.string().check(z.regex(/^(?:[1-9]\d?|100)$/, "expected a whole number 1..100"))),
});

/** A dead-letter message as the admin sees it (the body is what the receiver would get). */
export interface DeadWebhookView {
  readonly webhookId: string;
  readonly eventId: string;
  readonly endpointId: string;
  readonly organ: string;
  readonly type: string;
  readonly attempts: number;
  readonly createdAt: string;
  readonly deadAt?: string;
  readonly lastStatus?: number;
  readonly lastError?: string;
  readonly body: string;
}

export interface WebhookEndpointsOptions {
  readonly store: WebhookStore;
  readonly notifier: () => Pick<Notifier, "sendTest" | "redeliver">;
  /** The local runtime: plain http to loopback receivers is allowed. */
  readonly local: boolean;
  readonly now?: () => Date;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function deadView(entry: OutboxEntry): DeadWebhookView {
  const deadAt = iso(entry.deadAt);
  return {
    webhookId: entry.webhookId,
    eventId: entry.eventId,
    endpointId: entry.endpointId,
    organ: entry.organ,
    type: entry.type,
    attempts: entry.attempts,
    createdAt: new Date(entry.createdAt).toISOString(),
    ...(deadAt === undefined ? {} : { deadAt }),
    ...(entry.lastStatus === undefined ? {} : { lastStatus: entry.lastStatus }),
    ...(entry.lastError === undefined ? {} : { lastError: entry.lastError }),
    body: entry.body,
  };
}

export class WebhookEndpoints {
  constructor(private readonly options: WebhookEndpointsOptions) {}

  /** The new endpoint and its signing secret, shown in this answer only. */
  async register(
    caller: Caller,
    input: RegisterWebhookRequest,
  ): Promise<PublicWebhookEndpoint & { readonly secret: string }> {
    const { endpoint, secret } = createEndpoint(input, {
      organ: this.organOf(caller, input.organ),
      now: (this.options.now ?? (() => new Date()))(),
      local: this.options.local,
    });
    await this.options.store.putEndpoint(endpoint);
    return { ...publicEndpoint(endpoint), secret };
  }

  async list(caller: Caller, organ?: string): Promise<PublicWebhookEndpoint[]> {
    const endpoints = await this.options.store.listEndpoints(this.organOf(caller, organ));
    return endpoints.map(publicEndpoint).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async remove(caller: Caller, id: string): Promise<{ readonly id: string; readonly deleted: true }> {
    await this.owned(caller, id);
    if (!(await this.options.store.deleteEndpoint(id))) {
      throw new ExchangeError("WEBHOOK_ENDPOINT_NOT_FOUND", { detail: id });
    }
    return { id, deleted: true };
  }

  /** One signed `webhook.test` message, straight to the endpoint; answers what the receiver said. */
  async test(caller: Caller, id: string) {
    await this.owned(caller, id);
    return this.options.notifier().sendTest(id);
  }

  async listDead(options: { organ?: string; limit?: string }): Promise<DeadWebhookView[]> {
    const dead = await this.options.store.listDead({
      ...(options.organ === undefined ? {} : { organ: options.organ }),
      limit: options.limit === undefined ? 100 : Number(options.limit),
    });
    return dead.map(deadView);
  }

  async redeliver(webhookId: string): Promise<DeadWebhookView> {
    return deadView(await this.options.notifier().redeliver(webhookId));
  }

  /** Whose endpoints: an admin names the organ; any other key works on its own organ only. */
  private organOf(caller: Caller, organ: string | undefined): string {
    if (caller.role === "admin") {
      if (organ === undefined) {
        throw new ExchangeError("VALIDATION_FAILED", {
          detail: "an admin key names the organ whose webhooks these are (organ)",
          meta: { field: "organ" },
        });
      }
      return organ;
    }
    if (organ !== undefined && organ !== caller.organCode) {
      throw new ExchangeError("FORBIDDEN", { detail: "a key manages its own organ's webhooks only" });
    }
    return caller.organCode;
  }

  private async owned(caller: Caller, id: string): Promise<void> {
    const endpoint = /^ep_[0-9a-f]{24}$/.test(id) ? await this.options.store.getEndpoint(id) : undefined;
    if (endpoint === undefined || (caller.role !== "admin" && endpoint.organ !== caller.organCode)) {
      throw new ExchangeError("WEBHOOK_ENDPOINT_NOT_FOUND", { detail: id });
    }
  }
}
