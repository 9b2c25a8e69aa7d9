/**
 * Signed receipts (issue 10 item 5): every status change of a delivery, the arrival (01) the
 * exchange records included, is a `delivery.status` event in the copy's chain (`delivery:<letterId>:<recipient>`), and its receipt is
 * that event restated for people and signed by the exchange as detached CAdES. The receipt names
 * the event's hash and the previous one, so a receipt also proves where in the letter's history the
 * change sits; re-issuing it gives the same bytes (canonical JSON, signing-time = event time).
 */
import { ExchangeError } from "../errors/index.ts";
import { canonicalBytes, parseCanonical } from "./canonical-json.ts";
import { type ChainEvent, parseChainId } from "./chain.ts";
import { type SignEvidenceOptions, signEvidence } from "./sign-evidence.ts";
import { STATUS_EVENT } from "./status-event.ts";

export { STATUS_EVENT, type StatusChange, statusEvent } from "./status-event.ts";

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
 * The receipt of a `delivery.status` event. Throws EVIDENCE_MALFORMED for any other event.
 *
 * @example
 * const receipt = receiptFor(event);
 */
export function receiptFor(event: ChainEvent): Receipt {
  const { data } = event;
  // A copy's chain (delivery:<letterId>:<recipient>) or, as receipts were first chained, the letter's.
  const letterId = parseChainId(event.chain)?.letterId;
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
