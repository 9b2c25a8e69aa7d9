import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { edxmlImport } from "../runtime-edxml-import.ts";

/**
 * A package travels as text in the request (API Gateway takes at most 10 MB, a synchronous Lambda at
 * most 6 MB of event): 5 MiB of XML holds a PDF of about 3.7 MB in base64. Larger letters go through
 * POST /v1/letters and its presigned upload.
 */
export const MAX_EDXML_BYTES = 5 * 1024 * 1024;

/**
 * POST /v1/edxml (Content-Type: application/xml) — import an edXML letter package (create, store its
 * PDF and appendices, send: the send's verification and policy) or status package, as the calling
 * organ (its From).
 */
export const handler = apiHandler(
  {
    findApiKey,
    action: routeAction("import-edxml"),
    rawBody: { contentTypes: ["application/xml", "text/xml"], maxBytes: MAX_EDXML_BYTES },
  },
  async ({ caller, rawBody }) => {
    const result = await edxmlImport().import(caller, rawBody!);
    return { status: result.kind === "letter" && result.created ? 201 : 200, body: result };
  },
);
