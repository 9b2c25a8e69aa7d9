import { setStatusSchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { tableExchange } from "../runtime-table-exchange.ts";

/** POST /v1/letters/{id}/status — the recipient records an edXML status (02 needs a reason). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("set-status"), body: setStatusSchema },
  async ({ caller, body, pathParameters }) => ({
    status: 200,
    body: await tableExchange().setStatus(caller, pathParameters["id"] ?? "", body),
  }),
);
