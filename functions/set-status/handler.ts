import { setStatusSchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { lifecycle } from "../runtime-lifecycle.ts";

/**
 * POST /v1/letters/{id}/status — the recipient records an edXML status (02 needs a reason), or
 * answers the sender's recall/update request (15 agree, 16 refuse); each is one event of its copy's chain.
 */
export const handler = apiHandler(
  { findApiKey, action: routeAction("set-status"), body: setStatusSchema },
  async ({ caller, body, pathParameters }) => ({
    status: 200,
    body: await lifecycle().setStatus(caller, pathParameters["id"] ?? "", body),
  }),
);
