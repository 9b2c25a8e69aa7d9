import { randomUUID } from "node:crypto";
import { ExchangeError } from "../errors/index.ts";
import type { ValidationReport } from "../verification/report.ts";
import type { SendPolicySource } from "./admin-ports.ts";
import {
  type AttachmentUpload,
  type AttachmentVerifier,
  type AttachmentView,
  attachmentsRefused,
  attachmentViews,
  type CheckedAttachments,
  checkAttachments,
  presignAttachmentUploads,
  refusedAttachment,
} from "./attachments.ts";
import type { CopyLifecycle } from "./event-ports.ts";
import { completeFanOut, deliveriesOf, type FanOutBytes, sentEventOf } from "./fan-out.ts";
import type { CreateLetterInput, LetterFileInput, ListQuery, SetStatusInput } from "./letter-schema.ts";
import {
  type LetterVerifier,
  type SendVerification,
  summariseVerification,
  type VerificationSummary,
} from "./letter-verification.ts";
import { type CopyView, Lifecycle } from "./lifecycle.ts";
import { letterIdOf, vietnamYear } from "./numbering.ts";
import type { DocumentStore, ExchangeLedger, PresignedDownload, PresignedUpload } from "./ports.ts";
import { BUCKET_LAYOUT } from "./ports.ts";
import type { InboxCounts, InboxFilter, LetterQueries, OutboxFilter } from "./queries.ts";
import {
  DEFAULT_SEND_POLICY,
  environmentSetting,
  SEND_POLICIES,
  type SendPolicy,
  type SendPolicySetting,
  sendPolicyAccepts,
  unmetRequirements,
} from "./send-policy.ts";
import { sha256Hex } from "./sha256.ts";
import { vietnamDay } from "./stats.ts";
import { STATUS_LABELS, type StatusCode } from "./status.ts";
import type { Caller, Delivery, Letter, Page } from "./types.ts";

export interface ExchangeOptions {
  readonly ledger: ExchangeLedger;
  /** The filtered inbox and outbox and the badge counts (queries.ts); absent: unfiltered pages only. */
  readonly queries?: LetterQueries;
  readonly documents: DocumentStore;
  readonly maxFileBytes: number;
  /**
   * Verifies every letter at `send` and keeps the report as evidence; absent: no verification
   * (only under a send policy that delivers unverified letters, `record-only`).
   */
  readonly verifier?: Pick<LetterVerifier, "verify"> & Partial<Pick<AttachmentVerifier, "verifyDetached">>;
  /** Which verdicts `send` delivers (`send-policy.ts`); default `require-total-passed`. */
  readonly sendPolicy?: SendPolicy;
  /** The admin's send policy setting (read at each send); absent or unset: `sendPolicy` applies. */
  readonly policySource?: SendPolicySource;
  /** Injected for tests; defaults to the system clock. */
  readonly now?: () => Date;
}

export interface RecipientView {
  readonly organCode: string;
  readonly status: StatusCode;
  readonly statusLabel: { readonly vi: string; readonly en: string };
  readonly reason?: string;
  readonly updatedAt: string;
  /** The recall/update handshake on this copy (13 asked, 15 agreed, 16 refused): `lifecycle.ts`. */
  readonly recall?: CopyLifecycle["recall"];
  /** Set when the letter was revoked: the copy is frozen. */
  readonly revoked?: CopyLifecycle["revoked"];
}

export interface LetterView
  extends Omit<
    Letter,
    "file" | "verification" | "pending" | "head" | "attachments" | "attachmentsReportKey"
  > {
  readonly file: Omit<Letter["file"], "key">;
  /** The appendices with their verdicts; with downloads in GET letter once sent (attachments.ts). */
  readonly attachments?: readonly AttachmentView[];
  readonly verification?: Omit<SendVerification, "reportKey">;
  /** Status per recipient: every recipient for the sender, its own copy for a recipient. */
  readonly deliveries: readonly RecipientView[];
  readonly download?: PresignedDownload;
}

export interface InboxItem {
  readonly letterId: string;
  readonly sender: string;
  readonly status: StatusCode;
  readonly statusLabel: { readonly vi: string; readonly en: string };
  readonly deliveredAt: string;
  readonly updatedAt: string;
  readonly code: Letter["code"];
  readonly documentType: string;
  readonly subject: string;
  readonly urgency: number;
  readonly dueDate?: string;
  readonly verdict?: VerificationSummary["verdict"];
  readonly attachments?: Delivery["summary"]["attachments"];
  readonly recall?: CopyLifecycle["recall"];
  readonly revoked?: CopyLifecycle["revoked"];
}

