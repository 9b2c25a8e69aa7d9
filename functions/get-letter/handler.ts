import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey, getRuntime } from "../runtime.ts";

/** GET /v1/letters/{id} — metadata, per-recipient status and a short-lived download URL. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("get-letter") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await getRuntime().exchange.getLetter(caller, pathParameters["id"] ?? ""),
  }),
);
