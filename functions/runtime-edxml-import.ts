import { EdxmlBridge } from "../shared/edxml/exchange-bridge.ts";
import type { DocumentStore } from "../shared/exchange/ports.ts";
import { baseRuntime, lazily } from "./runtime.ts";
import { documentStore } from "./runtime-documents.ts";
import { lifecycle } from "./runtime-lifecycle.ts";
import { verifyingExchange } from "./runtime-verifying-exchange.ts";

/** edXML import: the send's exchange (table, bucket, verifier) and the lifecycle's status path. */
export const edxmlImport = lazily(
  (): EdxmlBridge =>
    new EdxmlBridge({
      exchange: verifyingExchange(),
      setStatus: (caller, id, input) => lifecycle().setStatus(caller, id, input),
      ledger: baseRuntime().ledger,
      documents: documentStore() satisfies DocumentStore,
    }),
);
