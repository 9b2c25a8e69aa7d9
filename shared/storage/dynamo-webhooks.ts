import { randomUUID } from "node:crypto";
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { ExchangeError } from "../errors/index.ts";
import type {
  AttemptRecord,
  ClaimedEntry,
  NewOutboxEntry,
  OutboxEntry,
  WebhookEndpoint,
  WebhookStore,
} from "../webhooks/index.ts";
import { ITEM_KEYS, TABLE_SCHEMA } from "./schema.ts";

/**
 * `WebhookStore` on the exchange's table (schema.ts: webhookEndpoint, webhookMessage).
 *
 * - An endpoint is `WHEP#<id>` / `ENDPOINT`, listed per organ through GSI2 `WHEPS#<organ>`.
 * - An outbox message is `WHMSG#<webhookId>` / `MESSAGE`, put only if absent (a stream record read
 *   twice enqueues nothing new). While pending it is in GSI1 `WHDUE#<shard>` / `<nextAttemptAt>#<id>`
 *   (a sparse index: delivered messages leave it), so the due ones are a range query per shard.
 * - A claim is a conditional update (`state = pending AND nextAttemptAt <= now`) on the base item,
 *   which is strongly consistent: of two notifiers that saw the same candidate in the index, one
 *   wins and the other skips it. The claim moves `nextAttemptAt` to the lease's end and sets a fresh
 *   token; only that token records the outcome.
 * - A dead message is in GSI1 `WHDEAD` and GSI2 `WHDEAD#<organ>`, sorted by the time it was parked.
 *
 * Secrets are stored as they are, protected by the table's encryption at rest (a KMS key in AWS)
 * and by the IAM policy of the functions that may read the table; they never leave through a route
 * after registration. Delivered messages expire after {@link DELIVERED_TTL_SECONDS}, far beyond the
 * stream's 24-hour retention, so a redelivered stream record still finds its message.
 */
const DELIVERED_TTL_SECONDS = 14 * 24 * 3600;
/** Index partitions the due messages are spread over (by the webhook id's first hex digit). */
const DUE_SHARDS = 4;

const dueShardOf = (webhookId: string) =>
  `WHDUE#${Number.parseInt(webhookId.slice(4, 5), 16) % DUE_SHARDS || 0}`;
const DUE_PARTITIONS = Array.from({ length: DUE_SHARDS }, (_, i) => `WHDUE#${i}`);
/** Epoch ms as a fixed-width sort key (15 digits: good for millennia). */
const timeKey = (ms: number, webhookId: string) =>
  `${String(Math.max(0, ms)).padStart(15, "0")}#${webhookId}`;

const ENDPOINT_FIELDS = ["id", "organ", "url", "events", "secrets", "enabled", "disabledReason", "createdAt"];
const ENTRY_FIELDS = [
  "webhookId",
  "eventId",
  "endpointId",
  "organ",
  "type",
  "body",
  "state",
  "attempts",
  "nextAttemptAt",
  "createdAt",
  "claimToken",
  "lastAttemptAt",
  "lastStatus",
  "lastError",
  "deliveredAt",
  "deadAt",
];

