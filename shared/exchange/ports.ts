/**
 * The exchange's ports: what `shared/exchange` needs from storage. The adapters (DynamoDB, S3) live in
 * `shared/storage/` and implement these; the exchange never imports them.
 */
import type { EventStore } from "./event-ports.ts";
import type { StatusCode } from "./status.ts";
import type { Delivery, Letter, Organ, Page, Role } from "./types.ts";

/** Object key prefixes in the letters bucket (the keys the exchange hands to the DocumentStore). */
export const BUCKET_LAYOUT = {
  /**
   * A draft's bytes: client uploads (presigned PUT URLs), files signed by the exchange, and the
   * verification reports of refused send attempts. Never locked; expires (infra/data-store.ts).
   */
  incoming: "incoming/",
  /**
   * Verified, content-addressed letter files: `letters/<docId>/<sha256>`. Under Object Lock in
   * production: written only after the table committed the letter as sent.
   */
  letters: "letters/",
  /** Verification reports of sent letters, receipts, audit seals. Locked like `letters/`. */
  evidence: "evidence/",
} as const;

/** Where letter files live (S3 in AWS and locally). Keys are object keys in one bucket. */
export interface DocumentStore {
  /** A short-lived PUT URL bound to the key, the size and the SHA-256 of the body. */
  presignUpload(
    key: string,
    file: { size: number; sha256: string; contentType: string },
  ): Promise<PresignedUpload>;
  presignDownload(key: string, fileName: string): Promise<PresignedDownload>;
  read(key: string): Promise<Uint8Array | undefined>;
  write(key: string, body: Uint8Array, contentType: string): Promise<void>;
}

export interface PresignedUpload {
  readonly method: "PUT";
  readonly url: string;
  /** Headers the client must send unchanged; they are part of the signature. */
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: string;
}

export interface PresignedDownload {
  readonly url: string;
  readonly expiresAt: string;
}

/** An organ's signing key in AWS KMS with the certificate chain issued for it (leaf first, PEM). */
export interface OrganSignerRecord {
  /** Default: the deployment's signing key (`SIGNING_KEY_ID`). */
  readonly kmsKeyId?: string;
  readonly certificatesPem: string;
}

/**
 * A two-phase (external) signature in progress: the prepared PDF waits in the bucket under
 * `preparedKey` while a USB token or a remote service signs `digestToSign`. Binary fields are
 * base64; the record expires (`expiresAt`, epoch seconds) and can be completed once.
 */
export interface SigningSessionRecord {
  readonly id: string;
  readonly letterId: string;
  readonly organCode: string;
  /** SHA-256 of the draft's file the signature was prepared on. */
  readonly baseSha256: string;
  readonly preparedKey: string;
  readonly timestamp: boolean;
  readonly expiresAt: number;
  /** Wrong signature values given so far (LetterSigning allows a few). */
  readonly failedAttempts?: number;
  readonly prepared: {
    readonly toBeSigned: string;
    readonly digestToSign: string;
    readonly hashAlgorithm: string;
    readonly contentDigest: string;
    readonly byteRange: readonly number[];
    readonly contentsStart: number;
    readonly contentsEnd: number;
    readonly fieldName: string;
    readonly certificates: readonly string[];
  };
}

/** The exchange's records (DynamoDB): organs, keys, letters, deliveries, events. */
export interface ExchangeLedger {
  /** The letters' audit chains, on the same store (`event-ports.ts`): the lifecycle writes them. */
  readonly events: EventStore;
  /** The key's organ and role; undefined for an unknown, revoked or expired (rotated) key. */
  findApiKey(
    keyHash: string,
  ): Promise<{ readonly organCode: string; readonly role: Role; readonly keyId?: string } | undefined>;
  putApiKey(keyHash: string, organCode: string, role: Role): Promise<void>;
  putOrgan(organ: Organ): Promise<void>;
  /** The directory status of each of `codes` that the directory knows (one batch read). */
  organStatuses(codes: readonly string[]): Promise<ReadonlyMap<string, Organ["status"]>>;
  /** The successor of each merged organ among `codes` (for refusals that name it). */
  organSuccessors?(codes: readonly string[]): Promise<ReadonlyMap<string, string>>;

