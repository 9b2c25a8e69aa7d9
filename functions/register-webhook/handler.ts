import { registerWebhookSchema } from "../../shared/exchange/webhook-endpoints.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { webhookEndpoints } from "../runtime-webhooks.ts";

/** POST /v1/webhooks — registers an endpoint (url, events; an admin names the organ); the secret is in this answer only. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("register-webhook"), body: registerWebhookSchema },
  async ({ caller, body }) => ({ status: 201, body: await webhookEndpoints().register(caller, body) }),
);
