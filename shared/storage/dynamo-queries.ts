import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { ExchangeError } from "../errors/index.ts";
import {
  CLOSED_STATUSES,
  type InboxCounts,
  type InboxFilter,
  type LetterQueries,
  type OutboxFilter,
  type PageRequest,
  searchTerms,
} from "../exchange/queries.ts";
import { addDays } from "../exchange/stats.ts";
import type { Delivery, Letter, Page } from "../exchange/types.ts";
import { unpackItem } from "./letter-item.ts";
import { type ListingQuery, PageCursors, startKeyOf } from "./page-cursor.ts";
import { RecipientLists } from "./recipient-lists.ts";
import { ITEM_KEYS } from "./schema.ts";

/**
 * Most items one listing request reads from the index before it answers (with what it found and a
 * cursor to go on): a filter that matches little cannot make a request read a whole inbox.
 */
export const MAX_EVALUATED_PER_REQUEST = 1000;

/** Attributes that are the table's, not the record's. */
const TABLE_FIELDS = ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "entity", "search"];

/** A filter expression under construction: named attributes and values, clauses joined by AND. */
class Conditions {
  readonly clauses: string[] = [];
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private n = 0;

  /** `#a.#b` for the path `a.b`. */
  path(path: string): string {
    return path
      .split(".")
      .map((part) => {
        this.names[`#${part}`] = part;
        return `#${part}`;
      })
      .join(".");
  }

  value(value: unknown): string {
    const name = `:v${this.n++}`;
    this.values[name] = value;
    return name;
  }

  add(clause: string): void {
    this.clauses.push(clause);
  }
}

/** The first instant of a Vietnam calendar day, as the ISO text the sort keys begin with. */
function startOfDay(day: string): string {
  return new Date(`${day}T00:00:00+07:00`).toISOString();
}

