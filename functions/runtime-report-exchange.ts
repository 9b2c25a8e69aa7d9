import type { Exchange } from "../shared/exchange/exchange.ts";
import type { LetterVerifier } from "../shared/exchange/letter-verification.ts";
import { lazily, notComposed } from "./runtime.ts";
import { documentStore } from "./runtime-documents.ts";
import { composeExchange } from "./runtime-exchange.ts";

/** The exchange for stored verification reports: the table and the bucket (read), no verifier. */
export const reportExchange = lazily(
  (): Exchange =>
    composeExchange({
      documents: documentStore(),
      verifier: notComposed<LetterVerifier>("letter verification"),
    }),
);
