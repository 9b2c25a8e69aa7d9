/**
 * One delivery attempt: POST the signed body, success only on 2xx. Redirects are not followed (a
 * receiver that moved registers its new URL; following would also let a public URL bounce us to
 * an internal one). 410 Gone asks us to stop: the endpoint is disabled. The response is read only
 * up to a small bound, and the whole attempt is cut off after a timeout. The secret never leaves
 * `signWebhook`: results and errors carry the status and a short reason only.
 */
import type { WebhookHeaders } from "./signature.ts";

export interface AttemptOptions {
  readonly url: string;
  readonly headers: WebhookHeaders;
  readonly body: string;
  /** Headers, body and all; default 10 s. */
  readonly timeoutMs?: number;
  /** How much of the response is read (and kept, as text, for the admin); default 1 KiB. */
  readonly maxResponseBytes?: number;
  readonly fetch?: typeof fetch;
}

export type AttemptOutcome = "delivered" | "failed" | "gone";

export interface AttemptResult {
  readonly outcome: AttemptOutcome;
  /** The HTTP status, when the receiver answered. */
  readonly status?: number;
  /** Why it failed, for the admin: "HTTP 503: …", "timeout after 10000 ms", "connection refused". */
  readonly error?: string;
}

const USER_AGENT = "Lienthong-Webhooks/1";

/** Reads at most `limit` bytes of the body, then cancels the rest. */
async function readBounded(response: Response, limit: number): Promise<string> {
  if (response.body === null) {
    return "";
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `timeout after ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") {
    return cause.code === "ECONNREFUSED" ? "connection refused" : `network error ${cause.code}`;
  }
  return "network error";
}

/**
 * @example
 * const result = await attemptDelivery({ url: endpoint.url, body, headers: signWebhook({ id, timestampSeconds, body, secrets }) });
 * if (result.outcome === "delivered") { … }
 */
export async function attemptDelivery(options: AttemptOptions): Promise<AttemptResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const limit = options.maxResponseBytes ?? 1024;
  const doFetch = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await doFetch(options.url, {
      method: "POST",
      headers: { ...options.headers, "content-type": "application/json", "user-agent": USER_AGENT },
      body: options.body,
      redirect: "manual",
      signal,
    });
    const status = response.status;
    // The status decides; a body that breaks off after it changes nothing.
    const text = await readBounded(response, limit).catch(() => "");
    if (status >= 200 && status < 300) {
      return { outcome: "delivered", status };
    }
    const reason = status >= 300 && status < 400 ? "redirect not followed" : text.replace(/\s+/g, " ").trim();
    return {
      outcome: status === 410 ? "gone" : "failed",
      status,
      error: `HTTP ${status}${reason ? `: ${reason.slice(0, 200)}` : ""}`,
    };
  } catch (error) {
    return { outcome: "failed", error: describeFailure(error, timeoutMs) };
  }
}
