/**
 * `EventStore` on the single table: chain events as items `EVT#<owner>#<seq>` beside the letter and
 * its copies, each written in one transaction with the conditional update of the owning item's
 * `head` (so a chain never forks: of two concurrent writers one wins, the other writes nothing),
 * the day's `AUDIT#<day>` head (what the daily seal gathers) and a check that the acting organ is
 * active. Events are read back in storage order, never re-sorted: a reordering stays visible.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { ExchangeError } from "../errors/index.ts";
import {
  type ChainEvent,
  type ChainHead,
  type CopyChange,
  type EventStore,
  type LetterChange,
  type LifecycleDelivery,
  type LifecycleLetter,
  parseChainId,
  type SealedHead,
  vietnamDay,
} from "../exchange/event-ports.ts";
import { ITEM_KEYS as keys } from "./schema.ts";

const EVENT_FIELDS = ["chain", "seq", "prev", "at", "type", "actor", "data", "hash"] as const;
/** What the exchange records as the actor of its own events: no directory check for it. */
const EXCHANGE_ACTOR = "exchange";

export class DynamoEvents implements EventStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  appendToCopy(delivery: LifecycleDelivery, event: ChainEvent, change: CopyChange): Promise<boolean> {
    const set: Record<string, unknown> = { updatedAt: change.updatedAt };
    const remove: string[] = [];
    if (change.status !== undefined) {
      set["#status"] = change.status;
    }
    if (change.reason === null) {
      remove.push("reason");
    } else if (change.reason !== undefined) {
      set["reason"] = change.reason;
    }
    if (change.recall) {
      set["recall"] = change.recall;
    }
    if (change.revoked) {
      set["revoked"] = change.revoked;
    }
    return this.append(
      keys.delivery(delivery.letterId, delivery.recipient),
      delivery.recipient,
      delivery.head,
      event,
      set,
      remove,
      // A revoked copy is frozen; only the revocation itself is written to it.
      change.revoked ? undefined : "attribute_not_exists(revoked)",
    );
  }

  appendToLetter(letter: LifecycleLetter, event: ChainEvent, change: LetterChange): Promise<boolean> {
    const set: Record<string, unknown> = {};
    if (change.recall) {
      set["recall"] = change.recall;
    }
    if (change.revoked) {
      set["revoked"] = change.revoked;
    }
    const add = change.supersededBy
      ? "supersededBy = list_append(if_not_exists(supersededBy, :empty), :by)"
      : undefined;
    return this.append(
      keys.letter(letter.id),
      "SENDER",
      letter.head,
      event,
      set,
      [],
      change.revoked ? undefined : "attribute_not_exists(revoked)",
      add && change.supersededBy
        ? { expression: add, values: { ":empty": [], ":by": [change.supersededBy] } }
        : undefined,
    );
  }

  private async append(
    owningKey: Record<string, string>,
    owner: string,
    head: LifecycleDelivery["head"],
    event: ChainEvent,
    set: Record<string, unknown>,
    remove: readonly string[],
    extraCondition: string | undefined,
    extraSet?: { readonly expression: string; readonly values: Record<string, unknown> },
  ): Promise<boolean> {
    if (event.seq !== (head ? head.seq + 1 : 1) || (head && event.prev !== head.hash)) {
      throw new Error(`event ${event.chain} #${event.seq} does not follow the head it is written after`);
    }
    const letterId = parseChainId(event.chain)?.letterId;
    if (!letterId) {
      throw new Error(`not a chain of a letter: ${event.chain}`);
    }
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ":head": { seq: event.seq, hash: event.hash } };
    const assignments = ["head = :head"];
    for (const [field, value] of Object.entries(set)) {
      const name = field.startsWith("#") ? field : `#${field}`;
      names[name] = name.slice(1);
      values[`:${name.slice(1)}`] = value;
      assignments.push(`${name} = :${name.slice(1)}`);
    }
    if (extraSet) {
      assignments.push(extraSet.expression);
      Object.assign(values, extraSet.values);
    }
    const conditions = [
      head
        ? "head.#seq = :seq AND head.#hash = :hash"
        : "attribute_exists(PK) AND attribute_not_exists(head)",
      ...(extraCondition ? [extraCondition] : []),
    ];
    if (head) {
      names["#seq"] = "seq";
      names["#hash"] = "hash";
      values[":seq"] = head.seq;
      values[":hash"] = head.hash;
    }
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(owningKey),
          UpdateExpression: `SET ${assignments.join(", ")}${remove.length > 0 ? ` REMOVE ${remove.join(", ")}` : ""}`,
          ConditionExpression: conditions.join(" AND "),
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: marshall(
            { ...eventRecord(event), ...keys.chainEvent(letterId, owner, event.seq), entity: "chainEvent" },
            { removeUndefinedValues: true },
          ),
          ConditionExpression: "attribute_not_exists(PK)",
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: marshall({
            ...keys.auditHead(vietnamDay(event.at), event.chain),
            entity: "auditHead",
            chain: event.chain,
            seq: event.seq,
            hash: event.hash,
          }),
        },
      },
    ];
    if (event.actor !== EXCHANGE_ACTOR) {
      items.push({
        ConditionCheck: {
          TableName: this.tableName,
          Key: marshall(keys.organ(event.actor)),
          ConditionExpression: "#status = :active",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: marshall({ ":active": "active" }),
        },
      });
    }
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons[3]?.Code === "ConditionalCheckFailed") {
          throw new ExchangeError("ORGAN_INACTIVE", {
            detail: `organ ${event.actor} is no longer active in the directory: its keys may only read`,
            meta: { organCode: event.actor },
          });
        }
        if (reasons.some((reason) => reason.Code === "ConditionalCheckFailed")) {
          return false;
        }
      }
      throw error;
    }
  }

  async storedEvents(letterId: string): Promise<ReadonlyMap<string, readonly ChainEvent[]>> {
    const chains = new Map<string, ChainEvent[]>();
    const { PK, SKPrefix } = keys.chainEvents(letterId);
    for (const item of await this.query(PK, SKPrefix)) {
      if (item["entity"] !== "chainEvent") {
        continue; // the status events of the first release (EVT#<at>#<organ>) are not chained
      }
      const event = Object.fromEntries(
        EVENT_FIELDS.map((field) => [field, item[field]]),
      ) as unknown as ChainEvent;
      const list = chains.get(event.chain) ?? [];
      list.push(event);
      chains.set(event.chain, list);
    }
    return chains;
  }

  /** The letters' chains changed that day, and the admin chain's head (ADMIN's store keeps it in one item). */
  async headsChangedOn(day: string): Promise<ChainHead[]> {
    const heads = (await this.query(keys.auditHeads(day).PK)).map((item) => headOf(item));
    const admin = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.adminHead), ConsistentRead: true }),
    );
    return admin.Item ? [...heads, headOf(unmarshall(admin.Item))] : heads;
  }

  /** One PutItem per chain, 25 at a time (the API's roles may not BatchWriteItem, which can delete). */
  async markSealed(day: string, heads: readonly ChainHead[]): Promise<void> {
    const items = heads.flatMap((head) => {
      const letterId = parseChainId(head.chain)?.letterId;
      return letterId
        ? [
            marshall({
              ...keys.sealedHead(letterId, head.chain),
              entity: "sealedHead",
              chain: head.chain,
              seq: head.seq,
              hash: head.hash,
              day,
            }),
          ]
        : [];
    });
    for (let i = 0; i < items.length; i += 25) {
      await Promise.all(
        items
          .slice(i, i + 25)
          .map((item) => this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item }))),
      );
    }
  }

  async sealedHeads(letterId: string): Promise<ReadonlyMap<string, SealedHead>> {
    const { PK, SKPrefix } = keys.sealedHeads(letterId);
    const heads = new Map<string, SealedHead>();
    for (const item of await this.query(PK, SKPrefix)) {
      const head: SealedHead = {
        chain: String(item["chain"]),
        seq: Number(item["seq"]),
        hash: String(item["hash"]),
        day: String(item["day"]),
      };
      heads.set(head.chain, head);
    }
    return heads;
  }

  async linkReply(letterId: string, replyId: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...keys.reply(letterId, replyId), entity: "reply", replyId }),
      }),
    );
  }

  async replies(letterId: string): Promise<string[]> {
    const { PK, SKPrefix } = keys.replies(letterId);
    return (await this.query(PK, SKPrefix)).map((item) => String(item["replyId"]));
  }

  /** Every item of a partition (under a sort-key prefix), in sort-key order, strongly consistent. */
  private async query(pk: string, skPrefix?: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: skPrefix ? "PK = :pk AND begins_with(SK, :prefix)" : "PK = :pk",
          ExpressionAttributeValues: marshall(skPrefix ? { ":pk": pk, ":prefix": skPrefix } : { ":pk": pk }),
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        items.push(unmarshall(item));
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

function headOf(item: Record<string, unknown>): ChainHead {
  return { chain: String(item["chain"]), seq: Number(item["seq"]), hash: String(item["hash"]) };
}

function eventRecord(event: ChainEvent): Record<string, unknown> {
  return Object.fromEntries(EVENT_FIELDS.map((field) => [field, event[field]]));
}