/** `LetterQueries` on the inbox (GSI1) and outbox (GSI2) indexes and the stats items. */
export class DynamoQueries implements LetterQueries {
  private readonly cursors: PageCursors;
  private readonly recipientLists: RecipientLists;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: { readonly cursorSecret?: string } = {},
  ) {
    this.cursors = new PageCursors(options.cursorSecret);
    this.recipientLists = new RecipientLists(client, tableName);
  }

  inbox(organ: string, filter: InboxFilter, page: PageRequest, today: string): Promise<Page<Delivery>> {
    const c = new Conditions();
    if (filter.status?.length) {
      c.add(`${c.path("status")} IN (${filter.status.map((s) => c.value(s)).join(", ")})`);
    }
    if (filter.sender) {
      c.add(`${c.path("sender")} = ${c.value(filter.sender)}`);
    }
    if (filter.urgency !== undefined) {
      c.add(`${c.path("summary.urgency")} = ${c.value(filter.urgency)}`);
    }
    if (filter.dueBefore) {
      c.add(`${c.path("summary.dueDate")} <= ${c.value(filter.dueBefore)}`);
    }
    if (filter.overdue) {
      c.add(`${c.path("summary.dueDate")} < ${c.value(today)}`);
      c.add(`NOT (${c.path("status")} IN (${CLOSED_STATUSES.map((s) => c.value(s)).join(", ")}))`);
    }
    if (filter.verdict) {
      c.add(`${c.path("summary.verdict")} = ${c.value(filter.verdict)}`);
    }
    this.search(c, filter.q);
    return this.page<Delivery>("GSI1", ITEM_KEYS.inbox(organ), filter, c, page);
  }

  outbox(organ: string, filter: OutboxFilter, page: PageRequest): Promise<Page<Letter>> {
    const c = new Conditions();
    if (filter.state?.length) {
      c.add(`${c.path("state")} IN (${filter.state.map((s) => c.value(s)).join(", ")})`);
    }
    const { recipient } = filter;
    if (recipient) {
      // A long list is kept apart (recipient-lists.ts): such letters are matched once restored.
      c.add(
        `(contains(${c.path("recipients")}, ${c.value(recipient)}) OR attribute_exists(${c.path("recipientList")}))`,
      );
    }
    if (filter.urgency !== undefined) {
      c.add(`${c.path("urgency")} = ${c.value(filter.urgency)}`);
    }
    if (filter.dueBefore) {
      c.add(`${c.path("dueDate")} <= ${c.value(filter.dueBefore)}`);
    }
    if (filter.verdict) {
      c.add(`${c.path("verification.verdict")} = ${c.value(filter.verdict)}`);
    }
    this.search(c, filter.q);
    return this.page<Letter>(
      "GSI2",
      ITEM_KEYS.outbox(organ),
      filter,
      c,
      page,
      recipient ? (letter) => letter.recipients.includes(recipient) : undefined,
    );
  }

  async inboxCounts(organ: string, today: string): Promise<InboxCounts> {
    const totals = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(ITEM_KEYS.statsTotals(organ)) }),
    );
    const read = totals.Item ? unmarshall(totals.Item) : {};
    const { PK, SKPrefix } = ITEM_KEYS.statsOpens(organ);
    // The open copies with a due date are one item each (kept by the stream consumer): counting the
    // overdue ones reads exactly those, never the inbox.
    const overdue = await this.count("PK = :pk AND SK BETWEEN :low AND :high", {
      ":pk": PK,
      ":low": SKPrefix,
      ":high": `${SKPrefix}${today}`,
    });
    const dueToday = await this.count("PK = :pk AND begins_with(SK, :day)", {
      ":pk": PK,
      ":day": `${SKPrefix}${today}#`,
    });
    const number = (value: unknown) => (typeof value === "number" ? Math.max(0, value) : 0);
    return { unread: number(read["unread"]), open: number(read["open"]), overdue, dueToday };
  }

  private search(c: Conditions, q: string | undefined): void {
    for (const term of q ? searchTerms(q) : []) {
      c.add(`contains(${c.path("search")}, ${c.value(term)})`);
    }
  }

  private async count(condition: string, values: Record<string, unknown>): Promise<number> {
    let total = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: marshall(values),
          Select: "COUNT",
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      total += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return total;
  }

  /**
   * Newest first on the index partition, the date range as a key condition and the rest as a
   * filter, until `limit` items or {@link MAX_EVALUATED_PER_REQUEST} evaluated. The cursor is the
   * key of the last item returned (or evaluated), so the next page starts right after it; it is
   * sealed for this listing's range and filters ({@link listingOf}) and opens for no other.
   */
  private async page<T>(
    index: "GSI1" | "GSI2",
    partition: string,
    filter: InboxFilter | OutboxFilter,
    c: Conditions,
    request: PageRequest,
    keep?: (record: T) => boolean,
  ): Promise<Page<T>> {
    const listing = listingOf(filter);
    const sortKey = `${index}SK`;
    let keyCondition = `${index}PK = :pk`;
    const keyValues: Record<string, unknown> = { ":pk": partition };
    if (filter.from && filter.to) {
      keyCondition += ` AND ${sortKey} BETWEEN :lo AND :hi`;
      Object.assign(keyValues, { ":lo": startOfDay(filter.from), ":hi": startOfDay(addDays(filter.to, 1)) });
    } else if (filter.from) {
      keyCondition += ` AND ${sortKey} >= :lo`;
      keyValues[":lo"] = startOfDay(filter.from);
    } else if (filter.to) {
      keyCondition += ` AND ${sortKey} < :hi`;
      keyValues[":hi"] = startOfDay(addDays(filter.to, 1));
    }
    const lo = keyValues[":lo"] as string | undefined;
    const hi = keyValues[":hi"] as string | undefined;
    if (lo !== undefined && hi !== undefined && lo > hi) {
      return { items: [] }; // `from` after `to`: no day is in the range (and BETWEEN would be refused)
    }
    let startKey: Record<string, AttributeValue> | undefined;
    if (request.cursor) {
      const start = startKeyOf(this.cursors.open(request.cursor, index, partition, listing), index);
      // The seal already binds the range; a start key outside the key condition would be a 500
      // from DynamoDB, so it is refused here too, whatever issued the cursor.
      const position = start[sortKey] as string;
      const inRange =
        start[`${index}PK`] === partition &&
        (lo === undefined || position >= lo) &&
        (hi === undefined || (filter.from ? position <= hi : position < hi));
      if (!inRange) {
        throw new ExchangeError("INVALID_CURSOR", {
          detail: "the cursor's position is outside this listing's date range",
        });
      }
      startKey = marshall(start);
    }
    const items: T[] = [];
    let evaluated = 0;
    let last: Record<string, unknown> | undefined;
    while (items.length < request.limit && evaluated < MAX_EVALUATED_PER_REQUEST) {
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index,
          KeyConditionExpression: keyCondition,
          ...(c.clauses.length > 0 ? { FilterExpression: c.clauses.join(" AND ") } : {}),
          ...(Object.keys(c.names).length > 0 ? { ExpressionAttributeNames: c.names } : {}),
          ExpressionAttributeValues: marshall({ ...keyValues, ...c.values }, { removeUndefinedValues: true }),
          ScanIndexForward: false,
          // Without a filter every item read is returned; with one, read ahead in larger steps.
          Limit:
            c.clauses.length > 0
              ? Math.min(100, MAX_EVALUATED_PER_REQUEST - evaluated)
              : request.limit - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      evaluated += out.ScannedCount ?? 0;
      let full = false;
      for (const item of (out.Items ?? []).map((found) => unmarshall(found))) {
        if (items.length === request.limit) {
          full = true;
          break;
        }
        const record = await this.recipientLists.restore(recordOf<T & object>(item));
        last = keyOf(item, index);
        if (!keep || keep(record)) {
          items.push(record);
        }
      }
      if (full) {
        break; // stopped inside this page: the cursor is the last item read
      }
      last = out.LastEvaluatedKey ? unmarshall(out.LastEvaluatedKey) : undefined;
      if (!out.LastEvaluatedKey) {
        break;
      }
      startKey = out.LastEvaluatedKey;
    }
    return last ? { items, nextCursor: this.cursors.seal(last, index, partition, listing) } : { items };
  }
}

