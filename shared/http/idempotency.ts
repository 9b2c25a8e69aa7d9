/**
 * `Idempotency-Key` on every POST (issue 10 item 6), through AWS Lambda Powertools' idempotency
 * middleware (a maintained implementation of the record life cycle: in progress, completed,
 * expired) on the exchange's own table (`shared/storage/dynamo-idempotency.ts`).
 *
 * - The key is scoped to the calling API key: the record is keyed by SHA-256 over (organ, role, key
 *   id, Idempotency-Key). A replay is thus only ever shown to the key that received the first answer;
 *   another key (of another organ, or of the same organ with another role, whose own request the
 *   handler might refuse) names another operation and runs through every check. Not organ + role:
 *   two keys of one organ and role are often two systems that pick their keys independently, and a
 *   replay would also answer for an operation the audit trail attributes to the other key. After a
 *   rotation the old key keeps working for its grace period (default 24 h, the records' lifetime),
 *   so a retry goes out under the key of the first attempt; a retry under the new key runs anew.
 * - A repeat with the same request — method, path, query and body bytes ({@link requestFingerprint}:
 *   query parameters decoded and in any order, repeated ones kept) — answers the stored first
 *   response with `Idempotent-Replayed: true`, running nothing; with another request, 409
 *   IDEMPOTENCY_KEY_REUSED; while the first is still running, 409 IDEMPOTENCY_KEY_IN_PROGRESS.
 * - An answer holding a one-time secret (a new API key's `lt_…`, a webhook's `whsec_…`, any
 *   `"secret"` field: {@link holdsSecret}) is never stored: the record keeps only that the request
 *   succeeded, and a repeat gets 409 IDEMPOTENCY_SECRET_NOT_REPLAYABLE (the exchange keeps API keys
 *   only as their SHA-256, and an idempotency record must not undo that for 24 hours). Encrypting
 *   the stored answer would let a retry see the secret again, at the price of a key to manage; not
 *   replaying is simpler and the caller can still list what it created and revoke or delete it.
 * - Only successful answers are kept, for 24 hours: a request that failed may be retried under the
 *   same key and runs again.
 * - Without the header, a POST runs as before.
 *
 * The composition root registers the store once ({@link useIdempotencyStore}); `apiHandler` applies
 * the middleware to every route.
 */
import { createHash } from "node:crypto";
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
} from "@aws-lambda-powertools/idempotency";
import { makeHandlerIdempotent } from "@aws-lambda-powertools/idempotency/middleware";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { ExchangeError } from "../errors/index.ts";
import { ROLES } from "../exchange/roles.ts";
import type { Caller } from "../exchange/types.ts";

/** Request header naming the operation (lowercase, as API Gateway passes headers). */
export const IDEMPOTENCY_HEADER = "idempotency-key";
/** Response header of a replayed answer. */
export const REPLAY_HEADER = "idempotent-replayed";
/** How long a completed answer is kept (and a key stays bound to its request). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** Printable ASCII, 1–255 characters (a UUID, a ULID, an office system's own operation id…). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Where the event carries what the Powertools middleware hashes (set by {@link idempotency}). */
const FIELD = "lienthongIdempotency";

let storeFactory: (() => BasePersistenceLayer) | undefined;
let middleware: ReturnType<typeof makeHandlerIdempotent> | undefined;

/** Registers the record store (once, by the composition root); built on the first keyed POST. */
export function useIdempotencyStore(factory: (() => BasePersistenceLayer) | undefined): void {
  storeFactory = factory;
  middleware = undefined;
}

function powertools(): ReturnType<typeof makeHandlerIdempotent> | undefined {
  if (!storeFactory) {
    return undefined;
  }
  middleware ??= makeHandlerIdempotent({
    persistenceStore: storeFactory(),
    config: new IdempotencyConfig({
      eventKeyJmesPath: `${FIELD}.scope`,
      payloadValidationJmesPath: `${FIELD}.request`,
      hashFunction: "sha256",
      expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
      responseHook: (response) => {
        const result = response as APIGatewayProxyStructuredResultV2;
        return { ...result, headers: { ...result.headers, [REPLAY_HEADER]: "true" } };
      },
    }),
  });
  return middleware;
}

const ACTIVE = "lienthong.idempotency.active";
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

/** The middleware; runs after authentication (it needs the caller's organ). */
export function idempotency<C extends Context & { caller?: Caller }>(): MiddlewareObj<
  Event,
  Result,
  Error,
  C
