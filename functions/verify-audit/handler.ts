import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { audit } from "../runtime-evidence.ts";

/** GET /v1/admin/audit/letters/{id} — recomputes the letter's chains against its seal and stored heads. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("verify-audit") },
  async ({ pathParameters }) => ({
    status: 200,
    body: await audit().verifyLetter(pathParameters["id"] ?? ""),
  }),
);
