/**
 * Long recipient lists, kept apart from their letter (issue 10: at most 3 + N write units for a
 * letter to N organs). A write costs one unit per started KB of the item, and an update the larger
 * of its sizes before and after: 500 organ codes inline make a letter of ~8 KB, whose creation,
 * commit and `sent` mark would then cost ~8 units each. A list longer than
 * {@link INLINE_RECIPIENTS_MAX_BYTES} is stored once as an item of its own, addressed by the
 * SHA-256 of its codes and DEFLATE-compressed (500 codes: ~1 KB), and the letter keeps
 * `recipientList: { sha256, count }`. A committee writes to the same "every department and commune"
 * list day after day: only its first letter writes the list. Lists never change, so each process
 * keeps the ones it has read or written.
 *
 * The list is restored by the ledger's readers (`restore`), so the rest of the exchange always sees
 * `letter.recipients`.
 */
import { createHash } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { Letter } from "../exchange/types.ts";
import { ITEM_KEYS } from "./schema.ts";

/** Recipients kept inline up to this many bytes of codes (about 18 organ codes). */
export const INLINE_RECIPIENTS_MAX_BYTES = 256;

/** What a letter item holds instead of a long `recipients`. */
export interface RecipientListRef {
  readonly sha256: string;
  readonly count: number;
}

/** Lists a process keeps (each at most ~1 KB compressed, ~16 KB as codes). */
const CACHED_LISTS = 256;

const joined = (codes: readonly string[]) => codes.join("\n"); // organ codes hold no line breaks

export class RecipientLists {
  private readonly cache = new Map<string, readonly string[]>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /**
   * The letter record to write: as it is, or with `recipientList` instead of a long `recipients`,
   * after writing the list's item unless it exists.
   */
  async stored(letter: Letter): Promise<Omit<Letter, "recipients"> & { recipientList?: RecipientListRef }> {
    const text = joined(letter.recipients);
    if (Buffer.byteLength(text, "utf8") <= INLINE_RECIPIENTS_MAX_BYTES) {
      return letter;
    }
    const sha256 = createHash("sha256").update(text, "utf8").digest("hex");
    if (!this.cache.has(sha256)) {
      const existing = await this.read(sha256);
      if (!existing) {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            // The same content under the same key: a concurrent first write is harmless.
            Item: marshall({
              ...ITEM_KEYS.recipientList(sha256),
              entity: "recipientList",
              codes: deflateRawSync(Buffer.from(text, "utf8"), { level: 9 }),
            }),
          }),
        );
      }
      this.keep(sha256, letter.recipients);
    }
    const { recipients: _inList, ...rest } = letter;
    return { ...rest, recipientList: { sha256, count: letter.recipients.length } };
  }

  /** A stored letter record with its `recipients` (a record without a list reference: as it is). */
  async restore<T extends object>(record: T): Promise<T> {
    const { recipientList: ref, ...rest } = record as { recipientList?: RecipientListRef; id?: string };
    if (!ref) {
      return record;
    }
    const codes = this.cache.get(ref.sha256) ?? (await this.read(ref.sha256));
    if (!codes || codes.length !== ref.count) {
      throw new Error(`the recipient list ${ref.sha256} of letter ${rest.id} is missing or damaged`);
    }
    this.keep(ref.sha256, codes);
    return { ...rest, recipients: [...codes] } as T;
  }

  private async read(sha256: string): Promise<readonly string[] | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(ITEM_KEYS.recipientList(sha256)),
        ConsistentRead: true, // a letter naming the list was written after it
      }),
    );
    if (!out.Item) {
      return undefined;
    }
    const text = inflateRawSync(unmarshall(out.Item)["codes"] as Uint8Array).toString("utf8");
    if (createHash("sha256").update(text, "utf8").digest("hex") !== sha256) {
      throw new Error(`the recipient list ${sha256} does not match its address`);
    }
    return text.split("\n");
  }

  private keep(sha256: string, codes: readonly string[]): void {
    this.cache.delete(sha256);
    this.cache.set(sha256, codes);
    if (this.cache.size > CACHED_LISTS) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
  }
}
