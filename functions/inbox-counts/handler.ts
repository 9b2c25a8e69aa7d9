import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { tableExchange } from "../runtime-table-exchange.ts";

/**
 * GET /v1/inbox/counts — badge counts of the caller organ's inbox: unread and open are running
 * totals the stream consumer keeps; overdue and due today count the organ's open-copy items
 * (a key-range query over exactly those copies, never the inbox).
 */
export const handler = apiHandler(
  { findApiKey, action: routeAction("inbox-counts") },
  async ({ caller }) => ({ status: 200, body: await tableExchange().inboxCounts(caller) }),
);
