export {
  Exchange,
  type ExchangeOptions,
  type InboxItem,
  type LetterView,
  type RecipientView,
} from "./exchange.ts";
export {
  type CreateLetterInput,
  createLetterSchema,
  type ListQuery,
  listQuerySchema,
  MAX_RECIPIENTS,
  ORGAN_CODE,
  type SetStatusInput,
  setStatusSchema,
} from "./letter-schema.ts";
export { STATUS_CODES, STATUS_LABELS, type StatusCode } from "./status.ts";
export type { Caller, Delivery, Letter, LetterEvent, Organ, Page, Role } from "./types.ts";
