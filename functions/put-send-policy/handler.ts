import { putSendPolicySchema } from "../../shared/exchange/administration.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** PUT /v1/admin/send-policy — set (or with policy null remove) the deployment's setting or a pilot organ's; the next send follows it. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("put-send-policy"), body: putSendPolicySchema },
  async ({ caller, body }) => ({
    status: 200,
    body: await administration().putSendPolicy(caller, body.organCode, body.policy),
  }),
);
