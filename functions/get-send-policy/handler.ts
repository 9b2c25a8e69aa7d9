import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** GET /v1/admin/send-policy — the deployment's send policy setting and pilot organs' overrides. */
export const handler = apiHandler({ findApiKey, action: routeAction("get-send-policy") }, async () => ({
  status: 200,
  body: await administration().sendPolicySettings(),
}));
