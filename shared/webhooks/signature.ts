/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme"): the
 * `webhook-signature` header is `v1,<base64 HMAC-SHA256 of "${id}.${timestamp}.${body}">` under
 * the decoded secret, several space-separated while a secret is being rotated. Hand-written
 * because it is a few lines over node:crypto; the tests check it against the `standardwebhooks`
 * package as the oracle.
 */
import { createHmac, randomBytes } from "node:crypto";
import { ExchangeError } from "../errors/index.ts";

const SECRET_PREFIX = "whsec_";
/** Secrets we generate: 32 random bytes. We accept no fewer than 24 (the spec's lower bound). */
const SECRET_BYTES = 32;
const MIN_SECRET_BYTES = 24;

/** A new endpoint secret, `whsec_` + base64 of 32 random bytes. Shown to the caller once. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64");
}

/** The key bytes of a `whsec_` secret. A malformed one is our own data gone wrong, hence INTERNAL. */
export function decodeSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : "";
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, "base64") : Buffer.alloc(0);
  if (key.length < MIN_SECRET_BYTES) {
    // Never the secret itself in the detail.
    throw new ExchangeError("INTERNAL", {
      detail: `webhook secret is not whsec_ + base64 of ≥${MIN_SECRET_BYTES} bytes`,
    });
  }
  return key;
}

/** The headers of one delivery attempt. */
export interface WebhookHeaders {
  readonly "webhook-id": string;
  /** Unix seconds of the attempt (not of the event): receivers reject stale ones. */
  readonly "webhook-timestamp": string;
  readonly "webhook-signature": string;
}

/**
 * Signs `body` for every secret given (newest first while rotating).
 *
 * @example
 * const headers = signWebhook({ id: "msg_1", timestampSeconds: 1700000000, body: "{}", secrets: [secret] });
 * // headers["webhook-signature"] === "v1,K5oZ…="
 */
export function signWebhook(options: {
  readonly id: string;
  readonly timestampSeconds: number;
  readonly body: string;
  readonly secrets: readonly string[];
}): WebhookHeaders {
  const { id, timestampSeconds, body, secrets } = options;
  if (secrets.length === 0) {
    throw new ExchangeError("INTERNAL", { detail: "a webhook endpoint has no active secret" });
  }
  const content = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map(
    (secret) => `v1,${createHmac("sha256", decodeSecret(secret)).update(content, "utf8").digest("base64")}`,
  );
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signatures.join(" "),
  };
}
