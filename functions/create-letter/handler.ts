import { createLetterSchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { documentExchange } from "../runtime-document-exchange.ts";

/** POST /v1/letters — register a draft letter; answers with a presigned upload for its PDF. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("create-letter"), body: createLetterSchema },
  async ({ caller, body }) => ({
    status: 201,
    body: await documentExchange().createLetter(caller, body),
  }),
);
