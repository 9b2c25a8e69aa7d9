import { rotateApiKeySchema } from "../../shared/exchange/administration.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** POST /v1/admin/keys/{id}/rotate — a new key of the same organ and role; the old one works for the grace period (default 24 h). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("rotate-api-key"), body: rotateApiKeySchema },
  async ({ caller, body, pathParameters }) => ({
    status: 201,
    body: await administration().rotateApiKey(caller, pathParameters["id"] ?? "", body.graceHours),
  }),
);
