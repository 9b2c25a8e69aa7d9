import { historyView } from "../../shared/exchange/history.ts";
import { copyQuerySchema } from "../../shared/exchange/lifecycle-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { baseRuntime, findApiKey } from "../runtime.ts";
import { eventStore } from "../runtime-lifecycle.ts";

/** GET /v1/letters/{id}/history[?recipient=] — who did what, when and why, chain by chain. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("get-history"), query: copyQuerySchema },
  async ({ caller, query, pathParameters }) => ({
    status: 200,
    body: await historyView(
      baseRuntime().ledger,
      eventStore(),
      caller,
      pathParameters["id"] ?? "",
      query.recipient,
    ),
  }),
);
