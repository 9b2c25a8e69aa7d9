import * as z from "zod"; // not `{ z }`: esbuild cannot tree-shake that binding and bundles every zod locale (~260 KB)
import { ERROR_CODES, type ErrorCode } from "../errors/index.ts";

/**
 * What the API answers, as zod schemas, for the OpenAPI document only (`functions/contracts.ts`):
 * the handlers return the exchange's own types and never import this module, so no route bundle
 * carries it. The shapes follow `shared/exchange` (LetterView, InboxItem, RecipientView…) and
 * `problem.ts`; objects stay open (unknown members allowed) so that a field added to a view is
 * not a breaking change for clients.
 */

const isoDateTime = z.string().describe("ISO 8601 date and time (UTC)");
const organCode = z.string().describe("an organ code, e.g. 000.00.11.H53");
const statusCode = z
  .string()
  .regex(/^\d{2}$/)
  .describe("edXML status code (QCVN 102:2016): 01 arrived … 06 finished; 13/15/16 recall and update");
const bilingual = z.object({ vi: z.string(), en: z.string() });
const indication = z.enum(["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"]);

export const letterIdPath = z.object({
  id: z.string().describe("the letter's id (a UUID issued by POST /v1/letters)"),
});

export const presignedUploadSchema = z.object({
  method: z.literal("PUT"),
  url: z.string().describe("PUT the file's bytes here, with exactly `headers`"),
  headers: z
    .record(z.string(), z.string())
    .describe("headers that are part of the signature: send them unchanged"),
  expiresAt: isoDateTime,
});

export const presignedDownloadSchema = z.object({ url: z.string(), expiresAt: isoDateTime });

export const recipientViewSchema = z.object({
  organCode,
  status: statusCode,
  statusLabel: bilingual,
  reason: z.string().optional(),
  updatedAt: isoDateTime,
});

export const verificationSummarySchema = z.object({
  verdict: indication,
  checkedAt: isoDateTime,
  signatures: z.array(
    z.object({
      name: z.string().optional(),
      organCode: z.string().optional(),
      indication,
      subIndication: z.string().optional(),
    }),
  ),
  summary: bilingual,
  policy: z
    .string()
    .optional()
    .describe(
      "the send policy in force at this attempt: require-total-passed, allow-indeterminate, record-only",
    ),
  decision: z.enum(["delivered", "refused"]).optional(),
  fileSha256: z.string().optional(),
});

/** An appendix (shared/exchange/attachments.ts): its declaration, verdict, and downloads once sent. */
export const attachmentViewSchema = z.object({
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  signature: z
    .object({ name: z.string(), size: z.number().int(), sha256: z.string() })
    .optional()
    .describe("the detached CAdES signature (.p7s) the file was verified against"),
  verification: z
    .object({
      kind: z.enum(["pdf", "detached"]),
      verdict: indication,
      signatures: verificationSummarySchema.shape.signatures,
      accepted: z.boolean().describe("whether the send policy in force accepts this verdict"),
    })
    .optional(),
  download: presignedDownloadSchema.optional(),
  signatureDownload: presignedDownloadSchema.optional(),
});

export const letterViewSchema = z.object({
  id: z.string(),
  sender: organCode,
  state: z.string().describe("draft, sending, sent (revoked once revoked)"),
  code: z.object({ number: z.string(), notation: z.string() }),
  documentType: z.string(),
  subject: z.string(),
  recipients: z.array(organCode),
  urgency: z.number().int(),
  dueDate: z.string().optional(),
  promulgation: z.object({ place: z.string().optional(), date: z.string().optional() }).optional(),
  signer: z
    .object({
      competence: z.string().optional(),
      position: z.string().optional(),
      fullName: z.string().optional(),
    })
    .optional(),
  responseFor: z.string().optional(),
  file: z.object({ name: z.string(), contentType: z.string(), size: z.number().int(), sha256: z.string() }),
  createdAt: isoDateTime,
  sentAt: isoDateTime.optional(),
  verification: verificationSummarySchema.optional(),
  attachments: z.array(attachmentViewSchema).optional(),
  deliveries: z.array(recipientViewSchema),
  download: presignedDownloadSchema.optional(),
});

export const letterWithUploadSchema = z.object({
  letter: letterViewSchema,
  upload: presignedUploadSchema,
  attachments: z
    .array(
      z.object({
        name: z.string(),
        sha256: z.string(),
        upload: presignedUploadSchema,
        signature: z
          .object({ name: z.string(), sha256: z.string(), upload: presignedUploadSchema })
          .optional(),
      }),
    )
    .optional()
    .describe("one presigned upload per declared attachment (and one for its .p7s)"),
});

