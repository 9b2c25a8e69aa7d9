import * as z from "zod"; // not `{ z }`: esbuild cannot tree-shake that binding and bundles every zod locale (~260 KB)
import { RECALL_ANSWERS, STATUS_CODES } from "./status.ts";
import { textFault } from "./text-rule.ts";

/**
 * The request schemas of the exchange API, declared once. Field names follow the edXML
 * MessageHeader where one exists (Code/CodeNumber/CodeNotation, Subject, DueDate, Priority…).
 */

/** An organ identifier as Lienthong issues it: NNN.NN.NN.Xnn (domain.md). */
export const ORGAN_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;

/**
 * Recipients per letter (the documented limit). Copies are written in chunks after the send is
 * committed (`fan-out.ts`), so no transaction bounds this; the letter item lists every recipient
 * (1,000 codes are about 16 KB of the 400 KB an item may hold).
 */
export const MAX_RECIPIENTS = 1000;

/** Letter ids are the UUIDs the exchange issues. */
export const LETTER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The one rule for a request's text: well-formed (`textFault`, text-rule.ts), normalised to NFC and
 * trimmed, and only then measured, so that a decomposed "ệ" (three code units) counts as the one
 * character it is.
 */
export function text(options: { readonly min?: number; readonly max: number; readonly multiline?: boolean }) {
  return z
    .string()
    .superRefine((value, context) => {
      const fault = textFault(value, options.multiline);
      if (fault) {
        context.addIssue({ code: "custom", message: fault, abort: true });
      }
    })
    .transform((value) => value.normalize("NFC").trim())
    .pipe(
      z
        .string()
        .min(options.min ?? 0)
        .max(options.max),
    );
}

/** A calendar date as YYYY-MM-DD: `2026-13-45` and `2026-02-30` are refused. */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD")
  .refine((value) => {
    const [year, month, day] = value.split("-").map(Number) as [number, number, number];
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
    return days !== undefined && day >= 1 && day <= days;
  }, "expected a calendar date as YYYY-MM-DD (no such day)");

/** A letter's file as declared by the sender, checked against the stored bytes at `send`. */
export const letterFileSchema = z
  .object({
    name: text({ min: 1, max: 255 })
      .refine((name) => !/[/\\]/.test(name), "file name must not contain slashes")
      .refine((name) => name !== "." && name !== "..", "file name must not be '.' or '..'"),
    contentType: z.literal("application/pdf").default("application/pdf"),
    size: z.number().int().positive(),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "expected the file's SHA-256 as 64 hex digits")
      .transform((hex) => hex.toLowerCase()),
  })
  .strict();

/** `PUT /v1/letters/{id}/file`: a draft's new file (e.g. the corrected one after a refused send). */
export type LetterFileInput = z.infer<typeof letterFileSchema>;

