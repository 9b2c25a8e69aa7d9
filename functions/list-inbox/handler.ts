import { inboxQuerySchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { tableExchange } from "../runtime-table-exchange.ts";

/**
 * GET /v1/inbox?limit=&cursor=&status=&sender=&urgency=&from=&to=&dueBefore=&overdue=&verdict=&q= —
 * the caller organ's deliveries, newest first, filtered (shared/exchange/queries.ts).
 */
export const handler = apiHandler(
  { findApiKey, action: routeAction("list-inbox"), query: inboxQuerySchema },
  async ({ caller, query }) => ({
    status: 200,
    body: await tableExchange().inbox(caller, query),
  }),
);
