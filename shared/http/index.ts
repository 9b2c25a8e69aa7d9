export {
  type ApiHandlerOptions,
  type ApiReply,
  type ApiRequest,
  apiHandler,
  hashApiKey,
} from "./api-handler.ts";
export { isDependencyFailure } from "./dependency-failure.ts";
export {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_TTL_SECONDS,
  REPLAY_HEADER,
  useIdempotencyStore,
} from "./idempotency.ts";
export { type LogLevel, log } from "./log.ts";
export { type Problem, problemResponse, RETRY_AFTER_SECONDS, toProblem } from "./problem.ts";
