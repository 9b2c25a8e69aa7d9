import { recallSchema } from "../../shared/exchange/lifecycle-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { lifecycle } from "../runtime-lifecycle.ts";

/** POST /v1/letters/{id}/recall — the sender asks every recipient for the letter back (13). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("request-recall"), body: recallSchema },
  async ({ caller, body, pathParameters }) => ({
    status: 200,
    body: await lifecycle().requestRecall(caller, pathParameters["id"] ?? "", body),
  }),
);