export const inboxItemSchema = z.object({
  letterId: z.string(),
  sender: organCode,
  status: statusCode,
  statusLabel: bilingual,
  deliveredAt: isoDateTime,
  updatedAt: isoDateTime,
  code: z.object({ number: z.string(), notation: z.string() }),
  documentType: z.string(),
  subject: z.string(),
  urgency: z.number().int(),
  dueDate: z.string().optional(),
  verdict: indication.optional(),
  attachments: z
    .object({ count: z.number().int(), verdict: indication.optional() })
    .optional()
    .describe("how many attachments the letter carries and the worst of their verdicts"),
});

/** A page of a list: pass `nextCursor` back as `cursor`; absent on the last page. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().optional() });
}

/** The verifier's report (shared/verification/report.ts); signatures are described loosely. */
export const validationReportSchema = z.object({
  verdict: indication,
  validationTime: isoDateTime,
  document: z.object({
    kind: z.enum(["pdf", "detached"]),
    sha256: z.string(),
    size: z.number().int(),
    revisions: z.number().int(),
  }),
  policy: z.object({
    revocation: z.enum(["require", "prefer", "off"]),
    expectedOrganCode: z.string().optional(),
  }),
  problems: z.array(z.object({ code: z.string(), detail: z.string() })),
  signatures: z.array(z.record(z.string(), z.unknown())),
});

export const verificationAnswerSchema = z.object({
  verdict: indication,
  summary: bilingual,
  report: validationReportSchema,
});

export const signedLetterFileSchema = z.object({
  letterId: z.string(),
  file: z.object({ name: z.string(), contentType: z.string(), size: z.number().int(), sha256: z.string() }),
  signer: z.object({
    name: z.string().optional(),
    organCode: z.string().optional(),
    certificateSha256: z.string(),
  }),
  signedAt: isoDateTime,
});

export const preparedSignatureSchema = z.object({
  signingId: z.string(),
  letterId: z.string(),
  hashAlgorithm: z.string(),
  digestToSign: z.string().describe("base64: sign this with the signer's key"),
  toBeSigned: z.string().describe("base64 DER signed attributes, for signers that hash themselves"),
  expiresAt: isoDateTime,
});

/**
 * The problem document of `problem.ts` (RFC 9457): `code` is the stable error code, one of the
 * codes of `status` when `codes` is given. Extension members (`meta.problem`) may come beside.
 */
export function problemSchema(codes: readonly ErrorCode[] = Object.keys(ERROR_CODES) as ErrorCode[]) {
  return z.looseObject({
    type: z.string().describe("urn:problem:<code>"),
    code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
    status: z.number().int(),
    title: z.string().describe("the code's message in English"),
    detail: z.string().optional().describe("what was wrong, for a caller's mistake (4xx) only"),
    messages: bilingual,
    instance: z.string().optional().describe("the request id: quote it when reporting a problem"),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe("each invalid field, for VALIDATION_FAILED"),
  });
}

// ---- administration (shared/exchange/administration.ts) -----------------------------------------

export const organCodePath = z.object({ code: organCode });
export const apiKeyIdPath = z.object({ id: z.string().describe("the key's id (SHA-256 hex of its secret)") });
export const certificatePath = z.object({
  code: organCode,
  sha256: z.string().describe("SHA-256 (hex) of the certificate's DER"),
});
export const trustAnchorPath = z.object({ sha256: z.string().describe("SHA-256 (hex) of the root's DER") });

export const organRecordSchema = z.object({
  code: organCode,
  name: z.string(),
  aliases: z.array(z.string()).optional(),
  status: z.enum(["active", "merged", "inactive"]),
  parent: organCode.optional(),
  contact: z
    .object({ email: z.string().optional(), phone: z.string().optional(), address: z.string().optional() })
    .optional(),
  successor: organCode.optional().describe("for a merged organ: the organ that took it over"),
  createdAt: isoDateTime.optional(),
  updatedAt: isoDateTime.optional(),
});

export const apiKeyRecordSchema = z.object({
  id: z.string(),
  prefix: z.string().optional(),
  organCode,
  role: z.enum(["clerk", "integration", "admin"]),
  createdAt: isoDateTime.optional(),
  lastUsedAt: isoDateTime.optional(),
  validUntil: isoDateTime.optional(),
  revokedAt: isoDateTime.optional(),
  replacedBy: z.string().optional(),
});

export const createdApiKeySchema = z.object({
  key: apiKeyRecordSchema,
  secret: z.string().describe("the key itself: shown in this answer only"),
});

