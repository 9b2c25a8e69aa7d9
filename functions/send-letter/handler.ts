import { apiHandler } from "../../shared/http/index.ts";
import { findApiKey, getRuntime } from "../runtime.ts";

/** POST /v1/letters/{id}/send — check the upload and deliver to every recipient. */
export const handler = apiHandler({ findApiKey }, async ({ caller, pathParameters }) => ({
  status: 200,
  body: await getRuntime().exchange.sendLetter(caller, pathParameters["id"] ?? ""),
}));
