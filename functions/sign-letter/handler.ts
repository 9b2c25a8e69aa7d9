import { signLetterSchema } from "../../shared/exchange/letter-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { letterSigning } from "../runtime-signing.ts";

/** POST /v1/sign — sign a draft letter's PDF with the caller organ's key; the signed file replaces the draft's. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("sign-letter"), body: signLetterSchema },
  async ({ caller, body }) => ({
    status: 200,
    body: await (await letterSigning()).sign(caller, body),
  }),
);
