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
    return this.transact([change]);
  }

  /**
   * Several changes, in order, as few transactions as fit (at most 100 items each): a fan-out's
   * copies all add to the sender's and the all-organs day items, which one transaction then
   * updates once for many copies. A group holding a change applied before is applied change by
   * change instead, each once.
   */
  async applyAll(changes: readonly StatsChange[]): Promise<void> {
    for (const group of groupsOf(changes)) {
      if (!(await this.transact(group))) {
        for (const change of group.length > 1 ? group : []) {
          await this.transact([change]);
        }
      }
    }
  }

  /** One transaction of `changes` (markers first); false when a marker existed (nothing written). */
  private async transact(changes: readonly StatsChange[]): Promise<boolean> {
    const items = this.itemsOf(changes);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return true;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) {
          throw error;
        }
        const reasons = error.CancellationReasons ?? [];
        if (reasons.slice(0, changes.length).some((reason) => reason.Code === "ConditionalCheckFailed")) {
          return false; // applied before: a redelivered record
        }
        // Another shard's consumer wrote the same counter item at that moment: try again shortly.
        const conflict = reasons.some((reason) => reason.Code === "TransactionConflict");
        if (!conflict || attempt >= MAX_CONFLICT_ATTEMPTS) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
      }
    }
  }

  private itemsOf(changes: readonly StatsChange[]): TransactWriteItem[] {
    const expiresAt = Math.floor(this.now().getTime() / 1000) + MARKER_TTL_SECONDS;
    const days = mergedIncrements({ id: "", add: changes.flatMap((change) => change.add) });
    const totals = new Map<string, Record<string, number>>();
    for (const { organ, counts } of changes.flatMap((change) => change.totals ?? [])) {
      const sum = totals.get(organ) ?? {};
      for (const [name, value] of Object.entries(counts)) {
        sum[name] = (sum[name] ?? 0) + value;
      }
      totals.set(organ, sum);
    }
    return [
      ...changes.map(
        (change): TransactWriteItem => ({
          Put: {
            TableName: this.tableName,
            Item: marshall({
              ...ITEM_KEYS.streamApplied(change.id),
              entity: "streamApplied",
              [TABLE_SCHEMA.timeToLiveAttribute]: expiresAt,
            }),
            ConditionExpression: "attribute_not_exists(PK)",
          },
        }),
      ),
      ...days.map(({ organ, day, counts }): TransactWriteItem => {
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
      ...[...totals].map(([organ, counts]): TransactWriteItem => {
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
      ...changes.flatMap((change) =>
        (change.open ?? []).map(
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
      ),
      ...changes.flatMap((change) =>
        (change.close ?? []).map(
          (copy): TransactWriteItem => ({
            Delete: {
              TableName: this.tableName,
              Key: marshall(ITEM_KEYS.statsOpen(copy.organ, copy.dueDate, copy.letterId, copy.recipient)),
            },
          }),
        ),
      ),
    ];
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

/** Most items of one transaction (DynamoDB's limit), and most changes put in one. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_GROUP = 20;

/**
 * Consecutive changes that fit one transaction: distinct ids, each open-copy item named once, at
 * most {@link MAX_TRANSACTION_ITEMS} items after merging the counter items.
 */
function groupsOf(changes: readonly StatsChange[]): StatsChange[][] {
  const groups: StatsChange[][] = [];
  let group: StatsChange[] = [];
  let ids = new Set<string>();
  let opens = new Set<string>();
  let counters = new Set<string>();
  const openKeys = (change: StatsChange) =>
    [...(change.open ?? []), ...(change.close ?? [])].map(
      (copy) => `${copy.organ}|${copy.dueDate}|${copy.letterId}|${copy.recipient}`,
    );
  const counterKeys = (change: StatsChange) => [
    ...change.add.map((entry) => `D|${entry.organ}|${entry.day}`),
    ...(change.totals ?? []).map((entry) => `T|${entry.organ}`),
  ];
  for (const change of changes) {
    const mine = openKeys(change);
    const nextCounters = new Set([...counters, ...counterKeys(change)]);
    const size = group.length + 1 + nextCounters.size + opens.size + mine.length;
    const fits =
      group.length < MAX_GROUP &&
      !ids.has(change.id) &&
      mine.every((key) => !opens.has(key)) &&
      size <= MAX_TRANSACTION_ITEMS;
    if (!fits && group.length > 0) {
      groups.push(group);
      group = [];
      ids = new Set();
      opens = new Set();
      counters = new Set();
    }
    group.push(change);
    ids.add(change.id);
    for (const key of mine) {
      opens.add(key);
    }
    for (const key of counterKeys(change)) {
      counters.add(key);
    }
  }
  if (group.length > 0) {
    groups.push(group);
  }
  return groups;
}
