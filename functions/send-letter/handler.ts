import type { Context } from "aws-lambda";
import { apiHandler } from "../../shared/http/index.ts";
import { log } from "../../shared/http/log.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { verifyingExchange } from "../runtime-verifying-exchange.ts";

/**
 * POST /v1/letters/{id}/send — check the upload, verify it, and deliver to every recipient if the
 * send policy accepts the verdict; otherwise 422 SIGNATURE_POLICY_FAILED with the verification
 * (the refusal's `meta.problem`, added to the problem document by `shared/http`).
 */
const http = apiHandler(
  { findApiKey, action: routeAction("send-letter") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: await verifyingExchange().sendLetter(caller, pathParameters["id"] ?? ""),
  }),
);

/** The `source` of the sweep's scheduled events (infra/send-sweep.ts, local/exchange.ts). */
export const SEND_SWEEP_SOURCE = "lienthong.send-sweep";

/** What the sweep's schedule sends. */
export interface SendSweepEvent {
  readonly source: typeof SEND_SWEEP_SOURCE;
  /** How long a send may stay `sending` before the sweep completes it; default 60 s (by hand: 0). */
  readonly graceSeconds?: number;
}

/** Letters one sweep run completes at most (a few batches; the next run takes the rest). */
const SWEEP_BATCH = 25;
const SWEEP_ROUNDS = 8;

/**
 * The route's function also runs the sweep of interrupted sends: letters committed (`sending`) whose
 * request died before every copy was written are completed as a retry of `send` would (each
 * recipient once). The same function, role and grants as the route: the sweep does nothing else.
 */
export async function handler(event: Parameters<typeof http>[0] | SendSweepEvent, context: Context) {
  if ("source" in event && event.source === SEND_SWEEP_SOURCE) {
    const graceMs = (event.graceSeconds ?? 60) * 1000;
    const completed: string[] = [];
    for (let round = 0; round < SWEEP_ROUNDS; round += 1) {
      const ids = await verifyingExchange().completeInterruptedSends({ graceMs, limit: SWEEP_BATCH });
      completed.push(...ids);
      if (ids.length < SWEEP_BATCH) {
        break;
      }
    }
    if (completed.length > 0) {
      log("info", "interrupted sends completed", { count: completed.length, letters: completed });
    }
    return { completed };
  }
  return http(event as Parameters<typeof http>[0], context);
}
