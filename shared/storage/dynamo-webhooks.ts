import { randomUUID } from "node:crypto";
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { ExchangeError } from "../errors/index.ts";
import { MAX_WEBHOOK_ENDPOINTS_PER_ORGAN } from "../exchange/webhook-endpoints.ts";
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
 * - An organ's endpoints are counted in `WHEPS#<organ>` / `COUNT` (entity webhookEndpointCount). A
 *   registration puts the endpoint and adds one to the count in one transaction, conditional on
 *   the count being under the cap; a deletion takes one off in the same way. So concurrent
 *   registrations never pass the cap: each must win the count item. An organ whose endpoints
 *   predate the count has it started once from its listing (on its next registration).
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

/** The item counting an organ's endpoints (see above). */
const endpointCountKey = ITEM_KEYS.webhookEndpointCount;
/** Tries of a registration or deletion that met another one on the count item at the same moment. */
const COUNT_ATTEMPTS = 10;
const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));

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

/**
 * Why each item of a cancelled transaction failed ("ConditionalCheckFailed", "TransactionConflict",
 * "None"); any other error is thrown on.
 */
function cancellations(error: unknown): (string | undefined)[] {
  if (!(error instanceof TransactionCanceledException)) {
    throw error;
  }
  return (error.CancellationReasons ?? []).map((reason) => reason.Code);
}

function busy(what: string): ExchangeError {
  return new ExchangeError("DEPENDENCY_UNAVAILABLE", {
    detail: `the webhook endpoints of ${what} are being changed by many requests at once; try again`,
  });
}

const pick = <T>(item: Record<string, unknown>, fields: readonly string[]): T =>
  Object.fromEntries(fields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as T;

export class DynamoWebhooks implements WebhookStore {
  private readonly maxEndpoints: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: { readonly maxEndpointsPerOrgan?: number } = {},
  ) {
    this.maxEndpoints = options.maxEndpointsPerOrgan ?? MAX_WEBHOOK_ENDPOINTS_PER_ORGAN;
  }

  /** Replaces a registered endpoint; registers a new one, counted: WEBHOOK_ENDPOINT_LIMIT at the cap. */
  async putEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    const item = marshall(
      {
        ...pick<object>(endpoint as unknown as Record<string, unknown>, ENDPOINT_FIELDS),
        ...ITEM_KEYS.webhookEndpoint(endpoint.id),
        entity: "webhookEndpoint",
        GSI2PK: ITEM_KEYS.webhookEndpoints(endpoint.organ),
        GSI2SK: `${endpoint.createdAt}#${endpoint.id}`,
      },
      { removeUndefinedValues: true },
    );
    // An endpoint put again (the notifier disabling it) changes no count.
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: "attribute_exists(PK)",
        }),
      );
      return;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error;
      }
    }
    const count = endpointCountKey(endpoint.organ);
    for (let attempt = 1; attempt <= COUNT_ATTEMPTS; attempt++) {
      try {
        await this.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: item,
                  ConditionExpression: "attribute_not_exists(PK)",
                },
              },
              {
                Update: {
                  TableName: this.tableName,
                  Key: marshall(count),
                  UpdateExpression: "SET endpoints = endpoints + :one",
                  ConditionExpression: "endpoints < :max",
                  ExpressionAttributeValues: marshall({ ":one": 1, ":max": this.maxEndpoints }),
                },
              },
            ],
          }),
        );
        return;
      } catch (error) {
        const [put, counted] = cancellations(error);
        if (counted === "ConditionalCheckFailed") {
          const current = await this.endpointCount(endpoint.organ);
          if (current === undefined) {
            await this.startEndpointCount(endpoint.organ);
          } else if (current >= this.maxEndpoints) {
            throw new ExchangeError("WEBHOOK_ENDPOINT_LIMIT", {
              detail: `organ ${endpoint.organ} has ${current} webhook endpoints, the most allowed (${this.maxEndpoints})`,
              meta: { organ: endpoint.organ, max: this.maxEndpoints },
            });
          }
        } else if (put === "ConditionalCheckFailed") {
          return this.putEndpoint(endpoint); // put meanwhile under this id: now a replacement
        } else {
          await pause(attempt); // met another registration or deletion of this organ's count
        }
      }
    }
    throw busy(endpoint.organ);
  }

  /** The organ's endpoint count, read strongly; undefined when none is kept yet. */
  private async endpointCount(organ: string): Promise<number | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(endpointCountKey(organ)),
        ConsistentRead: true,
      }),
    );
    const endpoints = Item ? unmarshall(Item)["endpoints"] : undefined;
    return typeof endpoints === "number" ? endpoints : undefined;
  }

  /** Starts the count from the organ's endpoints as listed (those registered before it was kept). */
  private async startEndpointCount(organ: string): Promise<void> {
    const endpoints = (await this.listEndpoints(organ)).length;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...endpointCountKey(organ), entity: "webhookEndpointCount", endpoints }),
          ConditionExpression: "attribute_not_exists(PK)",
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error; // else another registration started it meanwhile
      }
    }
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

  /** Deletes the endpoint and takes it off its organ's count, in one transaction. */
  async deleteEndpoint(endpointId: string): Promise<boolean> {
    for (let attempt = 1; attempt <= COUNT_ATTEMPTS; attempt++) {
      const endpoint = await this.getEndpoint(endpointId);
      if (endpoint === undefined) {
        return false;
      }
      try {
        await this.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: this.tableName,
                  Key: marshall(ITEM_KEYS.webhookEndpoint(endpointId)),
                  ConditionExpression: "attribute_exists(PK)",
                },
              },
              {
                Update: {
                  TableName: this.tableName,
                  Key: marshall(endpointCountKey(endpoint.organ)),
                  UpdateExpression: "SET endpoints = endpoints - :one",
                  ConditionExpression: "endpoints > :zero",
                  ExpressionAttributeValues: marshall({ ":one": 1, ":zero": 0 }),
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        const [deleted, counted] = cancellations(error);
        if (deleted === "ConditionalCheckFailed") {
          return false; // deleted meanwhile
        }
        if (counted === "ConditionalCheckFailed") {
          // No count kept yet (the organ's endpoints predate it): nothing to take off.
          const { Attributes } = await this.client.send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key: marshall(ITEM_KEYS.webhookEndpoint(endpointId)),
              ReturnValues: "ALL_OLD",
            }),
          );
          return Attributes !== undefined;
        }
        await pause(attempt);
      }
    }
    throw busy(endpointId);
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
