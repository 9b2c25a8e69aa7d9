/**
 * The audit chain (issue 10 item 8): hash-chained events, one chain per letter (every event of the
 * letter, its deliveries' included) and one for admin changes. Each event records `prev`, the hash
 * of the event before it in its chain (or {@link GENESIS}), and `seq`, its position; its `hash` is
 * SHA-256 over the RFC 8785 encoding of the event without `hash`. Editing, removing, reordering or
 * inserting an event therefore breaks a hash, a link or the sequence, and {@link verifyChain} names
 * which. Removing the newest events is only visible against a known head (a seal or the head the
 * letter item keeps): pass it as `expectedHead`.
 */
import { createHash } from "node:crypto";
import { ExchangeError } from "../errors/index.ts";
import { canonicalBytes, type JsonObject } from "./canonical-json.ts";

/** `prev` of the first event of every chain: 64 zeros. */
export const GENESIS = "0".repeat(64);
/** The chain of admin changes (organs, keys, certificates, anchors, policy). */
export const ADMIN_CHAIN = "admin";

/** The chain id of a letter's sender-side events (sent, recall asked, revoked, replaced, updated). */
export function letterChain(letterId: string): string {
  return `letter:${letterId}`;
}

/** The chain id of one copy's events: its arrival (01) and every later status of that recipient. */
export function deliveryChain(letterId: string, recipient: string): string {
  return `delivery:${letterId}:${recipient}`;
}

/** The letter (and, for a copy's chain, the recipient) a chain id names; undefined for other chains. */
export function parseChainId(
  chain: string,
): { readonly letterId: string; readonly recipient?: string } | undefined {
  const letter = /^letter:([^:]+)$/.exec(chain);
  if (letter) {
    return { letterId: letter[1]! };
  }
  const copy = /^delivery:([^:]+):([^:]+)$/.exec(chain);
  return copy ? { letterId: copy[1]!, recipient: copy[2]! } : undefined;
}

/** One event of a chain, as stored. Hashes are lowercase hex SHA-256. */
export interface ChainEvent {
  readonly chain: string;
  /** Position in the chain, 0 for the first event. */
  readonly seq: number;
  readonly prev: string;
  /** ISO 8601 UTC time the exchange recorded the event. */
  readonly at: string;
  /** What happened, e.g. "letter.sent", "delivery.status", "organ.updated". */
  readonly type: string;
  /** Who did it: an organ code, or "exchange" for what the exchange itself records. */
  readonly actor: string;
  readonly data: JsonObject;
  readonly hash: string;
}

/** What the caller says about a new event; the chain fields are filled in by {@link appendEvent}. */
export type EventInput = Pick<ChainEvent, "chain" | "at" | "type" | "actor" | "data">;

/** The newest event of a chain: what a writer must know to append, and what a seal records. */
export interface ChainHead {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
}

/**
 * SHA-256 (hex) over the canonical encoding of the event without its `hash` field.
 *
 * @example
 * const intact = eventHash(stored) === stored.hash;
 */
export function eventHash(event: Omit<ChainEvent, "hash"> | ChainEvent): string {
  const { hash: _ignored, ...body } = event as ChainEvent;
  return sha256Hex(canonicalBytes(body));
}

/**
 * The next event of a chain after `head` (undefined for a new chain). The writer stores it with a
 * conditional write on `head` (seq and hash unchanged), so two writers never fork a chain.
 *
 * @example
 * const first = appendEvent(undefined, { chain: letterChain(id), at, type: "letter.sent", actor, data: {} });
 * const second = appendEvent(headOf(first), { ...input });
 */
export function appendEvent(head: ChainHead | undefined, input: EventInput): ChainEvent {
  if (head && head.chain !== input.chain) {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: `event for chain ${input.chain} appended after the head of chain ${head.chain}`,
    });
  }
  const body: Omit<ChainEvent, "hash"> = {
    chain: input.chain,
    seq: head ? head.seq + 1 : 0,
    prev: head ? head.hash : GENESIS,
    at: input.at,
    type: input.type,
    actor: input.actor,
    data: input.data,
  };
  return { ...body, hash: eventHash(body) };
}

/** The head a chain ends in, after `event`. */
export function headOf(event: ChainEvent): ChainHead {
  return { chain: event.chain, seq: event.seq, hash: event.hash };
}

/** How a chain fails, by name. */
export type ChainProblemKind = "CHANGED" | "REMOVED" | "REORDERED" | "INSERTED";

/** The first problem {@link verifyChain} finds. */
export interface ChainProblem {
  readonly kind: ChainProblemKind;
  /** Position in the given list of the event concerned (for REMOVED: where the missing ones belong). */
  readonly index: number;
  /** The `seq` that event claims, when there is one. */
  readonly seq?: number;
  /** What was expected there: a hash, a seq, a chain id. */
  readonly expected: string;
  /** What was found instead. */
  readonly found: string;
  /** One sentence for people. */
  readonly detail: string;
}