/**
 * What a cursor is bound to besides index and partition: every filter of the request (the date
 * range included), canonical — a set in sorted order, the search as its folded terms, an unset or
 * empty filter left out — so that the same listing asked again opens its cursors and any other
 * refuses them. Generic over the filter's fields, so a filter added later is bound too; `limit`
 * and `cursor` are the page request, not the listing (the caller passes one object for both).
 */
function listingOf(filter: InboxFilter | OutboxFilter): ListingQuery {
  const listing: Record<string, ListingQuery[string]> = {};
  for (const [name, value] of Object.entries(filter)) {
    if (name === "limit" || name === "cursor" || value === undefined || value === false) {
      continue;
    }
    if (name === "q" && typeof value === "string") {
      const terms = [...searchTerms(value)].sort();
      if (terms.length > 0) {
        listing[name] = terms;
      }
    } else if (Array.isArray(value)) {
      if (value.length > 0) {
        listing[name] = [...new Set(value.map(String))].sort();
      }
    } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      listing[name] = value;
    }
  }
  return listing;
}

function recordOf<T>(item: Record<string, unknown>): T {
  const record = { ...unpackItem(item) }; // a letter's packed fields, a copy's updatedAt (letter-item.ts)
  for (const field of TABLE_FIELDS) {
    delete record[field];
  }
  return record as T;
}

function keyOf(item: Record<string, unknown>, index: string): Record<string, unknown> {
  return Object.fromEntries(["PK", "SK", `${index}PK`, `${index}SK`].map((name) => [name, item[name]]));
}
