import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** DELETE /v1/admin/organs/{code}/certificates/{sha256} — the certificate no longer signs for the organ. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("unbind-certificate") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await administration().unbindCertificate(
      caller,
      pathParameters["code"] ?? "",
      pathParameters["sha256"] ?? "",
    ),
  }),
);
