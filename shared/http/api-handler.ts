import { createHash } from "node:crypto";
import middy, { type MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { type $ZodType, type $ZodUndefined, type output, safeParse } from "zod/v4/core";
import { ExchangeError } from "../errors/index.ts";
import {
  ACTION_DESCRIPTIONS,
  type Action,
  isRole,
  mayPerform,
  ROLES,
  rolesAllowed,
  writes,
} from "../exchange/roles.ts";
import { textFault } from "../exchange/text-rule.ts";
import type { Caller } from "../exchange/types.ts";
import { idempotency } from "./idempotency.ts";
import { log } from "./log.ts";
import { problemResponse, toProblem } from "./problem.ts";

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

/** What an API handler gets: the authenticated caller, the validated body and query. */
export interface ApiRequest<TBody, TQuery> {
  readonly caller: Caller;
  readonly body: TBody;
  readonly query: TQuery;
  readonly pathParameters: Readonly<Record<string, string | undefined>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body's bytes, for routes that take a file (`rawBody` option). */
  readonly rawBody: Uint8Array | undefined;
  readonly requestId: string;
}

export interface ApiReply {
  readonly status: number;
  /** JSON-serialised, unless it is bytes (sent as they are, base64 in the Lambda result). */
  readonly body: unknown;
  /** Content type of a bytes body; JSON otherwise. */
  readonly contentType?: string;
}

/** A request schema: classic zod or zod/mini (the same core parses both, with the same issues). */
type Schema = $ZodType;

export interface ApiHandlerOptions<TBody extends Schema, TQuery extends Schema> {
  /** Resolves an API key's SHA-256 (hex) to its organ; called once per request. */
  readonly findApiKey: (keyHash: string) => Promise<Caller | undefined>;
  /**
   * What the route does (the `action` its entry in `functions/routes.ts` names): a key whose role
   * may not perform it is refused with 403 `ROLE_NOT_ALLOWED` before the logic runs.
   */
  readonly action: Action;
  readonly body?: TBody;
  readonly query?: TQuery;
  /** The route takes a file, not JSON: its bytes come as `rawBody`, up to `maxBytes`. */
  readonly rawBody?: { readonly contentTypes: readonly string[]; readonly maxBytes: number };
}

interface ApiContext extends Context {
  caller?: Caller;
  body?: unknown;
  query?: unknown;
  rawBody?: Uint8Array;
  startedAt?: number;
}

/**
 * Wraps a route's logic in the middlewares every route shares: access log, problem responses,
 * authentication and the role check (`shared/exchange/roles.ts`), JSON body and query validation. The logic returns data; serialisation and
 * error mapping happen here, once.
 *
 * @example
 * export const handler = apiHandler({ findApiKey, action: "set-status", body: setStatusSchema }, async (req) =>
 *   ({ status: 200, body: await exchange.setStatus(req.caller, req.pathParameters.id!, req.body) }));
 */
export function apiHandler<TBody extends Schema = $ZodUndefined, TQuery extends Schema = $ZodUndefined>(
  options: ApiHandlerOptions<TBody, TQuery>,
  logic: (request: ApiRequest<output<TBody>, output<TQuery>>) => Promise<ApiReply>,
) {
  return (
    middy<Event, Result, Error, ApiContext>()
      .use(accessLog())
      .use(problemResponses())
      .use(authenticate(options.findApiKey, options.action))
      .use(parseInput(options))
      // Idempotency-Key on POSTs: after authentication (scoped to the caller's organ), before the logic.
      .use(idempotency())
      .handler(async (event, context) => {
        const reply = await logic({
          caller: context.caller as Caller,
          body: context.body as output<TBody>,
          query: context.query as output<TQuery>,
          pathParameters: event.pathParameters ?? {},
          headers: event.headers,
          rawBody: context.rawBody,
          requestId: event.requestContext.requestId,
        });
        if (reply.body instanceof Uint8Array) {
          return {
            statusCode: reply.status,
            headers: {
              "content-type": reply.contentType ?? "application/octet-stream",
              "cache-control": "no-store",
            },
            body: Buffer.from(reply.body).toString("base64"),
            isBase64Encoded: true,
          };
        }
        return {
          statusCode: reply.status,
          headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
          body: JSON.stringify(reply.body),
        };
      })
  );
}

function accessLog(): MiddlewareObj<Event, Result, Error, ApiContext> {
  const write = (event: Event, context: ApiContext, response: Result | null, code?: string) =>
    log("info", "request", {
      requestId: event.requestContext.requestId,
      method: event.requestContext.http.method,
      path: event.rawPath,
      status: response?.statusCode,
      organ: context.caller?.organCode,
      ms: context.startedAt ? Date.now() - context.startedAt : undefined,
      ...(code ? { code } : {}),
    });
  return {
    before: (request) => {
      request.context.startedAt = Date.now();
    },
    after: (request) => write(request.event, request.context, request.response),
    onError: (request) => {
      const code = request.response?.body
        ? (JSON.parse(request.response.body) as { code?: string }).code
        : undefined;
      write(request.event, request.context, request.response, code);
    },
  };
}

function problemResponses(): MiddlewareObj<Event, Result, Error, ApiContext> {
  return {
    onError: (request) => {
      const requestId = request.event.requestContext.requestId;
      const problem = toProblem(request.error, requestId);
      if (problem.status >= 500) {
        // The caller sees a generic message; the log keeps what happened.
        log("error", "request failed", {
          requestId,
          code: problem.code,
          error: request.error instanceof Error ? request.error.stack : String(request.error),
          cause: request.error?.cause instanceof Error ? request.error.cause.stack : undefined,
        });
      }
      request.response = problemResponse(problem);
    },
  };
}

function authenticate(
  findApiKey: (keyHash: string) => Promise<Caller | undefined>,
  action: Action,
): MiddlewareObj<Event, Result, Error, ApiContext> {
  return {
    before: async (request) => {
      const header = request.event.headers["authorization"] ?? "";
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const caller = match?.[1] ? await findApiKey(hashApiKey(match[1])) : undefined;
      if (!caller) {
        throw new ExchangeError("UNAUTHENTICATED", {
          detail: match ? "the API key is not known" : "missing 'Authorization: Bearer <key>' header",
        });
      }
      request.context.caller = caller;
      authorize(caller, action);
      if (writes(action, request.event.requestContext.http.method)) {
        await assertCallerActive(caller);
      }
    },
  };
}

let organStatus: ((organCode: string) => Promise<string | undefined>) | undefined;

/** Where the caller's organ status is read before a write (functions/runtime.ts: the directory). */
export function useOrganStatus(lookup: (organCode: string) => Promise<string | undefined>): void {
  organStatus = lookup;
}

/** One rule for every write of every route: a key of an inactive or merged organ may only read. */
async function assertCallerActive(caller: Caller): Promise<void> {
  const status = organStatus ? await organStatus(caller.organCode) : "active";
  if (status !== "active") {
    throw new ExchangeError("ORGAN_INACTIVE", {
      detail: `organ ${caller.organCode} is ${status ?? "not in the directory"}: its keys may only read`,
      meta: { organCode: caller.organCode, status: status ?? "unknown" },
    });
  }
}

/** Refuses a key whose role may not perform the route's action; an unknown role may do nothing. */
function authorize(caller: Caller, action: Action): void {
  if (mayPerform(caller.role, action)) {
    return;
  }
  const allowed = rolesAllowed(action);
  const known = isRole(caller.role);
  const role = known ? caller.role : String(caller.role ?? "").slice(0, 40) || "none";
  throw new ExchangeError("ROLE_NOT_ALLOWED", {
    detail: known
      ? `this key's role (${role}) may not ${ACTION_DESCRIPTIONS[action]}; a key of role ${allowed.join(" or ")} may`
      : `this key's role (${role}) is none of ${ROLES.join(", ")}: it may do nothing`,
    meta: { problem: { role, action, allowedRoles: allowed } },
  });
}

function parseInput(
  options: ApiHandlerOptions<Schema, Schema>,
): MiddlewareObj<Event, Result, Error, ApiContext> {
  return {
    before: (request) => {
      const { event, context } = request;
      if (options.body) {
        context.body = validate(options.body, readJson(event), "body");
      }
      if (options.rawBody) {
        context.rawBody = readRaw(event, options.rawBody);
      }
      if (options.query) {
        context.query = validate(options.query, readQuery(event), "query");
      }
      checkPathParameters(event);
    },
  };
}

function readRaw(
  event: Event,
  accepted: NonNullable<ApiHandlerOptions<Schema, Schema>["rawBody"]>,
): Uint8Array {
  const type = (event.headers["content-type"] ?? "").toLowerCase().split(";")[0]?.trim() ?? "";
  if (!accepted.contentTypes.includes(type)) {
    throw new ExchangeError("UNSUPPORTED_MEDIA_TYPE", {
      detail: `expected Content-Type ${accepted.contentTypes.join(" or ")}, got '${type || "none"}'`,
    });
  }
  const bytes = event.body
    ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8")
    : Buffer.alloc(0);
  if (bytes.length === 0) {
    throw new ExchangeError("VALIDATION_FAILED", { detail: "the request needs the file as its body" });
  }
  if (bytes.length > accepted.maxBytes) {
    throw new ExchangeError("PAYLOAD_TOO_LARGE", {
      detail: `the body is ${bytes.length} bytes; this route takes at most ${accepted.maxBytes} bytes`,
    });
  }
  return bytes;
}

function readJson(event: Event): unknown {
  const type = (event.headers["content-type"] ?? "").toLowerCase();
  if (!event.body) {
    throw new ExchangeError("VALIDATION_FAILED", { detail: "the request needs a JSON body" });
  }
  if (!/^application\/([\w.+-]+\+)?json\b/.test(type)) {
    throw new ExchangeError("UNSUPPORTED_MEDIA_TYPE", { detail: `got Content-Type '${type || "none"}'` });
  }
  let text = event.body;
  if (event.isBase64Encoded) {
    try {
      text = STRICT_UTF8.decode(Buffer.from(event.body, "base64"));
    } catch {
      throw new ExchangeError("MALFORMED_JSON", { detail: "the body is not valid UTF-8" });
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ExchangeError("MALFORMED_JSON", { detail: (error as Error).message });
  }
}

/** Refuses bytes that are not UTF-8 instead of turning them into U+FFFD. */
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The query parameters, read from the raw query string: API Gateway joins a repeated parameter's
 * values with commas (`limit=1&limit=2` becomes "1,2"), and decodes bytes that are not UTF-8 into
 * U+FFFD; both are refused here, naming the parameter.
 */
function readQuery(event: Event): Record<string, string | undefined> {
  if (!event.rawQueryString) {
    return { ...event.queryStringParameters };
  }
  const query: Record<string, string> = {};
  for (const pair of event.rawQueryString.split("&")) {
    if (pair === "") {
      continue;
    }
    const equals = pair.indexOf("=");
    const [rawName, rawValue] = equals < 0 ? [pair, ""] : [pair.slice(0, equals), pair.slice(equals + 1)];
    const name = decodeQueryPart(rawName, "a query parameter's name");
    const shown = JSON.stringify(name.slice(0, 40));
    const value = decodeQueryPart(rawValue, `query parameter ${shown}`);
    if (Object.hasOwn(query, name)) {
      throw new ExchangeError("VALIDATION_FAILED", {
        detail: `query parameter ${shown} is given more than once; give it once`,
        meta: { errors: [{ path: `query.${name}`, message: "given more than once" }] },
      });
    }
    query[name] = value;
  }
  return query;
}

function decodeQueryPart(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: `${what} is not percent-encoded UTF-8`,
    });
  }
}

/** Path parameters are request strings too: the text rule of letter-schema.ts applies to them. */
function checkPathParameters(event: Event): void {
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
    const fault = value === undefined ? undefined : textFault(value);
    if (fault) {
      throw new ExchangeError("VALIDATION_FAILED", {
        detail: `path.${name}: ${fault}`,
        meta: { errors: [{ path: `path.${name}`, message: fault }] },
      });
    }
  }
}

function validate(schema: Schema, value: unknown, where: "body" | "query"): unknown {
  const result = safeParse(schema, value);
  if (result.success) {
    return result.data;
  }
  const errors = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  throw new ExchangeError("VALIDATION_FAILED", {
    detail: errors.map((e) => `${e.path}: ${e.message}`).join("; "),
    meta: { errors },
  });
}

/** API keys are stored only as this hash. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}
