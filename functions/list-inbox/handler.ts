import { listQuerySchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { tableExchange } from "../runtime-table-exchange.ts";

/** GET /v1/inbox?limit=&cursor= — the caller organ's deliveries, newest first. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("list-inbox"), query: listQuerySchema },
  async ({ caller, query }) => ({
    status: 200,
    body: await tableExchange().inbox(caller, query),
  }),
);
