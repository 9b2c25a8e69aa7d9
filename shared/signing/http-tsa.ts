/**
 * The HTTP transport of RFC 3161 §3.4 (an adapter of the Tsa port in shared/cms/ports.ts).
 */
import { randomBytes } from "node:crypto";
import type { HashAlgorithm } from "../cms/algorithms.ts";
import type { Tsa } from "../cms/ports.ts";
import { buildTimeStampRequest, checkTimestampToken, parseTimeStampResponse } from "../cms/timestamp.ts";
import { ExchangeError } from "../errors/index.ts";

/** Options of {@link HttpTsa}. */
export interface HttpTsaOptions {
  /** The TSA endpoint (RFC 3161 §3.4 over HTTP). */
  readonly url: string;
  /** Whole-request timeout in milliseconds; default 15000. */
  readonly timeoutMs?: number;
  /** Extra request headers, e.g. Authorization for a commercial TSA. */
  readonly headers?: Readonly<Record<string, string>>;
  /** TSAPolicyId to request; default: the TSA's. */
  readonly policyOid?: string;
  /** Largest answer accepted, in bytes; default 1 MiB. */
  readonly maxResponseBytes?: number;
  /** Injected fetch (tests); default globalThis.fetch. */
  readonly fetch?: typeof fetch;
}

/**
 * The HTTP transport of RFC 3161 §3.4: POST application/timestamp-query, expect
 * application/timestamp-reply. Unreachable, timed out or HTTP error → TSA_UNAVAILABLE; a granted
 * answer that is not a valid token for this request (status, imprint, nonce) → TSA_BAD_RESPONSE.
 *
 * @example
 * const tsa = new HttpTsa({ url: "http://127.0.0.1:3180/", timeoutMs: 5000 });
 * const cms = await createCmsSignature({ contentDigest, signer, tsa });
 */
export class HttpTsa implements Tsa {
  readonly url: string;
  readonly #timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #policyOid: string | undefined;
  readonly #maxResponseBytes: number;
  readonly #fetch: typeof fetch;

  constructor(options: HttpTsaOptions) {
    this.url = options.url;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#headers = options.headers ?? {};
    this.#policyOid = options.policyOid;
    this.#maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async timestamp(messageImprint: Uint8Array, hashAlgorithm: HashAlgorithm): Promise<Uint8Array> {
    // A positive 64-bit nonce (RFC 3161 §2.4.1) ties the answer to this request.
    const nonce = randomBytes(8);
    nonce[0] = nonce[0]! & 0x7f || 1;
    const query = buildTimeStampRequest({
      messageImprint,
      hashAlgorithm,
      nonce,
      certReq: true,
      ...(this.#policyOid ? { policyOid: this.#policyOid } : {}),
    });
    const body = await this.#post(query);
    const response = parseTimeStampResponse(body);
    if (response.status !== 0 && response.status !== 1) {
      throw new ExchangeError("TSA_BAD_RESPONSE", {
        detail: `expected PKIStatus granted (0/1), got ${response.status}${response.statusText ? ` (${response.statusText})` : ""}`,
      });
    }
    if (!response.token) {
      throw new ExchangeError("TSA_BAD_RESPONSE", { detail: "granted answer without a timeStampToken" });
    }
    checkTimestampToken(response.token, { messageImprint, hashAlgorithm, nonce });
    return response.token;
  }

  async #post(query: Uint8Array): Promise<Uint8Array> {
    let response: Response;
    try {
      response = await this.#fetch(this.url, {
        method: "POST",
        headers: { ...this.#headers, "content-type": "application/timestamp-query" },
        body: query,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new ExchangeError("TSA_UNAVAILABLE", {
        detail: `POST ${this.url} failed: ${describeFetchError(error, this.#timeoutMs)}`,
        cause: error,
      });
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new ExchangeError("TSA_UNAVAILABLE", {
        detail: `POST ${this.url}: expected HTTP 200, got ${response.status}`,
      });
    }
    try {
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length > this.#maxResponseBytes) {
        throw new ExchangeError("TSA_BAD_RESPONSE", {
          detail: `answer of ${bytes.length} bytes exceeds the ${this.#maxResponseBytes}-byte limit`,
        });
      }
      return bytes;
    } catch (error) {
      if (error instanceof ExchangeError) {
        throw error;
      }
      throw new ExchangeError("TSA_UNAVAILABLE", {
        detail: `reading the answer from ${this.url} failed: ${describeFetchError(error, this.#timeoutMs)}`,
        cause: error,
      });
    }
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  if (cause?.code) {
    return cause.code;
  }
  return error instanceof Error ? error.message : "unknown error";
}
