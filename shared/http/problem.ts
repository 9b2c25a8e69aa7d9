import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ERROR_CODES, type ErrorCode, ExchangeError } from "../errors/index.ts";
import { isDependencyFailure } from "./dependency-failure.ts";

/**
 * The one mapping from errors to HTTP: RFC 9457 `application/problem+json`, with the stable
 * `code`, the message in English and Vietnamese, and the request id as `instance`. The detail
 * is shown only for the caller's mistakes (4xx); a 5xx never reveals internals.
 *
 * A refusal that carries data for the caller (e.g. the verification of a send the policy
 * refused) puts it in `meta.problem` of its ExchangeError, an object of extension members
 * (RFC 9457 §3.2): they are added to a 4xx problem, never to a 5xx, and never replace a member
 * defined here.
 */
export interface Problem {
  readonly type: string;
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly messages: { readonly en: string; readonly vi: string };
  readonly instance?: string;
  readonly errors?: unknown;
  /** Extension members, from `meta.problem` (4xx only). */
  readonly [extension: string]: unknown;
}

/** The members this mapping defines (RFC 9457 §3.1 and ours): an extension never takes their place. */
const STANDARD_MEMBERS: ReadonlySet<string> = new Set([
  "type",
  "code",
  "status",
  "title",
  "detail",
  "messages",
  "instance",
  "errors",
]);

export function toProblem(error: unknown, requestId?: string): Problem {
  const known = classify(error);
  const info = ERROR_CODES[known.code];
  const exposed = info.status < 500;
  return {
    ...(exposed ? extensionMembers(known.meta?.["problem"]) : {}),
    type: `urn:problem:${known.code}`,
    code: known.code,
    status: info.status,
    title: info.en,
    ...(exposed && known.detail ? { detail: known.detail } : {}),
    messages: { en: info.en, vi: info.vi },
    ...(requestId ? { instance: requestId } : {}),
    ...(exposed && known.meta?.["errors"] ? { errors: known.meta["errors"] } : {}),
  };
}

/** An ExchangeError as it is; a dependency's outage (even wrapped as INTERNAL) as 503; the rest INTERNAL. */
function classify(error: unknown): ExchangeError {
  if (error instanceof ExchangeError && error.code !== "INTERNAL") {
    return error;
  }
  return isDependencyFailure(error)
    ? new ExchangeError("DEPENDENCY_UNAVAILABLE", { cause: error })
    : error instanceof ExchangeError
      ? error
      : new ExchangeError("INTERNAL", { cause: error });
}

function extensionMembers(members: unknown): Record<string, unknown> {
  if (typeof members !== "object" || members === null || Array.isArray(members)) {
    return {};
  }
  return Object.fromEntries(Object.entries(members).filter(([name]) => !STANDARD_MEMBERS.has(name)));
}

/** Seconds a client should wait before repeating a request refused with 503. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The problem as a response, with the headers its status calls for: `WWW-Authenticate` on a 401
 * (RFC 9110 §11.6.1, the Bearer scheme of RFC 6750) and `Retry-After` on a 503 (RFC 9110 §10.2.3).
 */
export function problemResponse(problem: Problem): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: {
      "content-type": "application/problem+json; charset=utf-8",
      "cache-control": "no-store",
      ...(problem.status === 401 ? { "www-authenticate": 'Bearer realm="lienthong"' } : {}),
      ...(problem.status === 503 ? { "retry-after": String(RETRY_AFTER_SECONDS) } : {}),
    },
    body: JSON.stringify(problem),
  };
}
