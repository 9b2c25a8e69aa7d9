/**
 * The life of a letter after delivery (issue 10 item 4): the recipient's statuses 02–06, the
 * recall/update handshake (the sender asks 13 on every copy, each recipient answers 15 agree or 16
 * refuse) and the freeze of a revoked or recalled copy. Every change is one event appended to a
 * chain, written with the conditional update of the owning item's head: of two clerks acting on one
 * copy at once, one wins and the other gets STATUS_CONFLICT, and the history holds one event.
 */

import { ExchangeError } from "../errors/index.ts";
import { appendEvent, type ChainEvent, deliveryChain, letterChain } from "../evidence/chain.ts";
import { statusEvent } from "../evidence/status-event.ts";
import type {
  CopyChange,
  EventStore,
  LifecycleDelivery,
  LifecycleLetter,
  RecallState,
  RevokedMark,
} from "./event-ports.ts";
import { arrivalOf, headAfter, notFound, sentEventOf } from "./history.ts";
import { LETTER_ID } from "./letter-schema.ts";
import type { ExchangeLedger } from "./ports.ts";
import {
  assertTransition,
  isRecallAnswer,
  type RecallAnswer,
  STATUS_LABELS,
  type StatusCode,
} from "./status.ts";
import type { Caller } from "./types.ts";

export interface LifecycleOptions {
  readonly ledger: Pick<ExchangeLedger, "getLetter" | "getDelivery" | "listDeliveries" | "organStatuses">;
  readonly events: EventStore;
  readonly now?: () => Date;
}

/** A copy as its sender and its recipient see it. */
export interface CopyView {
  readonly organCode: string;
  readonly status: StatusCode;
  readonly statusLabel: { readonly vi: string; readonly en: string };
  readonly reason?: string;
  readonly updatedAt: string;
  readonly recall?: RecallState;
  readonly revoked?: RevokedMark;
  /** The copy's chain head: the seq of the receipt of the last change. */
  readonly head?: { readonly seq: number; readonly hash: string };
}

export interface RecallInput {
  readonly reason: string;
  readonly purpose: "recall" | "update";
}

/** Attempts per item when a concurrent change races the sender's own (13, revoke, replace). */
const RECALL_ATTEMPTS = 3;
/** Copies changed at once by the sender's request or a revocation (like send's fan-out chunks). */
const COPY_CHUNK = 25;
/** Letters a thread lists at most. */
const MAX_THREAD = 200;

/** One letter of a thread. */
export interface ThreadItem {
  readonly letterId: string;
  readonly sender: string;
  readonly recipients: readonly string[];
  readonly code: LifecycleLetter["code"];
  readonly subject: string;
  readonly sentAt: string;
  readonly responseFor?: string;
  readonly businessType?: LifecycleLetter["businessType"];
  readonly references?: string;
  readonly revoked?: RevokedMark;
}

export class Lifecycle {
  private readonly now: () => Date;

