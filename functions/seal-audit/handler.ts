import type { Context } from "aws-lambda";
import { vietnamDay } from "../../shared/exchange/event-ports.ts";
import { sealQuerySchema } from "../../shared/exchange/lifecycle-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { log } from "../../shared/http/log.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { audit } from "../runtime-evidence.ts";

/** POST /v1/admin/audit/seal[?day=] — seals the chains changed that day (default today, Vietnam time). */
const http = apiHandler(
  { findApiKey, action: routeAction("seal-audit"), query: sealQuerySchema },
  async ({ query }) => ({ status: 200, body: await audit().seal(query.day) }),
);

/** What the daily EventBridge rule sends (infra/audit-seal.ts: SCHEDULED_SOURCE). */
interface ScheduledSeal {
  readonly source: "lienthong.audit-seal";
  readonly time?: string;
  /** To seal one day again by hand (`aws lambda invoke`). */
  readonly day?: string;
}

/**
 * The route's function also runs the daily seal: shortly after midnight Vietnam time the rule
 * invokes it and it seals the day that just ended.
 */
export async function handler(event: Parameters<typeof http>[0] | ScheduledSeal, context: Context) {
  if ("source" in event && event.source === "lienthong.audit-seal") {
    const at = event.time ? new Date(event.time) : new Date();
    const sealed = await audit().seal(event.day ?? vietnamDay(new Date(at.getTime() - 24 * 60 * 60 * 1000)));
    log("info", "audit sealed", { day: sealed.day, count: sealed.count, root: sealed.root });
    return sealed;
  }
  return http(event as Parameters<typeof http>[0], context);
}
