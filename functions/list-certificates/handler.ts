import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** GET /v1/admin/organs/{code}/certificates — the certificates that may sign for the organ. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("list-certificates") },
  async ({ pathParameters }) => ({
    status: 200,
    body: { items: await administration().listCertificates(pathParameters["code"] ?? "") },
  }),
);
