import { log } from "../../shared/http/log.ts";
import type { DeliverySummary } from "../../shared/webhooks/index.ts";
import { notifier } from "../runtime-webhooks.ts";

/** Delivery passes per invocation at most: a backlog drains over several passes, within the timeout. */
const MAX_PASSES = 8;

/**
 * Not an HTTP route: the scheduled delivery pass of the webhook outbox (in AWS an EventBridge rule
 * every minute, infra/webhooks.ts; locally a timer in local/exchange.ts). Runs passes while each
 * claims a full batch, so retries and a backlog go out without waiting for the next table change.
 */
export async function handler(): Promise<DeliverySummary> {
  const total = { claimed: 0, delivered: 0, retried: 0, dead: 0, stale: 0 };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
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
