/**
 * One delivery attempt: POST the signed body, success only on 2xx. Redirects are not followed (a
 * receiver that moved registers its new URL; following would also let a public URL bounce us to
 * an internal one; node:http never follows them). 410 Gone asks us to stop: the endpoint is
 * disabled. The response is read only up to a small bound, and the whole attempt (name lookup
 * included) is cut off after a timeout. The secret never leaves `signWebhook`: results and
 * errors carry the status and a short reason only.
 *
 * SSRF: the URL is checked again against the endpoint rules, the host name is resolved once, and
 * if ANY address it resolves to is not public (addresses.ts) nothing is sent; otherwise the
 * connection goes to those checked addresses only (a pinned `lookup` on the socket), so a DNS
 * answer that changes between the check and the connect (rebinding) cannot redirect it. The Host
 * header, TLS SNI and certificate check stay on the host name. A refusal is an ordinary failed
 * attempt whose error starts with WEBHOOK_ADDRESS_FORBIDDEN (or WEBHOOK_URL_INVALID), and it is
 * retried on the usual schedule: a DNS answer can change, and a receiver that fixes its record
 * recovers without an admin; each retry resolves and checks again, and the last one parks the
 * message with that reason in the dead-letter list.
 */
import { lookup as systemLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { ExchangeError } from "../errors/index.ts";
import { forbiddenAddress } from "./addresses.ts";
import { validateEndpointUrl } from "./endpoint.ts";
import type { WebhookHeaders } from "./signature.ts";

export interface ResolvedAddress {
  readonly address: string;
  /** 4 or 6. */
  readonly family: number;
}

/** Every address of a host name, as `dns.lookup(host, { all: true })` gives them. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface AttemptOptions {
  readonly url: string;
  readonly headers: WebhookHeaders;
  readonly body: string;
  /** The local runtime: loopback receivers (plain http to them too) are allowed. */
  readonly local: boolean;
  /** Headers, body and all; default 10 s. */
  readonly timeoutMs?: number;
  /** How much of the response is read (and kept, as text, for the admin); default 1 KiB. */
  readonly maxResponseBytes?: number;
  /** Default: the system's (node:dns lookup). */
  readonly resolve?: Resolver;
  /**
   * A stand-in for the network, for tests: called after the URL and its addresses are checked,
   * in place of the pinned connection (which it cannot pin).
   */
  readonly fetch?: typeof fetch;
}

export type AttemptOutcome = "delivered" | "failed" | "gone";

export interface AttemptResult {
  readonly outcome: AttemptOutcome;
  /** The HTTP status, when the receiver answered. */
  readonly status?: number;
  /**
   * Why it failed, for the admin: "HTTP 503: …", "timeout after 10000 ms", "connection refused",
   * "WEBHOOK_ADDRESS_FORBIDDEN: hooks.example.vn resolves to 10.0.0.5 (private)".
   */
  readonly error?: string;
}

const USER_AGENT = "Lienthong-Webhooks/1";

const defaultResolver: Resolver = (hostname) => systemLookup(hostname, { all: true });

/** A socket `lookup` that answers with the checked addresses whatever it is asked. */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = typeof options === "object" ? options.family : options;
    const usable = addresses.filter((a) => family === undefined || family === 0 || a.family === family);
    const first = usable[0];
    if (first === undefined) {
      callback(Object.assign(new Error("no checked address of that family"), { code: "ENOTFOUND" }), "", 0);
    } else if (typeof options === "object" && options.all === true) {
      // Node's types only know the single-address form; with `all` it expects the list.
      (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [...usable]);
    } else {
      callback(null, first.address, first.family);
    }
  };
}

class Refused extends Error {}

