import { statusEdxmlQuerySchema } from "../../shared/edxml/exchange-bridge.ts";
import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { edxmlExport } from "../runtime-edxml-export.ts";

/**
 * GET /v1/letters/{id}/status.edxml?to=<organ> — the status of one copy as an edXML status package
 * from its recipient: the sender names the copy, a recipient gets its own.
 */
export const handler = apiHandler(
  { findApiKey, action: routeAction("export-status-edxml"), query: statusEdxmlQuerySchema },
  async ({ caller, pathParameters, query }) => ({
    status: 200,
    body: new TextEncoder().encode(
      await edxmlExport().exportStatus(caller, pathParameters["id"] ?? "", query.to),
    ),
    contentType: "application/xml",
  }),
);
