import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { webhookEndpoints } from "../runtime-webhooks.ts";

/** POST /v1/admin/webhooks/dead/{webhookId}/redeliver — back in the outbox, due now, with the same webhook id. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("redeliver-webhook") },
  async ({ pathParameters }) => ({
    status: 200,
    body: await webhookEndpoints().redeliver(pathParameters["webhookId"] ?? ""),
  }),
);
