import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** GET /v1/admin/trust-anchors — the roots letters are verified against. */
export const handler = apiHandler({ findApiKey, action: routeAction("list-trust-anchors") }, async () => ({
  status: 200,
  body: { items: await administration().listTrustAnchors() },
}));
