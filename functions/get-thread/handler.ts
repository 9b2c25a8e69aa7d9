import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { lifecycle } from "../runtime-lifecycle.ts";

/** GET /v1/letters/{id}/thread — the letter with the letters it answers and its replies (`responseFor`). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("get-thread") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await lifecycle().thread(caller, pathParameters["id"] ?? ""),
  }),
);
