import { deadWebhooksQuerySchema } from "../../shared/exchange/webhook-endpoints.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { webhookEndpoints } from "../runtime-webhooks.ts";

/** GET /v1/admin/webhooks/dead[?organ=&limit=] — the dead-letter queue, oldest first. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("list-dead-webhooks"), query: deadWebhooksQuerySchema },
  async ({ query }) => ({ status: 200, body: { items: await webhookEndpoints().listDead(query) } }),
);
