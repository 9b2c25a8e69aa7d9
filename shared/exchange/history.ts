/**
 * A letter's chains, as stored (issue 10 items 4 and 8): the sender chain `letter:<id>` (event 0:
 * `letter.sent`, kept in the letter item) and one chain per copy `delivery:<id>:<recipient>` (event
 * 0: the arrival, kept in the copy's item), each followed by its stored events. Who may read which:
 * the sender every chain, a recipient the sender chain and its own copy's. The history view says
 * who did what, when and why, for people; the audit recomputes the same chains.
 */

import { ExchangeError } from "../errors/index.ts";
import { appendEvent, type ChainEvent, deliveryChain, letterChain } from "../evidence/chain.ts";
import { STATUS_EVENT, statusEvent } from "../evidence/status-event.ts";
import type { EventStore, LifecycleDelivery, LifecycleLetter } from "./event-ports.ts";
import type { ExchangeLedger } from "./ports.ts";
import { EVENT_STATUS_LABELS, type RecallCode, type StatusCode } from "./status.ts";
import type { Caller } from "./types.ts";

/** What the exchange records as the actor of the arrivals. */
export const EXCHANGE_ACTOR = "exchange";

/** One chain of a letter: its events in storage order and the head its owning item records. */
export interface StoredChain {
  readonly chain: string;
  /** "sender", or the recipient's organ code. */
  readonly owner: string;
  readonly events: readonly ChainEvent[];
  /** The head the owning item records (undefined: only event 0 so far, as send wrote it). */
  readonly storedHead: { readonly seq: number; readonly hash: string } | undefined;
}

/** The letter and the copies a caller may see, with their chains. */
export interface VisibleChains {
  readonly letter: LifecycleLetter;
  readonly copies: readonly LifecycleDelivery[];
  readonly chains: readonly StoredChain[];
  /** True when the caller is the sender. */
  readonly isSender: boolean;
}

export type ChainLedger = Pick<ExchangeLedger, "getLetter" | "getDelivery" | "listDeliveries">;

/**
 * Event 0 of a copy's chain: the arrival send stored in the item, or, for a copy written before
 * the chains (no `arrival`), the same event computed from the copy (deterministic).
 */
export function arrivalOf(delivery: LifecycleDelivery, letterSha256: string): ChainEvent {
  return (
    delivery.arrival ??
    appendEvent(
      undefined,
      statusEvent({
        letterId: delivery.letterId,
        letterSha256,
        recipient: delivery.recipient,
        status: "01",
        at: delivery.deliveredAt,
        actingOrgan: EXCHANGE_ACTOR,
      }),
    )
  );
}

/**
 * Event 0 of the sender chain, `letter.sent`: not stored, a function of the committed letter (the
 * same as send's `sentEventOf` in fan-out.ts); the letter item's `head` records its hash.
 */
export function sentEventOf(letter: LifecycleLetter): ChainEvent {
  return appendEvent(undefined, {
    chain: letterChain(letter.id),
    at: letter.sentAt ?? letter.createdAt,
    type: "letter.sent",
    actor: letter.sender,
    data: { letterSha256: letter.file.sha256, recipients: letter.recipients.length },
  });
}

/** The head a new event of a chain follows: the stored head, or event 0. */
export function headAfter(
  start: ChainEvent,
  storedHead: { readonly seq: number; readonly hash: string } | undefined,
) {
  return { chain: start.chain, ...(storedHead ?? { seq: start.seq, hash: start.hash }) };
}

