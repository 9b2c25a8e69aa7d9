import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey, getRuntime } from "../runtime.ts";

/** GET /v1/letters/{id}/verification — the full verification report kept when the letter was sent. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("get-verification") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await getRuntime().exchange.verificationReport(caller, pathParameters["id"] ?? ""),
  }),
);
