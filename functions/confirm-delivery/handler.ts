import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { peekInbox } from "../runtime-peek.ts";

/** POST /v1/inbox/{letterId}/confirm — the caller organ's copy is picked up: peeks no longer hand it out. Idempotent. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("confirm-delivery") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await peekInbox().confirm(caller, pathParameters["id"] ?? ""),
  }),
);
