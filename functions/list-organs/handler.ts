import { directoryQuerySchema } from "../../shared/exchange/administration.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** GET /v1/organs?q=&limit=&cursor= — the organ directory for every caller, searched by code, alias or name (diacritics and case ignored). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("list-organs"), query: directoryQuerySchema },
  async ({ query }) => ({
    status: 200,
    body: await administration().listOrgans(query),
  }),
);
