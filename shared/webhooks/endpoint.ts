/**
 * Webhook endpoints: what an organ (or an admin for it) registers, and the one place their URL and
 * events are validated. The secret is generated here, returned once by `createEndpoint`, and never
 * part of `publicEndpoint` (what lists and reads show). Which addresses may be called is
 * addresses.ts's rule, applied here to IP literals and at delivery to what a name resolves to.
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { ExchangeError } from "../errors/index.ts";
import { forbiddenAddress, isLoopbackAddress } from "./addresses.ts";
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./events.ts";
import { generateSecret } from "./signature.ts";

/** How long the previous secret keeps signing after a rotation, so receivers can switch over. */
export const SECRET_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;
const MAX_URL_LENGTH = 2048;

export interface EndpointSecret {
  readonly value: string;
  /** Epoch ms after which this secret no longer signs; absent for the current one. */
  readonly expiresAt?: number;
}

export interface WebhookEndpoint {
  /** `ep_` + 24 hex digits. */
  readonly id: string;
  readonly organ: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  /** Newest first. Stored encrypted at rest by the adapter; never shown after creation. */
  readonly secrets: readonly EndpointSecret[];
  readonly enabled: boolean;
  /** Why it was disabled, e.g. "410 Gone from the receiver". */
  readonly disabledReason?: string;
  readonly createdAt: string;
}

/** An endpoint as lists and reads show it: no secrets. */
export type PublicWebhookEndpoint = Omit<WebhookEndpoint, "secrets">;

export interface EndpointInput {
  readonly url: unknown;
  readonly events: unknown;
}

export interface EndpointRules {
  /** The local runtime: plain http is allowed, to loopback hosts only. */
  readonly local: boolean;
}

/** Loopback by name (resolved at delivery, where its addresses are checked) or by address. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || (isIP(host) !== 0 && isLoopbackAddress(host));
}

/** The URL, normalised, or WEBHOOK_URL_INVALID saying why. */
export function validateEndpointUrl(value: unknown, rules: EndpointRules): string {
  const refuse = (why: string): never => {
    throw new ExchangeError("WEBHOOK_URL_INVALID", { detail: why, meta: { field: "url" } });
  };
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_URL_LENGTH) {
    return refuse(`expected a URL of 1..${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse("not an absolute URL");
  }
  // URL keeps IPv6 literals in brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (url.username !== "" || url.password !== "") {
    return refuse("credentials in the URL are not allowed (the signature authenticates us)");
  }
  if (url.hash !== "") {
    return refuse("a fragment is never sent, so it is not allowed");
  }
  if (url.protocol === "http:") {
    if (!rules.local || !isLoopback(host)) {
      return refuse(rules.local ? "plain http only to a loopback host" : "expected https");
    }
  } else if (url.protocol !== "https:") {
    return refuse(`expected https, got ${url.protocol.replace(/:$/, "")}`);
  } else if (!rules.local && isLoopback(host)) {
    return refuse("the host is loopback");
  }
  // A name is checked at delivery, on every address it resolves to (deliver.ts).
  const why = isIP(host) === 0 ? undefined : forbiddenAddress(host, rules);
  if (why !== undefined) {
    return refuse(`the host is a ${why} address, not a public one`);
  }
  return url.href;
}

/** The events, de-duplicated in the canonical order, or WEBHOOK_EVENTS_INVALID. */
export function validateEndpointEvents(value: unknown): readonly WebhookEventType[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isWebhookEventType)) {
    throw new ExchangeError("WEBHOOK_EVENTS_INVALID", {
      detail: `got ${JSON.stringify(value)?.slice(0, 200)}`,
      meta: { field: "events" },
    });
  }
  const chosen = new Set<string>(value);
  return WEBHOOK_EVENT_TYPES.filter((type) => chosen.has(type));
}

/**
 * A new endpoint for `organ` and its secret, which the caller shows once and never again.
 *
 * @example
 * const { endpoint, secret } = createEndpoint({ url: "https://eoffice.example.vn/hooks", events: ["letter.received"] },
 *   { organ: "000.00.01.H01", now: new Date(), local: false });
 * await store.putEndpoint(endpoint);
 */
export function createEndpoint(
  input: EndpointInput,
  options: EndpointRules & { readonly organ: string; readonly now: Date },
): { readonly endpoint: WebhookEndpoint; readonly secret: string } {
  const url = validateEndpointUrl(input.url, options);
  const events = validateEndpointEvents(input.events);
  const secret = generateSecret();
  const endpoint: WebhookEndpoint = {
    id: `ep_${randomBytes(12).toString("hex")}`,
    organ: options.organ,
    url,
    events,
    secrets: [{ value: secret }],
    enabled: true,
    createdAt: options.now.toISOString(),
  };
  return { endpoint, secret };
}

/**
 * A new current secret; the previous one keeps signing for `SECRET_ROTATION_GRACE_MS` (both
 * signatures are sent meanwhile). Secrets already expired are dropped.
 */
export function rotateSecret(
  endpoint: WebhookEndpoint,
  now: number,
): { readonly endpoint: WebhookEndpoint; readonly secret: string } {
  const secret = generateSecret();
  const previous = activeSecrets(endpoint, now).map((value) => ({
    value,
    expiresAt: Math.min(
      endpoint.secrets.find((s) => s.value === value)?.expiresAt ?? Number.POSITIVE_INFINITY,
      now + SECRET_ROTATION_GRACE_MS,
    ),
  }));
  return { endpoint: { ...endpoint, secrets: [{ value: secret }, ...previous] }, secret };
}

/** The secrets that sign at `now`, newest first. */
export function activeSecrets(endpoint: WebhookEndpoint, now: number): readonly string[] {
  return endpoint.secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > now).map((s) => s.value);
}

export function publicEndpoint(endpoint: WebhookEndpoint): PublicWebhookEndpoint {
  const { secrets: _secrets, ...rest } = endpoint;
  return rest;
}
