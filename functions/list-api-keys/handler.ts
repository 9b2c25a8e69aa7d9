import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** GET /v1/admin/organs/{code}/keys — the organ's API keys: id, prefix, role, last use, expiry, revocation (never secrets). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("list-api-keys") },
  async ({ pathParameters }) => ({
    status: 200,
    body: { items: await administration().listApiKeys(pathParameters["code"] ?? "") },
  }),
);