/**
 * The exchange's rules: who may see, send and move which letter. Handlers call these methods
 * and nothing else; storage comes in through the ports.
 */
export class Exchange {
  private readonly now: () => Date;
  /** The send policy in force, recorded with every letter it judges. */
  readonly sendPolicy: SendPolicy;

  constructor(private readonly options: ExchangeOptions) {
    this.now = options.now ?? (() => new Date());
    this.sendPolicy = options.sendPolicy ?? DEFAULT_SEND_POLICY;
    if (!options.verifier && !sendPolicyAccepts(this.sendPolicy, undefined)) {
      throw new Error(`the send policy ${this.sendPolicy} judges verdicts: the exchange needs a verifier`);
    }
  }

  /** Registers a draft letter and returns where to upload its file. */
  async createLetter(
    caller: Caller,
    input: CreateLetterInput,
  ): Promise<{ letter: LetterView; upload: PresignedUpload; attachments?: AttachmentUpload[] }> {
    this.checkFileSize(input.file.size);
    for (const attachment of input.attachments ?? []) {
      this.checkFileSize(attachment.size);
      this.checkFileSize(attachment.signature?.size ?? 0);
    }
    if (input.recipients.includes(caller.organCode)) {
      throw new ExchangeError("VALIDATION_FAILED", {
        detail: `a letter cannot be addressed to its sender (${caller.organCode})`,
        meta: { errors: [{ path: "body.recipients", message: "must not include the sender" }] },
      });
    }
    await this.assertActive(caller, input.recipients);
    await this.lifecycle().checkBusiness(caller, input); // a revoke/update/replace names a letter of the caller's
    const { file, ...metadata } = input;
    const createdAt = this.now().toISOString();
    // The draft as numbered `number`: its id follows from its number (numbering.ts).
    const numbered = (number: string): Letter => {
      const code = { ...metadata.code, number };
      const id = letterIdOf(caller.organCode, vietnamYear(createdAt), code);
      return {
        ...metadata,
        code,
        id,
        sender: caller.organCode,
        state: "draft",
        file: { ...file, key: `${BUCKET_LAYOUT.incoming}${id}` },
        createdAt,
      };
    };
    // With its number: the one given, or the series' next for "auto".
    const written = await this.options.ledger.createLetter(numbered(metadata.code.number), numbered);
    const upload = await this.options.documents.presignUpload(written.file.key, file);
    const attachments = written.attachments?.length
      ? await presignAttachmentUploads(this.options.documents, written.id, written.attachments)
      : undefined;
    return { letter: this.view(written, []), upload, ...(attachments ? { attachments } : {}) };
  }