const pick = <T>(item: Record<string, unknown>, fields: readonly string[]): T =>
  Object.fromEntries(fields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as T;

export class DynamoWebhooks implements WebhookStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async putEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(
          {
            ...pick<object>(endpoint as unknown as Record<string, unknown>, ENDPOINT_FIELDS),
            ...ITEM_KEYS.webhookEndpoint(endpoint.id),
            entity: "webhookEndpoint",
            GSI2PK: ITEM_KEYS.webhookEndpoints(endpoint.organ),
            GSI2SK: `${endpoint.createdAt}#${endpoint.id}`,
          },
          { removeUndefinedValues: true },
        ),
      }),
    );
  }

  async getEndpoint(endpointId: string): Promise<WebhookEndpoint | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(ITEM_KEYS.webhookEndpoint(endpointId)),
        ConsistentRead: true,
      }),
    );
    return Item ? pick<WebhookEndpoint>(unmarshall(Item), ENDPOINT_FIELDS) : undefined;
  }

  async listEndpoints(organ: string): Promise<readonly WebhookEndpoint[]> {
    const items = await this.queryAll({
      IndexName: "GSI2",
      KeyConditionExpression: "GSI2PK = :pk",
      ExpressionAttributeValues: marshall({ ":pk": ITEM_KEYS.webhookEndpoints(organ) }),
    });
    return items.map((item) => pick<WebhookEndpoint>(item, ENDPOINT_FIELDS));
  }

  async deleteEndpoint(endpointId: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: marshall(ITEM_KEYS.webhookEndpoint(endpointId)),
        ReturnValues: "ALL_OLD",
      }),
    );
    return Attributes !== undefined;
  }

  async enqueue(entries: readonly NewOutboxEntry[]): Promise<number> {
    let inserted = 0;
    let next = 0;
    const worker = async () => {
      for (let entry = entries[next++]; entry !== undefined; entry = entries[next++]) {
        const item = {
          ...pick<object>(entry as unknown as Record<string, unknown>, ENTRY_FIELDS),
          ...ITEM_KEYS.webhookMessage(entry.webhookId),
          entity: "webhookMessage",
          state: "pending",
          attempts: 0,
          GSI1PK: dueShardOf(entry.webhookId),
          GSI1SK: timeKey(entry.nextAttemptAt, entry.webhookId),
        };
        try {
          await this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: marshall(item, { removeUndefinedValues: true }),
              ConditionExpression: "attribute_not_exists(PK)",
            }),
          );
          inserted++;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) {
            throw error;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, entries.length) }, worker));
    return inserted;
  }

  async getEntry(webhookId: string): Promise<OutboxEntry | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(ITEM_KEYS.webhookMessage(webhookId)),
        ConsistentRead: true,
      }),
    );
    return Item ? pick<OutboxEntry>(unmarshall(Item), ENTRY_FIELDS) : undefined;
  }

  async claimDue(now: number, options: { limit: number; leaseMs: number }): Promise<ClaimedEntry[]> {
    // Candidates from every shard, oldest due first; the index may be a moment behind the items,
    // which the claim's condition settles.
    const upTo = `${String(now).padStart(15, "0")}#~`;
    const shards = await Promise.all(
      DUE_PARTITIONS.map((partition) =>
        this.queryAll(
          {
            IndexName: "GSI1",
            KeyConditionExpression: "GSI1PK = :pk AND GSI1SK <= :upTo",
            ExpressionAttributeValues: marshall({ ":pk": partition, ":upTo": upTo }),
          },
          options.limit * 4,
        ),
      ),
    );
    const candidates = shards
      .flat()
      .map((item) => ({ id: item["webhookId"] as string, sk: item["GSI1SK"] as string }))
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
    const claimed: ClaimedEntry[] = [];
    for (const { id } of candidates) {
      if (claimed.length >= options.limit) {
        break;
      }
      const claimToken = randomUUID();
      const leaseEnd = now + options.leaseMs;
      try {
        const { Attributes } = await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: marshall(ITEM_KEYS.webhookMessage(id)),
            UpdateExpression: "SET claimToken = :token, nextAttemptAt = :lease, GSI1SK = :sk",
            ConditionExpression: "#state = :pending AND nextAttemptAt <= :now",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: marshall({
              ":token": claimToken,
              ":lease": leaseEnd,
              ":sk": timeKey(leaseEnd, id),
              ":pending": "pending",
              ":now": now,
            }),
            ReturnValues: "ALL_NEW",
          }),
        );
        claimed.push({ entry: pick<OutboxEntry>(unmarshall(Attributes ?? {}), ENTRY_FIELDS), claimToken });
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) {
          throw error;
        }
      }
    }
    return claimed;
  }

  async recordAttempt(webhookId: string, claimToken: string, record: AttemptRecord): Promise<boolean> {
    const values: Record<string, unknown> = {
      ":token": claimToken,
      ":pending": "pending",
      ":one": 1,
      ":at": record.at,
    };
    const set = ["attempts = attempts + :one", "lastAttemptAt = :at"];
    const remove = ["claimToken"];
    if (record.status !== undefined) {
      set.push("lastStatus = :status");
      values[":status"] = record.status;
    }
    if (record.kind === "delivered") {
      set.push("#state = :delivered", "deliveredAt = :at", `${TABLE_SCHEMA.timeToLiveAttribute} = :ttl`);
      values[":delivered"] = "delivered";
      values[":ttl"] = Math.floor(record.at / 1000) + DELIVERED_TTL_SECONDS;
      remove.push("GSI1PK", "GSI1SK");
    } else if (record.kind === "retry") {
      set.push("nextAttemptAt = :next", "GSI1SK = :sk", "lastError = :error");
      values[":next"] = record.nextAttemptAt;
      values[":sk"] = timeKey(record.nextAttemptAt, webhookId);
      values[":error"] = record.error;
    } else {
      set.push(
        "#state = :dead",
        "deadAt = :at",
        "lastError = :error",
        "GSI1PK = :deadAll",
        "GSI1SK = :deadSort",
        "GSI2PK = :deadOrgan",
        "GSI2SK = :deadSort",
      );
      const entry = await this.getEntry(webhookId);
      Object.assign(values, {
        ":dead": "dead",
        ":error": record.error,
        ":deadAll": ITEM_KEYS.webhookDead,
        ":deadOrgan": ITEM_KEYS.webhookDeadOf(entry?.organ ?? ""),
        ":deadSort": timeKey(record.at, webhookId),
      });
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(ITEM_KEYS.webhookMessage(webhookId)),
          UpdateExpression: `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`,
          ConditionExpression: "claimToken = :token AND #state = :pending",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: marshall(values),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return false;
      }
      throw error;
    }
  }

  async listDead(options: { organ?: string; limit?: number } = {}): Promise<readonly OutboxEntry[]> {
    const items = await this.queryAll(
      options.organ === undefined
        ? {
            IndexName: "GSI1",
            KeyConditionExpression: "GSI1PK = :pk",
            ExpressionAttributeValues: marshall({ ":pk": ITEM_KEYS.webhookDead }),
          }
        : {
            IndexName: "GSI2",
            KeyConditionExpression: "GSI2PK = :pk",
            ExpressionAttributeValues: marshall({ ":pk": ITEM_KEYS.webhookDeadOf(options.organ) }),
          },
      options.limit ?? 100,
    );
    return items.map((item) => pick<OutboxEntry>(item, ENTRY_FIELDS));
  }

  async redeliver(webhookId: string, now: number): Promise<OutboxEntry> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(ITEM_KEYS.webhookMessage(webhookId)),
          UpdateExpression:
            "SET #state = :pending, attempts = :zero, nextAttemptAt = :now, GSI1PK = :due, GSI1SK = :sk REMOVE deadAt, claimToken, GSI2PK, GSI2SK",
          ConditionExpression: "#state = :dead",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: marshall({
            ":pending": "pending",
            ":dead": "dead",
            ":zero": 0,
            ":now": now,
            ":due": dueShardOf(webhookId),
            ":sk": timeKey(now, webhookId),
          }),
          ReturnValues: "ALL_NEW",
        }),
      );
      return pick<OutboxEntry>(unmarshall(Attributes ?? {}), ENTRY_FIELDS);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error;
      }
      const entry = await this.getEntry(webhookId);
      if (entry === undefined) {
        throw new ExchangeError("WEBHOOK_MESSAGE_NOT_FOUND", { detail: webhookId });
      }
      throw new ExchangeError("WEBHOOK_MESSAGE_NOT_DEAD", { detail: `${webhookId} is ${entry.state}` });
    }
  }

  /** Every item of a query, page after page, up to `limit` items. */
  private async queryAll(
    input: Pick<
      ConstructorParameters<typeof QueryCommand>[0],
      "IndexName" | "KeyConditionExpression" | "ExpressionAttributeValues"
    >,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...input,
          ...(Number.isFinite(limit) ? { Limit: Math.min(1000, limit - items.length) } : {}),
          ...(start ? { ExclusiveStartKey: start as never } : {}),
        }),
      );
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
      start = page.LastEvaluatedKey;
    } while (start && items.length < limit);
    return items;
  }
}
