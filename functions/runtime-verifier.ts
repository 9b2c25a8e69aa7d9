import { LetterVerifier } from "../shared/exchange/letter-verification.ts";
import { baseRuntime, lazily } from "./runtime.ts";

/** The verifier (PDF reader, CMS, chains, revocation): only `send` and the verification routes load it. */
export const letterVerifier = lazily((): LetterVerifier => {
  const { config, ledger } = baseRuntime();
  return new LetterVerifier({ ledger, revocation: config.revocation });
});
