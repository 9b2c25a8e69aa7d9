/**
 * The table's change stream as the exchange sees it: one {@link TableChange} per written item
 * (DynamoDB Streams, NEW_AND_OLD_IMAGES), handed to every {@link StreamConsumer} in turn. In AWS a
 * Lambda function receives the batches (functions/stream-events); locally a poller reads DynamoDB
 * Local's stream and runs the same handler (local/stream-poller.ts).
 *
 * Delivery is at least once: a batch that fails is retried (in AWS bisected until the failing
 * record is alone, then parked in a dead-letter queue), and a poller restarted from its checkpoint
 * may see the last batch again. Every consumer must therefore be idempotent: applying a change
 * twice must leave what applying it once left.
 */

/** One item change, images already decoded to plain values. */
export interface TableChange {
  /** The stream record's id (stable across redeliveries of the same record). */
  readonly id: string;
  readonly kind: "insert" | "modify" | "remove";
  readonly keys: { readonly PK: string; readonly SK: string };
  readonly oldImage?: Readonly<Record<string, unknown>>;
  readonly newImage?: Readonly<Record<string, unknown>>;
  /** When the stream recorded the change (ISO 8601, second precision). */
  readonly at: string;
}

/** Something that acts on the table's changes: statistics now, webhooks (shared/webhooks) later. */
export interface StreamConsumer {
  /** Named in logs and in the error of a failed batch. */
  readonly name: string;
  /** Must be idempotent (see the module header); a rejection makes the whole batch come again. */
  consume(changes: readonly TableChange[]): Promise<void>;
}

/**
 * Runs every consumer on the batch, each to the end even when another fails (so that one broken
 * consumer does not hold the others back within this attempt), then fails the batch if any failed:
 * it comes again, and the consumers that succeeded change nothing the second time.
 */
export async function dispatchChanges(
  consumers: readonly StreamConsumer[],
  changes: readonly TableChange[],
): Promise<void> {
  if (changes.length === 0) {
    return;
  }
  const results = await Promise.allSettled(consumers.map((consumer) => consumer.consume(changes)));
  const failed = results.flatMap((result, i) =>
    result.status === "rejected"
      ? [{ name: consumers[i]?.name ?? "?", reason: result.reason as unknown }]
      : [],
  );
  if (failed.length > 0) {
    throw new AggregateError(
      failed.map((f) => f.reason),
      `stream consumers failed: ${failed.map((f) => `${f.name} (${f.reason instanceof Error ? f.reason.message : String(f.reason)})`).join("; ")}`,
    );
  }
}

/** The `entity` an item of the change is (its new image, else its old one). */
export function changedEntity(change: TableChange): string | undefined {
  const entity = (change.newImage ?? change.oldImage)?.["entity"];
  return typeof entity === "string" ? entity : undefined;
}

/** A copy (delivery item) as a stream record shows it: the fields its consumers read. */
export interface CopyImage {
  readonly letterId: string;
  readonly recipient: string;
  readonly sender: string;
  readonly status: string;
  readonly deliveredAt: string;
  readonly updatedAt?: string;
  readonly reason?: string;
  readonly head?: { readonly seq: number };
  readonly recall?: { readonly status: string; readonly purpose?: string; readonly reason?: string };
  readonly summary?: {
    readonly subject?: string;
    readonly dueDate?: string;
    readonly code?: { readonly number?: string; readonly notation?: string };
  };
}

/** A stream image that is a copy, or undefined (another item kind, or not one the exchange wrote). */
export function asCopy(image: Readonly<Record<string, unknown>> | undefined): CopyImage | undefined {
  if (!image) {
    return undefined;
  }
  const { letterId, recipient, sender, status, deliveredAt } = image;
  const strings = [letterId, recipient, sender, status, deliveredAt].every((v) => typeof v === "string");
  return strings ? (image as unknown as CopyImage) : undefined;
}
