import * as z from "zod"; // not `{ z }`: esbuild cannot tree-shake that binding and bundles every zod locale (~260 KB)
import { ORGAN_CODE } from "./letter-schema.ts";

/**
 * `POST /v1/verify?organ=&format=`: the query of the one-off verification of an uploaded PDF. Its
 * own module (not inline in the handler) so that the handler and its OpenAPI contract
 * (`functions/contracts.ts`) use the same object.
 */
export const verifyDocumentQuerySchema = z
  .object({
    /** The organ the letter claims to come from: every signer must be bound to it. */
    organ: z.string().regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53").optional(),
    /** `pdf`: the printable verification report instead of JSON. */
    format: z.enum(["json", "pdf"]).default("json"),
  })
  .strict();

export type VerifyDocumentQuery = z.infer<typeof verifyDocumentQuerySchema>;
