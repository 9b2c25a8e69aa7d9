/**
 * Outgoing webhooks (issue 11 item 2): endpoints an organ registers, Standard Webhooks signatures,
 * the retry schedule (over a day, jittered) and the dead-letter rule, delivered by a Notifier
 * through the WebhookStore port. No AWS here: the store and the stream wiring are adapters.
 *
 * @example
 * import { createEndpoint, Notifier } from "../webhooks/index.ts";
 * const { endpoint, secret } = createEndpoint({ url, events: ["letter.received"] }, { organ, now: new Date(), local: false });
 * await store.putEndpoint(endpoint); // show `secret` to the caller once
 * const notifier = new Notifier({ store });
 * await notifier.notify(records);
 * await notifier.deliverDue();
 */

export { forbiddenAddress } from "./addresses.ts";
export { MAX_ERROR_LENGTH, parkedMessage, TABLE_ONLY_DEAD_LETTERS } from "./dead-letters.ts";
export {
  type AttemptOptions,
  type AttemptOutcome,
  type AttemptResult,
  attemptDelivery,
  pinnedLookup,
  type ResolvedAddress,
  type Resolver,
} from "./deliver.ts";
export {
  activeSecrets,
  createEndpoint,
  type EndpointInput,
  type EndpointRules,
  type EndpointSecret,
  type PublicWebhookEndpoint,
  publicEndpoint,
  rotateSecret,
  SECRET_ROTATION_GRACE_MS,
  validateEndpointEvents,
  validateEndpointUrl,
  type WebhookEndpoint,
} from "./endpoint.ts";
export {
  type ChangeRecord,
  isWebhookEventType,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
  webhookBody,
  webhookIdFor,
} from "./events.ts";
export { type DeliverySummary, Notifier, type NotifierOptions, type WebhookLogEvent } from "./notifier.ts";
export type {
  AttemptRecord,
  ClaimedEntry,
  DeadLetterSink,
  NewOutboxEntry,
  OutboxEntry,
  OutboxState,
  ParkedMessage,
  WebhookStore,
} from "./ports.ts";
export { RETRY_SCHEDULE, type RetryWindow, retryDelay, scheduleSpan } from "./schedule.ts";
export { decodeSecret, generateSecret, signWebhook, type WebhookHeaders } from "./signature.ts";
