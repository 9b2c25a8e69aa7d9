import { letterFileSchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { documentExchange } from "../runtime-document-exchange.ts";

/** PUT /v1/letters/{id}/file — give a draft a new file; answers with a presigned upload for it. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("replace-file"), body: letterFileSchema },
  async ({ caller, body, pathParameters }) => ({
    status: 200,
    body: await documentExchange().replaceFile(caller, pathParameters["id"] ?? "", body),
  }),
);