/** Outcome of {@link verifyChain}. */
export type ChainVerification =
  | { readonly ok: true; readonly head: ChainHead | undefined; readonly count: number }
  | { readonly ok: false; readonly problem: ChainProblem };

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  /** The chain the events must belong to; default: the first event's. */
  readonly chain?: string;
  /** A head known from elsewhere (a seal, the letter item): the chain must contain it at its seq. */
  readonly expectedHead?: ChainHead;
  /** With `expectedHead`: the chain must end there, nothing after it (default false). */
  readonly endsAtExpectedHead?: boolean;
}

/**
 * Recomputes a chain, given in stored order (ascending seq), and reports its first problem by name:
 * CHANGED (an event's hash no longer matches its content, or a rewritten event no longer matches
 * the next event's `prev`), REMOVED (a gap in the sequence, or the chain stops before the expected
 * head), REORDERED (the events are all there but out of order), INSERTED (an event that is not
 * part of the chain: a duplicate, a forgery, another chain's). Never throws for bad data.
 *
 * @example
 * const result = verifyChain(events, { chain: letterChain(id) });
 * if (!result.ok) console.log(result.problem.kind, result.problem.index, result.problem.detail);
 */
export function verifyChain(
  events: readonly ChainEvent[],
  options: VerifyChainOptions = {},
): ChainVerification {
  const chain = options.chain ?? events[0]?.chain;
  if (chain === undefined) {
    return options.expectedHead
      ? fail("REMOVED", 0, undefined, `seq 0…${options.expectedHead.seq}`, "no events", "the chain is empty")
      : { ok: true, head: undefined, count: 0 };
  }
  const intact = events.map(isIntact);
  const first = firstBreak(events, intact, chain, 0, GENESIS, 0);
  if (first !== undefined) {
    return fail(...classify(events, intact, chain, first));
  }
  const last = events[events.length - 1];
  const head = last ? headOf(last) : undefined;
  const expected = options.expectedHead;
  if (expected) {
    const problem = checkExpectedHead(events, expected, options.endsAtExpectedHead ?? false);
    if (problem) {
      return { ok: false, problem };
    }
  }
  return { ok: true, head, count: events.length };
}

type ProblemArgs = [ChainProblemKind, number, number | undefined, string, string, string];

function fail(...[kind, index, seq, expected, found, detail]: ProblemArgs): ChainVerification {
  return {
    ok: false,
    problem: { kind, index, ...(seq === undefined ? {} : { seq }), expected, found, detail },
  };
}

/** The event's own hash matches its content (whichever chain it belongs to). */
function isIntact(event: ChainEvent): boolean {
  try {
    return (
      Number.isSafeInteger(event.seq) && typeof event.hash === "string" && eventHash(event) === event.hash
    );
  } catch {
    return false; // not encodable: certainly not what the exchange wrote
  }
}

/**
 * The first position from `start` at which events[i] is not the expected next event (seq `seq`,
 * prev `prev`, intact); undefined when all of them from `start` on fit.
 */
function firstBreak(
  events: readonly ChainEvent[],
  intact: readonly boolean[],
  chain: string,
  start: number,
  prev: string,
  seq: number,
): number | undefined {
  let expectedPrev = prev;
  let expectedSeq = seq;
  for (let i = start; i < events.length; i++) {
    const event = events[i]!;
    if (!intact[i] || event.chain !== chain || event.seq !== expectedSeq || event.prev !== expectedPrev) {
      return i;
    }
    expectedPrev = event.hash;
    expectedSeq += 1;
  }
  return undefined;
}

/** The previous hash expected at position i, given that positions before i are a valid chain. */
function prevAt(events: readonly ChainEvent[], i: number): string {
  return i === 0 ? GENESIS : events[i - 1]!.hash;
}

/**
 * Names the break at position i (everything before i is a valid chain), trying the hypotheses from
 * the most specific: the list is a permutation of a valid chain (REORDERED); a gap in seq after
 * which the chain continues intact (REMOVED); dropping the event at i-1 or i makes the chain valid
 * (INSERTED; an inserted event that fits perfectly only shows at the next position); otherwise the
 * event at i was changed, or, when i is intact and in sequence but its `prev` is not the hash of
 * event i-1, event i-1 was rewritten with a recomputed hash (CHANGED). At the last position the
 * CHANGED readings come first: dropping the last event always "fixes" a chain, and an edit is far
 * likelier than an appended broken event, which no later event could tell apart from it.
 */
