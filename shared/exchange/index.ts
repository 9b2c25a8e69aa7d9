export {
  assertActiveOrgans,
  Exchange,
  type ExchangeOptions,
  type InboxItem,
  type LetterView,
  type RecipientView,
} from "./exchange.ts";
export {
  type CreateLetterInput,
  createLetterSchema,
  type LetterFileInput,
  type ListQuery,
  letterFileSchema,
  listQuerySchema,
  MAX_RECIPIENTS,
  ORGAN_CODE,
  type SetStatusInput,
  setStatusSchema,
} from "./letter-schema.ts";
export {
  DEFAULT_SEND_POLICY,
  parseSendPolicy,
  SEND_POLICIES,
  SEND_POLICY_NAMES,
  SEND_POLICY_VARIABLE,
  type SendPolicy,
  sendPolicyAccepts,
} from "./send-policy.ts";
export { STATUS_CODES, STATUS_LABELS, type StatusCode } from "./status.ts";
export type { Caller, Delivery, Letter, LetterEvent, Organ, Page, Role } from "./types.ts";
