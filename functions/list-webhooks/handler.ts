import { webhookOrganQuerySchema } from "../../shared/exchange/webhook-endpoints.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { webhookEndpoints } from "../runtime-webhooks.ts";

/** GET /v1/webhooks[?organ=] — the organ's endpoints (an admin names the organ), never their secrets. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("list-webhooks"), query: webhookOrganQuerySchema },
  async ({ caller, query }) => ({
    status: 200,
    body: { items: await webhookEndpoints().list(caller, query.organ) },
  }),
);