  /**
   * Checks the uploaded file against what was declared, verifies it, and, if the send policy in
   * force accepts the verdict, commits the send (the letter becomes `sending`) and fans it out to
   * every recipient (`fan-out.ts`), after which it is `sent`. A verdict the policy does not accept
   * is refused (SIGNATURE_POLICY_FAILED): nothing is delivered, the draft is kept and records the
   * attempt (its report stays retrievable). Sending again is harmless: a committed send that was
   * interrupted is completed (each recipient gets its copy once), a sent letter is answered as it is.
   */
  async sendLetter(caller: Caller, id: string): Promise<LetterView> {
    const letter = await this.letterForSender(caller, id);
    if (letter.state !== "draft") {
      return this.finishSend(letter);
    }
    // The sender, and the recipients again (not only at creation): an organ deactivated or merged
    // since the draft was made receives nothing, and neither does any other recipient. Read with
    // the file and the policy, at once; a refusal comes in this order whatever answers first.
    const [, bytes, policy] = await inOrder([
      this.assertActive(caller, letter.recipients),
      this.options.documents.read(letter.file.key),
      this.policyFor(letter.sender),
    ] as const);
    if (!bytes) {
      throw new ExchangeError("UPLOAD_MISSING", { detail: `nothing uploaded for letter ${id}` });
    }
    if (bytes.length !== letter.file.size) {
      throw new ExchangeError("UPLOAD_SIZE_MISMATCH", {
        detail: `declared ${letter.file.size} bytes, uploaded ${bytes.length} bytes`,
      });
    }
    const sha256 = sha256Hex(bytes);
    if (sha256 !== letter.file.sha256) {
      throw new ExchangeError("UPLOAD_CHECKSUM_MISMATCH", {
        detail: `declared SHA-256 ${letter.file.sha256}, uploaded ${sha256}`,
      });
    }
    // The appendices first (uploads checked, each verified): one the policy refuses refuses the send.
    const attached = await checkAttachments(this.options, letter, (verdict) =>
      sendPolicyAccepts(policy.setting.verdicts, verdict),
    );
    const checked = await this.verify(bytes, letter, sha256, policy, attached.refused.length === 0);
    const verification = checked?.verification;
    if (checked?.verification.decision === "refused") {
      return this.refuse(caller, letter, checked, attached);
    }
    if (attached.refused.length > 0) {
      throw attachmentsRefused(letter, attached.refused); // no verifier: cannot happen (no verdicts)
    }
    // Under Object Lock, letters/ and evidence/ objects can never be removed: they are written
    // only once the table has committed this send, so a send that loses a race writes none. The
    // report waits under incoming/ (unlocked) so that a retry after a crash can still file it.
    // The bytes just checked are written, not copied: the upload key may change meanwhile
    // (POST /v1/sign), the content address never.
    const report = checked ? Buffer.from(JSON.stringify(checked.report, null, 2), "utf8") : undefined;
    const reportSourceKey = checked
      ? `${BUCKET_LAYOUT.incoming}${id}/${sha256}/report-${randomUUID()}.json`
      : undefined;
    if (reportSourceKey && report) {
      await this.options.documents.write(reportSourceKey, report, "application/json");
    }
    const attachmentsReportSourceKey = attached.report
      ? `${BUCKET_LAYOUT.incoming}${id}/${sha256}/attachments-${randomUUID()}.json`
      : undefined;
    if (attachmentsReportSourceKey && attached.report) {
      await this.options.documents.write(attachmentsReportSourceKey, attached.report, "application/json");
    }
    const at = this.now().toISOString();
    const committed: Letter = {
      ...letter,
      state: "sending",
      sentAt: at,
      file: { ...letter.file, key: `${BUCKET_LAYOUT.letters}${id}/${sha256}` },
      ...(verification ? { verification } : {}),
      ...(attached.attachments.length > 0 ? { attachments: attached.attachments } : {}),
      ...(attachmentsReportSourceKey
        ? {
            attachmentsReportKey: `${BUCKET_LAYOUT.evidence}${attachmentsReportSourceKey.slice(BUCKET_LAYOUT.incoming.length)}`,
          }
        : {}),
      pending: {
        sourceKey: letter.file.key,
        ...(reportSourceKey ? { reportSourceKey } : {}),
        ...(attachmentsReportSourceKey ? { attachmentsReportSourceKey } : {}),
      },
    };
    const event = sentEventOf(committed);
    const sending: Letter = { ...committed, head: { seq: event.seq, hash: event.hash } };
    if (!(await this.options.ledger.beginSend(sending, sha256))) {
      return this.afterLostRace(caller, id);
    }
    return this.finishSend(sending, {
      file: bytes,
      ...(report ? { report } : {}),
      ...(attached.report ? { attachmentsReport: attached.report } : {}),
      attachments: attached.bytes,
    });
  }

  /**
   * The background sweep (a scheduled function): completes sends committed more than `graceMs` ago
   * that are still `sending` (their request died: a crash, a timeout), at most `limit` of them, as a
   * retry of `send` would. Returns their ids.
   */
  async completeInterruptedSends(options: { graceMs?: number; limit?: number } = {}): Promise<string[]> {
    const before = new Date(this.now().getTime() - (options.graceMs ?? 60_000)).toISOString();
    const letters = await this.options.ledger.lettersSending(before, options.limit ?? 25);
    let failure: unknown;
    for (const letter of letters) {
      // Read again: the index lags the table, and the letter may have been finished meanwhile.
      const current = await this.options.ledger.getLetter(letter.id);
      if (current?.state === "sending") {
        // As a retry of `send` would, the lifecycle's follow-up included (threads, revoke/replace);
        // one letter that fails does not hold back the others (it stays for the next run).
        await this.finishSend(current).catch((error: unknown) => {
          failure ??= error;
        });
      }
    }
    if (failure) {
      throw failure;
    }
    return letters.map((letter) => letter.id);
  }