> {
  return {
    before: async (request) => {
      const key = request.event.headers?.[IDEMPOTENCY_HEADER];
      const inner =
        request.event.requestContext.http.method === "POST" && key !== undefined ? powertools() : undefined;
      if (!inner || key === undefined || !request.context.caller) {
        return undefined;
      }
      if (!KEY_PATTERN.test(key)) {
        throw new ExchangeError("VALIDATION_FAILED", {
          detail: "Idempotency-Key must be 1 to 255 printable ASCII characters",
          meta: {
            errors: [{ path: "headers.idempotency-key", message: "1–255 printable ASCII characters" }],
          },
        });
      }
      const { event } = request;
      const { organCode, role, keyId } = request.context.caller;
      Object.assign(event, {
        [FIELD]: {
          // Scoped to the API key (module header): the same key from two callers names two operations.
          scope: sha256(JSON.stringify([organCode, role, keyId ?? null, key])),
          request: requestFingerprint(event),
        },
      });
      // An in-progress record expires with the invocation's time limit (a crashed request does not
      // lock its key for a day); a context without a clock gets API Gateway's 30 s.
      if (typeof request.context.getRemainingTimeInMillis !== "function") {
        const deadline = Date.now() + 30_000;
        request.context.getRemainingTimeInMillis = () => Math.max(0, deadline - Date.now());
      }
      let replay: Result | undefined;
      try {
        replay = (await inner.before?.(request as never)) as Result | undefined;
      } catch (error) {
        throw translate(error);
      }
      if (replay && WITHHELD in replay) {
        throw new ExchangeError("IDEMPOTENCY_SECRET_NOT_REPLAYABLE", {
          detail:
            "the request with this Idempotency-Key succeeded and its answer held a one-time secret, which " +
            "is not kept; list what it created, revoke or delete it if the secret was lost, and make a " +
            "new request with a new Idempotency-Key",
        });
      }
      // Only a request that now owns the in-progress record completes or releases it: Powertools'
      // own onError would also delete the record of the first request when a repeat is refused.
      if (replay === undefined) {
        (request.internal as Record<string, unknown>)[ACTIVE] = true;
      }
      return replay;
    },
    after: async (request) => {
      if (!(request.internal as Record<string, unknown>)[ACTIVE]) {
        return;
      }
      const answer = request.response;
      if (!answer || !holdsSecret(answer)) {
        await powertools()?.after?.(request as never);
        return;
      }
      // Powertools stores what `request.response` is when it runs: only the marker, never the secret.
      request.response = { statusCode: answer.statusCode, [WITHHELD]: true } as Result;
      try {
        await powertools()?.after?.(request as never);
      } finally {
        request.response = answer;
      }
    },
    onError: async (request) => {
      if ((request.internal as Record<string, unknown>)[ACTIVE]) {
        await powertools()?.onError?.(request as never);
      }
    },
  };
}

/** Marks a stored record whose answer held a secret and was not kept. */
const WITHHELD = "lienthongSecretWithheld";

/**
 * The one-time secrets the exchange hands out (`lt_<role>_` + 24 base64url characters in
 * shared/exchange/administration.ts, `whsec_` + base64 in shared/webhooks/signature.ts) and the
 * contracts' name for a field holding one. In JSON text a `"secret":` can only be a property name
 * (quotes inside strings are escaped). Erring towards "holds a secret" costs only a replay.
 */
const SECRET_TEXT = new RegExp(
  `\\blt_(?:${ROLES.join("|")})_[A-Za-z0-9_-]{24}|\\bwhsec_[A-Za-z0-9+/]{32,}|"secret"\\s*:`,
);

/** Whether an answer carries a secret (bytes bodies are files the caller sent or the exchange signed). */
export function holdsSecret(result: Result): boolean {
  return typeof result.body === "string" && !result.isBase64Encoded && SECRET_TEXT.test(result.body);
}

/**
 * What a key is bound to: SHA-256 over method, path, query and body bytes. The query is compared as
 * API Gateway's handlers read it: name/value pairs percent-decoded ("+" a space, `a` = `a=`), empty
 * pairs dropped, sorted by name, the values of a repeated name kept in their order (`a=1&a=1` is not
 * `a=1`). The body is hashed as bytes, whether the event carries it as text or base64.
 */
export function requestFingerprint(
  event: Pick<Event, "rawPath" | "rawQueryString" | "body" | "isBase64Encoded"> & {
    readonly requestContext: { readonly http: { readonly method: string } };
  },
): string {
  const pairs = (event.rawQueryString ?? "")
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair): [string, string] => {
      const equals = pair.indexOf("=");
      return equals < 0
        ? [decode(pair), ""]
        : [decode(pair.slice(0, equals)), decode(pair.slice(equals + 1))];
    })
    // Stable: a repeated name's values stay in their order.
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const body = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
  return createHash("sha256")
    .update(JSON.stringify([event.requestContext.http.method, event.rawPath, pairs]), "utf8")
    .update("\n")
    .update(body)
    .digest("hex");
}

/** A query part as text; one that is not percent-encoded UTF-8 stays as sent (still compared exactly). */
function decode(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    return `\u0000${raw}`;
  }
}

function translate(error: unknown): unknown {
  if (error instanceof IdempotencyValidationError) {
    return new ExchangeError("IDEMPOTENCY_KEY_REUSED", {
      detail: "this Idempotency-Key was used by this API key for another request in the last 24 hours",
    });
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return new ExchangeError("IDEMPOTENCY_KEY_IN_PROGRESS", {
      detail: "a request with this Idempotency-Key is still running; retry it after it has finished",
    });
  }
  return error;
}