  constructor(private readonly options: LifecycleOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * A recipient's clerk records what happened to its copy (02–06), or answers the sender's
   * recall/update request (15 agree, 16 refuse). Repeating what the copy already records changes
   * nothing and answers it again (no new event).
   */
  async setStatus(
    caller: Caller,
    id: string,
    input: { readonly status: StatusCode | RecallAnswer; readonly reason?: string | undefined },
  ): Promise<CopyView> {
    await this.assertActive(caller.organCode);
    const { ledger } = this.options;
    const copy = (await ledger.getDelivery(id, caller.organCode)) as LifecycleDelivery | undefined;
    if (!copy) {
      // Always this one further read, whether the letter is missing or another organ's.
      const letter = await ledger.getLetter(id);
      if (letter?.sender === caller.organCode) {
        throw new ExchangeError("NOT_A_RECIPIENT", {
          detail: `letter ${id} was sent by your organ (${caller.organCode}); only its recipients set statuses`,
        });
      }
      throw notFound(id);
    }
    assertNotFrozen(copy);
    const at = this.now().toISOString();
    let change: CopyChange;
    if (isRecallAnswer(input.status)) {
      if (copy.recall?.status === input.status) {
        return copyView(copy);
      }
      if (copy.recall?.status !== "13") {
        throw new ExchangeError("RECALL_NOT_PENDING", {
          detail: copy.recall
            ? `this copy already answered the sender's request with ${copy.recall.status}`
            : `the sender of letter ${id} has not asked for it back`,
        });
      }
      const recall: RecallState = {
        status: input.status,
        purpose: copy.recall.purpose,
        at,
        ...(input.reason ? { reason: input.reason } : {}),
      };
      change = { recall, updatedAt: at };
    } else {
      if (copy.status === input.status) {
        if (input.reason !== undefined && input.reason !== copy.reason) {
          throw new ExchangeError("STATUS_NOT_ALLOWED", {
            detail: `the copy already has status ${copy.status} with another reason; a status's reason is not changed`,
            meta: { from: copy.status, to: input.status },
          });
        }
        return copyView(copy);
      }
      assertTransition(copy.status, input.status);
      change = { status: input.status, reason: input.reason ?? null, updatedAt: at };
    }
    const event = await this.nextCopyEvent(copy, input.status, caller.organCode, at, input.reason);
    if (!(await this.options.events.appendToCopy(copy, event, change))) {
      throw conflict(id);
    }
    return copyView(applied(copy, change, event));
  }

  /**
   * The sender asks for its letter back (purpose `recall`) or for leave to update it (`update`):
   * one event in the sender chain, then a 13 on every copy not yet asked. Safe to repeat: a repeat
   * (or a retry after a failure half-way) asks only the copies not yet asked, with the first
   * request's reason and purpose.
   */
  async requestRecall(
    caller: Caller,
    id: string,
    input: RecallInput,
  ): Promise<{
    readonly letterId: string;
    readonly recall: RecallInput & { readonly at: string };
    readonly copies: CopyView[];
  }> {
    await this.assertActive(caller.organCode);
    const { events } = this.options;
    let letter = await this.senderLetter(caller, id);
    if (!letter.recall) {
      const at = this.now().toISOString();
      const event = appendEvent(headAfter(sentEventOf(letter), letter.head), {
        chain: letterChain(id),
        at,
        type: "letter.recall-requested",
        actor: caller.organCode,
        data: { purpose: input.purpose, reason: input.reason },
      });
      const recall = { purpose: input.purpose, reason: input.reason, at };
      if (!(await events.appendToLetter(letter, event, { recall }))) {
        letter = await this.senderLetter(caller, id);
        if (!letter.recall) {
          throw conflict(id);
        }
      } else {
        letter = { ...letter, recall, head: { seq: event.seq, hash: event.hash } };
      }
    }
    const request = letter.recall!;
    const asked = await this.onEveryCopy(id, async (copy) => {
      if (copy.recall || copy.revoked) {
        return undefined; // asked already (a repeat or a retry), or frozen
      }
      const at = this.now().toISOString();
      const recall: RecallState = {
        status: "13",
        purpose: request.purpose,
        reason: request.reason ?? "",
        at,
      };
      const event = await this.nextCopyEvent(copy, "13", caller.organCode, at, request.reason, letter);
      return { event, change: { recall, updatedAt: at } };
    });
    const copies = asked.map(copyView);
    return {
      letterId: id,
      recall: { purpose: request.purpose, reason: request.reason ?? "", at: request.at },
      copies,
    };
  }

  /**
   * At creation: a revoke, update or replace names an earlier letter the caller sent and that is
   * not revoked (a revoke says why); a new letter names none. Called by `Exchange.createLetter`.
   */
  async checkBusiness(
    caller: Caller,
    input: Pick<LifecycleLetter, "businessType" | "references" | "businessReason">,
  ): Promise<void> {
    const type = input.businessType ?? "new";
    if (type === "new") {
      if (input.references) {
        throw invalid(
          "references",
          "only a revoke, update or replace names an earlier letter (businessType)",
        );
      }
      return;
    }
    if (!input.references) {
      throw invalid("references", `a ${type} names the earlier letter it concerns`);
    }
    if (type === "revoke" && !input.businessReason) {
      throw invalid("businessReason", "a revoke says why (thu hồi, with a reason)");
    }
    await this.senderLetter(caller, input.references);
  }

  /**
   * After every send attempt (idempotent, so a retried send completes it): files a reply under
   * the letter it answers, and applies a revoke, update or replace to the earlier letter: an event
   * in its sender chain, and for revoke and replace a `delivery.revoked` event on each of its
   * copies, which freezes them (for an update, on the copies of the recipients it removes only).
   * Called by `Exchange` once the letter is sent.
   */
  async afterSend(sent: LifecycleLetter): Promise<void> {
    const { ledger, events } = this.options;
    if (sent.responseFor && LETTER_ID.test(sent.responseFor)) {
      const parent = await ledger.getLetter(sent.responseFor);
      const seen =
        parent && (parent.sender === sent.sender || (await ledger.getDelivery(parent.id, sent.sender)));
      if (seen) {
        await events.linkReply(parent.id, sent.id);
      }
    }
    const type = sent.businessType ?? "new";
    if (type === "new" || !sent.references) {
      return;
    }
    const reason = sent.businessReason ?? `${type} by letter ${sent.id}`;
    const at = sent.sentAt ?? this.now().toISOString();
    const freezes = type === "revoke" || type === "replace";
    const mark: RevokedMark = { by: sent.id, reason, at };
    const named = await ledger.getLetter(sent.references);
    if (!named) {
      return;
    }
    // An update (business type 2) adds or removes recipients: a removed recipient's copy is frozen.
    const removed =
      type === "update" ? named.recipients.filter((code) => !sent.recipients.includes(code)) : [];
    const added = type === "update" ? sent.recipients.filter((code) => !named.recipients.includes(code)) : [];
    for (let attempt = 1; ; attempt++) {
      const earlier = (await ledger.getLetter(sent.references)) as LifecycleLetter | undefined;
      if (!earlier || earlier.supersededBy?.includes(sent.id)) {
        break;
      }
      const event = appendEvent(headAfter(sentEventOf(earlier), earlier.head), {
        chain: letterChain(earlier.id),
        at,
        type: `letter.${type === "revoke" ? "revoked" : type === "replace" ? "replaced" : "updated"}`,
        actor: sent.sender,
        data: { by: sent.id, reason, ...(type === "update" ? { added, removed } : {}) },
      });
      if (
        await events.appendToLetter(earlier, event, {
          supersededBy: sent.id,
          ...(freezes ? { revoked: mark } : {}),
        })
      ) {
        break;
      }
      if (attempt >= RECALL_ATTEMPTS) {
        throw conflict(earlier.id);
      }
    }
    if (!freezes && removed.length === 0) {
      return;
    }
    await this.onEveryCopy(sent.references, async (copy) => {
      if (copy.revoked || (!freezes && !removed.includes(copy.recipient))) {
        return undefined;
      }
      const sha256 = await this.letterSha256(copy);
      const event = appendEvent(headAfter(arrivalOf(copy, sha256), copy.head), {
        chain: deliveryChain(copy.letterId, copy.recipient),
        at,
        type: "delivery.revoked",
        actor: sent.sender,
        data: { by: sent.id, businessType: type, reason },
      });
      const copyMark = freezes ? mark : { ...mark, reason: `removed by the update ${sent.id}: ${reason}` };
      return { event, change: { revoked: copyMark, updatedAt: at } };
    });
  }

  /**
   * Appends one event to each copy of a letter (the sender's 13, a revocation), {@link COPY_CHUNK}
   * copies at a time; a copy changed meanwhile (its recipient acting) is read again and retried.
   * `next` says what to write, or undefined when the copy needs nothing. Returns the copies after.
   */
  private async onEveryCopy(
    letterId: string,
    next: (copy: LifecycleDelivery) => Promise<{ event: ChainEvent; change: CopyChange } | undefined>,
  ): Promise<LifecycleDelivery[]> {
    const { ledger, events } = this.options;
    const copies = (await ledger.listDeliveries(letterId)) as LifecycleDelivery[];
    const after: LifecycleDelivery[] = [];
    const one = async (first: LifecycleDelivery): Promise<LifecycleDelivery> => {
      let copy = first;
      for (let attempt = 1; ; attempt++) {
        const write = await next(copy);
        if (!write) {
          return copy;
        }
        if (await events.appendToCopy(copy, write.event, write.change)) {
          return applied(copy, write.change, write.event);
        }
        if (attempt >= RECALL_ATTEMPTS) {
          throw conflict(letterId);
        }
        copy =
          ((await ledger.getDelivery(letterId, copy.recipient)) as LifecycleDelivery | undefined) ?? copy;
      }
    };
    for (let i = 0; i < copies.length; i += COPY_CHUNK) {
      after.push(...(await Promise.all(copies.slice(i, i + COPY_CHUNK).map(one))));
    }
    return after;
  }

  /**
   * `GET /v1/letters/{id}/thread`: the letter, the letters it answers (`responseFor`, up to the
   * first) and every reply below that, as far as the caller may see them (sender or recipient).
   */
  async thread(
    caller: Caller,
    id: string,
  ): Promise<{ readonly letterId: string; readonly root: string; readonly items: ThreadItem[] }> {
    const { ledger, events } = this.options;
    const visible = async (letterId: string): Promise<LifecycleLetter | undefined> => {
      const letter = (await ledger.getLetter(letterId)) as LifecycleLetter | undefined;
      if (!letter || letter.state === "draft") {
        return undefined;
      }
      return letter.sender === caller.organCode || (await ledger.getDelivery(letterId, caller.organCode))
        ? letter
        : undefined;
    };
    const start = await visible(id);
    if (!start) {
      throw notFound(id);
    }
    let root = start;
    const above = new Set([start.id]);
    while (root.responseFor && LETTER_ID.test(root.responseFor) && !above.has(root.responseFor)) {
      const parent = await visible(root.responseFor);
      if (!parent) {
        break;
      }
      above.add(parent.id);
      root = parent;
    }
    const items: ThreadItem[] = [];
    const done = new Set<string>();
    const queue: LifecycleLetter[] = [root];
    while (queue.length > 0 && items.length < MAX_THREAD) {
      const letter = queue.shift()!;
      if (done.has(letter.id)) {
        continue;
      }
      done.add(letter.id);
      items.push(threadItem(letter));
      for (const replyId of await events.replies(letter.id)) {
        const reply = await visible(replyId);
        if (reply) {
          queue.push(reply);
        }
      }
    }
    items.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));
    return { letterId: id, root: root.id, items };
  }

  /** The letter, if the caller sent it and it went out; refuses otherwise. */
  private async senderLetter(caller: Caller, id: string): Promise<LifecycleLetter> {
    const { ledger } = this.options;
    const letter = (await ledger.getLetter(id)) as LifecycleLetter | undefined;
    if (!letter) {
      throw notFound(id);
    }
    if (letter.sender !== caller.organCode) {
      if (await ledger.getDelivery(id, caller.organCode)) {
        throw new ExchangeError("NOT_THE_SENDER", {
          detail: `letter ${id} was sent by ${letter.sender}; a recipient answers a recall with status 15 or 16`,
        });
      }
      throw notFound(id);
    }
    if (letter.state === "draft") {
      throw new ExchangeError("LETTER_NOT_SENT", { detail: `letter ${id} is a draft` });
    }
    if (letter.revoked) {
      throw revokedError(id, letter.revoked);
    }
    return letter;
  }

  /** The copy's next status event, after the head its item records (or its arrival). */
  private async nextCopyEvent(
    copy: LifecycleDelivery,
    status: string,
    actor: string,
    at: string,
    reason: string | undefined,
    letter?: LifecycleLetter,
  ): Promise<ChainEvent> {
    const sha256 = await this.letterSha256(copy, letter);
    const start = arrivalOf(copy, sha256);
    return appendEvent(
      headAfter(start, copy.head),
      statusEvent({
        letterId: copy.letterId,
        letterSha256: sha256,
        recipient: copy.recipient,
        status,
        at,
        actingOrgan: actor,
        ...(reason ? { reason } : {}),
      }),
    );
  }

  private async letterSha256(copy: LifecycleDelivery, letter?: LifecycleLetter): Promise<string> {
    // The copy's arrival names the file it delivered; a copy written before the chains: the letter's.
    const fromArrival = copy.arrival?.data["letterSha256"];
    if (typeof fromArrival === "string") {
      return fromArrival;
    }
    const known = letter ?? (await this.options.ledger.getLetter(copy.letterId));
    if (!known) {
      throw notFound(copy.letterId);
    }
    return known.file.sha256;
  }

  private async assertActive(organCode: string): Promise<void> {
    const status = (await this.options.ledger.organStatuses([organCode])).get(organCode);
    if (status !== "active") {
      throw new ExchangeError("ORGAN_INACTIVE", {
        detail: `organ ${organCode} is ${status ?? "not in the directory"}: its keys may only read`,
        meta: { organCode, status: status ?? "unknown" },
      });
    }
  }
}

