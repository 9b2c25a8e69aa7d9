import { updateOrganSchema } from "../../shared/exchange/administration.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** PUT /v1/admin/organs/{code} — change an organ's name, aliases, parent or contact; `status: "active"` reactivates an inactive one. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("update-organ"), body: updateOrganSchema },
  async ({ caller, body, pathParameters }) => ({
    status: 200,
    body: await administration().updateOrgan(caller, pathParameters["code"] ?? "", body),
  }),
);
