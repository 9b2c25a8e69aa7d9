import { ORGAN_CODE } from "./letter-schema.ts";
import * as z from "./zod.ts"; // zod/mini (zod.ts says why)

/**
 * `POST /v1/verify?organ=&format=`: the query of the one-off verification of an uploaded PDF. Its
 * own module (not inline in the handler) so that the handler and its OpenAPI contract
 * (`functions/contracts.ts`) use the same object.
 */
export const verifyDocumentQuerySchema = z.strictObject({
  /** The organ the letter claims to come from: every signer must be bound to it. */
  organ: z.optional(z.string().check(z.regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53"))),
  /** `pdf`: the printable verification report instead of JSON. */
  format: z._default(z.enum(["json", "pdf"]), "json"),
});

export type VerifyDocumentQuery = z.infer<typeof verifyDocumentQuerySchema>;
