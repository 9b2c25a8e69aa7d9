import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { reportExchange } from "../runtime-report-exchange.ts";

/** GET /v1/letters/{id}/verification — the full verification report kept when the letter was sent. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("get-verification") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await reportExchange().verificationReport(caller, pathParameters["id"] ?? ""),
  }),
);
