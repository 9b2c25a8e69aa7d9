import { peekQuerySchema } from "../../shared/exchange/peek.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { peekInbox } from "../runtime-peek.ts";

/**
 * POST /v1/inbox/peek?limit=&lockSeconds= — up to `limit` copies the caller organ has not confirmed,
 * each locked to this peek for `lockSeconds` (shared/exchange/peek.ts); unconfirmed, they come back.
 */
export const handler = apiHandler(
  { findApiKey, action: routeAction("peek-inbox"), query: peekQuerySchema },
  async ({ caller, query }) => ({ status: 200, body: await peekInbox().peek(caller, query) }),
);
