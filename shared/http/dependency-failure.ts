/**
 * The one rule for "a dependency failed, not us, not the caller": an error the AWS SDK or the
 * network threw because DynamoDB or S3 is unreachable, timing out, throttling or failing on its
 * side. The API answers those 503 DEPENDENCY_UNAVAILABLE with Retry-After (see problem.ts),
 * not 500. Recognised by shape (name, Node's `code`, the SDK's `$metadata` and `$retryable`), so
 * that this part needs no SDK import; the cause chain is followed, as adapters may wrap errors.
 */

/** Node's socket errors for a peer that is down, unreachable or hung up. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** Error names the SDK gives throttling, timeouts and the services' own failures. */
const DEPENDENCY_NAMES: ReadonlySet<string> = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "LimitExceededException",
  "SlowDown",
  "ServiceUnavailable",
  "InternalServerError",
  "InternalError",
]);

/** Cancellation reasons of a DynamoDB transaction that mean "throttled", not "conflict". */
const THROTTLED_REASONS: ReadonlySet<string> = new Set(["ThrottlingError", "ProvisionedThroughputExceeded"]);

export function isDependencyFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === "object" && current !== null; ) {
    if (seen.has(current) || seen.size > 8) {
      return false;
    }
    seen.add(current);
    if (failedHere(current as Record<string, unknown>)) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function failedHere(error: Record<string, unknown>): boolean {
  const name = typeof error["name"] === "string" ? error["name"] : "";
  const code = typeof error["code"] === "string" ? error["code"] : "";
  if (NETWORK_CODES.has(code) || DEPENDENCY_NAMES.has(name) || DEPENDENCY_NAMES.has(code)) {
    return true;
  }
  // Node's happy-eyeballs connect fails with an AggregateError of one error per address.
  if (Array.isArray(error["errors"]) && error["errors"].some((inner) => isDependencyFailure(inner))) {
    return true;
  }
  const retryable = error["$retryable"] as { throttling?: boolean } | undefined;
  if (retryable?.throttling === true) {
    return true;
  }
  const status = (error["$metadata"] as { httpStatusCode?: number } | undefined)?.httpStatusCode;
  if (typeof status === "number" && status >= 500) {
    return true;
  }
  const reasons = error["CancellationReasons"];
  return (
    name === "TransactionCanceledException" &&
    Array.isArray(reasons) &&
    reasons.some((reason) => THROTTLED_REASONS.has(String((reason as { Code?: unknown })?.Code)))
  );
}
