import { pemSchema } from "../../shared/exchange/administration.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** POST /v1/admin/trust-anchors — trust a root certificate (PEM); verifiers reread anchors within 5 minutes. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("add-trust-anchor"), body: pemSchema },
  async ({ caller, body }) => ({
    status: 201,
    body: await administration().addTrustAnchor(caller, body.pem),
  }),
);
