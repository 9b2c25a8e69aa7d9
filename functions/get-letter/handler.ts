import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { documentExchange } from "../runtime-document-exchange.ts";

/** GET /v1/letters/{id} — metadata, per-recipient status and a short-lived download URL. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("get-letter") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await documentExchange().getLetter(caller, pathParameters["id"] ?? ""),
  }),
);
