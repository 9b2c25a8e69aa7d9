import type { Exchange } from "../shared/exchange/exchange.ts";
import type { LetterVerifier } from "../shared/exchange/letter-verification.ts";
import type { DocumentStore } from "../shared/exchange/ports.ts";
import { lazily, notComposed } from "./runtime.ts";
import { composeExchange } from "./runtime-exchange.ts";
import { letterQueries } from "./runtime-queries.ts";

/** The exchange for inbox, outbox and statuses: they read and write the table only (no S3, no verifier). */
export const tableExchange = lazily(
  (): Exchange =>
    composeExchange({
      documents: notComposed<DocumentStore>("the letters bucket"),
      verifier: notComposed<LetterVerifier>("letter verification"),
      queries: letterQueries(),
    }),
);