export const rotatedApiKeySchema = createdApiKeySchema.extend({
  previous: z.object({ id: z.string(), validUntil: isoDateTime }),
});

export const itemsOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

export const certificateSchema = z.object({ sha256: z.string(), pem: z.string() });
export const sha256AnswerSchema = z.object({ sha256: z.string() });

const sendPolicySetting = z.object({
  verdicts: z.string().describe("require-total-passed, allow-indeterminate or record-only"),
  requirePersonSignature: z.boolean(),
  requireFinalOrganSignature: z.boolean(),
});

export const sendPolicySettingsSchema = z.object({
  deployment: sendPolicySetting.optional(),
  organs: z.record(z.string(), sendPolicySetting).describe("pilot organs' own settings, by organ code"),
});

// ---- statistics (shared/exchange/stats.ts) --------------------------------------------------------

export const statsReportSchema = z.object({
  organ: z.string(),
  from: z.string(),
  to: z.string(),
  received: z.number().int(),
  sent: z.number().int(),
  sentCopies: z.number().int(),
  accepted: z.number().int(),
  refused: z.number().int(),
  finished: z.number().int(),
  onTime: z.object({
    finishedWithDueDate: z.number().int(),
    onTime: z.number().int(),
    late: z.number().int(),
    sharePercent: z.number().nullable(),
  }),
  medianSeconds: z.object({
    arrivedToAccepted: z.number().nullable(),
    arrivedToFinished: z.number().nullable(),
    relativeError: z.number(),
  }),
  overdue: z.array(
    z.object({
      letterId: z.string(),
      recipient: organCode,
      sender: organCode,
      dueDate: z.string(),
      deliveredAt: isoDateTime,
      number: z.string().optional(),
      notation: z.string().optional(),
      subject: z.string().optional(),
    }),
  ),
  overdueTruncated: z.boolean(),
});

// ---- lifecycle, receipts and audit (shared/exchange/{history,lifecycle,receipts,audit}.ts) -------
// Their nested entries are described loosely (open objects): the evidence modules define them.

const looseEntry = z.record(z.string(), z.unknown());

export const receiptPath = z.object({
  id: letterIdPath.shape.id,
  recipient: z.string().describe("the copy's recipient organ code, or SENDER for the sender's chain"),
  file: z.string().describe("`<seq>.json` (the receipt, RFC 8785 JSON) or `<seq>.p7s` (its detached CAdES)"),
});

export const historyViewSchema = z.object({
  letterId: z.string(),
  revoked: looseEntry.optional(),
  chains: z.array(
    z.object({
      chain: z.string().describe("letter:<id> or delivery:<id>:<recipient>"),
      owner: z.string(),
      events: z.array(looseEntry),
    }),
  ),
});

export const recallAnswerSchema = z.object({
  letterId: z.string(),
  recall: z.object({ reason: z.string(), purpose: z.enum(["recall", "update"]), at: isoDateTime }),
  copies: z.array(looseEntry),
});

export const receiptListSchema = z.object({
  items: z.array(
    z.looseObject({
      seq: z.number().int(),
      statusLabel: bilingual.optional(),
      json: z.string().describe("path of the receipt's JSON bytes"),
      p7s: z.string().describe("path of its detached signature"),
    }),
  ),
});

export const sealResultSchema = z.object({
  day: z.string(),
  root: z.string().describe("the Merkle root of the chain heads sealed"),
  count: z.number().int(),
  json: z.string(),
  p7s: z.string(),
});

export const auditReportSchema = z.object({
  letterId: z.string(),
  ok: z.boolean(),
  checkedAt: isoDateTime,
  chains: z.array(
    z.looseObject({ chain: z.string(), owner: z.string(), ok: z.boolean(), count: z.number().int() }),
  ),
});

// ---- queries (shared/exchange/queries.ts) and threads (shared/exchange/lifecycle.ts) -------------

export const inboxCountsSchema = z.object({
  unread: z.number().int().describe("copies still at 01"),
  open: z.number().int().describe("copies neither finished (06) nor refused (02)"),
  overdue: z.number().int().describe("open copies whose due date has passed"),
  dueToday: z.number().int().describe("open copies due today"),
});

export const threadSchema = z.object({
  letterId: z.string(),
  root: z.string().describe("the first letter of the thread"),
  items: z.array(
    z.looseObject({
      letterId: z.string(),
      sender: organCode,
      recipients: z.array(organCode),
      code: z.object({ number: z.string(), notation: z.string() }),
      subject: z.string(),
      sentAt: isoDateTime,
      responseFor: z.string().optional(),
    }),
  ),
});
