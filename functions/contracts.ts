import * as z from "zod"; // not `{ z }`: esbuild cannot tree-shake that binding and bundles every zod locale (~260 KB)
import { statusEdxmlQuerySchema } from "../shared/edxml/exchange-bridge.ts";
import type { ErrorCode } from "../shared/errors/index.ts";
import {
  createApiKeySchema,
  createOrganSchema,
  directoryQuerySchema,
  mergeOrganSchema,
  pemSchema,
  putSendPolicySchema,
  rotateApiKeySchema,
  updateOrganSchema,
} from "../shared/exchange/administration.ts";
import {
  completeSignatureSchema,
  createLetterSchema,
  inboxQuerySchema,
  letterFileSchema,
  outboxQuerySchema,
  prepareSignatureSchema,
  setStatusSchema,
  signLetterSchema,
} from "../shared/exchange/letter-schema.ts";
import { copyQuerySchema, recallSchema, sealQuerySchema } from "../shared/exchange/lifecycle-schema.ts";
import { peekQuerySchema } from "../shared/exchange/peek.ts";
import { statsQuerySchema } from "../shared/exchange/stats-schema.ts";
import { verifyDocumentQuerySchema } from "../shared/exchange/verify-document-schema.ts";
import {
  deadWebhooksQuerySchema,
  registerWebhookSchema,
  webhookOrganQuerySchema,
} from "../shared/exchange/webhook-endpoints.ts";
import {
  apiKeyIdPath,
  apiKeyRecordSchema,
  auditReportSchema,
  certificatePath,
  certificateSchema,
  createdApiKeySchema,
  historyViewSchema,
  inboxCountsSchema,
  inboxItemSchema,
  itemsOf,
  letterIdPath,
  letterViewSchema,
  letterWithUploadSchema,
  organCodePath,
  organRecordSchema,
  pageOf,
  preparedSignatureSchema,
  recallAnswerSchema,
  receiptListSchema,
  receiptPath,
  recipientViewSchema,
  rotatedApiKeySchema,
  sealResultSchema,
  sendPolicySettingsSchema,
  sha256AnswerSchema,
  signedLetterFileSchema,
  statsReportSchema,
  threadSchema,
  trustAnchorPath,
  validationReportSchema,
  verificationAnswerSchema,
} from "../shared/http/response-schemas.ts";

/**
 * What each route of `functions/routes.ts` takes and answers, for the OpenAPI document
 * (`functions/openapi.ts`). The request schemas are the very objects the handlers pass to
 * `apiHandler` (test/unit/api/contracts.test.ts checks identity, route by route), so the document
 * cannot drift from what is validated. Handlers never import this module: it pulls in the
 * response schemas, which no Lambda bundle needs.
 */
export interface RouteContract {
  readonly summary: string;
  /** Markdown; the generator adds the roles that may call the route and its refusals. */
  readonly description: string;
  /** One member per `{param}` of the route's path. */
  readonly path?: z.ZodObject;
  readonly query?: z.core.$ZodType;
  /** A JSON body. */
  readonly body?: z.core.$ZodType;
  /** A file body (the handler's `rawBody` option): its accepted content types. */
  readonly rawBody?: { readonly contentTypes: readonly string[] };
  readonly successStatus: number;
  /** The JSON answer. */
  readonly response: z.ZodType;
  /** Other content types the success answer may have (e.g. a printed report). */
  readonly alsoContent?: readonly string[];
  /** Refusals typical of this route, listed in its description (every code may still come). */
  readonly typicalErrors?: readonly ErrorCode[];
  readonly examples?: { readonly body?: unknown; readonly response?: unknown };
}

/** Peek/confirm inbox answers (issue 11 item 3). */
const peekItemSchema = inboxItemSchema.extend({
  lockToken: z.string().describe("the peek's lock on this copy (one per peek)"),
  lockedUntil: z.string().describe("ISO time: unconfirmed by then, the copy is handed out again"),
});
const confirmationSchema = z.object({ letterId: z.string(), recipient: z.string(), confirmedAt: z.string() });

