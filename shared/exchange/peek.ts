import { randomUUID } from "node:crypto";
import { ExchangeError } from "../errors/index.ts";
import type { InboxItem } from "./exchange.ts";
import { LETTER_ID } from "./letter-schema.ts";
import { STATUS_LABELS } from "./status.ts";
import type { Caller, Delivery } from "./types.ts";
import * as z from "./zod.ts"; // zod/mini (zod.ts says why)

/**
 * The peek/confirm inbox for office software that polls (issue 11 item 3): a peek hands out up to
 * `limit` copies the caller organ has not confirmed, each locked to that peek for `lockSeconds`;
 * confirming a copy takes it out for good; a copy not confirmed before its lock ends is handed out
 * again. With webhooks this is at-least-once delivery with an explicit acknowledgement. The store
 * guarantees that two peeks never hold the same copy while it is locked (a conditional write per
 * copy, shared/storage/dynamo-peek.ts).
 */

/** A whole number given as decimal digits in a query string, within [min, max]. */
const wholeNumber = (min: number, max: number, fallback: number) =>
  z._default(
    z.pipe(
      z.pipe(
        z
          .string()
          .check(z.regex(/^\d{1,6}$/, `expected a whole number from ${min} to ${max} in decimal digits`)),
        z.transform(Number),
      ),
      z.number().check(z.gte(min, `expected at least ${min}`), z.lte(max, `expected at most ${max}`)),
    ),
    fallback,
  );

/** Locks last at most 12 hours: long enough for any batch, short enough that a dead poller's copies come back. */
export const MAX_LOCK_SECONDS = 43_200;

/** `POST /v1/inbox/peek?limit=&lockSeconds=`. */
export const peekQuerySchema = z.strictObject({
  limit: wholeNumber(1, 100, 10),
  lockSeconds: wholeNumber(1, MAX_LOCK_SECONDS, 300),
});

export type PeekQuery = z.infer<typeof peekQuerySchema>;

/** A copy handed out by a peek: locked for this peek until `lockedUntil`. */
export interface PeekedDelivery {
  readonly delivery: Delivery;
  readonly lockToken: string;
  readonly lockedUntil: string;
}

/** What a peek answers per copy: the inbox's item and the lock this peek holds on it. */
export interface PeekItem extends InboxItem {
  readonly lockToken: string;
  readonly lockedUntil: string;
}

/** The storage side of the peek inbox (shared/storage/dynamo-peek.ts). */
export interface PeekStore {
  /**
   * Lock up to `limit` of the recipient's unconfirmed copies that are free at `now` (never locked,
   * or their lock ended), oldest first; each lock is taken by a conditional write, so a copy taken
   * by another peek in between is skipped.
   */
  lockAvailable(
    recipient: string,
    now: string,
    lock: { readonly until: string; readonly token: string },
    limit: number,
  ): Promise<PeekedDelivery[]>;
  /** Mark the copy picked up (the first time only); undefined when the recipient has no such copy. */
  confirm(letterId: string, recipient: string, at: string): Promise<{ confirmedAt: string } | undefined>;
}

export interface Confirmation {
  readonly letterId: string;
  readonly recipient: string;
  readonly confirmedAt: string;
}

export class PeekInbox {
  constructor(
    private readonly store: PeekStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async peek(caller: Caller, query: PeekQuery): Promise<{ items: PeekItem[] }> {
    const now = this.clock();
    const until = new Date(now.getTime() + query.lockSeconds * 1000).toISOString();
    // One token per peek: it names the batch the poller holds.
    const items = await this.store.lockAvailable(
      caller.organCode,
      now.toISOString(),
      { until, token: randomUUID() },
      query.limit,
    );
    return {
      items: items.map(({ delivery, lockToken, lockedUntil }) => ({
        letterId: delivery.letterId,
        sender: delivery.sender,
        status: delivery.status,
        statusLabel: STATUS_LABELS[delivery.status],
        deliveredAt: delivery.deliveredAt,
        updatedAt: delivery.updatedAt,
        ...delivery.summary,
        lockToken,
        lockedUntil,
      })),
    };
  }

  /** Idempotent: confirming again answers with the first confirmation's time. */
  async confirm(caller: Caller, letterId: string): Promise<Confirmation> {
    const done = LETTER_ID.test(letterId)
      ? await this.store.confirm(letterId, caller.organCode, this.clock().toISOString())
      : undefined;
    if (!done) {
      // Another organ's copy, or none: the same answer, so that nothing is learnt about other organs' mail.
      throw new ExchangeError("LETTER_NOT_FOUND", {
        detail: `no copy of letter ${letterId} for ${caller.organCode}`,
      });
    }
    return { letterId, recipient: caller.organCode, confirmedAt: done.confirmedAt };
  }
}
