import { mergeOrganSchema } from "../../shared/exchange/administration.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** POST /v1/admin/organs/{code}/merge — merge the organ into an active successor (its code becomes the successor's alias). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("merge-organ"), body: mergeOrganSchema },
  async ({ caller, body, pathParameters }) => ({
    status: 200,
    body: await administration().mergeOrgan(caller, pathParameters["code"] ?? "", body.successor),
  }),
);
