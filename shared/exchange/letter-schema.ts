import { RECALL_ANSWERS, STATUS_CODES } from "./status.ts";
import { textFault } from "./text-rule.ts";
import * as z from "./zod.ts"; // zod/mini with English messages (not `{ z }`: it would bundle every locale)

/**
 * The request schemas of the exchange API, declared once. Field names follow the edXML
 * MessageHeader where one exists (Code/CodeNumber/CodeNotation, Subject, DueDate, Priority…).
 * Written in zod/mini's functional style (`z.optional(x)`, `x.check(z.maxLength(n))`): see zod.ts.
 */

/**
 * Builds a schema when its module loads; annotated `@__PURE__` at each use so that esbuild drops
 * the schemas a Lambda bundle does not use (a route that validates nothing builds none).
 */
function built<T>(build: () => T): T {
  return build();
}

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
  return z.pipe(
    z.pipe(
      z.string().check(
        z.superRefine((value, context) => {
          const fault = textFault(value, options.multiline);
          if (fault) {
            context.addIssue({ code: "custom", message: fault, abort: true });
          }
        }),
      ),
      z.transform((value: string) => value.normalize("NFC").trim()),
    ),
    z.string().check(z.minLength(options.min ?? 0), z.maxLength(options.max)),
  );
}

/** A calendar date as YYYY-MM-DD: `2026-13-45` and `2026-02-30` are refused. */
export const isoDate = /* @__PURE__ */ built(() =>
  z.string().check(
    z.regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD"),
    z.refine((value) => {
      const [year, month, day] = value.split("-").map(Number) as [number, number, number];
      const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
      const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
      return days !== undefined && day >= 1 && day <= days;
    }, "expected a calendar date as YYYY-MM-DD (no such day)"),
  ),
);

/** A file name as given by the sender (the name a recipient downloads it under). */
const fileName = () =>
  text({ min: 1, max: 255 }).check(
    z.refine((name) => !/[/\\]/.test(name), "file name must not contain slashes"),
    z.refine((name) => name !== "." && name !== "..", "file name must not be '.' or '..'"),
  );

const fileSize = () => z.number().check(z.int(), z.positive());

const fileSha256 = () =>
  z.pipe(
    z.string().check(z.regex(/^[0-9a-fA-F]{64}$/, "expected the file's SHA-256 as 64 hex digits")),
    z.transform((hex: string) => hex.toLowerCase()),
  );

/** A letter's file as declared by the sender, checked against the stored bytes at `send`. */
export const letterFileSchema = /* @__PURE__ */ built(() =>
  z.strictObject({
    name: fileName(),
    contentType: z._default(z.literal("application/pdf"), "application/pdf"),
    size: fileSize(),
    sha256: fileSha256(),
  }),
);

/** Appendices a letter may carry besides its main file (attachments.ts). */
export const MAX_ATTACHMENTS = 20;

/**
 * An appendix (phụ lục) declared at creation: a signed PDF, or any file with a detached CAdES
 * signature (`.p7s`) declared beside it. Each is uploaded like the main file and verified at `send`.
 */
export const attachmentSchema = /* @__PURE__ */ built(() =>
  z
    .strictObject({
      name: fileName(),
      contentType: z._default(
        z.string().check(z.regex(/^[\w.+-]+\/[\w.+-]+$/, "expected a media type such as application/pdf")),
        "application/pdf",
      ),
      size: fileSize(),
      sha256: fileSha256(),
      signature: z.optional(z.strictObject({ name: fileName(), size: fileSize(), sha256: fileSha256() })),
    })
    .check(
      z.refine((a) => a.contentType === "application/pdf" || a.signature !== undefined, {
        message: "a file that is not a PDF needs a detached signature (.p7s): declare it as `signature`",
        path: ["signature"],
      }),
    ),
);

export type AttachmentInput = z.infer<typeof attachmentSchema>;

/** `PUT /v1/letters/{id}/file`: a draft's new file (e.g. the corrected one after a refused send). */
export type LetterFileInput = z.infer<typeof letterFileSchema>;

