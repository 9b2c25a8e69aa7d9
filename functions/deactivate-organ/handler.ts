import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** POST /v1/admin/organs/{code}/deactivate — the organ stops sending and receiving; its letters stay readable. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("deactivate-organ") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await administration().deactivateOrgan(caller, pathParameters["code"] ?? ""),
  }),
);
