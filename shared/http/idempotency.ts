/**
 * `Idempotency-Key` on every POST (issue 10 item 6), through AWS Lambda Powertools' idempotency
 * middleware (a maintained implementation of the record life cycle: in progress, completed,
 * expired) on the exchange's own table (`shared/storage/dynamo-idempotency.ts`).
 *
 * - The key is scoped to the calling organ: the record is keyed by SHA-256 over (organ, key), so two
 *   organs using the same key never meet.
 * - A repeat with the same request (method, path and body bytes) answers the stored first response
 *   with `Idempotent-Replayed: true`, running nothing; with another request, 409
 *   IDEMPOTENCY_KEY_REUSED; while the first is still running, 409 IDEMPOTENCY_KEY_IN_PROGRESS.
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
      Object.assign(event, {
        [FIELD]: {
          // Scoped to the organ: the same key from two organs names two operations.
          scope: sha256(JSON.stringify([request.context.caller.organCode, key])),
          request: sha256(
            JSON.stringify([event.requestContext.http.method, event.rawPath, event.body ?? ""]),
          ),
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
      // Only a request that now owns the in-progress record completes or releases it: Powertools'
      // own onError would also delete the record of the first request when a repeat is refused.
      if (replay === undefined) {
        (request.internal as Record<string, unknown>)[ACTIVE] = true;
      }
      return replay;
    },
    after: async (request) => {
      if ((request.internal as Record<string, unknown>)[ACTIVE]) {
        await powertools()?.after?.(request as never);
      }
    },
    onError: async (request) => {
      if ((request.internal as Record<string, unknown>)[ACTIVE]) {
        await powertools()?.onError?.(request as never);
      }
    },
  };
}

function translate(error: unknown): unknown {
  if (error instanceof IdempotencyValidationError) {
    return new ExchangeError("IDEMPOTENCY_KEY_REUSED", {
      detail: "this Idempotency-Key was used by your organ for another request in the last 24 hours",
    });
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return new ExchangeError("IDEMPOTENCY_KEY_IN_PROGRESS", {
      detail: "a request with this Idempotency-Key is still running; retry it after it has finished",
    });
  }
  return error;
}
