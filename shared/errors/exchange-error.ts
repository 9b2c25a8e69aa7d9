import type { ErrorCode } from "./codes.ts";

export interface ExchangeErrorOptions {
  /** What went wrong, stating expected versus actual. Never keys, PINs or document content. */
  readonly detail?: string;
  readonly cause?: unknown;
  /** Machine-readable extras a caller may act on (e.g. the field that failed). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/**
 * The one error type the core throws for input it cannot process. Its `code` is stable
 * (see `codes.ts`); verification outcomes are returned as data, not thrown.
 *
 * @example
 * throw new ExchangeError("UPLOAD_CHECKSUM_MISMATCH", { detail: `expected ${a}, got ${b}` });
 */
export class ExchangeError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly meta: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, options: ExchangeErrorOptions = {}) {
    super(options.detail ? `${code}: ${options.detail}` : code, { cause: options.cause });
    this.name = "ExchangeError";
    this.code = code;
    this.detail = options.detail;
    this.meta = options.meta;
  }
}

export function isExchangeError(error: unknown, code?: ErrorCode): error is ExchangeError {
  return error instanceof ExchangeError && (code === undefined || error.code === code);
}