  /** Completes a committed send (again, after an interruption) and answers with the letter. */
  private async finishSend(letter: Letter, bytes?: FanOutBytes): Promise<LetterView> {
    const sent = await completeFanOut(this.options, letter, bytes);
    await this.lifecycle().afterSend(sent); // replies join their thread; revoke/replace freeze the earlier letter
    // A first, uninterrupted attempt wrote exactly these copies; otherwise read what is there.
    return this.view(sent, bytes ? deliveriesOf(sent) : await this.options.ledger.listDeliveries(letter.id));
  }

  /**
   * Gives a draft a new file (e.g. the corrected one after a refused `send`) and returns where to
   * upload it. The upload goes to the file's own content address under `incoming/`, so a file
   * the exchange signed or an earlier upload is never overwritten.
   */
  async replaceFile(
    caller: Caller,
    id: string,
    input: LetterFileInput,
  ): Promise<{ letter: LetterView; upload: PresignedUpload }> {
    await this.assertActive(caller);
    const letter = await this.letterForSender(caller, id);
    if (letter.state !== "draft") {
      throw new ExchangeError("LETTER_ALREADY_SENT", { detail: `letter ${id} was sent at ${letter.sentAt}` });
    }
    this.checkFileSize(input.size);
    const file: Letter["file"] = { ...input, key: `${BUCKET_LAYOUT.incoming}${id}/${input.sha256}` };
    if (!(await this.options.ledger.replaceDraftFile(id, letter.file.sha256, file))) {
      const current = await this.letterForSender(caller, id);
      throw current.state !== "draft"
        ? new ExchangeError("LETTER_ALREADY_SENT", { detail: `letter ${id} was sent meanwhile` })
        : new ExchangeError("LETTER_CHANGED", { detail: "the letter's file changed meanwhile; try again" });
    }
    const upload = await this.options.documents.presignUpload(file.key, input);
    return { letter: this.view({ ...letter, file }, []), upload };
  }

  /** The letter as the caller may see it: the sender sees every delivery, a recipient its own. */
  async getLetter(caller: Caller, id: string): Promise<LetterView> {
    const { letter, delivery } = await this.visibleLetter(caller, id);
    const deliveries = delivery ? [delivery] : await this.options.ledger.listDeliveries(id);
    const view = this.view(letter, deliveries, await this.download(letter));
    return letter.attachments?.length
      ? { ...view, attachments: await attachmentViews(this.options.documents, letter, true) }
      : view;
  }