export const createLetterSchema = /* @__PURE__ */ built(() =>
  z.strictObject({
    code: z.strictObject({
      number: text({ min: 1, max: 20 }),
      notation: text({ min: 1, max: 50 }),
    }),
    documentType: text({ min: 1, max: 100 }),
    subject: text({ min: 1, max: 500 }),
    recipients: z
      .array(z.string().check(z.regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53")))
      .check(
        z.minLength(1),
        z.maxLength(MAX_RECIPIENTS),
        z.refine((codes) => new Set(codes).size === codes.length, "recipients must not repeat"),
      ),
    urgency: z._default(z.number().check(z.int(), z.gte(0), z.lte(4)), 0),
    dueDate: z.optional(isoDate),
    promulgation: z.optional(
      z.strictObject({ place: z.optional(text({ max: 200 })), date: z.optional(isoDate) }),
    ),
    signer: z.optional(
      z.strictObject({
        competence: z.optional(text({ max: 50 })),
        position: z.optional(text({ max: 200 })),
        fullName: z.optional(text({ max: 200 })),
      }),
    ),
    responseFor: z.optional(text({ max: 200 })),
    /** edXML BussinessDocType (lifecycle.ts): revoke, update and replace name the earlier letter in `references`. */
    businessType: z.optional(z.enum(["new", "revoke", "update", "replace"])),
    references: z.optional(z.string().check(z.regex(LETTER_ID, "expected the id of an earlier letter"))),
    /** Why the earlier letter is revoked (required), updated or replaced. */
    businessReason: z.optional(text({ min: 1, max: 1000, multiline: true })),
    file: letterFileSchema,
    attachments: z.optional(
      z.array(attachmentSchema).check(
        z.maxLength(MAX_ATTACHMENTS),
        z.refine(
          (list) => new Set(list.map((a) => a.sha256)).size === list.length,
          "attachments must not repeat a file (same SHA-256)",
        ),
      ),
    ),
  }),
);

export type CreateLetterInput = z.infer<typeof createLetterSchema>;

export const setStatusSchema = /* @__PURE__ */ built(() =>
  z
    .strictObject({
      // 02–06: the clerk's handling; 15/16: the answer to the sender's recall/update request (13).
      status: z.union([z.enum(STATUS_CODES), z.enum(RECALL_ANSWERS)]),
      reason: z.optional(text({ max: 1000, multiline: true })),
    })
    .check(
      z.refine((body) => body.status !== "02" || (body.reason !== undefined && body.reason.length > 0), {
        message: "a refusal (02) needs a reason",
        path: ["reason"],
      }),
    ),
);

export type SetStatusInput = z.infer<typeof setStatusSchema>;

export const listQuerySchema = /* @__PURE__ */ built(() =>
  z.strictObject({
    // A query string's value is text: strict decimal digits only ("0x10", "1e1", " 5" are refused).
    limit: z._default(
      z.pipe(
        z.pipe(
          z.string().check(z.regex(/^\d{1,3}$/, "expected a whole number from 1 to 100 in decimal digits")),
          z.transform(Number),
        ),
        z.number().check(z.gte(1, "expected at least 1"), z.lte(100, "expected at most 100")),
      ),
      20,
    ),
    cursor: z.optional(text({ max: 2000 })),
  }),
);

export type ListQuery = z.infer<typeof listQuerySchema>;

/** A comma-separated list of allowed values in a query parameter ("01,03"), each once. */
function listOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.pipe(
    z.pipe(
      z.string(),
      z.transform((value: string) => value.split(",")),
    ),
    z.array(z.enum(values)).check(
      z.minLength(1),
      z.refine((items) => new Set(items).size === items.length, "values must not repeat"),
    ),
  );
}

const VERDICTS = ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"] as const;

/** Filters shared by the inbox and the outbox (shared/exchange/queries.ts says what each means). */
const listFilters = /* @__PURE__ */ built(() => ({
  urgency: z.optional(
    z.pipe(z.string().check(z.regex(/^[0-4]$/, "expected an urgency from 0 to 4")), z.transform(Number)),
  ),
  from: z.optional(isoDate),
  to: z.optional(isoDate),
  dueBefore: z.optional(isoDate),
  verdict: z.optional(z.enum(VERDICTS)),
  /** Words of the number, notation or subject; diacritics and case do not matter. */
  q: z.optional(text({ min: 1, max: 200 })),
}));

/** `GET /v1/inbox`: paging and filters. */
export const inboxQuerySchema = /* @__PURE__ */ built(() =>
  z.strictObject({
    ...listQuerySchema.shape,
    ...listFilters,
    status: z.optional(listOf(STATUS_CODES)),
    sender: z.optional(z.string().check(z.regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53"))),
    overdue: z.optional(
      z.pipe(
        z.enum(["true", "false"]),
        z.transform((value: "true" | "false") => value === "true"),
      ),
    ),
  }),
);

export type InboxQuery = z.infer<typeof inboxQuerySchema>;

/** `GET /v1/outbox`: paging and filters. */
export const outboxQuerySchema = /* @__PURE__ */ built(() =>
  z.strictObject({
    ...listQuerySchema.shape,
    ...listFilters,
    state: z.optional(listOf(["draft", "sending", "sent"])),
    recipient: z.optional(
      z.string().check(z.regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53")),
    ),
  }),
);

export type OutboxQuery = z.infer<typeof outboxQuerySchema>;

const base64Png = /* @__PURE__ */ built(() =>
  z
    .string()
    .check(
      z.maxLength(2_000_000, "the image must be under 1.5 MB"),
      z.regex(/^[A-Za-z0-9+/]+={0,2}$/, "expected a base64-encoded PNG"),
    ),
);

/** `POST /v1/sign`: apply the caller organ's signature to a draft letter's PDF. */
export const signLetterSchema = /* @__PURE__ */ built(() =>
  z.strictObject({
    letterId: text({ min: 1, max: 100 }),
    appearance: z._default(
      z.strictObject({
        /** seal: the organisation's seal over the signer's signature; stamp: text block for attachments and copies. */
        kind: z._default(z.enum(["seal", "signer", "stamp", "none"]), "stamp"),
        page: z.optional(z.number().check(z.int(), z.gte(1))),
        image: z.optional(base64Png),
        title: z.optional(text({ max: 200 })),
        signerName: z.optional(text({ max: 200 })),
        lines: z.optional(z.array(text({ max: 200 })).check(z.maxLength(8))),
        copyType: z.optional(z.enum(["SAO Y", "SAO LỤC", "TRÍCH SAO"])),
      }),
      { kind: "stamp" },
    ),
    reason: z.optional(text({ max: 200 })),
    location: z.optional(text({ max: 200 })),
  }),
);

export type SignLetterInput = z.infer<typeof signLetterSchema>;

/** `POST /v1/sign/prepare`: phase 1 of a signature made outside the exchange (USB token, remote signing). */
export const prepareSignatureSchema = /* @__PURE__ */ built(() =>
  z.strictObject({
    ...signLetterSchema.shape,
    /** PEM: the signer's certificate first, then its issuers. */
    certificates: text({ min: 100, max: 64_000, multiline: true }),
    /** Reserve room for and add a signature timestamp at completion (PAdES B-T); default true when the exchange has a TSA. */
    timestamp: z.optional(z.boolean()),
  }),
);

export type PrepareSignatureInput = z.infer<typeof prepareSignatureSchema>;

const base64 = /* @__PURE__ */ built(() =>
  z
    .string()
    .check(z.minLength(4), z.maxLength(200_000), z.regex(/^[A-Za-z0-9+/]+={0,2}$/, "expected base64")),
);

/** `POST /v1/sign/complete`: the signature value over `digestToSign`, or a whole CMS from a remote service. */
export const completeSignatureSchema = /* @__PURE__ */ built(() =>
  z
    .strictObject({
      signingId: z
        .string()
        .check(z.regex(/^[0-9a-f]{64}$/, "expected the signingId returned by /v1/sign/prepare")),
      signatureValue: z.optional(base64),
      cms: z.optional(base64),
    })
    .check(
      z.refine((body) => (body.signatureValue === undefined) !== (body.cms === undefined), {
        message: "give exactly one of signatureValue and cms",
        path: ["signatureValue"],
      }),
    ),
);

export type CompleteSignatureInput = z.infer<typeof completeSignatureSchema>;
