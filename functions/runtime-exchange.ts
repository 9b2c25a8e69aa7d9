import { Exchange } from "../shared/exchange/exchange.ts";
import type { LetterVerifier } from "../shared/exchange/letter-verification.ts";
import type { DocumentStore } from "../shared/exchange/ports.ts";
import type { LetterQueries } from "../shared/exchange/queries.ts";
import { baseRuntime } from "./runtime.ts";
import { sendPolicySource } from "./runtime-send-policy.ts";

/** The exchange over the table, with the bucket and the verifier a composition gives it. */
export function composeExchange(parts: {
  readonly documents: DocumentStore;
  readonly verifier: Pick<LetterVerifier, "verify">;
  /** The filtered listings and badge counts: only the table exchange (inbox, outbox) needs them. */
  readonly queries?: LetterQueries;
}): Exchange {
  const { config, ledger } = baseRuntime();
  return new Exchange({
    ledger,
    documents: parts.documents,
    verifier: parts.verifier,
    sendPolicy: config.sendPolicy,
    // An admin's setting wins over LIENTHONG_SEND_POLICY (read at each send).
    policySource: sendPolicySource(),
    maxFileBytes: config.maxFileBytes,
    ...(parts.queries ? { queries: parts.queries } : {}),
  });
}
