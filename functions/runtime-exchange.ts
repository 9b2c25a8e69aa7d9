import { Exchange } from "../shared/exchange/exchange.ts";
import type { LetterVerifier } from "../shared/exchange/letter-verification.ts";
import type { DocumentStore } from "../shared/exchange/ports.ts";
import { baseRuntime } from "./runtime.ts";
import { letterQueries } from "./runtime-queries.ts";
import { sendPolicySource } from "./runtime-send-policy.ts";

/** The exchange over the table, with the bucket and the verifier a composition gives it. */
export function composeExchange(parts: {
  readonly documents: DocumentStore;
  readonly verifier: Pick<LetterVerifier, "verify">;
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
    queries: letterQueries(),
  });
}
