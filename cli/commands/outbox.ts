/** `lienthong outbox`: the letters the organ sent (or drafted), as cli/commands/inbox.ts lists the inbox. */
import type { operations } from "../../sdk/index.ts";
import { CONNECTION_HELP, clip, ok, type Remote } from "../api-client.ts";
import { asQuery, COMMON_FILTERS, day, FILTER_HELP, listCommand, PAGING_HELP } from "./inbox.ts";

type OutboxQuery = NonNullable<operations["listOutbox"]["parameters"]["query"]>;
type OutboxItem = Awaited<ReturnType<typeof fetchOutbox>>["items"][number];

function fetchOutbox(remote: Remote, query: Record<string, string>) {
  return ok(remote.api.GET("/v1/outbox", { params: { query: asQuery<OutboxQuery>(query) } }));
}

export const command = listCommand<OutboxItem>({
  name: "outbox",
  usage: `lienthong outbox — the letters your organ sent or drafted, newest first

Usage: lienthong outbox [filters] [paging] [options]

${FILTER_HELP}
  --state <states>        draft, sending, sent (comma separated)
  --recipient <code>      letters to this organ
${PAGING_HELP}
${CONNECTION_HELP}

Examples:
  lienthong outbox
  lienthong outbox --state sent --recipient 000.00.11.H53 --json`,
  filters: [...COMMON_FILTERS, { flag: "state", param: "state" }, { flag: "recipient", param: "recipient" }],
  fetch: fetchOutbox,
  headers: ["LETTER", "SENT", "NUMBER", "STATE", "RECIPIENTS", "VERDICT", "SUBJECT"],
  row: (item) => [
    item.id,
    day(item.sentAt ?? item.createdAt),
    `${item.code.number}/${item.code.notation}`,
    item.state,
    item.recipients.length === 1 ? item.recipients[0]! : `${item.recipients.length} organs`,
    item.verification?.verdict ?? "-",
    clip(item.subject, 50),
  ],
});
