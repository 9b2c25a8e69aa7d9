export { ERROR_CODES, type ErrorCode, type ErrorCodeInfo, errorInfo } from "./codes.ts";
export { ExchangeError, type ExchangeErrorOptions, isExchangeError } from "./exchange-error.ts";