/** Webhook answers (issue 11 item 2: shared/exchange/webhook-endpoints.ts). */
const webhookEndpointSchema = z.object({
  id: z.string().describe("ep_ + 24 hex digits"),
  organ: z.string(),
  url: z.string(),
  events: z.array(z.enum(["letter.received", "status.changed", "recall.requested", "receipt.issued"])),
  enabled: z.boolean(),
  disabledReason: z.string().optional(),
  createdAt: z.string(),
});
const registeredWebhookSchema = webhookEndpointSchema.extend({
  secret: z.string().describe("whsec_…: the signing secret, shown in this answer only"),
});
const webhookIdPath = z.object({ id: z.string().describe("the endpoint's id (ep_…)") });
const webhookTestSchema = z.object({
  webhookId: z.string(),
  outcome: z.string().describe("delivered, failed or gone (410)"),
  status: z.number().optional(),
  error: z.string().optional(),
});
const deadWebhookSchema = z.object({
  webhookId: z.string(),
  eventId: z.string(),
  endpointId: z.string(),
  organ: z.string(),
  type: z.string(),
  attempts: z.number(),
  createdAt: z.string(),
  deadAt: z.string().optional(),
  lastStatus: z.number().optional(),
  lastError: z.string().optional(),
  body: z.string().describe("the exact JSON the receiver gets"),
});

/** edXML import answers (issue 11 item 1). */
const edxmlWarningSchema = z.object({ code: z.string(), detail: z.string() });
const edxmlImportSchema = z.object({
  kind: z.enum(["letter", "status"]),
  created: z
    .boolean()
    .optional()
    .describe("letter: false when the package is an export of a letter already sent"),
  letter: letterViewSchema.optional(),
  copy: recipientViewSchema.optional().describe("status: the copy after the status"),
  documentId: z.string().optional().describe("the package's own DocumentId, as sent"),
  attachments: z
    .array(
      z.object({
        name: z.string(),
        contentType: z.string(),
        size: z.number().int(),
        sha256: z.string(),
        imported: z.enum(["file", "attachment", "signature", "unsigned"]),
        signatureOf: z.string().optional(),
      }),
    )
    .optional(),
  warnings: z.array(edxmlWarningSchema).describe("what the clerk should see (shared/edxml/warnings.ts)"),
});
const edxmlText = z.string().describe("the edXML package (QCVN 102:2016), UTF-8");

const EXAMPLE_LETTER_ID = "3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e";
const EXAMPLE_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

