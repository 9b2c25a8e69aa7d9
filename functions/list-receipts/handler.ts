import { copyQuerySchema } from "../../shared/exchange/lifecycle-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { receipts } from "../runtime-evidence.ts";

/** GET /v1/letters/{id}/receipts[?recipient=] — the receipts of every status change the caller may read. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("list-receipts"), query: copyQuerySchema },
  async ({ caller, query, pathParameters }) => ({
    status: 200,
    body: await receipts().list(caller, pathParameters["id"] ?? "", query.recipient),
  }),
);
