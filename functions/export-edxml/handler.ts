import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { edxmlExport } from "../runtime-edxml-export.ts";

/** GET /v1/letters/{id}/edxml — the letter as an edXML package (its PDF, every appendix and its .p7s as base64 attachments), for the sender or a recipient. */
export const handler = apiHandler(
  { findApiKey, action: routeAction("export-edxml") },
  async ({ caller, pathParameters }) => ({
    status: 200,
    body: new TextEncoder().encode(await edxmlExport().exportLetter(caller, pathParameters["id"] ?? "")),
    contentType: "application/xml",
  }),
);
