import { log } from "../../shared/http/log.ts";
import type { DeliverySummary } from "../../shared/webhooks/index.ts";
import { notifier } from "../runtime-webhooks.ts";

/** Delivery passes per invocation at most: a backlog drains over several passes, within the timeout. */
const MAX_PASSES = 8;
/** No pass starts after this long (a pass may take up to ~40 s: the stream function's timeout is 60 s). */
const PASS_WINDOW_MS = 15_000;

/**
 * Not an HTTP route: the scheduled delivery pass of the webhook outbox (in AWS an EventBridge rule
 * every minute invokes the stream function, which hands it here: infra/webhooks.ts; locally a timer
 * in local/exchange.ts). Runs passes while each claims a full batch, so retries and a backlog go out
 * without waiting for the next table change.
 */
export async function handler(): Promise<DeliverySummary> {
  const total = { claimed: 0, delivered: 0, retried: 0, dead: 0, stale: 0 };
  const started = Date.now();
  for (let pass = 0; pass < MAX_PASSES && Date.now() - started < PASS_WINDOW_MS; pass++) {
    const summary = await notifier().deliverDue();
    for (const key of Object.keys(total) as (keyof DeliverySummary)[]) {
      total[key] += summary[key];
    }
    if (summary.claimed < 25) {
      break;
    }
  }
  if (total.claimed > 0) {
    log("info", "webhook delivery pass", { ...total });
  }
  return total;
}
