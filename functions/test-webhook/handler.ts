import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { webhookEndpoints } from "../runtime-webhooks.ts";

/** POST /v1/webhooks/{id}/test — sends one signed `webhook.test` message now and answers what the receiver said. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("test-webhook") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await webhookEndpoints().test(caller, pathParameters["id"] ?? ""),
  }),
);
