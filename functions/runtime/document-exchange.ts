import type { Exchange } from "../../shared/exchange/exchange.ts";
import type { LetterVerifier } from "../../shared/exchange/letter-verification.ts";
import { lazily, notComposed } from "./base.ts";
import { documentStore } from "./documents.ts";
import { composeExchange } from "./exchange.ts";

/** The exchange for drafts, letters and stored reports: the table and the bucket, no verifier. */
export const documentExchange = lazily(
  (): Exchange =>
    composeExchange({
      documents: documentStore(),
      verifier: notComposed<LetterVerifier>("letter verification"),
    }),
);
