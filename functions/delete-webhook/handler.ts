import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { webhookEndpoints } from "../runtime-webhooks.ts";

/** DELETE /v1/webhooks/{id} — removes an endpoint; its undelivered messages go to the dead-letter queue when due. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("delete-webhook") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await webhookEndpoints().remove(caller, pathParameters["id"] ?? ""),
  }),
);
