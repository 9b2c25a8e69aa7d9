/**
 * Which table changes are webhook events (issue 11 item 2), read from the copy (delivery) items
 * only: a copy is written when it arrives, and every later status, recall request or answer is
 * one conditional update of it that also moves its chain head (shared/storage/dynamo-events.ts),
 * so its two images say what changed, who the sender and the recipient are, and the seq of the
 * event, which together make an event id that is the same however often the stream hands the
 * record over.
 *
 * | change of a copy                               | event              | to                    |
 * |------------------------------------------------|--------------------|-----------------------|
 * | inserted (arrival, 01)                         | `letter.received`  | recipient             |
 * | inserted (arrival, 01)                         | `receipt.issued`   | sender and recipient  |
 * | `status` changed (02–06)                       | `status.changed`   | sender and recipient  |
 * | `recall.status` became 13                      | `recall.requested` | recipient             |
 * | `recall.status` became 15 or 16 (the answer)   | `status.changed`   | sender and recipient  |
 * | any of the three above                         | `receipt.issued`   | sender and recipient  |
 *
 * A revocation freezes a copy without a status event, so it issues no receipt and no event here.
 */
import type { ChangeRecord, Notifier, WebhookEventType } from "../webhooks/index.ts";
import { asCopy, changedEntity, type StreamConsumer, type TableChange } from "./stream.ts";

/** The webhook events a table change stands for (none for other item kinds or writes). */
export function webhookRecordsOf(change: TableChange): ChangeRecord[] {
  if (changedEntity(change) !== "delivery" || change.kind === "remove") {
    return [];
  }
  const after = asCopy(change.newImage);
  if (!after) {
    return [];
  }
  const before = asCopy(change.oldImage);
  const seq = after.head?.seq ?? 0;
  const key = `${change.keys.PK}|${change.keys.SK}`;
  const copy = { letterId: after.letterId, sender: after.sender, recipient: after.recipient };
  const both = [after.sender, after.recipient];
  const records: ChangeRecord[] = [];
  const add = (
    type: WebhookEventType,
    organs: readonly string[],
    payload: Record<string, unknown>,
    occurredAt: string,
  ) => {
    for (const organ of new Set(organs)) {
      records.push({ eventId: `${key}|${type}|${seq}`, organ, type, payload, occurredAt });
    }
  };
  const receipt = (status: string, occurredAt: string) =>
    add(
      "receipt.issued",
      both,
      {
        ...copy,
        seq,
        status,
        receipt: `/v1/letters/${after.letterId}/receipts/${after.recipient}/${seq}.json`,
      },
      occurredAt,
    );

  if (change.kind === "insert" || !before) {
    add(
      "letter.received",
      [after.recipient],
      {
        ...copy,
        status: after.status,
        deliveredAt: after.deliveredAt,
        ...(after.summary?.subject === undefined ? {} : { subject: after.summary.subject }),
        ...(after.summary?.code === undefined ? {} : { code: after.summary.code }),
        ...(after.summary?.dueDate === undefined ? {} : { dueDate: after.summary.dueDate }),
      },
      after.deliveredAt,
    );
    receipt(after.status, after.deliveredAt);
    return records;
  }
  if (seq <= (before.head?.seq ?? 0)) {
    return []; // no new event on the copy's chain (e.g. a read mark)
  }
  const at = after.updatedAt ?? change.at;
  const recallBefore = before.recall?.status;
  const recallAfter = after.recall?.status;
  if (after.status !== before.status) {
    add(
      "status.changed",
      both,
      {
        ...copy,
        status: after.status,
        previous: before.status,
        ...(after.reason ? { reason: after.reason } : {}),
      },
      at,
    );
    receipt(after.status, at);
  } else if (recallAfter !== recallBefore && recallAfter === "13") {
    add(
      "recall.requested",
      [after.recipient],
      { ...copy, status: "13", purpose: after.recall?.purpose, reason: after.recall?.reason ?? "" },
      at,
    );
    receipt("13", at);
  } else if (recallAfter !== recallBefore && recallAfter !== undefined) {
    add(
      "status.changed",
      both,
      { ...copy, status: recallAfter, previous: recallBefore ?? before.status },
      at,
    );
    receipt(recallAfter, at);
  }
  return records;
}

/**
 * The webhook notifier on the table's stream: enqueues the events of a batch (idempotent: the
 * outbox keeps one message per webhook id), then, when that enqueued something new, makes one
 * delivery pass so that a receiver hears within the same second. A batch that enqueued nothing
 * (no subscriber, or a stream record seen again) makes no pass: claiming costs a Query per batch,
 * and due retries are the scheduled passes' work (functions/webhook-deliver; locally a timer in
 * local/exchange.ts), as is whatever this pass leaves undelivered.
 */
export class WebhookConsumer implements StreamConsumer {
  readonly name = "webhooks";

  constructor(
    private readonly notifier: () => Pick<Notifier, "notify" | "deliverDue">,
    private readonly onDeliveryError: (error: unknown) => void = () => undefined,
  ) {}

  async consume(changes: readonly TableChange[]): Promise<void> {
    const records = changes.flatMap(webhookRecordsOf);
    if (records.length === 0) {
      return;
    }
    const notifier = this.notifier();
    const { enqueued } = await notifier.notify(records);
    if (enqueued === 0) {
      return;
    }
    // The messages are safely enqueued: a failed pass must not make the batch come again.
    await notifier.deliverDue().catch(this.onDeliveryError);
  }
}
