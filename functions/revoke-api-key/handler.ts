import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** DELETE /v1/admin/keys/{id} — the key stops working at once. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("revoke-api-key") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await administration().revokeApiKey(caller, pathParameters["id"] ?? ""),
  }),
);
