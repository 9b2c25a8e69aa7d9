import { apiHandler } from "../../shared/http/index.ts";
import { withProblemExtensions } from "../problem-extensions.ts";
import { findApiKey, getRuntime } from "../runtime.ts";

/**
 * POST /v1/letters/{id}/send — check the upload, verify it, and deliver to every recipient if the
 * send policy accepts the verdict; otherwise 422 SIGNATURE_POLICY_FAILED with the verification.
 */
export const handler = apiHandler({ findApiKey }, ({ caller, pathParameters, requestId }) =>
  withProblemExtensions(requestId, async () => ({
    status: 200,
    body: await getRuntime().exchange.sendLetter(caller, pathParameters["id"] ?? ""),
  })),
);
