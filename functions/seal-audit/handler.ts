import { sealQuerySchema } from "../../shared/exchange/lifecycle-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { audit } from "../runtime-evidence.ts";

/** POST /v1/admin/audit/seal[?day=] — seals the chains changed that day now (locally; in AWS daily too). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("seal-audit"), query: sealQuerySchema },
  async ({ query }) => ({ status: 200, body: await audit().seal(query.day) }),
);
