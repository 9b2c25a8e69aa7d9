import type { Exchange } from "../../shared/exchange/exchange.ts";
import { lazily } from "./base.ts";
import { documentStore } from "./documents.ts";
import { composeExchange } from "./exchange.ts";
import { letterVerifier } from "./verifier.ts";

/** The exchange for `send` and re-verification: table, bucket and verifier. */
export const verifyingExchange = lazily(
  (): Exchange => composeExchange({ documents: documentStore(), verifier: letterVerifier() }),
);