/** A revoked copy, or one its recipient agreed to give back, changes no more. */
export function assertNotFrozen(copy: LifecycleDelivery): void {
  if (copy.revoked) {
    throw revokedError(copy.letterId, copy.revoked);
  }
  if (copy.recall?.status === "15") {
    throw new ExchangeError("LETTER_RECALLED", {
      detail: `the copy of letter ${copy.letterId} was given back (${copy.recall.purpose}) at ${copy.recall.at}`,
      meta: { recall: copy.recall },
    });
  }
}

function revokedError(id: string, mark: RevokedMark): ExchangeError {
  return new ExchangeError("LETTER_REVOKED", {
    detail: `letter ${id} was revoked at ${mark.at}${mark.by ? ` by letter ${mark.by}` : ""}: ${mark.reason}`,
    meta: { revoked: mark },
  });
}

function conflict(id: string): ExchangeError {
  return new ExchangeError("STATUS_CONFLICT", {
    detail: `another change to letter ${id} was recorded meanwhile; read it again`,
  });
}

function applied(copy: LifecycleDelivery, change: CopyChange, event: ChainEvent): LifecycleDelivery {
  const { reason: _previous, ...rest } = copy;
  const reason = change.reason === null ? undefined : (change.reason ?? copy.reason);
  return {
    ...rest,
    ...(change.status ? { status: change.status } : {}),
    ...(reason ? { reason } : {}),
    ...(change.recall ? { recall: change.recall } : {}),
    ...(change.revoked ? { revoked: change.revoked } : {}),
    updatedAt: change.updatedAt,
    head: { seq: event.seq, hash: event.hash },
  };
}

