/**
 * The port of the audit chains (issue 10 items 4, 5 and 8): what the lifecycle, the history, the
 * receipts and the audit need from storage beyond `ExchangeLedger`. Event 0 of each chain travels
 * inside its owning item (a copy's `arrival`, a letter's `sentEvent`, written by send); every later
 * event is an item of its own, written in one transaction with the conditional update of the owning
 * item's `head`, so that two writers never fork a chain: one wins, the other writes nothing.
 */
import type { ChainEvent, ChainHead } from "../evidence/chain.ts";
import type { Delivery, Letter } from "./types.ts";

export type { ChainEvent, ChainHead } from "../evidence/chain.ts";
export { parseChainId } from "../evidence/chain.ts";

/** The day (Vietnam time) of an ISO time: what `AUDIT#<day>` and the seals are keyed by. */
export { vietnamDay } from "./vietnam-time.ts";

/** Where a copy stands in a recall/update handshake: asked (13), agreed (15) or refused (16). */
export interface RecallState {
  readonly status: "13" | "15" | "16";
  /** What the sender asked: take the letter back, or let it be updated. */
  readonly purpose: "recall" | "update";
  /** The sender's reason (13), or the recipient's answer (15, 16). */
  readonly reason?: string;
  readonly at: string;
}

/** A revoked letter or copy: frozen on every side (no more status changes). */
export interface RevokedMark {
  /** The letter (business type revoke or replace) that revoked this one; absent when revoked directly. */
  readonly by?: string;
  readonly reason: string;
  readonly at: string;
}

/** What the lifecycle keeps on a copy beside send's fields. */
export interface CopyLifecycle {
  readonly recall?: RecallState;
  readonly revoked?: RevokedMark;
}

/** edXML BussinessDocType: a new letter (0), or one that revokes (1), updates (2) or replaces (3) an earlier one. */
export type BusinessType = "new" | "revoke" | "update" | "replace";

/** What the lifecycle keeps on a letter beside send's fields. */
export interface LetterLifecycle {
  readonly businessType?: BusinessType;
  /** The earlier letter a revoke, update or replace names. */
  readonly references?: string;
  /** Why the earlier letter is revoked, updated or replaced. */
  readonly businessReason?: string;
  /** The sender's open recall/update request, once its event is in the sender chain. */
  readonly recall?: Omit<RecallState, "status">;
  readonly revoked?: RevokedMark;
  /** Letters that revoked, replaced or updated this one (business types 1–3). */
  readonly supersededBy?: readonly string[];
}

export type LifecycleDelivery = Delivery & CopyLifecycle;
export type LifecycleLetter = Letter & LetterLifecycle;

/** The fields of a copy an event changes (undefined: unchanged; `reason: null`: removed). */
export interface CopyChange {
  readonly status?: Delivery["status"];
  readonly reason?: string | null;
  readonly recall?: RecallState;
  readonly revoked?: RevokedMark;
  readonly updatedAt: string;
}

/** The fields of a letter an event of the sender chain changes. */
export interface LetterChange {
  readonly recall?: LetterLifecycle["recall"];
  readonly revoked?: RevokedMark;
  readonly supersededBy?: string;
}

/** A chain's head as the last seal recorded it. */
export interface SealedHead extends ChainHead {
  readonly day: string;
}

export interface EventStore {
  /**
   * Appends `event` (seq ≥ 1) to the copy's chain and applies `change` to the copy, in one
   * transaction, if the copy's head is still the one read (`delivery.head`, or none) and the
   * recipient is an active organ. False when another change won (nothing written); throws
   * ORGAN_INACTIVE for an inactive recipient.
   */
  appendToCopy(delivery: LifecycleDelivery, event: ChainEvent, change: CopyChange): Promise<boolean>;
  /** The same for the sender chain `letter:<id>` and the letter item. */
  appendToLetter(letter: LifecycleLetter, event: ChainEvent, change: LetterChange): Promise<boolean>;
  /** Every stored event (seq ≥ 1) of the letter's chains, grouped by chain, ascending seq. */
  storedEvents(letterId: string): Promise<ReadonlyMap<string, readonly ChainEvent[]>>;
  /** The heads of the chains that changed on `day` (YYYY-MM-DD, Vietnam time), latest of each. */
  headsChangedOn(day: string): Promise<ChainHead[]>;
  /** Records, per chain, the head the seal of `day` holds. */
  markSealed(day: string, heads: readonly ChainHead[]): Promise<void>;
  /** The sealed head of each of the letter's chains that a seal holds. */
  sealedHeads(letterId: string): Promise<ReadonlyMap<string, SealedHead>>;
  /** Files `replyId` (a letter whose `responseFor` is `letterId`) under the letter; idempotent. */
  linkReply(letterId: string, replyId: string): Promise<void>;
  /** The letters filed as replies to `letterId`. */
  replies(letterId: string): Promise<string[]>;
}
