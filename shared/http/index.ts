export {
  type ApiHandlerOptions,
  type ApiReply,
  type ApiRequest,
  apiHandler,
  hashApiKey,
} from "./api-handler.ts";
export { type LogLevel, log } from "./log.ts";
export { type Problem, problemResponse, toProblem } from "./problem.ts";