  /** PEM certificates the exchange trusts as roots when it verifies letters. */
  trustAnchors(): Promise<string[]>;
  putTrustAnchor(sha256: string, pem: string): Promise<void>;
  /** True when the certificate (by SHA-256) is registered as one that may sign for the organ. */
  isCertificateBound(organCode: string, certificateSha256: string): Promise<boolean>;
  bindCertificate(organCode: string, certificateSha256: string, pem: string): Promise<void>;
  /** The organ's signing configuration (AWS KMS key and its certificate chain), if any. */
  organSigner(organCode: string): Promise<OrganSignerRecord | undefined>;
  putOrganSigner(organCode: string, signer: OrganSignerRecord): Promise<void>;

  putSigningSession(session: SigningSessionRecord): Promise<void>;
  /**
   * The caller organ's unexpired, unused session, marked used in the same conditional write;
   * undefined otherwise (so a session completes at most once).
   */
  takeSigningSession(id: string, organCode: string, now: Date): Promise<SigningSessionRecord | undefined>;

  /**
   * Registers a draft with its number (numbering.ts): LETTER_NUMBER_TAKEN if the sender already used
   * it this year. Its id must be `letterIdOf` its number, for that is what makes the number unique.
   * For `"auto"`, the series' next number: `numbered(n)` is the draft numbered n. Returns the letter
   * as written.
   */
  createLetter(letter: Letter, numbered: (number: string) => Letter): Promise<Letter>;
  getLetter(id: string): Promise<Letter | undefined>;
  getDelivery(letterId: string, recipient: string): Promise<Delivery | undefined>;
  listDeliveries(letterId: string): Promise<Delivery[]>;
  /**
   * Commits a send: turns the draft that still has `expectedSha256` into the `sending` letter given
   * (verdict, policy, final file key, `pending`), in one conditional write. Returns false when the
   * letter was no longer that draft (nothing written).
   */
  beginSend(letter: Letter, expectedSha256: string): Promise<boolean>;
  /**
   * Writes copies that do not exist yet; a copy already there is left as it is (its status may
   * have moved on), so writing the same copies again is harmless.
   */
  putDeliveries(deliveries: readonly Delivery[]): Promise<void>;
  /** Marks a `sending` letter `sent` (every copy exists); a letter already sent is left as it is. */
  finishSend(letterId: string): Promise<void>;
  /** Letters committed before `before` (ISO time) and still `sending`, oldest first (the sweep's). */
  lettersSending(before: string, limit: number): Promise<Letter[]>;
  /**
   * Records a refused send attempt on a draft (its verification, with the send policy's decision)
   * if the draft still has the file that was verified. Delivers nothing. Returns false when the
   * letter is no longer that draft (nothing written).
   */
  recordSendRefusal(
    letterId: string,
    expectedSha256: string,
    verification: NonNullable<Letter["verification"]>,
  ): Promise<boolean>;
  /**
   * Replaces a draft's file (a newly signed version) if the draft still has `expectedSha256`.
   * Returns false when the letter is no longer that draft (nothing written).
   */
  replaceDraftFile(letterId: string, expectedSha256: string, file: Letter["file"]): Promise<boolean>;
  /**
   * Moves a delivery to `status` if its current status is one of `from`, with its event, atomically.
   * Returns false when the delivery was not in one of `from` (nothing written).
   */
  updateDeliveryStatus(
    delivery: Delivery,
    from: readonly StatusCode[],
    change: { status: StatusCode; reason?: string; at: string },
  ): Promise<boolean>;
  inbox(organCode: string, limit: number, cursor?: string): Promise<Page<Delivery>>;
  outbox(organCode: string, limit: number, cursor?: string): Promise<Page<Letter>>;
}
