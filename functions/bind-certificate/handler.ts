import { pemSchema } from "../../shared/exchange/administration.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { administration } from "../runtime-admin.ts";

/** POST /v1/admin/organs/{code}/certificates — a certificate (PEM) may sign for the organ from now on. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("bind-certificate"), body: pemSchema },
  async ({ caller, body, pathParameters }) => ({
    status: 201,
    body: await administration().bindCertificate(caller, pathParameters["code"] ?? "", body.pem),
  }),
);