/** Every chain of a letter (the audit's view: no caller). */
export async function letterChains(
  events: Pick<EventStore, "storedEvents">,
  letter: LifecycleLetter,
  copies: readonly LifecycleDelivery[],
): Promise<StoredChain[]> {
  const stored = await events.storedEvents(letter.id);
  const sender = letterChain(letter.id);
  return [
    {
      chain: sender,
      owner: "sender",
      events: [sentEventOf(letter), ...(stored.get(sender) ?? [])],
      storedHead: letter.head,
    },
    ...copies.map((copy): StoredChain => {
      const chain = deliveryChain(letter.id, copy.recipient);
      return {
        chain,
        owner: copy.recipient,
        events: [arrivalOf(copy, letter.file.sha256), ...(stored.get(chain) ?? [])],
        storedHead: copy.head,
      };
    }),
  ];
}

/**
 * The letter's chains the caller may read: the sender every copy (or the one `recipient` names),
 * a recipient its own copy; both the sender chain. Anyone else: LETTER_NOT_FOUND.
 */
export async function visibleChains(
  ledger: ChainLedger,
  events: Pick<EventStore, "storedEvents">,
  caller: Caller,
  id: string,
  recipient?: string,
): Promise<VisibleChains> {
  const letter = (await ledger.getLetter(id)) as LifecycleLetter | undefined;
  if (!letter || letter.state === "draft") {
    throw notFound(id);
  }
  const isSender = letter.sender === caller.organCode;
  let copies: LifecycleDelivery[];
  if (isSender) {
    copies = recipient
      ? [await ledger.getDelivery(id, recipient)].filter((copy) => copy !== undefined)
      : await ledger.listDeliveries(id);
    if (recipient && copies.length === 0) {
      throw new ExchangeError("ORGAN_NOT_FOUND", {
        detail: `${recipient} is not a recipient of letter ${id}`,
      });
    }
  } else {
    const own = recipient === undefined || recipient === caller.organCode;
    const copy = own ? await ledger.getDelivery(id, caller.organCode) : undefined;
    if (!copy) {
      throw notFound(id);
    }
    copies = [copy];
  }
  return { letter, copies, chains: await letterChains(events, letter, copies), isSender };
}

/** One event as people read it: who, what, when, why. */
export interface HistoryEntry {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  /** An organ code, or "exchange" for what the exchange recorded itself. */
  readonly actor: string;
  readonly status?: string;
  readonly statusLabel?: { readonly vi: string; readonly en: string };
  readonly reason?: string;
  readonly data: ChainEvent["data"];
  readonly hash: string;
  readonly prev: string;
}

export interface HistoryView {
  readonly letterId: string;
  readonly revoked?: LifecycleLetter["revoked"];
  readonly chains: readonly {
    readonly chain: string;
    readonly owner: string;
    readonly events: readonly HistoryEntry[];
  }[];
}

/** `GET /v1/letters/{id}/history[?recipient=]`. */
export async function historyView(
  ledger: ChainLedger,
  events: Pick<EventStore, "storedEvents">,
  caller: Caller,
  id: string,
  recipient?: string,
): Promise<HistoryView> {
  const visible = await visibleChains(ledger, events, caller, id, recipient);
  return {
    letterId: id,
    ...(visible.letter.revoked ? { revoked: visible.letter.revoked } : {}),
    chains: visible.chains.map((chain) => ({
      chain: chain.chain,
      owner: chain.owner,
      events: chain.events.map(entryOf),
    })),
  };
}

function entryOf(event: ChainEvent): HistoryEntry {
  const status = event.type === STATUS_EVENT ? String(event.data["status"]) : undefined;
  const reason = event.data["reason"];
  const label = status ? EVENT_STATUS_LABELS[status as StatusCode | RecallCode] : undefined;
  return {
    seq: event.seq,
    at: event.at,
    type: event.type,
    actor: event.actor,
    ...(status ? { status } : {}),
    ...(label ? { statusLabel: label } : {}),
    ...(typeof reason === "string" ? { reason } : {}),
    data: event.data,
    hash: event.hash,
    prev: event.prev,
  };
}

export function notFound(id: string): ExchangeError {
  return new ExchangeError("LETTER_NOT_FOUND", { detail: `letter ${id}` });
}
