import { EdxmlBridge } from "../shared/edxml/exchange-bridge.ts";
import type { LetterVerifier } from "../shared/exchange/letter-verification.ts";
import { baseRuntime, lazily, notComposed } from "./runtime.ts";
import { documentStore } from "./runtime-documents.ts";
import { composeExchange } from "./runtime-exchange.ts";

/** edXML export: reads the letter and its file (table and bucket), no verifier, no status path. */
export const edxmlExport = lazily((): EdxmlBridge => {
  const documents = documentStore();
  return new EdxmlBridge({
    exchange: composeExchange({ documents, verifier: notComposed<LetterVerifier>("letter verification") }),
    setStatus: () => Promise.reject(new Error("the status path is not composed into this function")),
    ledger: baseRuntime().ledger,
    documents,
  });
});