  async inbox(caller: Caller, query: ListQuery & InboxFilter): Promise<Page<InboxItem>> {
    const page = this.options.queries
      ? await this.options.queries.inbox(caller.organCode, query, query, vietnamDay(this.now()))
      : await this.options.ledger.inbox(caller.organCode, query.limit, query.cursor);
    return {
      items: page.items.map((delivery) => ({
        letterId: delivery.letterId,
        sender: delivery.sender,
        status: delivery.status,
        statusLabel: STATUS_LABELS[delivery.status],
        deliveredAt: delivery.deliveredAt,
        updatedAt: delivery.updatedAt,
        ...delivery.summary,
        ...lifecycleMarks(delivery),
      })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  async outbox(caller: Caller, query: ListQuery & OutboxFilter): Promise<Page<LetterView>> {
    const page = this.options.queries
      ? await this.options.queries.outbox(caller.organCode, query, query)
      : await this.options.ledger.outbox(caller.organCode, query.limit, query.cursor);
    return {
      items: page.items.map((letter) => this.view(letter, [])),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  /** Badge counts of the caller organ's inbox (unread, open, overdue, due today). */
  async inboxCounts(caller: Caller): Promise<InboxCounts> {
    if (!this.options.queries) {
      throw new Error("inbox counts need the queries port (functions/runtime-exchange.ts)");
    }
    return this.options.queries.inboxCounts(caller.organCode, vietnamDay(this.now()));
  }

  /**
   * A recipient's clerk records what happened to its copy (edXML status 02–06) or answers the
   * sender's recall/update request (15, 16): one event of the copy's chain (`lifecycle.ts`).
   */
  setStatus(caller: Caller, id: string, input: SetStatusInput): Promise<CopyView> {
    return this.lifecycle().setStatus(caller, id, input);
  }

  private lifecycle(): Lifecycle {
    const { ledger } = this.options;
    return new Lifecycle({ ledger, events: ledger.events, now: this.now });
  }

  /**
   * The full verification report kept at `send`, for the sender and the recipients; for a draft,
   * the report of its last refused send attempt.
   */
  async verificationReport(caller: Caller, id: string): Promise<ValidationReport> {
    const { letter } = await this.visibleLetter(caller, id);
    const key = letter.verification?.reportKey;
    const stored = key ? await this.options.documents.read(key) : undefined;
    if (!stored) {
      throw new ExchangeError("LETTER_NOT_VERIFIED", {
        detail:
          letter.state === "draft"
            ? `letter ${id} is a draft that no send attempt has verified yet; POST /v1/letters/${id}/verify verifies it now`
            : `letter ${id} was sent without a kept verification report`,
        meta: { state: letter.state },
      });
    }
    return JSON.parse(Buffer.from(stored).toString("utf8")) as ValidationReport;
  }

  /** Verifies a letter's current file now (e.g. again, after a CA published a new CRL). */
  async verifyLetter(caller: Caller, id: string): Promise<ValidationReport> {
    const { letter } = await this.visibleLetter(caller, id);
    const bytes = await this.options.documents.read(letter.file.key);
    if (!bytes || !this.options.verifier) {
      throw new ExchangeError("UPLOAD_MISSING", { detail: `nothing to verify for letter ${id}` });
    }
    return this.options.verifier.verify(bytes, letter.sender);
  }

  /**
   * Verifies the file and judges the verdict by the send policy; the report is kept by the caller
   * once the table has committed the attempt ({@link Exchange.keepReport}).
   */
  private async verify(
    bytes: Uint8Array,
    letter: Letter,
    sha256: string,
    { setting, scope }: { setting: SendPolicySetting; scope: string },
    attachmentsAccepted: boolean,
  ): Promise<CheckedSend | undefined> {
    if (!this.options.verifier) {
      return undefined; // only under a policy that delivers unverified letters (constructor)
    }
    // An unreadable PDF is refused here (PDF_MALFORMED), before anything is delivered.
    const report = await this.options.verifier.verify(bytes, letter.sender);
    const unmet = unmetRequirements(setting, report.signatures, letter.sender);
    const decision =
      sendPolicyAccepts(setting.verdicts, report.verdict) && unmet.length === 0 && attachmentsAccepted
        ? "delivered"
        : "refused";
    // One key per attempt: a concurrent send must not overwrite the report of the one that won
    // (the winner's key is what the letter records). A refused attempt's report stays with the
    // draft under incoming/ (unlocked, it expires with the draft's upload); only a delivered
    // letter's report goes to the locked evidence/.
    const reportKey =
      `${decision === "delivered" ? BUCKET_LAYOUT.evidence : BUCKET_LAYOUT.incoming}` +
      `${letter.id}/${sha256}/verification-${randomUUID()}.json`;
    return {
      report,
      verification: {
        ...summariseVerification(report, reportKey),
        policy: setting.verdicts,
        policySetting: { ...setting, scope },
        ...(unmet.length > 0 ? { unmetRequirements: unmet } : {}),
        decision,
        fileSha256: sha256,
      },
    };
  }

  /**
   * The policy in force for a sender: an admin's setting (the sender's pilot override, else the
   * deployment's) read at each send, else the environment's verdicts with no signature requirement.
   */
  private async policyFor(sender: string): Promise<{ setting: SendPolicySetting; scope: string }> {
    return (
      (await this.options.policySource?.sendPolicyFor(sender)) ?? {
        setting: environmentSetting(this.sendPolicy),
        scope: "environment",
      }
    );
  }

  private keepReport({ report, verification }: CheckedSend): Promise<void> {
    return this.options.documents.write(
      verification.reportKey ?? "",
      Buffer.from(JSON.stringify(report, null, 2), "utf8"),
      "application/json",
    );
  }

  /**
   * A send the policy refused: the draft records the attempt (so that its report can be read)
   * and the caller gets SIGNATURE_POLICY_FAILED with the verdict, the summary and where the
   * report is. Nothing is delivered.
   */
  private async refuse(
    caller: Caller,
    letter: Letter,
    checked: CheckedSend,
    attached: CheckedAttachments,
  ): Promise<LetterView> {
    const { verification } = checked;
    if (!(await this.options.ledger.recordSendRefusal(letter.id, verification.fileSha256, verification))) {
      return this.afterLostRace(caller, letter.id);
    }
    await this.keepReport(checked);
    const mainAccepted =
      sendPolicyAccepts(verification.policy, verification.verdict) && !verification.unmetRequirements?.length;
    if (mainAccepted && attached.refused.length > 0) {
      // Only appendices failed: the refusal names them (and carries the main file's verification).
      const refusal = attachmentsRefused(letter, attached.refused);
      const problem = (refusal.meta?.["problem"] ?? {}) as Record<string, unknown>;
      throw new ExchangeError("SIGNATURE_POLICY_FAILED", {
        detail: refusal.detail ?? "",
        meta: {
          problem: {
            ...problem,
            verification: withoutReportKey(verification),
            report: `/v1/letters/${letter.id}/verification`,
          },
        },
      });
    }
    const accepted = SEND_POLICIES[verification.policy].join(" or ");
    const unmet = verification.unmetRequirements ?? [];
    throw new ExchangeError("SIGNATURE_POLICY_FAILED", {
      detail:
        `letter ${letter.id} was not sent: its verification verdict is ${verification.verdict}, and the ` +
        `send policy in force (${verification.policy}) sends only letters whose verdict is ${accepted}` +
        (unmet.length > 0 ? ` and that carry the signatures it requires (missing: ${unmet.join(", ")})` : ""),
      meta: {
        problem: {
          verification: withoutReportKey(verification),
          report: `/v1/letters/${letter.id}/verification`,
          // Appendices the policy refuses too, so that one answer names everything to correct.
          ...(attached.refused.length > 0 ? { attachments: attached.refused.map(refusedAttachment) } : {}),
        },
      },
    });
  }

  /** The draft changed between our read and write: sent by another request, or given another file. */
  private async afterLostRace(caller: Caller, id: string): Promise<LetterView> {
    const current = await this.letterForSender(caller, id);
    if (current.state === "draft") {
      // Signed again while being sent: the file checked above is no longer the draft's.
      throw new ExchangeError("LETTER_CHANGED", {
        detail: "the letter's file changed while it was being sent",
      });
    }
    // Another request committed it first: finish it with that one (each copy once) and answer.
    return this.finishSend(current);
  }

  private assertActive(caller: Caller, recipients: readonly string[] = []): Promise<void> {
    return assertActiveOrgans(this.options.ledger, caller, recipients);
  }

  private checkFileSize(size: number): void {
    if (size > this.options.maxFileBytes) {
      throw new ExchangeError("PAYLOAD_TOO_LARGE", {
        detail: `file is ${size} bytes; the limit is ${this.options.maxFileBytes} bytes`,
        meta: { limit: this.options.maxFileBytes },
      });
    }
  }

  /**
   * The letter if the caller sent it, or with the caller's own delivery if it received a copy;
   * otherwise LETTER_NOT_FOUND (another organ's letter is indistinguishable from a missing one).
   */
  private async visibleLetter(caller: Caller, id: string): Promise<{ letter: Letter; delivery?: Delivery }> {
    const letter = await this.options.ledger.getLetter(id);
    if (letter && letter.sender === caller.organCode) {
      return { letter };
    }
    // Read whether or not the letter exists (or is a draft): a missing letter and another organ's
    // cost the same reads, so the time of the answer does not tell them apart.
    const delivery = await this.options.ledger.getDelivery(id, caller.organCode);
    // A copy exists only once the letter's file is stored (fan-out.ts), `sending` or `sent`.
    if (!letter || letter.state === "draft" || !delivery) {
      throw notFound(id);
    }
    return { letter, delivery };
  }

  private async letterForSender(caller: Caller, id: string): Promise<Letter> {
    const letter = await this.options.ledger.getLetter(id);
    if (!letter || letter.sender !== caller.organCode) {
      // Another organ's letter is indistinguishable from a missing one.
      throw notFound(id);
    }
    return letter;
  }

  private download(letter: Letter): Promise<PresignedDownload> {
    return this.options.documents.presignDownload(letter.file.key, letter.file.name);
  }

  private view(letter: Letter, deliveries: readonly Delivery[], download?: PresignedDownload): LetterView {
    const { key: _key, ...file } = letter.file;
    const { pending: _pending, head: _head, attachmentsReportKey: _reports, ...shown } = letter;
    const verification = letter.verification ? withoutReportKey(letter.verification) : undefined;
    const order = new Map(letter.recipients.map((code, i) => [code, i]));
    return {
      ...shown,
      file,
      ...(verification ? { verification } : {}),
      deliveries: [...deliveries]
        .sort((a, b) => (order.get(a.recipient) ?? 0) - (order.get(b.recipient) ?? 0))
        .map(recipientView),
      ...(download ? { download } : {}),
    };
  }
}

/**
 * Every write needs the caller's organ active in the directory; a letter is created and sent only
 * to active organs. Merged and inactive organs stay in the directory (their letters remain
 * readable) but act and receive no more: a merged organ's letters are not forwarded to its
 * successor, the sender addresses the successor itself. One directory read. Exported for the
 * other writers of a draft (`letter-signing.ts`), so that they refuse before doing any work; the
 * ledger's file replacement checks it again in its transaction.
 *
 * @example
 * await assertActiveOrgans(ledger, caller); // ORGAN_INACTIVE for a merged or inactive organ
 */
export async function assertActiveOrgans(
  ledger: Pick<ExchangeLedger, "organStatuses" | "organSuccessors">,
  caller: Caller,
  recipients: readonly string[] = [],
): Promise<void> {
  const statuses = await ledger.organStatuses([caller.organCode, ...recipients]);
  const own = statuses.get(caller.organCode);
  if (own !== "active") {
    throw new ExchangeError("ORGAN_INACTIVE", {
      detail: `organ ${caller.organCode} is ${own ?? "not in the directory"}: its keys may only read`,
      meta: { organCode: caller.organCode, status: own ?? "unknown" },
    });
  }
  const missing = recipients.filter((code) => !statuses.has(code));
  if (missing.length > 0) {
    throw new ExchangeError("ORGAN_NOT_FOUND", {
      detail: `unknown recipient organ code(s): ${missing.join(", ")}`,
      meta: { missing },
    });
  }
  const gone = recipients.filter((code) => statuses.get(code) !== "active");
  // Only on refusal: a merged organ's successor, so that the refusal names whom to address.
  const successors =
    gone.length > 0 && ledger.organSuccessors
      ? await ledger.organSuccessors(gone)
      : new Map<string, string>();
  const inactive = gone.map((code) => {
    const successor = successors.get(code);
    return { organCode: code, status: statuses.get(code), ...(successor ? { successor } : {}) };
  });
  if (inactive.length > 0) {
    const named = inactive.map(
      (r) => `${r.organCode} (${r.status}${r.successor ? `: address its successor ${r.successor}` : ""})`,
    );
    throw new ExchangeError("RECIPIENT_INACTIVE", {
      detail: `recipient(s) no longer active: ${named.join(", ")}; nothing was delivered`,
      // In the problem document too: a client reads whom to address instead.
      meta: { inactive, problem: { inactive } },
    });
  }
}

/** A verified send attempt: the report, and what the letter records of it. */
interface CheckedSend {
  readonly report: ValidationReport;
  readonly verification: SendVerification;
}

function recipientView(delivery: Delivery): RecipientView {
  return {
    organCode: delivery.recipient,
    status: delivery.status,
    statusLabel: STATUS_LABELS[delivery.status],
    ...(delivery.reason ? { reason: delivery.reason } : {}),
    updatedAt: delivery.updatedAt,
    ...lifecycleMarks(delivery),
  };
}

/** What the lifecycle records on a copy (recall handshake, revocation), shown wherever the copy is. */
function lifecycleMarks(delivery: Delivery & CopyLifecycle): CopyLifecycle {
  return {
    ...(delivery.recall ? { recall: delivery.recall } : {}),
    ...(delivery.revoked ? { revoked: delivery.revoked } : {}),
  };
}

/** Object keys are the exchange's business; callers fetch the report through its route. */
function withoutReportKey<T extends VerificationSummary>(verification: T): Omit<T, "reportKey"> {
  const { reportKey: _key, ...rest } = verification;
  return rest;
}

function notFound(id: string): ExchangeError {
  return new ExchangeError("LETTER_NOT_FOUND", { detail: `letter ${id}` });
}

/**
 * The results of independent reads started together; if any fails, the first failure in the
 * order given (not in time) is thrown, so a caller always gets the same refusal.
 */
async function inOrder<T extends readonly unknown[]>(
  reads: { readonly [K in keyof T]: Promise<T[K]> },
): Promise<{ -readonly [K in keyof T]: T[K] }> {
  const settled = await Promise.allSettled(reads);
  for (const outcome of settled) {
    if (outcome.status === "rejected") {
      throw outcome.reason;
    }
  }
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: T[K];
  };
}
