import { prepareSignatureSchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { letterSigning } from "../runtime-signing.ts";

/** POST /v1/sign/prepare — phase 1 of a USB-token or remote signature: returns the digest to sign. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("prepare-signature"), body: prepareSignatureSchema },
  async ({ caller, body }) => ({
    status: 201,
    body: await (await letterSigning()).prepare(caller, body),
  }),
);