export const CONTRACTS = {
  "create-letter": {
    summary: "Register a draft letter",
    description:
      "Registers a draft with its metadata and the declared file (name, size, SHA-256), and answers with a " +
      "presigned upload: PUT the PDF's bytes to `upload.url` with exactly `upload.headers`, then send the letter. " +
      "Up to 20 `attachments` (appendices) may be declared: each a signed PDF, or any file with its detached " +
      "CAdES signature declared as `signature` (.p7s); the answer's `attachments` holds a presigned upload for each " +
      "file (and for its .p7s). At send each is verified and judged by the send policy like the main file.",
    body: createLetterSchema,
    successStatus: 201,
    response: letterWithUploadSchema,
    typicalErrors: ["ORGAN_NOT_FOUND", "ORGAN_INACTIVE", "VALIDATION_FAILED"],
    examples: {
      body: {
        code: { number: "123", notation: "UBND-VP" },
        documentType: "Công văn",
        subject: "Về việc tổ chức hội nghị tổng kết năm 2026",
        recipients: ["000.00.11.H53"],
        file: { name: "cong-van-123.pdf", size: 48213, sha256: EXAMPLE_SHA256 },
      },
    },
  },
  "send-letter": {
    summary: "Send a draft to its recipients",
    description:
      "Checks the upload against the declared size and SHA-256, verifies its signatures and, if the send policy " +
      "accepts the verdict, delivers a copy to every recipient. A refused send answers 422 `SIGNATURE_POLICY_FAILED` " +
      "with the verification as an extension member of the problem; the draft is kept.",
    path: letterIdPath,
    successStatus: 200,
    response: letterViewSchema,
    typicalErrors: [
      "UPLOAD_MISSING",
      "UPLOAD_SIZE_MISMATCH",
      "UPLOAD_CHECKSUM_MISMATCH",
      "SIGNATURE_POLICY_FAILED",
      "LETTER_ALREADY_SENT",
      "RECIPIENT_INACTIVE",
    ],
  },
  "replace-file": {
    summary: "Give a draft a new file",
    description:
      "Declares a new file for a draft (e.g. the corrected one after a refused send) and answers with a presigned upload for it.",
    path: letterIdPath,
    body: letterFileSchema,
    successStatus: 200,
    response: letterWithUploadSchema,
    typicalErrors: ["LETTER_NOT_FOUND", "LETTER_ALREADY_SENT"],
    examples: { body: { name: "cong-van-123-sua.pdf", size: 48990, sha256: EXAMPLE_SHA256 } },
  },
  "get-letter": {
    summary: "Read a letter",
    description:
      "A letter's metadata, the status of each recipient (every recipient for the sender, its own copy for a " +
      "recipient) and a short-lived download URL for its file.",
    path: letterIdPath,
    successStatus: 200,
    response: letterViewSchema,
    typicalErrors: ["LETTER_NOT_FOUND"],
  },
  "list-inbox": {
    summary: "List the inbox",
    description:
      "The caller organ's deliveries, newest first, a page at a time (`limit`, `cursor`), filtered by status, " +
      "sender, urgency, period, due date, overdue, verdict or text (`q`).",
    query: inboxQuerySchema,
    successStatus: 200,
    response: pageOf(inboxItemSchema),
    typicalErrors: ["INVALID_CURSOR"],
    examples: {
      response: {
        items: [
          {
            letterId: EXAMPLE_LETTER_ID,
            sender: "000.00.01.H53",
            status: "01",
            statusLabel: { vi: "Đã đến", en: "Arrived" },
            deliveredAt: "2026-12-01T08:00:00.000Z",
            updatedAt: "2026-12-01T08:00:00.000Z",
            code: { number: "123", notation: "UBND-VP" },
            documentType: "Công văn",
            subject: "Về việc tổ chức hội nghị tổng kết năm 2026",
            urgency: 0,
            verdict: "TOTAL_PASSED",
          },
        ],
      },
    },
  },
  "list-outbox": {
    summary: "List the outbox",
    description:
      "Letters the caller organ created (drafts and sent), newest first, a page at a time, filtered by state, " +
      "recipient, urgency, period, due date, verdict or text (`q`).",
    query: outboxQuerySchema,
    successStatus: 200,
    response: pageOf(letterViewSchema),
    typicalErrors: ["INVALID_CURSOR"],
  },
  "get-verification": {
    summary: "The verification report kept at send",
    description:
      "The full verification report kept when the letter was sent (or at its last refused attempt).",
    path: letterIdPath,
    successStatus: 200,
    response: validationReportSchema,
    typicalErrors: ["LETTER_NOT_FOUND", "LETTER_NOT_VERIFIED"],
  },
  "verify-letter": {
    summary: "Verify a letter again now",
    description:
      "Verifies a letter's file again now (e.g. after a CA published a new CRL); nothing is changed.",
    path: letterIdPath,
    successStatus: 200,
    response: verificationAnswerSchema,
    typicalErrors: ["LETTER_NOT_FOUND", "REVOCATION_UNAVAILABLE"],
  },
  "sign-letter": {
    summary: "Apply the organ's seal",
    description:
      "Signs a draft's PDF with the caller organ's key held by the exchange (KMS in AWS), as an incremental " +
      "update; the signed file replaces the draft's.",
    body: signLetterSchema,
    successStatus: 200,
    response: signedLetterFileSchema,
    typicalErrors: ["LETTER_NOT_FOUND", "LETTER_ALREADY_SENT", "APPEARANCE_INVALID", "TSA_UNAVAILABLE"],
    examples: { body: { letterId: EXAMPLE_LETTER_ID, appearance: { kind: "seal" } } },
  },
  "prepare-signature": {
    summary: "Prepare an external signature (phase 1)",
    description:
      "Phase 1 of a signature made with a key outside the exchange (USB token, remote signing service): " +
      "answers with the digest to sign; the certificate must be bound to the caller's organ.",
    body: prepareSignatureSchema,
    successStatus: 201,
    response: preparedSignatureSchema,
    typicalErrors: ["CERT_MALFORMED", "LETTER_NOT_FOUND", "LETTER_ALREADY_SENT"],
  },
  "complete-signature": {
    summary: "Complete an external signature (phase 2)",
    description:
      "Phase 2: the signature value over `digestToSign` (or a whole CMS from a remote service) finishes the prepared PDF.",
    body: completeSignatureSchema,
    successStatus: 200,
    response: signedLetterFileSchema,
    typicalErrors: [
      "SIGNING_SESSION_NOT_FOUND",
      "SIGNING_SESSION_USED",
      "SIGNING_SESSION_SPENT",
      "SIGNATURE_VALUE_INVALID",
    ],
  },
  "verify-document": {
    summary: "Verify an uploaded PDF",
    description:
      "Upload a signed PDF (`Content-Type: application/pdf`, at most 4 MiB) and get its verification report; " +
      "`format=pdf` answers with the printable report instead.",
    query: verifyDocumentQuerySchema,
    rawBody: { contentTypes: ["application/pdf"] },
    successStatus: 200,
    response: verificationAnswerSchema,
    alsoContent: ["application/pdf"],
    typicalErrors: ["PDF_MALFORMED", "SIGNATURE_NOT_FOUND", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"],
  },
  "set-status": {
    summary: "Record a recipient's status",
    description:
      "The recipient records an edXML status of its copy: 02 refuse (needs a reason), 03 accept and register, " +
      "04 assigned, 05 in progress, 06 finished.",
    path: letterIdPath,
    body: setStatusSchema,
    successStatus: 200,
    response: recipientViewSchema,
    typicalErrors: ["LETTER_NOT_FOUND", "STATUS_NOT_ALLOWED", "NOT_A_RECIPIENT"],
    examples: { body: { status: "03" } },
  },
  "get-stats": {
    summary: "Handling statistics",
    description:
      "Handling statistics of the caller's organ over a period of Vietnam calendar days (`from`, `to`, YYYY-MM-DD): " +
      "received, sent, accepted, refused, finished, on-time share, median handling times and overdue copies. " +
      "An admin key may ask for any organ, or `all`. `Accept: text/csv` answers with CSV instead.",
    query: statsQuerySchema,
    successStatus: 200,
    response: statsReportSchema,
    alsoContent: ["text/csv"],
    typicalErrors: ["VALIDATION_FAILED", "FORBIDDEN"],
  },
  "list-organs": {
    summary: "Search the organ directory",
    description:
      "The organ directory, searched by code, alias or name (`q`; diacritics and case ignored), a page at a time.",
    query: directoryQuerySchema,
    successStatus: 200,
    response: pageOf(organRecordSchema),
    typicalErrors: ["INVALID_CURSOR"],
  },
  "create-organ": {
    summary: "Add an organ",
    description: "Adds an active organ to the directory. Recorded in the admin audit chain.",
    body: createOrganSchema,
    successStatus: 201,
    response: organRecordSchema,
    typicalErrors: ["ADMIN_ORGAN_EXISTS", "ADMIN_ORGAN_NOT_FOUND", "ADMIN_CHANGE_CONFLICT"],
    examples: {
      body: {
        code: "000.00.12.H53",
        name: "Sở Tài chính tỉnh Mẫu",
        aliases: ["STC"],
        parent: "000.00.00.H53",
      },
    },
  },
  "update-organ": {
    summary: "Change an organ",
    description: "Changes an organ's name, aliases, parent or contact. Recorded in the admin audit chain.",
    path: organCodePath,
    body: updateOrganSchema,
    successStatus: 200,
    response: organRecordSchema,
    typicalErrors: ["ADMIN_ORGAN_NOT_FOUND", "ADMIN_CHANGE_CONFLICT"],
  },
  "deactivate-organ": {
    summary: "Deactivate an organ",
    description: "The organ stops sending and receiving; its letters stay readable by its keys.",
    path: organCodePath,
    successStatus: 200,
    response: organRecordSchema,
    typicalErrors: ["ADMIN_ORGAN_NOT_FOUND", "ADMIN_ORGAN_STATE"],
  },
  "merge-organ": {
    summary: "Merge an organ into its successor",
    description:
      "Merges the organ into an active successor: its code becomes an alias of the successor, and letters " +
      "addressed to it are refused naming the successor.",
    path: organCodePath,
    body: mergeOrganSchema,
    successStatus: 200,
    response: organRecordSchema,
    typicalErrors: ["ADMIN_ORGAN_NOT_FOUND", "ADMIN_ORGAN_STATE"],
  },
  "list-api-keys": {
    summary: "List an organ's API keys",
    description: "The organ's API keys: id, prefix, role, last use, expiry and revocation (never a secret).",
    path: organCodePath,
    successStatus: 200,
    response: itemsOf(apiKeyRecordSchema),
    typicalErrors: ["ADMIN_ORGAN_NOT_FOUND"],
  },
  "create-api-key": {
    summary: "Create an API key",
    description:
      "A new key of a role for the organ; its secret is in this answer only (the exchange keeps its hash).",
    path: organCodePath,
    body: createApiKeySchema,
    successStatus: 201,
    response: createdApiKeySchema,
    typicalErrors: ["ADMIN_ORGAN_NOT_FOUND", "ADMIN_ORGAN_STATE"],
    examples: { body: { role: "integration" } },
  },
  "rotate-api-key": {
    summary: "Rotate an API key",
    description:
      "A new key of the same organ and role; the old one keeps working for the grace period (`graceHours`, default 24, 0 ends it at once).",
    path: apiKeyIdPath,
    body: rotateApiKeySchema,
    successStatus: 201,
    response: rotatedApiKeySchema,
    typicalErrors: ["API_KEY_NOT_FOUND", "API_KEY_NOT_LIVE"],
  },
  "revoke-api-key": {
    summary: "Revoke an API key",
    description: "The key stops working at once.",
    path: apiKeyIdPath,
    successStatus: 200,
    response: apiKeyRecordSchema,
    typicalErrors: ["API_KEY_NOT_FOUND", "API_KEY_NOT_LIVE"],
  },
  "list-certificates": {
    summary: "List an organ's certificates",
    description: "The certificates that may sign for the organ.",
    path: organCodePath,
    successStatus: 200,
    response: itemsOf(certificateSchema),
    typicalErrors: ["ADMIN_ORGAN_NOT_FOUND"],
  },
  "bind-certificate": {
    summary: "Bind a certificate to an organ",
    description: "A certificate (PEM) may sign for the organ from now on.",
    path: organCodePath,
    body: pemSchema,
    successStatus: 201,
    response: sha256AnswerSchema,
    typicalErrors: ["CERT_MALFORMED", "ADMIN_ORGAN_NOT_FOUND"],
  },
  "unbind-certificate": {
    summary: "Unbind a certificate",
    description: "The certificate no longer signs for the organ.",
    path: certificatePath,
    successStatus: 200,
    response: z.object({ unbound: z.string() }),
    typicalErrors: ["ADMIN_CERTIFICATE_NOT_FOUND"],
  },
  "list-trust-anchors": {
    summary: "List the trust anchors",
    description: "The root certificates letters are verified against.",
    successStatus: 200,
    response: itemsOf(certificateSchema),
  },
  "add-trust-anchor": {
    summary: "Trust a root certificate",
    description: "Trusts a root certificate (PEM); verifiers reread the anchors within 5 minutes.",
    body: pemSchema,
    successStatus: 201,
    response: sha256AnswerSchema,
    typicalErrors: ["CERT_MALFORMED"],
  },
  "remove-trust-anchor": {
    summary: "Stop trusting a root",
    description: "Stops trusting a root certificate; verifiers reread the anchors within 5 minutes.",
    path: trustAnchorPath,
    successStatus: 200,
    response: z.object({ removed: z.string() }),
    typicalErrors: ["ADMIN_TRUST_ANCHOR_NOT_FOUND"],
  },
  "get-send-policy": {
    summary: "Read the send policy settings",
    description: "The deployment's send policy setting and the pilot organs' own settings.",
    successStatus: 200,
    response: sendPolicySettingsSchema,
  },
  "put-send-policy": {
    summary: "Set the send policy",
    description:
      "Sets (or, with `policy: null`, removes) the deployment's setting or a pilot organ's (`organCode`); the next send follows it.",
    body: putSendPolicySchema,
    successStatus: 200,
    response: sendPolicySettingsSchema,
    typicalErrors: ["ADMIN_ORGAN_NOT_FOUND", "ADMIN_CHANGE_CONFLICT"],
    examples: {
      body: {
        policy: {
          verdicts: "require-total-passed",
          requirePersonSignature: true,
          requireFinalOrganSignature: true,
        },
      },
    },
  },
  "get-history": {
    summary: "A letter's history",
    description:
      "Who did what, when and why, chain by chain: the sender's chain (`letter:<id>`) and each copy's " +
      "(`delivery:<id>:<recipient>`); `recipient` narrows to one copy. A recipient sees its own copy.",
    path: letterIdPath,
    query: copyQuerySchema,
    successStatus: 200,
    response: historyViewSchema,
    typicalErrors: ["LETTER_NOT_FOUND"],
  },
  "request-recall": {
    summary: "Ask for a letter back",
    description:
      "The sender asks every recipient for the letter back (status 13; `purpose: update` to let the sender update it). " +
      "Recipients answer with 15 (agree) or 16 (refuse).",
    path: letterIdPath,
    body: recallSchema,
    successStatus: 200,
    response: recallAnswerSchema,
    typicalErrors: [
      "LETTER_NOT_FOUND",
      "NOT_THE_SENDER",
      "LETTER_NOT_SENT",
      "LETTER_REVOKED",
      "LETTER_RECALLED",
    ],
    examples: { body: { reason: "Sai sót số ký hiệu, đề nghị thu hồi." } },
  },
  "list-receipts": {
    summary: "List a letter's receipts",
    description:
      "The receipts of every status change the caller may read, by copy and sequence number: each is canonical " +
      "JSON with a detached CAdES signature by the exchange (checkable with openssl).",
    path: letterIdPath,
    query: copyQuerySchema,
    successStatus: 200,
    response: receiptListSchema,
    typicalErrors: ["LETTER_NOT_FOUND"],
  },
  "get-receipt": {
    summary: "Download a receipt",
    description: "`<seq>.json`: the receipt's bytes; `<seq>.p7s`: its detached CAdES signature (DER).",
    path: receiptPath,
    successStatus: 200,
    response: z
      .record(z.string(), z.unknown())
      .describe("the receipt (`<seq>.json`), canonical JSON (RFC 8785)"),
    alsoContent: ["application/pkcs7-signature"],
    typicalErrors: ["LETTER_NOT_FOUND", "RECEIPT_NOT_FOUND"],
  },
  "seal-audit": {
    summary: "Seal the audit chains of a day",
    description:
      "Seals the heads of the chains that changed on `day` (default today, Vietnam time) into a signed, " +
      "timestamped Merkle root (in AWS a scheduled job does this daily).",
    query: sealQuerySchema,
    successStatus: 200,
    response: sealResultSchema,
    typicalErrors: ["TSA_UNAVAILABLE", "SEAL_NOT_AVAILABLE"],
  },
  "verify-audit": {
    summary: "Verify a letter's audit chains",
    description: "Recomputes the letter's chains against their stored heads and the day's seal.",
    path: letterIdPath,
    successStatus: 200,
    response: auditReportSchema,
    typicalErrors: ["LETTER_NOT_FOUND", "AUDIT_CHAIN_BROKEN", "SEAL_INVALID"],
  },
  "inbox-counts": {
    summary: "Inbox badge counts",
    description: "Counts of the caller organ's inbox: unread (01), open, overdue and due today.",
    successStatus: 200,
    response: inboxCountsSchema,
  },
  "get-thread": {
    summary: "A letter's thread",
    description:
      "The letter with the letters it answers and its replies (`responseFor`), as far as the caller may see.",
    path: letterIdPath,
    successStatus: 200,
    response: threadSchema,
    typicalErrors: ["LETTER_NOT_FOUND"],
  },
  "peek-inbox": {
    summary: "Peek at unconfirmed deliveries (polling)",
    description:
      "For systems that poll: up to `limit` (1–100, default 10) of the caller organ's copies not confirmed yet, " +
      "oldest first, each locked to this peek for `lockSeconds` (1–43200, default 300): no other peek gets them " +
      "while locked. Confirm each with `POST /v1/inbox/{id}/confirm`; an unconfirmed copy comes back once its " +
      "lock ends (at-least-once delivery).",
    query: peekQuerySchema,
    successStatus: 200,
    response: itemsOf(peekItemSchema),
    typicalErrors: ["VALIDATION_FAILED"],
  },
  "confirm-delivery": {
    summary: "Confirm a delivery picked up",
    description:
      "Marks the caller organ's copy of the letter picked up: peeks no longer hand it out. Idempotent: " +
      "confirming again answers with the first confirmation's time. Another organ's letter is 404.",
    path: letterIdPath,
    successStatus: 200,
    response: confirmationSchema,
    typicalErrors: ["LETTER_NOT_FOUND"],
  },
  "register-webhook": {
    summary: "Register a webhook endpoint",
    description:
      "An endpoint of the caller organ (an admin names `organ`) that receives the chosen events " +
      "(`letter.received`, `status.changed`, `recall.requested`, `receipt.issued`), signed by the Standard " +
      "Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the `secret` of this " +
      "answer, shown only here. Delivered at least once, retried with backoff over more than 24 hours, then parked " +
      "in the dead-letter queue; `webhook-id` is the same on every retry.",
    body: registerWebhookSchema,
    successStatus: 201,
    response: registeredWebhookSchema,
    typicalErrors: [
      "WEBHOOK_URL_INVALID",
      "WEBHOOK_EVENTS_INVALID",
      "WEBHOOK_ENDPOINT_LIMIT",
      "VALIDATION_FAILED",
    ],
    examples: { body: { url: "https://eoffice.example.vn/hooks/lienthong", events: ["letter.received"] } },
  },
  "list-webhooks": {
    summary: "List webhook endpoints",
    description: "The caller organ's endpoints (an admin names `organ`), oldest first; never their secrets.",
    query: webhookOrganQuerySchema,
    successStatus: 200,
    response: itemsOf(webhookEndpointSchema),
  },
  "delete-webhook": {
    summary: "Delete a webhook endpoint",
    description:
      "The endpoint receives nothing more; its messages not delivered yet are parked in the dead-letter queue when due.",
    path: webhookIdPath,
    successStatus: 200,
    response: z.object({ id: z.string(), deleted: z.literal(true) }),
    typicalErrors: ["WEBHOOK_ENDPOINT_NOT_FOUND"],
  },
  "test-webhook": {
    summary: "Send a test webhook",
    description:
      "One signed `webhook.test` message to the endpoint now, outside the outbox (no retry); answers what the receiver said.",
    path: webhookIdPath,
    successStatus: 200,
    response: webhookTestSchema,
    typicalErrors: ["WEBHOOK_ENDPOINT_NOT_FOUND"],
  },
  "list-dead-webhooks": {
    summary: "List the webhook dead-letter queue",
    description:
      "Messages whose retries ran out (or whose endpoint was deleted, disabled or answered 410), oldest first; " +
      "`organ` narrows to one organ, `limit` 1–100 (default 100).",
    query: deadWebhooksQuerySchema,
    successStatus: 200,
    response: itemsOf(deadWebhookSchema),
  },
  "redeliver-webhook": {
    summary: "Redeliver a dead webhook message",
    description: "Back in the outbox, due now, attempts reset, with the same `webhook-id` and body.",
    path: z.object({ webhookId: z.string().describe("the message's webhook id (msg_…)") }),
    successStatus: 200,
    response: deadWebhookSchema,
    typicalErrors: ["WEBHOOK_MESSAGE_NOT_FOUND", "WEBHOOK_MESSAGE_NOT_DEAD"],
  },
  "import-edxml": {
    summary: "Import an edXML package",
    description:
      "Send an edXML package (QCVN 102:2016) as the calling organ (`Content-Type: application/xml`, at most 5 MiB: " +
      "API Gateway takes 10 MB, a Lambda 6 MB; larger letters go through `POST /v1/letters`). The package's `From` " +
      "must be the caller's organ (else 403 `EDXML_SENDER_MISMATCH`). A letter package becomes a letter whose file is " +
      "its first PDF attachment, sent like `POST /v1/letters/{id}/send` (the same verification and send policy: " +
      "422 `SIGNATURE_POLICY_FAILED`, nothing delivered); every other attachment is an appendix verified at send (a PDF, or a file with its `<name>.p7s`; a file " +
      "with neither is refused, 422 `EDXML_ATTACHMENT_UNSIGNED`, nothing created). A status " +
      "package records the status (02–06, 15, 16) of the caller's copy of the letter its `ResponseFor/DocumentId` " +
      "names. Hostile XML (DOCTYPE, entities, too deep, too large) is refused with its `EDXML_*` code.",
    rawBody: { contentTypes: ["application/xml", "text/xml"] },
    successStatus: 201,
    response: edxmlImportSchema,
    typicalErrors: [
      "EDXML_SENDER_MISMATCH",
      "EDXML_NO_PDF",
      "EDXML_ATTACHMENT_UNSIGNED",
      "EDXML_ATTACHMENT_UNREADABLE",
      "EDXML_ATTACHMENT_TOO_LARGE",
      "EDXML_DOCUMENT_CONFLICT",
      "EDXML_DTD_FORBIDDEN",
      "EDXML_MALFORMED",
      "EDXML_NOT_EDXML",
      "EDXML_STATUS_NOT_APPLICABLE",
      "SIGNATURE_POLICY_FAILED",
      "PAYLOAD_TOO_LARGE",
    ],
  },
  "export-edxml": {
    summary: "Export a letter as edXML",
    description:
      "The letter as an edXML letter package (`application/xml`): metadata in the MessageHeader, its PDF as a " +
      "base64 attachment, `DocumentId` the letter's id (importing it again answers with the same letter).",
    path: letterIdPath,
    successStatus: 200,
    response: edxmlText,
    alsoContent: ["application/xml"],
    typicalErrors: ["LETTER_NOT_FOUND"],
  },
  "export-status-edxml": {
    summary: "Export a copy's status as edXML",
    description:
      "The status of one copy as an edXML status package from its recipient (`application/xml`): the sender " +
      "names the copy with `to`, a recipient gets its own.",
    path: letterIdPath,
    query: statusEdxmlQuerySchema,
    successStatus: 200,
    response: edxmlText,
    alsoContent: ["application/xml"],
    typicalErrors: ["LETTER_NOT_FOUND"],
  },
} as const satisfies Record<string, RouteContract>;

/** The contract of a route, or undefined when it has none yet (the unit test fails then). */
export function contractOf(name: string): RouteContract | undefined {
  return Object.hasOwn(CONTRACTS, name) ? (CONTRACTS as Record<string, RouteContract>)[name] : undefined;
}
