import { completeSignatureSchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { letterSigning } from "../runtime-signing.ts";

/** POST /v1/sign/complete — phase 2: the signature value (or a whole CMS) finishes the prepared PDF. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("complete-signature"), body: completeSignatureSchema },
  async ({ caller, body }) => ({
    status: 200,
    body: await (await letterSigning()).complete(caller, body),
  }),
);
