import { createApiKeySchema } from "../../shared/exchange/administration.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** POST /v1/admin/organs/{code}/keys — a new key of a role for the organ; its secret is in this answer only. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("create-api-key"), body: createApiKeySchema },
  async ({ caller, body, pathParameters }) => ({
    status: 201,
    body: await administration().createApiKey(caller, pathParameters["code"] ?? "", body.role),
  }),
);
