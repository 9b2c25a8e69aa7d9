// A namespace import: esbuild cannot shake `import { z }` (it keeps every zod locale, ~260 KB).
import * as z from "zod";
import { ORGAN_CODE } from "../../shared/exchange/letter-schema.ts";
import { summariseVerification } from "../../shared/exchange/letter-verification.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { letterVerifier } from "../runtime-verifier.ts";

/**
 * Lambda's synchronous payload limit is 6 MB, and API Gateway sends binary bodies base64-encoded:
 * about 4.4 MB of PDF fits. Larger letters are verified at `send` (no size limit but the file's).
 */
const MAX_PDF_BYTES = 4 * 1024 * 1024;

const query = z
  .object({
    /** The organ the letter claims to come from: every signer must be bound to it. */
    organ: z.string().regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53").optional(),
    /** `pdf`: the printable verification report instead of JSON. */
    format: z.enum(["json", "pdf"]).default("json"),
  })
  .strict();

/** POST /v1/verify — upload a signed PDF (Content-Type: application/pdf), get the verification report. */
export const handler = apiHandler(
  {
    findApiKey,
    action: routeAction("verify-document"),
    query,
    rawBody: { contentTypes: ["application/pdf"], maxBytes: MAX_PDF_BYTES },
  },
  async ({ query, rawBody }) => {
    const report = await letterVerifier().verify(rawBody!, query.organ);
    if (query.format === "pdf") {
      // pdf-lib and fontkit (~1.1 MB of the bundle) run their module code only when a printed report is asked for.
      const { renderReportPdf } = await import("../../shared/verification/report-pdf.ts");
      return { status: 200, body: await renderReportPdf(report), contentType: "application/pdf" };
    }
    return {
      status: 200,
      body: { verdict: report.verdict, summary: summariseVerification(report).summary, report },
    };
  },
);