/** The addresses to connect to, all checked; throws Refused with the reason. */
async function checkedAddresses(host: string, options: AttemptOptions): Promise<readonly ResolvedAddress[]> {
  const literal = isIP(host);
  const addresses =
    literal === 0 ? await (options.resolve ?? defaultResolver)(host) : [{ address: host, family: literal }];
  if (addresses.length === 0) {
    throw Object.assign(new Error("no address"), { code: "ENOTFOUND" });
  }
  for (const { address } of addresses) {
    const why = forbiddenAddress(address, options);
    if (why !== undefined) {
      throw new Refused(`WEBHOOK_ADDRESS_FORBIDDEN: ${host} resolves to ${address} (${why})`.slice(0, 300));
    }
  }
  return addresses;
}

/** POSTs over node:http(s), connecting only to `addresses`; the status and a bounded part of the body. */
function post(
  url: URL,
  addresses: readonly ResolvedAddress[],
  init: { headers: Record<string, string>; body: string; signal: AbortSignal; limit: number },
): Promise<{ status: number; text: string }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const options: RequestOptions & { servername?: string } = {
    method: "POST",
    headers: { ...init.headers, "content-length": String(Buffer.byteLength(init.body)) },
    lookup: pinnedLookup(addresses),
    signal: init.signal,
    // A fresh connection each time: a pooled one would skip the pinned lookup's choice.
    agent: false,
    // SNI and the certificate check on the name (node does not send SNI for an IP literal).
    ...(isIP(host) === 0 ? { servername: host } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(
      url,
      options,
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        // The status decides; a body that breaks off after it changes nothing.
        const done = (): void => {
          res.destroy();
          resolve({ status, text: Buffer.concat(chunks).subarray(0, init.limit).toString("utf8") });
        };
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.byteLength;
          if (size >= init.limit) {
            done();
          }
        });
        res.on("end", done);
        res.on("error", done);
        res.on("aborted", done);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

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
  if (error instanceof Refused) {
    return error.message;
  }
  if (error instanceof ExchangeError) {
    return `${error.code}: ${String(error.detail ?? "")}`.slice(0, 300);
  }
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `timeout after ${timeoutMs} ms`;
  }
  // node:http puts the code on the error, fetch on its cause.
  const coded =
    error instanceof Error ? [error as { code?: unknown }, error.cause as { code?: unknown }] : [];
  const code = coded.map((e) => e?.code).find((c) => typeof c === "string");
  if (typeof code === "string") {
    return code === "ECONNREFUSED" ? "connection refused" : `network error ${code}`;
  }
  return "network error";
}

/** Resolves with `work`, or rejects with the signal's reason once it aborts. */
function within<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const abort = (): void => reject(signal.reason);
    if (signal.aborted) {
      abort();
      return;
    }
    signal.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/**
 * @example
 * const result = await attemptDelivery({ url: endpoint.url, body, local: false, headers: signWebhook({ id, timestampSeconds, body, secrets }) });
 * if (result.outcome === "delivered") { … }
 */
export async function attemptDelivery(options: AttemptOptions): Promise<AttemptResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const limit = options.maxResponseBytes ?? 1024;
  const signal = AbortSignal.timeout(timeoutMs);
  const headers = { ...options.headers, "content-type": "application/json", "user-agent": USER_AGENT };
  let status: number;
  let text: string;
  try {
    const url = new URL(validateEndpointUrl(options.url, options));
    const addresses = await within(
      checkedAddresses(url.hostname.replace(/^\[(.*)\]$/, "$1"), options),
      signal,
    );
    if (options.fetch === undefined) {
      ({ status, text } = await post(url, addresses, { headers, body: options.body, signal, limit }));
    } else {
      const response = await options.fetch(url.href, {
        method: "POST",
        headers,
        body: options.body,
        redirect: "manual",
        signal,
      });
      status = response.status;
      text = await readBounded(response, limit).catch(() => "");
    }
  } catch (error) {
    return { outcome: "failed", error: describeFailure(error, timeoutMs) };
  }
  if (status >= 200 && status < 300) {
    return { outcome: "delivered", status };
  }
  const reason = status >= 300 && status < 400 ? "redirect not followed" : text.replace(/\s+/g, " ").trim();
  return {
    outcome: status === 410 ? "gone" : "failed",
    status,
    error: `HTTP ${status}${reason ? `: ${reason.slice(0, 200)}` : ""}`,
  };
}
