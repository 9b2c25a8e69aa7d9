import type { ChainEvent } from "../evidence/chain.ts";
import type { Indication, SubIndication } from "../verification/report.ts";
import type { AttachmentInput, CreateLetterInput } from "./letter-schema.ts";
import type { SendPolicy, SendPolicySetting, SignatureRequirement } from "./send-policy.ts";
import type { StatusCode } from "./status.ts";

/** What a letter record keeps of its verification; the whole report is stored as evidence. */
export interface VerificationSummary {
  readonly verdict: Indication;
  readonly checkedAt: string;
  /** Object key of the full JSON report (`evidence/…`). */
  readonly reportKey?: string;
  readonly signatures: readonly {
    readonly name?: string;
    readonly organCode?: string;
    readonly indication: Indication;
    readonly subIndication?: SubIndication;
  }[];
  /** The clerk's one-paragraph reading, in Vietnamese and English. */
  readonly summary: { readonly vi: string; readonly en: string };
}

/**
 * The verification a letter records at a send attempt, with the send policy that judged it: on a
 * sent letter, what it was delivered with; on a draft, its last refused attempt.
 */
export interface SendVerification extends VerificationSummary {
  /** The send policy in force at this attempt (`shared/exchange/send-policy.ts`). */
  readonly policy: SendPolicy;
  /** The whole setting in force (verdicts and signature requirements) and where it came from. */
  readonly policySetting?: SendPolicySetting & { readonly scope: string };
  /** The policy's signature requirements this file did not meet (a refusal's reason). */
  readonly unmetRequirements?: readonly SignatureRequirement[];
  /** What the policy decided: delivered to every recipient, or refused with the draft kept. */
  readonly decision: "delivered" | "refused";
  /** SHA-256 of the file that was verified (a draft's file may change after a refusal). */
  readonly fileSha256: string;
}

export type Role = "clerk" | "integration" | "admin";

/** An organ (cơ quan) of the directory. Codes of merged or renamed organs stay as aliases. */
export interface Organ {
  readonly code: string;
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly status: "active" | "merged" | "inactive";
}

/** The organ a request acts for, established from its API key. */
export interface Caller {
  readonly organCode: string;
  readonly role: Role;
  /** The API key's id (SHA-256 of its secret), recorded with admin changes. */
  readonly keyId?: string;
}

export interface LetterFile {
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  /** Lowercase hex SHA-256 declared at creation and checked at `send`. */
  readonly sha256: string;
  /** Where the bytes are now: `incoming/…` before `send`, `letters/<id>/<sha256>` after. */
  readonly key: string;
}

/**
 * `sending`: the send is committed (verdict, policy, file key, recipients) and its copies are being
 * written (`fan-out.ts`); `sent` once every copy exists.
 */
export type LetterState = "draft" | "sending" | "sent";

/** A committed send's unfinished work: where the locked objects are copied from (`fan-out.ts`). */
export interface PendingFanOut {
  /** The verified upload (`incoming/…`), copied to the letter's content address. */
  readonly sourceKey: string;
  /** The verification report as kept before the commit (`incoming/…`), copied to `verification.reportKey`. */
  readonly reportSourceKey?: string;
  /** The appendices' reports as kept before the commit (`incoming/…`), copied to `attachmentsReportKey`. */
  readonly attachmentsReportSourceKey?: string;
}

/** How an appendix was judged at `send` (its full report is with the letter's evidence). */
export interface AttachmentVerdict {
  /** `pdf`: a signed PDF, verified as the main file; `detached`: the file with its `.p7s`. */
  readonly kind: "pdf" | "detached";
  readonly verdict: Indication;
  readonly signatures: VerificationSummary["signatures"];
  /** Whether the send policy in force accepts this verdict (a refused one stops the whole send). */
  readonly accepted: boolean;
}

/**
 * An appendix as the letter records it: as declared, plus its verdict once sent. Its objects are
 * content-addressed (`attachments.ts`), so the item stores no keys.
 */
export interface LetterAttachment extends AttachmentInput {
  readonly verification?: AttachmentVerdict;
}

export interface Letter extends Omit<CreateLetterInput, "file" | "attachments"> {
  readonly attachments?: readonly LetterAttachment[];
  /** The appendices' verification reports as one JSON object (`evidence/…`), once sent. */
  readonly attachmentsReportKey?: string;
  readonly id: string;
  readonly sender: string;
  readonly state: LetterState;
  readonly file: LetterFile;
  readonly createdAt: string;
  readonly sentAt?: string;
  /**
   * Set at `send`: how every signature of the file was judged, and what the send policy in force
   * decided. A draft carries its last refused attempt; a sent letter what it was delivered with.
   */
  readonly verification?: SendVerification;
  /** While `sending`: what is left to copy into the locked prefixes. */
  readonly pending?: PendingFanOut;
  /**
   * The head of the sender chain (`letter:<id>`). Its event 0, `letter.sent`, is not stored: it is
   * a function of the committed letter (`sentEventOf` in fan-out.ts), and its hash is `head.hash`
   * while no later event exists (keeps the letter item small: every write of it costs its size).
   */
  readonly head?: { readonly seq: number; readonly hash: string };
}

/** One copy of a letter on its way to one recipient. */
export interface Delivery {
  readonly letterId: string;
  readonly recipient: string;
  readonly sender: string;
  readonly status: StatusCode;
  readonly reason?: string;
  readonly deliveredAt: string;
  readonly updatedAt: string;
  /** Copied from the letter so that an inbox page needs one query. */
  readonly summary: Pick<Letter, "code" | "documentType" | "subject" | "urgency" | "dueDate"> & {
    /** The verification verdict at send, so that the inbox shows it at a glance. */
    readonly verdict?: VerificationSummary["verdict"];
    /** How many appendices the letter carries and the worst of their verdicts (the inbox flag). */
    readonly attachments?: { readonly count: number; readonly verdict?: VerificationSummary["verdict"] };
  };
  /**
   * The copy's arrival (01), event 0 of its chain `delivery:<letterId>:<recipient>`; `head` is set
   * by the first later event (absent, the arrival is the head).
   */
  readonly arrival?: ChainEvent;
  readonly head?: { readonly seq: number; readonly hash: string };
}

/** A status change or other event in a letter's history. */
export interface LetterEvent {
  readonly letterId: string;
  readonly at: string;
  readonly organCode: string;
  readonly type: "sent" | "status";
  readonly status?: StatusCode;
  readonly reason?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass back as `cursor` for the next page. Absent on the last page. */
  readonly nextCursor?: string;
}
