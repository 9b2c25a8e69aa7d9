import { summariseVerification } from "../../shared/exchange/letter-verification.ts";
import { verifyDocumentQuerySchema } from "../../shared/exchange/verify-document-schema.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { letterVerifier } from "../runtime-verifier.ts";

/**
 * Lambda's synchronous payload limit is 6 MB, and API Gateway sends binary bodies base64-encoded:
 * about 4.4 MB of PDF fits. Larger letters are verified at `send` (no size limit but the file's).
 */
const MAX_PDF_BYTES = 4 * 1024 * 1024;

/** POST /v1/verify — upload a signed PDF (Content-Type: application/pdf), get the verification report. */
export const handler = apiHandler(
  {
    findApiKey,
    action: routeAction("verify-document"),
    query: verifyDocumentQuerySchema,
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
