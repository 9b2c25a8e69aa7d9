import { listQuerySchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { tableExchange } from "../runtime-table-exchange.ts";

/** GET /v1/outbox?limit=&cursor= — letters the caller organ created, newest first. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("list-outbox"), query: listQuerySchema },
  async ({ caller, query }) => ({
    status: 200,
    body: await tableExchange().outbox(caller, query),
  }),
);