export const createLetterSchema = z
  .object({
    code: z
      .object({
        number: text({ min: 1, max: 20 }),
        notation: text({ min: 1, max: 50 }),
      })
      .strict(),
    documentType: text({ min: 1, max: 100 }),
    subject: text({ min: 1, max: 500 }),
    recipients: z
      .array(z.string().regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53"))
      .min(1)
      .max(MAX_RECIPIENTS)
      .refine((codes) => new Set(codes).size === codes.length, "recipients must not repeat"),
    urgency: z.number().int().min(0).max(4).default(0),
    dueDate: isoDate.optional(),
    promulgation: z
      .object({ place: text({ max: 200 }).optional(), date: isoDate.optional() })
      .strict()
      .optional(),
    signer: z
      .object({
        competence: text({ max: 50 }).optional(),
        position: text({ max: 200 }).optional(),
        fullName: text({ max: 200 }).optional(),
      })
      .strict()
      .optional(),
    responseFor: text({ max: 200 }).optional(),
    /** edXML BussinessDocType (lifecycle.ts): revoke, update and replace name the earlier letter in `references`. */
    businessType: z.enum(["new", "revoke", "update", "replace"]).optional(),
    references: z.string().regex(LETTER_ID, "expected the id of an earlier letter").optional(),
    /** Why the earlier letter is revoked (required), updated or replaced. */
    businessReason: text({ min: 1, max: 1000, multiline: true }).optional(),
    file: letterFileSchema,
  })
  .strict();

export type CreateLetterInput = z.infer<typeof createLetterSchema>;

export const setStatusSchema = z
  .object({
    // 02–06: the clerk's handling; 15/16: the answer to the sender's recall/update request (13).
    status: z.union([z.enum(STATUS_CODES), z.enum(RECALL_ANSWERS)]),
    reason: text({ max: 1000, multiline: true }).optional(),
  })
  .strict()
  .refine((body) => body.status !== "02" || (body.reason !== undefined && body.reason.length > 0), {
    message: "a refusal (02) needs a reason",
    path: ["reason"],
  });

export type SetStatusInput = z.infer<typeof setStatusSchema>;

export const listQuerySchema = z
  .object({
    // A query string's value is text: strict decimal digits only ("0x10", "1e1", " 5" are refused).
    limit: z
      .string()
      .regex(/^\d{1,3}$/, "expected a whole number from 1 to 100 in decimal digits")
      .transform(Number)
      .pipe(z.number().min(1, "expected at least 1").max(100, "expected at most 100"))
      .default(20),
    cursor: text({ max: 2000 }).optional(),
  })
  .strict();

export type ListQuery = z.infer<typeof listQuerySchema>;

/** A comma-separated list of allowed values in a query parameter ("01,03"), each once. */
function listOf<T extends string>(values: readonly [T, ...T[]]) {
  return z
    .string()
    .transform((value) => value.split(","))
    .pipe(
      z
        .array(z.enum(values))
        .min(1)
        .refine((items) => new Set(items).size === items.length, "values must not repeat"),
    );
}

const VERDICTS = ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"] as const;

/** Filters shared by the inbox and the outbox (shared/exchange/queries.ts says what each means). */
const listFilters = {
  urgency: z
    .string()
    .regex(/^[0-4]$/, "expected an urgency from 0 to 4")
    .transform(Number)
    .optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  dueBefore: isoDate.optional(),
  verdict: z.enum(VERDICTS).optional(),
  /** Words of the number, notation or subject; diacritics and case do not matter. */
  q: text({ min: 1, max: 200 }).optional(),
};

/** `GET /v1/inbox`: paging and filters. */
export const inboxQuerySchema = listQuerySchema
  .extend({
    ...listFilters,
    status: listOf(STATUS_CODES).optional(),
    sender: z.string().regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53").optional(),
    overdue: z
      .enum(["true", "false"])
      .transform((value) => value === "true")
      .optional(),
  })
  .strict();

export type InboxQuery = z.infer<typeof inboxQuerySchema>;

/** `GET /v1/outbox`: paging and filters. */
export const outboxQuerySchema = listQuerySchema
  .extend({
    ...listFilters,
    state: listOf(["draft", "sending", "sent"]).optional(),
    recipient: z.string().regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53").optional(),
  })
  .strict();

export type OutboxQuery = z.infer<typeof outboxQuerySchema>;

const base64Png = z
  .string()
  .max(2_000_000, "the image must be under 1.5 MB")
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, "expected a base64-encoded PNG");

/** `POST /v1/sign`: apply the caller organ's signature to a draft letter's PDF. */
export const signLetterSchema = z
  .object({
    letterId: text({ min: 1, max: 100 }),
    appearance: z
      .object({
        /** seal: the organisation's seal over the signer's signature; stamp: text block for attachments and copies. */
        kind: z.enum(["seal", "signer", "stamp", "none"]).default("stamp"),
        page: z.number().int().min(1).optional(),
        image: base64Png.optional(),
        title: text({ max: 200 }).optional(),
        signerName: text({ max: 200 }).optional(),
        lines: z
          .array(text({ max: 200 }))
          .max(8)
          .optional(),
        copyType: z.enum(["SAO Y", "SAO LỤC", "TRÍCH SAO"]).optional(),
      })
      .strict()
      .default({ kind: "stamp" }),
    reason: text({ max: 200 }).optional(),
    location: text({ max: 200 }).optional(),
  })
  .strict();

export type SignLetterInput = z.infer<typeof signLetterSchema>;

/** `POST /v1/sign/prepare`: phase 1 of a signature made outside the exchange (USB token, remote signing). */
export const prepareSignatureSchema = signLetterSchema
  .extend({
    /** PEM: the signer's certificate first, then its issuers. */
    certificates: text({ min: 100, max: 64_000, multiline: true }),
    /** Reserve room for and add a signature timestamp at completion (PAdES B-T); default true when the exchange has a TSA. */
    timestamp: z.boolean().optional(),
  })
  .strict();

export type PrepareSignatureInput = z.infer<typeof prepareSignatureSchema>;

const base64 = z
  .string()
  .min(4)
  .max(200_000)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, "expected base64");

/** `POST /v1/sign/complete`: the signature value over `digestToSign`, or a whole CMS from a remote service. */
export const completeSignatureSchema = z
  .object({
    signingId: z.string().regex(/^[0-9a-f]{64}$/, "expected the signingId returned by /v1/sign/prepare"),
    signatureValue: base64.optional(),
    cms: base64.optional(),
  })
  .strict()
  .refine((body) => (body.signatureValue === undefined) !== (body.cms === undefined), {
    message: "give exactly one of signatureValue and cms",
    path: ["signatureValue"],
  });

export type CompleteSignatureInput = z.infer<typeof completeSignatureSchema>;
