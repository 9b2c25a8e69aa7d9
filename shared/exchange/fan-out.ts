/**
 * Fan-out (issue 10 item 3): a committed send becomes one copy per recipient, up to
 * {@link MAX_RECIPIENTS}, exactly once, whatever fails in between.
 *
 * The send is first committed as a `sending` letter in one conditional write (`Exchange.sendLetter`):
 * recipients, verdict, policy and final file key are fixed from then on. {@link completeFanOut} then
 * does the rest, each step idempotent, so running it again after a failure at any point finishes the
 * same send and nothing else:
 * 1. the locked objects (the letter's content address, the verification report) are written; PUTs of
 *    the same bytes to the same key. Only now, after the table committed to them (nothing locked is
 *    written for a send refused or lost before its commit), and before any copy exists: a recipient
 *    never sees a copy whose file is not stored;
 * 2. the copies, in chunks of {@link FAN_OUT_CHUNK} conditional puts: a copy already there (written by
 *    the interrupted attempt, perhaps already moved on by its recipient) is kept as it is. A copy is a
 *    pure function of the committed letter (times are the commit's), so every attempt writes the same;
 * 3. the letter is marked `sent`.
 * One copy costs one write of an item under 1 KB (its arrival event travels inside it) for subjects of
 * up to about 60 characters; the subject is stored twice (summary, folded search text), so a long
 * one costs a second unit.
 */
import { ExchangeError } from "../errors/index.ts";
import { appendEvent, type ChainEvent, letterChain } from "../evidence/chain.ts";
import { attachmentsFlag, writeAttachments } from "./attachments.ts";
import { MAX_RECIPIENTS } from "./letter-schema.ts";
import type { DocumentStore, ExchangeLedger } from "./ports.ts";
import { sha256Hex } from "./sha256.ts";
import type { Delivery, Letter } from "./types.ts";

export { MAX_RECIPIENTS };

/** Copies written at once: one chunk of conditional puts in flight, then the next. */
export const FAN_OUT_CHUNK = 25;

/** What the exchange itself records as `actor` (the arrival of a copy). */
export const EXCHANGE_ACTOR = "exchange";

/** The chain of one copy's events (contract with the lifecycle: `delivery:<letterId>:<recipient>`). */
export function deliveryChainOf(letterId: string, recipient: string): string {
  return `delivery:${letterId}:${recipient}`;
}

/**
 * Event 0 of a copy's chain: its arrival (01), recorded by the exchange at the send's commit time.
 * The same input `shared/evidence`'s `statusEvent` builds (test/integration/fanout.test.ts checks),
 * built here without importing the receipt signer, which every route would then bundle.
 */
export function arrivalEvent(letter: Letter, recipient: string, at: string): ChainEvent {
  return appendEvent(undefined, {
    chain: deliveryChainOf(letter.id, recipient),
    at,
    type: "delivery.status",
    actor: EXCHANGE_ACTOR,
    data: { letterSha256: letter.file.sha256, recipient, status: "01" },
  });
}

/**
 * Event 0 of the sender chain of a committed letter (`letter:<id>`): a function of the letter, so
 * the letter item keeps only its hash (`head`).
 */
export function sentEventOf(letter: Letter): ChainEvent {
  if (!letter.sentAt) {
    throw new Error(`letter ${letter.id} was not committed for sending`);
  }
  return appendEvent(undefined, {
    chain: letterChain(letter.id),
    at: letter.sentAt,
    type: "letter.sent",
    actor: letter.sender,
    data: { letterSha256: letter.file.sha256, recipients: letter.recipients.length },
  });
}

