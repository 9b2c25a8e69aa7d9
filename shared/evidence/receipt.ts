/**
 * Signed receipts (issue 10 item 5): every status change of a delivery, the arrival (01) the
 * exchange records included, is a `delivery.status` event in the letter's chain, and its receipt is
 * that event restated for people and signed by the exchange as detached CAdES. The receipt names
 * the event's hash and the previous one, so a receipt also proves where in the letter's history the
 * change sits; re-issuing it gives the same bytes (canonical JSON, signing-time = event time).
 */
import { ExchangeError } from "../errors/index.ts";
import { canonicalBytes, type JsonObject, parseCanonical } from "./canonical-json.ts";
import { type ChainEvent, type EventInput, letterChain } from "./chain.ts";
import { type SignEvidenceOptions, signEvidence } from "./sign-evidence.ts";

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

/** The receipt document; its canonical JSON bytes are what the exchange signs. */
export interface Receipt {
  readonly letterId: string;
  readonly letterSha256: string;
  readonly recipient: string;
  readonly status: string;
  readonly reason?: string;
  readonly time: string;
  readonly actingOrgan: string;
  readonly prevEventHash: string;
  readonly eventHash: string;
}

/** A receipt with its bytes and detached signature, ready to store and hand out. */
export interface SignedReceipt {
  readonly receipt: Receipt;
  /** receipt.json: the canonical JSON (RFC 8785). */
  readonly json: Uint8Array;
  /** receipt.p7s: detached CAdES (DER) over `json`. */
  readonly p7s: Uint8Array;
}

const HEX64 = /^[0-9a-f]{64}$/;
const STATUS = /^[0-9]{2}$/;

/**
 * The chain event input of a status change, for `appendEvent`.
 *
 * @example
 * const event = appendEvent(letterHead, statusEvent({ letterId, letterSha256, recipient, status: "03", at, actingOrgan }));
 */
export function statusEvent(change: StatusChange): EventInput {
  assertChange(change);
  const data: JsonObject = {
    letterSha256: change.letterSha256,
    recipient: change.recipient,
    status: change.status,
    ...(change.reason === undefined ? {} : { reason: change.reason }),
  };
  return {
    chain: letterChain(change.letterId),
    at: change.at,
    type: STATUS_EVENT,
    actor: change.actingOrgan,
    data,
  };
}

/**
 * The receipt of a `delivery.status` event. Throws EVIDENCE_MALFORMED for any other event.
 *
 * @example
 * const receipt = receiptFor(event);
 */
export function receiptFor(event: ChainEvent): Receipt {
  const { data } = event;
  const letterId = event.chain.startsWith("letter:") ? event.chain.slice("letter:".length) : undefined;
  if (event.type !== STATUS_EVENT || !letterId) {
    throw new ExchangeError("EVIDENCE_MALFORMED", {
      detail: `event ${event.chain} #${event.seq} is a ${event.type}, not a ${STATUS_EVENT} of a letter`,
    });
  }
  const receipt: Receipt = {
    letterId,
    letterSha256: String(data.letterSha256),
    recipient: String(data.recipient),
    status: String(data.status),
    ...(typeof data.reason === "string" ? { reason: data.reason } : {}),
    time: event.at,
    actingOrgan: event.actor,
    prevEventHash: event.prev,
    eventHash: event.hash,
  };
  assertReceipt(receipt);
  return receipt;
}

/**
 * Builds and signs the receipt of a status event (the exchange's key; CAdES-T when `tsa` is given;
 * signing-time defaults to the event's time, so a retry re-issues the same bytes with an RSA key).
 *
 * @example
 * const { json, p7s } = await issueReceipt(event, { signer: exchangeSigner });
 * await store.put(`receipts/${letterId}/${event.seq}.json`, json);
 */
export async function issueReceipt(event: ChainEvent, options: SignEvidenceOptions): Promise<SignedReceipt> {
  const receipt = receiptFor(event);
  const json = canonicalBytes(receipt);
  const p7s = await signEvidence(json, { signingTime: new Date(receipt.time), ...options });
  return { receipt, json, p7s };
}

/**
 * Reads receipt bytes: canonical JSON with exactly the receipt's fields. Throws EVIDENCE_MALFORMED.
 *
 * @example
 * const receipt = parseReceipt(await readFile("receipt.json"));
 */
export function parseReceipt(bytes: Uint8Array): Receipt {
  const value = parseCanonical(bytes);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ExchangeError("EVIDENCE_MALFORMED", { detail: "a receipt is a JSON object" });
  }
  const allowed = new Set<string>([
    "letterId",
    "letterSha256",
    "recipient",
    "status",
    "reason",
    "time",
    "actingOrgan",
    "prevEventHash",
    "eventHash",
  ]);
  const unknown = Object.keys(value).filter((key) => !allowed.has(key));
  if (unknown.length > 0) {
    throw new ExchangeError("EVIDENCE_MALFORMED", {
      detail: `unknown receipt field(s): ${unknown.join(", ")}`,
    });
  }
  const receipt = value as unknown as Receipt;
  assertReceipt(receipt);
  return receipt;
}

/** True when `receipt` restates `event` exactly (the receipt a stored event should have). */
export function receiptMatchesEvent(receipt: Receipt, event: ChainEvent): boolean {
  try {
    return Buffer.from(canonicalBytes(receiptFor(event))).equals(canonicalBytes(receipt));
  } catch {
    return false;
  }
}

function assertChange(change: StatusChange): void {
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
}

function assertReceipt(receipt: Receipt): void {
  const fields: readonly (keyof Receipt)[] = ["letterId", "recipient", "time", "actingOrgan"];
  const problems = [
    ...fields
      .filter((field) => typeof receipt[field] !== "string" || receipt[field] === "")
      .map((f) => `${f} missing`),
    HEX64.test(String(receipt.letterSha256)) ? "" : "letterSha256 is not a SHA-256",
    HEX64.test(String(receipt.prevEventHash)) ? "" : "prevEventHash is not a SHA-256",
    HEX64.test(String(receipt.eventHash)) ? "" : "eventHash is not a SHA-256",
    STATUS.test(String(receipt.status)) ? "" : "status is not a two-digit code",
    receipt.reason === undefined || typeof receipt.reason === "string" ? "" : "reason is not text",
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new ExchangeError("EVIDENCE_MALFORMED", { detail: `receipt: ${problems.join("; ")}` });
  }
}
