import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { PeekedDelivery, PeekStore } from "../exchange/peek.ts";
import type { Delivery } from "../exchange/types.ts";
import { unpackItem } from "./letter-item.ts";
import { ITEM_KEYS as keys } from "./schema.ts";

/**
 * The peek inbox on the table (shared/exchange/peek.ts). An unconfirmed copy is in GSI2
 * `PEEK#<recipient>` with sort key `<available from>#<letterId>`: its arrival time, then the end of
 * its latest lock. So the copies free now are one key range (`< now`), oldest first, and a lock is
 * one conditional update that moves the sort key past the lock's end: the condition (still in the
 * partition, still free) makes two concurrent peeks take disjoint sets even though the index is
 * read eventually consistent. Confirming removes the index keys (the partition stays sparse) and
 * keeps `confirmedAt`.
 */

/** Attributes of the item that are not the delivery record. */
const NOT_RECORD = [
  "PK",
  "SK",
  "GSI1PK",
  "GSI1SK",
  "GSI2PK",
  "GSI2SK",
  "entity",
  "search",
  "lockedUntil",
  "lockToken",
  "confirmedAt",
] as const;

/** Above every letter id's characters: `<time>#~` bounds every sort key of that time. */
const AFTER_IDS = "~";
/** Index pages read at most per peek: a peek racing many others gives up rather than loop. */
const MAX_PAGES = 5;

export class DynamoPeekStore implements PeekStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async lockAvailable(
    recipient: string,
    now: string,
    lock: { readonly until: string; readonly token: string },
    limit: number,
  ): Promise<PeekedDelivery[]> {
    const partition = keys.peek(recipient);
    const bound = `${now}#${AFTER_IDS}`;
    const taken: PeekedDelivery[] = [];
    let startKey: QueryCommand["input"]["ExclusiveStartKey"];
    for (let page = 0; page < MAX_PAGES && taken.length < limit; page++) {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "GSI2",
          KeyConditionExpression: "GSI2PK = :pk AND GSI2SK < :bound",
          ExpressionAttributeValues: marshall({ ":pk": partition, ":bound": bound }),
          ProjectionExpression: "PK, SK",
          // A few more than asked: some may be taken by a concurrent peek meanwhile.
          Limit: Math.min(2 * (limit - taken.length), 200),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        if (taken.length >= limit) {
          break;
        }
        const locked = await this.tryLock(item, partition, bound, lock);
        if (locked) {
          taken.push(locked);
        }
      }
      startKey = out.LastEvaluatedKey;
      if (!startKey) {
        break;
      }
    }
    return taken;
  }

  private async tryLock(
    key: Record<string, AttributeValue>,
    partition: string,
    bound: string,
    lock: { readonly until: string; readonly token: string },
  ): Promise<PeekedDelivery | undefined> {
    const letterId = unmarshall(key)["PK"].slice("DOC#".length) as string;
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { PK: key["PK"]!, SK: key["SK"]! },
          UpdateExpression: "SET GSI2SK = :next, lockedUntil = :until, lockToken = :token",
          // Still unconfirmed and still free: what the index said may be stale.
          ConditionExpression: "GSI2PK = :pk AND GSI2SK < :bound",
          ExpressionAttributeValues: marshall({
            ":pk": partition,
            ":bound": bound,
            ":next": keys.peekSort(lock.until, letterId),
            ":until": lock.until,
            ":token": lock.token,
          }),
          ReturnValues: "ALL_NEW",
        }),
      );
      return { delivery: recordOf(out.Attributes ?? {}), lockToken: lock.token, lockedUntil: lock.until };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return undefined;
      }
      throw error;
    }
  }

  async confirm(
    letterId: string,
    recipient: string,
    at: string,
  ): Promise<{ confirmedAt: string } | undefined> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.delivery(letterId, recipient)),
          UpdateExpression:
            "SET confirmedAt = if_not_exists(confirmedAt, :at) REMOVE GSI2PK, GSI2SK, lockedUntil, lockToken",
          ConditionExpression: "attribute_exists(PK)",
          ExpressionAttributeValues: marshall({ ":at": at }),
          ReturnValues: "ALL_NEW",
        }),
      );
      return { confirmedAt: unmarshall(out.Attributes ?? {})["confirmedAt"] as string };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return undefined;
      }
      throw error;
    }
  }
}

function recordOf(item: Record<string, AttributeValue>): Delivery {
  const record = unpackItem(unmarshall(item)); // a copy's updatedAt (letter-item.ts)
  for (const field of NOT_RECORD) {
    delete record[field];
  }
  return record as Delivery;
}
