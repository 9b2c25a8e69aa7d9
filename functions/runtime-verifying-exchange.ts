import type { Exchange } from "../shared/exchange/exchange.ts";
import { lazily } from "./runtime.ts";
import { documentStore } from "./runtime-documents.ts";
import { composeExchange } from "./runtime-exchange.ts";
import { letterVerifier } from "./runtime-verifier.ts";

/** The exchange for `send` and re-verification: table, bucket and verifier. */
export const verifyingExchange = lazily(
  (): Exchange => composeExchange({ documents: documentStore(), verifier: letterVerifier() }),
);
