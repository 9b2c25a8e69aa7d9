import { statsCsv, statsReport, statsScope } from "../../shared/exchange/stats.ts";
import { statsQuerySchema } from "../../shared/exchange/stats-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { statsStore } from "../runtime-stats.ts";

/**
 * GET /v1/stats?from=&to=&organ= — handling statistics of the caller's organ (an admin: any organ
 * or `all`), as JSON, or as CSV with `Accept: text/csv`. Read from the counters the stream
 * consumer keeps (shared/exchange/stats.ts): one item per day of the period, never a scan.
 */
export const handler = apiHandler(
  { findApiKey, action: routeAction("get-stats"), query: statsQuerySchema },
  async ({ caller, query, headers }) => {
    const { organ, from, to, today } = statsScope(caller, query, new Date());
    const report = await statsReport(statsStore(), organ, { from, to }, today);
    if (/\btext\/csv\b/i.test(headers["accept"] ?? "")) {
      return {
        status: 200,
        body: new TextEncoder().encode(statsCsv(report)),
        contentType: "text/csv; charset=utf-8",
      };
    }
    return { status: 200, body: report };
  },
);