/** The copies of a committed (`sending` or `sent`) letter: the same on every attempt. */
export function deliveriesOf(letter: Letter): Delivery[] {
  const at = letter.sentAt;
  if (!at) {
    throw new Error(`letter ${letter.id} has no commit time: it was not committed for sending`);
  }
  const attachments = attachmentsFlag(letter);
  return letter.recipients.map((recipient): Delivery => {
    const arrival = arrivalEvent(letter, recipient, at);
    return {
      letterId: letter.id,
      recipient,
      sender: letter.sender,
      status: "01",
      deliveredAt: at,
      updatedAt: at,
      summary: {
        code: letter.code,
        documentType: letter.documentType,
        subject: letter.subject,
        urgency: letter.urgency,
        ...(letter.dueDate ? { dueDate: letter.dueDate } : {}),
        ...(letter.verification ? { verdict: letter.verification.verdict } : {}),
        ...(attachments ? { attachments } : {}),
      },
      // No `head` yet: while the arrival is the chain's only event, it is the head (the lifecycle
      // appends event 1 where `head` is absent), and a copy stays under 1 KB, one write unit.
      arrival,
    };
  });
}

/** Bytes already in memory at the first attempt (saves reading them back from `incoming/`). */
export interface FanOutBytes {
  readonly file: Uint8Array;
  readonly report?: Uint8Array;
  readonly attachmentsReport?: Uint8Array;
  /** The appendices' (and their `.p7s`) bytes by SHA-256. */
  readonly attachments?: ReadonlyMap<string, Uint8Array>;
}

/**
 * Finishes a committed send (steps above); call it again after any failure. Returns the letter as
 * `sent`.
 */
export async function completeFanOut(
  ports: { readonly ledger: ExchangeLedger; readonly documents: DocumentStore },
  letter: Letter,
  bytes?: FanOutBytes,
): Promise<Letter> {
  if (letter.state === "draft") {
    throw new Error(`letter ${letter.id} is a draft: commit the send first`);
  }
  if (letter.state === "sending") {
    await writeLockedObjects(ports.documents, letter, bytes);
    const copies = deliveriesOf(letter);
    for (let i = 0; i < copies.length; i += FAN_OUT_CHUNK) {
      await ports.ledger.putDeliveries(copies.slice(i, i + FAN_OUT_CHUNK));
    }
    await ports.ledger.finishSend(letter.id);
  }
  const { pending: _done, ...rest } = letter;
  return { ...rest, state: "sent" };
}

async function writeLockedObjects(
  documents: DocumentStore,
  letter: Letter,
  bytes?: FanOutBytes,
): Promise<void> {
  const pending = letter.pending;
  if (!pending) {
    return; // a letter committed by an older version wrote its objects itself
  }
  const file = bytes?.file ?? (await documents.read(pending.sourceKey));
  // The draft's file cannot change once committed (every file writer requires a draft), so a
  // different or missing upload here is damage to the bucket, not a client's mistake.
  if (!file || sha256Hex(file) !== letter.file.sha256) {
    throw new ExchangeError("INTERNAL", {
      detail: `the upload of letter ${letter.id} (${pending.sourceKey}) is missing or changed after its send was committed`,
    });
  }
  const writes = [documents.write(letter.file.key, file, letter.file.contentType)];
  const reportKey = letter.verification?.reportKey;
  if (reportKey && pending.reportSourceKey) {
    const report = bytes?.report ?? (await documents.read(pending.reportSourceKey));
    if (!report) {
      throw new ExchangeError("INTERNAL", {
        detail: `the verification report of letter ${letter.id} (${pending.reportSourceKey}) is missing`,
      });
    }
    writes.push(documents.write(reportKey, report, "application/json"));
  }
  if (letter.attachmentsReportKey && pending.attachmentsReportSourceKey) {
    const report = bytes?.attachmentsReport ?? (await documents.read(pending.attachmentsReportSourceKey));
    if (!report) {
      throw new ExchangeError("INTERNAL", {
        detail: `the attachments' report of letter ${letter.id} (${pending.attachmentsReportSourceKey}) is missing`,
      });
    }
    writes.push(documents.write(letter.attachmentsReportKey, report, "application/json"));
  }
  writes.push(writeAttachments(documents, letter, bytes?.attachments));
  await Promise.all(writes);
}
