/**
 * `lienthong inbox` (and, through {@link listCommand}, `lienthong outbox`): the organ's letters
 * as a table with each one's verification verdict, a page at a time (`--limit`, `--cursor`; the
 * next page's cursor is printed under the table) or every page (`--all`), with the filters the
 * API takes (shared/exchange/letter-schema.ts inboxQuerySchema / outboxQuerySchema).
 */

import type { operations } from "../../sdk/index.ts";
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  clip,
  connect,
  ok,
  output,
  type Remote,
  runRemote,
  table,
} from "../api-client.ts";
import { type Command, parseCommandArgs, positiveInteger, UsageError } from "../common.ts";

type Query = Record<string, string>;

interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

interface ListKind<T> {
  readonly name: "inbox" | "outbox";
  readonly usage: string;
  /** Filter flags → query parameters, beside --limit/--cursor/--all. */
  readonly filters: readonly { readonly flag: string; readonly param: string }[];
  fetch(remote: Remote, query: Query): Promise<Page<T>>;
  row(item: T): string[];
  readonly headers: readonly string[];
}

const COMMON_FILTERS = [
  { flag: "urgency", param: "urgency" },
  { flag: "from", param: "from" },
  { flag: "to", param: "to" },
  { flag: "due-before", param: "dueBefore" },
  { flag: "verdict", param: "verdict" },
  { flag: "search", param: "q" },
] as const;

const FILTER_HELP = `Filters:
  --urgency <0-4>         only letters of this urgency
  --from <yyyy-mm-dd>     sent on or after this day
  --to <yyyy-mm-dd>       sent on or before this day
  --due-before <date>     answer due before this day
  --verdict <verdict>     TOTAL_PASSED, TOTAL_FAILED or INDETERMINATE
  --search <words>        words of the number, notation or subject (accents and case ignored)`;

const PAGING_HELP = `Paging:
  --limit <n>             letters per page (1-100, default 20)
  --cursor <cursor>       the page after the one that printed this cursor
  --all                   every page`;

/**
 * The query as the SDK types it: every value is a string the API validates (its refusal names the
 * parameter), so the flags' text is passed as given.
 */
function asQuery<T>(query: Query): T {
  return query as T;
}

export function listCommand<T>(kind: ListKind<T>): Command {
  const options = {
    ...CONNECTION_OPTIONS,
    limit: { type: "string" },
    cursor: { type: "string" },
    all: { type: "boolean" },
    ...Object.fromEntries(kind.filters.map((filter) => [filter.flag, { type: "string" }])),
  } as typeof CONNECTION_OPTIONS & {
    limit: { type: "string" };
    cursor: { type: "string" };
    all: { type: "boolean" };
  };
  const body = async (argv: readonly string[]): Promise<number> => {
    const args = parseCommandArgs(argv, options, kind.usage);
    if (!args) {
      return 0;
    }
    const { values, positionals } = args;
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument '${positionals[0]}'`);
    }
    const limit = positiveInteger(values.limit, "--limit");
    if (limit !== undefined && limit > 100) {
      throw new UsageError("--limit: at most 100 letters per page");
    }
    if (values.all && values.cursor) {
      throw new UsageError("give --all or --cursor, not both");
    }
    const query: Query = {};
    if (limit !== undefined) {
      query["limit"] = String(limit);
    }
    const given = values as Record<string, unknown>;
    for (const filter of kind.filters) {
      const value = given[filter.flag];
      if (typeof value === "string") {
        query[filter.param] = value;
      }
    }
    const remote = connect(values);
    const items: T[] = [];
    let cursor = values.cursor;
    let next: string | undefined;
    do {
      const page = await kind.fetch(remote, cursor ? { ...query, cursor } : query);
      items.push(...page.items);
      next = page.nextCursor;
      cursor = next;
    } while (values.all && next);
    output(values.json, { items, ...(next ? { nextCursor: next } : {}) }, () => {
      if (items.length === 0) {
        return `${kind.name}: no letters`;
      }
      const rows = table(kind.headers, items.map(kind.row));
      return next ? `${rows}\n\nmore: lienthong ${kind.name} --cursor ${next}` : rows;
    });
    return 0;
  };
  return {
    summary:
      kind.name === "inbox" ? "list the letters your organ received" : "list the letters your organ sent",
    run: (argv) => runRemote(kind.name, argv, () => body(argv)),
  };
}

type InboxQuery = NonNullable<operations["listInbox"]["parameters"]["query"]>;
type InboxItem = Awaited<ReturnType<typeof fetchInbox>>["items"][number];

function fetchInbox(remote: Remote, query: Query) {
  return ok(remote.api.GET("/v1/inbox", { params: { query: asQuery<InboxQuery>(query) } }));
}

const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : "");

export const command = listCommand<InboxItem>({
  name: "inbox",
  usage: `lienthong inbox — the letters your organ received, newest first

Usage: lienthong inbox [filters] [paging] [options]

${FILTER_HELP}
  --status <codes>        statuses, comma separated (01 arrived, 02 refused, 03 accepted, 04-06)
  --sender <code>         letters from this organ
  --overdue <true|false>  past their due date and not finished
${PAGING_HELP}
${CONNECTION_HELP}

Examples:
  lienthong inbox
  lienthong inbox --status 01 --verdict TOTAL_PASSED --limit 50
  lienthong inbox --all --json > inbox.json`,
  filters: [
    ...COMMON_FILTERS,
    { flag: "status", param: "status" },
    { flag: "sender", param: "sender" },
    { flag: "overdue", param: "overdue" },
  ],
  fetch: fetchInbox,
  headers: ["LETTER", "RECEIVED", "FROM", "NUMBER", "STATUS", "VERDICT", "SUBJECT"],
  row: (item) => [
    item.letterId,
    day(item.deliveredAt),
    item.sender,
    `${item.code.number}/${item.code.notation}`,
    `${item.status} ${item.statusLabel.en}`,
    item.verdict ?? "-",
    clip(item.subject, 50),
  ],
});

export { asQuery, COMMON_FILTERS, day, FILTER_HELP, PAGING_HELP };
