import { summariseVerification } from "../../shared/exchange/letter-verification.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { verifyingExchange } from "../runtime-verifying-exchange.ts";

/** POST /v1/letters/{id}/verify — verify a letter's file again now (e.g. after a CA published a new CRL). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("verify-letter") },
  async ({ caller, pathParameters }) => {
    const report = await verifyingExchange().verifyLetter(caller, pathParameters["id"] ?? "");
    return {
      status: 200,
      body: { verdict: report.verdict, summary: summariseVerification(report).summary, report },
    };
  },
);
