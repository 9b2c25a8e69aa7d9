import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import {
  type HistogramName,
  mergedIncrements,
  type OpenCopy,
  STATS_COUNTERS,
  type StatsChange,
  type StatsDay,
  type StatsStore,
} from "../exchange/stats.ts";
import { ITEM_KEYS, TABLE_SCHEMA } from "./schema.ts";

/**
 * How long an applied-change marker is kept: far beyond the stream's 24-hour retention, so any
 * redelivery of a record finds its marker.
 */
const MARKER_TTL_SECONDS = 7 * 24 * 3600;

/** Attempts of a change whose transaction met a concurrent one on a counter item. */
const MAX_CONFLICT_ATTEMPTS = 6;

const COUNTER = /^(?:h0[36]_\d{1,3}|[a-zA-Z]+)$/;

/**
 * `StatsStore` on the exchange's table (schema.ts: statsDay, statsOpen, streamApplied). A change is
 * one transaction: the marker `APPLIED#<id>` (put only if absent) with every counter update and
 * open-copy put or delete, so a change is counted entirely once or not at all.
 */
export class DynamoStats implements StatsStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async apply(change: StatsChange): Promise<boolean> {
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: marshall({
            ...ITEM_KEYS.streamApplied(change.id),
            entity: "streamApplied",
            [TABLE_SCHEMA.timeToLiveAttribute]: Math.floor(this.now().getTime() / 1000) + MARKER_TTL_SECONDS,
          }),
          ConditionExpression: "attribute_not_exists(PK)",
        },
      },
      ...mergedIncrements(change).map(({ organ, day, counts }): TransactWriteItem => {
        const entries = Object.entries(counts).filter(([name]) => COUNTER.test(name));
        const names = Object.fromEntries(entries.map(([name], i) => [`#c${i}`, name]));
        const values = Object.fromEntries(entries.map(([, value], i) => [`:c${i}`, value]));
        return {
          Update: {
            TableName: this.tableName,
            Key: marshall(ITEM_KEYS.statsDay(organ, day)),
            UpdateExpression: `SET entity = :entity, organ = :organ, #day = :day ADD ${entries
              .map((_, i) => `#c${i} :c${i}`)
              .join(", ")}`,
            ExpressionAttributeNames: { ...names, "#day": "day" },
            ExpressionAttributeValues: marshall({
              ...values,
              ":entity": "statsDay",
              ":organ": organ,
              ":day": day,
            }),
          },
        };
      }),
      ...(change.totals ?? []).map(({ organ, counts }): TransactWriteItem => {
        const entries = Object.entries(counts).filter(([name]) => /^[a-zA-Z]+$/.test(name));
        return {
          Update: {
            TableName: this.tableName,
            Key: marshall(ITEM_KEYS.statsTotals(organ)),
            UpdateExpression: `SET entity = :entity, organ = :organ ADD ${entries.map((_, i) => `#t${i} :t${i}`).join(", ")}`,
            ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#t${i}`, name])),
            ExpressionAttributeValues: marshall({
              ...Object.fromEntries(entries.map(([, value], i) => [`:t${i}`, value])),
              ":entity": "statsTotals",
              ":organ": organ,
            }),
          },
        };
      }),
      ...(change.open ?? []).map(
        (copy): TransactWriteItem => ({
          Put: {
            TableName: this.tableName,
            Item: marshall(
              {
                ...copy,
                ...ITEM_KEYS.statsOpen(copy.organ, copy.dueDate, copy.letterId, copy.recipient),
                entity: "statsOpen",
              },
              { removeUndefinedValues: true },
            ),
          },
        }),
      ),
      ...(change.close ?? []).map(
        (copy): TransactWriteItem => ({
          Delete: {
            TableName: this.tableName,
            Key: marshall(ITEM_KEYS.statsOpen(copy.organ, copy.dueDate, copy.letterId, copy.recipient)),
          },
        }),
      ),
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return true;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) {
          throw error;
        }
        if (error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed") {
          return false; // applied before: a redelivered record
        }
        // Another shard's consumer wrote the same counter item at that moment: try again shortly.
        const conflict = error.CancellationReasons?.some((reason) => reason.Code === "TransactionConflict");
        if (!conflict || attempt >= MAX_CONFLICT_ATTEMPTS) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
      }
    }
  }

  async days(organ: string, from: string, to: string): Promise<StatsDay[]> {
    const { PK, SKPrefix } = ITEM_KEYS.statsDays(organ);
    const items = await this.query({
      KeyConditionExpression: "PK = :pk AND SK BETWEEN :from AND :to",
      ExpressionAttributeValues: marshall({
        ":pk": PK,
        ":from": `${SKPrefix}${from}`,
        ":to": `${SKPrefix}${to}`,
      }),
    });
    return items.map(dayOf);
  }

  async overdue(organ: string, day: string, limit: number): Promise<OpenCopy[]> {
    const { PK, SKPrefix } = ITEM_KEYS.statsOpens(organ);
    // Sort keys OPEN#<due>#…: everything below OPEN#<day> is due before that day.
    const items = await this.query(
      {
        KeyConditionExpression: "PK = :pk AND SK BETWEEN :low AND :high",
        ExpressionAttributeValues: marshall({ ":pk": PK, ":low": SKPrefix, ":high": `${SKPrefix}${day}` }),
      },
      limit,
    );
    return items.map((item) => {
      const { PK: _pk, SK: _sk, entity: _entity, ...copy } = item;
      return copy as unknown as OpenCopy;
    });
  }

  private async query(
    input: Pick<QueryCommand["input"], "KeyConditionExpression" | "ExpressionAttributeValues">,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...input,
          ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(out.Items ?? []).map((item) => unmarshall(item)));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items;
  }
}

function dayOf(item: Record<string, unknown>): StatsDay {
  const histograms: Partial<Record<HistogramName, Record<number, number>>> = {};
  const counts: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    const bucket = /^(h0[36])_(\d+)$/.exec(name);
    if (bucket && typeof value === "number") {
      const name = bucket[1] as HistogramName;
      histograms[name] = { ...histograms[name], [Number(bucket[2])]: value };
    } else if ((STATS_COUNTERS as readonly string[]).includes(name) && typeof value === "number") {
      counts[name] = value;
    }
  }
  return { organ: String(item["organ"]), day: String(item["day"]), ...counts, histograms };
}
