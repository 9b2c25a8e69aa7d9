import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** DELETE /v1/admin/trust-anchors/{sha256} — stop trusting a root (verifiers reread anchors within 5 minutes). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("remove-trust-anchor") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await administration().removeTrustAnchor(caller, pathParameters["sha256"] ?? ""),
  }),
);