function classify(
  events: readonly ChainEvent[],
  intact: readonly boolean[],
  chain: string,
  i: number,
): ProblemArgs {
  const event = events[i]!;
  const expectedPrev = prevAt(events, i);
  if (isPermutationOfValidChain(events, intact, chain)) {
    const at = events.findIndex((candidate, position) => position > i && candidate.seq === i);
    return [
      "REORDERED",
      i,
      event.seq,
      `seq ${i}`,
      `seq ${event.seq}`,
      `event ${i} holds seq ${event.seq}; seq ${i} is at position ${at}: the events were reordered`,
    ];
  }
  if (
    intact[i] &&
    event.chain === chain &&
    event.seq > i &&
    firstBreak(events, intact, chain, i + 1, event.hash, event.seq + 1) === undefined
  ) {
    return [
      "REMOVED",
      i,
      event.seq,
      `seq ${i}`,
      `seq ${event.seq}`,
      event.seq - i === 1
        ? `event seq ${i} is missing before position ${i}`
        : `events seq ${i}…${event.seq - 1} are missing before position ${i}`,
    ];
  }
  const rewrittenBefore =
    intact[i] && i > 0 && event.chain === chain && event.seq === i && event.prev !== expectedPrev;
  if (i === events.length - 1) {
    if (!intact[i]) {
      return changedHash(event, i);
    }
    if (rewrittenBefore) {
      return rewritten(events, i);
    }
  }
  for (const drop of [i - 1, i]) {
    if (drop >= 0 && validWithout(events, intact, chain, drop)) {
      const extra = events[drop]!;
      return [
        "INSERTED",
        drop,
        typeof extra.seq === "number" ? extra.seq : undefined,
        `no event at position ${drop}`,
        `event ${String(extra.hash).slice(0, 16)}… (${extra.chain} #${extra.seq})`,
        `event ${drop} is not part of chain ${chain}: without it the chain verifies`,
      ];
    }
  }
  if (!intact[i]) {
    return changedHash(event, i);
  }
  if (rewrittenBefore) {
    return rewritten(events, i);
  }
  return [
    "CHANGED",
    i,
    event.seq,
    `chain ${chain}, seq ${i}, prev ${expectedPrev}`,
    `chain ${event.chain}, seq ${event.seq}, prev ${event.prev}`,
    `event ${i} does not follow event ${i - 1}: it was changed`,
  ];
}

/** Event i is intact and in sequence but names another prev: event i-1 was rewritten, hash recomputed. */
function rewritten(events: readonly ChainEvent[], i: number): ProblemArgs {
  const event = events[i]!;
  return [
    "CHANGED",
    i - 1,
    events[i - 1]!.seq,
    `hash ${event.prev} (as event ${i} records)`,
    `hash ${events[i - 1]!.hash}`,
    `event ${i - 1} was rewritten: its hash is not the one event ${i} records as prev`,
  ];
}

function changedHash(event: ChainEvent, i: number): ProblemArgs {
  return [
    "CHANGED",
    i,
    typeof event.seq === "number" ? event.seq : undefined,
    `hash ${String(event.hash)} (as stored)`,
    `hash ${safeHash(event)} (recomputed)`,
    `event ${i} no longer matches its hash: it was changed`,
  ];
}

function isPermutationOfValidChain(
  events: readonly ChainEvent[],
  intact: readonly boolean[],
  chain: string,
): boolean {
  if (!intact.every(Boolean)) {
    return false;
  }
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  return (
    firstBreak(
      sorted,
      sorted.map(() => true),
      chain,
      0,
      GENESIS,
      0,
    ) === undefined
  );
}

function validWithout(
  events: readonly ChainEvent[],
  intact: readonly boolean[],
  chain: string,
  drop: number,
): boolean {
  const rest = events.filter((_, position) => position !== drop);
  const restIntact = intact.filter((_, position) => position !== drop);
  return firstBreak(rest, restIntact, chain, 0, GENESIS, 0) === undefined;
}

function checkExpectedHead(
  events: readonly ChainEvent[],
  expected: ChainHead,
  mustEnd: boolean,
): ChainProblem | undefined {
  const at = events[expected.seq];
  if (!at) {
    return {
      kind: "REMOVED",
      index: events.length,
      expected: `seq ${expected.seq} (hash ${expected.hash})`,
      found: `the chain ends at seq ${events.length - 1}`,
      detail: `events seq ${events.length}…${expected.seq} are missing: the chain stops before its known head`,
    };
  }
  if (at.hash !== expected.hash) {
    return {
      kind: "CHANGED",
      index: expected.seq,
      seq: expected.seq,
      expected: `hash ${expected.hash}`,
      found: `hash ${at.hash}`,
      detail: `the chain was rewritten at or before seq ${expected.seq}: it does not lead to the known head`,
    };
  }
  if (mustEnd && events.length > expected.seq + 1) {
    const extra = events[expected.seq + 1]!;
    return {
      kind: "INSERTED",
      index: expected.seq + 1,
      seq: extra.seq,
      expected: `the chain ends at seq ${expected.seq}`,
      found: `${events.length - expected.seq - 1} more event(s)`,
      detail: `events after the known head seq ${expected.seq} were added`,
    };
  }
  return undefined;
}

function safeHash(event: ChainEvent): string {
  try {
    return eventHash(event);
  } catch {
    return "(not encodable)";
  }
}

/** Lowercase hex SHA-256. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
