/**
 * The chain event of a status change of one copy (issue 10 items 5 and 8), in its own module so
 * that the routes that record statuses (light routes: no CMS) build it without importing the
 * receipt signer. Event 0 of a copy's chain is its arrival (01), recorded by the exchange.
 */
import { ExchangeError } from "../errors/index.ts";
import type { JsonObject } from "./canonical-json.ts";
import { deliveryChain, type EventInput } from "./chain.ts";

/** The event type of a delivery status change. */
export const STATUS_EVENT = "delivery.status";

/** A status change as the exchange decides it. */
export interface StatusChange {
  readonly letterId: string;
  /** SHA-256 (lowercase hex) of the letter's main file. */
  readonly letterSha256: string;
  /** Organ code of the delivery's recipient. */
  readonly recipient: string;
  /** Two-digit QCVN 102:2016 status, e.g. "01", "03", "13". */
  readonly status: string;
  readonly reason?: string;
  /** ISO 8601 UTC time of the change. */
  readonly at: string;
  /** Who made the change: an organ code, or "exchange" for the arrival the exchange records. */
  readonly actingOrgan: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const STATUS = /^[0-9]{2}$/;

/**
 * The chain event input of a status change, for `appendEvent`: chain `delivery:<letterId>:<recipient>`.
 *
 * @example
 * const event = appendEvent(copyHead, statusEvent({ letterId, letterSha256, recipient, status: "03", at, actingOrgan }));
 */
export function statusEvent(change: StatusChange): EventInput {
  const problems = [
    HEX64.test(change.letterSha256) ? "" : "letterSha256 must be 64 lowercase hex digits",
    STATUS.test(change.status) ? "" : `status must be two digits, got ${JSON.stringify(change.status)}`,
    change.letterId && change.recipient && change.actingOrgan
      ? ""
      : "letterId, recipient and actingOrgan are required",
    Number.isNaN(Date.parse(change.at)) ? `at is not a time: ${JSON.stringify(change.at)}` : "",
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new ExchangeError("VALIDATION_FAILED", { detail: problems.join("; ") });
  }
  const data: JsonObject = {
    letterSha256: change.letterSha256,
    recipient: change.recipient,
    status: change.status,
    ...(change.reason === undefined ? {} : { reason: change.reason }),
  };
  return {
    chain: deliveryChain(change.letterId, change.recipient),
    at: change.at,
    type: STATUS_EVENT,
    actor: change.actingOrgan,
    data,
  };
}
