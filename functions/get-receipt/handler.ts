import { apiHandler } from "../../shared/http/index.ts";
import { routeAction } from "../routes.ts";
import { findApiKey } from "../runtime.ts";
import { receipts } from "../runtime-evidence.ts";

/** GET /v1/letters/{id}/receipts/{recipient}/{file} — `<seq>.json` (the receipt) or `<seq>.p7s` (its CAdES). */
export const handler = apiHandler(
  { findApiKey, action: routeAction("get-receipt") },
  async ({ caller, pathParameters }) => {
    const { bytes, contentType } = await receipts().download(
      caller,
      pathParameters["id"] ?? "",
      pathParameters["recipient"] ?? "",
      pathParameters["file"] ?? "",
    );
    return { status: 200, body: bytes, contentType };
  },
);
