import { setStatusSchema } from "../../shared/exchange/index.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey, getRuntime } from "../runtime.ts";

/** POST /v1/letters/{id}/status — the recipient records an edXML status (02 needs a reason). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("set-status"), body: setStatusSchema },
  async ({ caller, body, pathParameters }) => ({
    status: 200,
    body: await getRuntime().exchange.setStatus(caller, pathParameters["id"] ?? "", body),
  }),
);
