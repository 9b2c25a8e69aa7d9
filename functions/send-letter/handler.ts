import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { verifyingExchange } from "../runtime-verifying-exchange.ts";

/**
 * POST /v1/letters/{id}/send — check the upload, verify it, and deliver to every recipient if the
 * send policy accepts the verdict; otherwise 422 SIGNATURE_POLICY_FAILED with the verification
 * (the refusal's `meta.problem`, added to the problem document by `shared/http`).
 */
export const handler = apiHandler(
  { findApiKey, action: routeAction("send-letter") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await verifyingExchange().sendLetter(caller, pathParameters["id"] ?? ""),
  }),
);
