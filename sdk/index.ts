import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema.d.ts";

/**
 * The typed client of the Lienthong API. Its types (`schema.d.ts`) are generated from the OpenAPI
 * document by `npm run sdk:generate`; calls go through openapi-fetch, so paths, parameters,
 * bodies and answers are checked by the compiler against the document, and nothing is
 * hand-copied. Every refusal rejects the call with a `LienthongError` (the problem document's
 * code, message and request id), so a returned `data` is always the success answer.
 *
 * @example
 * const api = createLienthongClient({ url: "http://127.0.0.1:3000", key: process.env.LIENTHONG_KEY! });
 * const inbox = await ok(api.GET("/v1/inbox", { params: { query: { limit: "50" } } }));
 */
export type { components, operations, paths };

export type Problem = components["schemas"]["Problem"];
/** Every stable error code of the API (shared/errors/codes.ts, through the document). */
export type ErrorCode = Problem["code"];
export type LienthongClient = Client<paths>;

/** A refused request: the problem document's `code`, `status`, message and request id. */
export class LienthongError extends Error {
  override readonly name = "LienthongError";
  /** The stable code, or `UNEXPECTED_RESPONSE` for an answer that is not a problem document (e.g. a gateway's). */
  readonly code: ErrorCode | "UNEXPECTED_RESPONSE";
  readonly status: number;
  /** The request id (`instance`): quote it when reporting a problem. */
  readonly requestId: string | undefined;
  /** The whole problem document, with any extension members (e.g. a refused send's verification). */
  readonly problem: Problem | undefined;

  constructor(status: number, problem: Problem | undefined, text?: string) {
    const message = problem
      ? `${problem.code}: ${problem.detail ?? problem.title}`
      : `HTTP ${status}: ${(text ?? "").slice(0, 200) || "no problem document"}`;
    super(message);
    this.status = status;
    this.problem = problem;
    this.code = problem?.code ?? "UNEXPECTED_RESPONSE";
    this.requestId = problem?.instance;
  }
}

export interface LienthongClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:3000` locally. */
  readonly url: string;
  /** An organ's API key, sent as `Authorization: Bearer <key>`. */
  readonly key: string;
  /** For tests and custom transports; defaults to the global fetch. */
  readonly fetch?: typeof globalThis.fetch;
}

export function createLienthongClient(options: LienthongClientOptions): LienthongClient {
  const client = createClient<paths>({
    baseUrl: options.url.replace(/\/+$/, ""),
    headers: { authorization: `Bearer ${options.key}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(refusalsAsErrors);
  return client;
}

const refusalsAsErrors: Middleware = {
  async onResponse({ response }) {
    if (response.ok) {
      return undefined;
    }
    const text = await response.clone().text();
    throw new LienthongError(response.status, asProblem(response, text), text);
  },
};

function asProblem(response: Response, text: string): Problem | undefined {
  if (!/^application\/problem\+json\b/i.test(response.headers.get("content-type") ?? "")) {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && typeof (parsed as Problem).code === "string"
      ? (parsed as Problem)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The success answer of a call. Refusals already reject with `LienthongError`; this also rejects
 * an answer without a body where one was expected.
 */
export async function ok<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data, response } = await call;
  if (data === undefined) {
    throw new LienthongError(response.status, undefined, "the answer has no body");
  }
  return data;
}
