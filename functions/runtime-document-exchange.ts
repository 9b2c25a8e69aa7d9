import type { Exchange } from "../shared/exchange/exchange.ts";
import type { LetterVerifier } from "../shared/exchange/letter-verification.ts";
import { lazily, notComposed } from "./runtime.ts";
import { documentStore } from "./runtime-documents.ts";
import { composeExchange } from "./runtime-exchange.ts";

/** The exchange for drafts, letters and stored reports: the table and the bucket, no verifier. */
export const documentExchange = lazily(
  (): Exchange =>
    composeExchange({
      documents: documentStore(),
      verifier: notComposed<LetterVerifier>("letter verification"),
    }),
);