function threadItem(letter: LifecycleLetter): ThreadItem {
  return {
    letterId: letter.id,
    sender: letter.sender,
    recipients: letter.recipients,
    code: letter.code,
    subject: letter.subject,
    sentAt: letter.sentAt ?? letter.createdAt,
    ...(letter.responseFor ? { responseFor: letter.responseFor } : {}),
    ...(letter.businessType ? { businessType: letter.businessType } : {}),
    ...(letter.references ? { references: letter.references } : {}),
    ...(letter.revoked ? { revoked: letter.revoked } : {}),
  };
}

function invalid(field: string, message: string): ExchangeError {
  return new ExchangeError("VALIDATION_FAILED", {
    detail: message,
    meta: { errors: [{ path: `body.${field}`, message }] },
  });
}

/** The copy as the API shows it (no object keys, no event bodies). */
export function copyView(copy: LifecycleDelivery): CopyView {
  return {
    organCode: copy.recipient,
    status: copy.status,
    statusLabel: STATUS_LABELS[copy.status],
    ...(copy.reason ? { reason: copy.reason } : {}),
    updatedAt: copy.updatedAt,
    ...(copy.recall ? { recall: copy.recall } : {}),
    ...(copy.revoked ? { revoked: copy.revoked } : {}),
    ...(copy.head ? { head: copy.head } : {}),
  };
}
