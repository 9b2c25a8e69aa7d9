import { outboxQuerySchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { tableExchange } from "../runtime-table-exchange.ts";

/**
 * GET /v1/outbox?limit=&cursor=&state=&recipient=&urgency=&from=&to=&dueBefore=&verdict=&q= —
 * letters the caller organ created, newest first, filtered (shared/exchange/queries.ts).
 */
export const handler = apiHandler(
  { findApiKey, action: routeAction("list-outbox"), query: outboxQuerySchema },
  async ({ caller, query }) => ({
    status: 200,
    body: await tableExchange().outbox(caller, query),
  }),
);
