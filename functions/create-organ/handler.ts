import { createOrganSchema } from "../../shared/exchange/administration.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** POST /v1/admin/organs — add an organ to the directory (active). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("create-organ"), body: createOrganSchema },
  async ({ caller, body }) => ({
    status: 201,
    body: await administration().createOrgan(caller, body),
  }),
);
