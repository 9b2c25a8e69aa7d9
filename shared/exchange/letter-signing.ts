import { randomBytes } from "node:crypto";
import type { Tsa } from "../cms/ports.ts";
import { ExchangeError } from "../errors/index.ts";
import { stampLines } from "../pdf/appearance/stamp-lines.ts";
import type { AppearanceOptions } from "../pdf/appearance/types.ts";
import { type Certificate, parseCertificate, parseCertificates } from "../pki/certificate.ts";
import type { OrganSigners } from "../signing/organ-signers.ts";
import {
  completePdfSignature,
  type PreparedPdfSignature,
  preparePdfSignature,
} from "../signing/pdf-external.ts";
import { signPdf } from "../signing/sign-pdf.ts";
import type { CompleteSignatureInput, PrepareSignatureInput, SignLetterInput } from "./letter-schema.ts";
import type { DocumentStore, ExchangeLedger, SigningSessionRecord } from "./ports.ts";
import { BUCKET_LAYOUT } from "./ports.ts";
import { sha256Hex } from "./sha256.ts";
import type { Caller, Letter } from "./types.ts";

export interface LetterSigningOptions {
  readonly ledger: ExchangeLedger;
  readonly documents: DocumentStore;
  /** The organs' own keys, for one-step signing; absent where the exchange holds none. */
  readonly signers?: OrganSigners;
  /** PAdES B-T when given: a timestamp from this TSA, or no signature at all. */
  readonly tsa?: Tsa;
  /** Fonts for appearances where the default system fonts are absent (Lambda). */
  readonly fonts?: { readonly regular: Uint8Array; readonly bold: Uint8Array };
  readonly now?: () => Date;
}

/** How long a prepared signature waits for its value. */
const SESSION_SECONDS = 15 * 60;

/**
 * Wrong signature values a session survives (a PIN typo on the token, the wrong key picked): the
 * last one spends it. Refusals that say the value was wrong; other failures give the session back.
 */
export const SIGNING_ATTEMPTS = 3;
const WRONG_VALUE: ReadonlySet<string> = new Set(["SIGNATURE_VALUE_INVALID", "CMS_MALFORMED"]);

/** Phase-1 answer: what the USB token or remote signing service must sign. */
export interface PreparedSignatureView {
  readonly signingId: string;
  readonly letterId: string;
  readonly hashAlgorithm: string;
  /** Base64 digest of `toBeSigned`: sign this with the signer's key (RSASSA-PKCS1-v1_5 or ECDSA). */
  readonly digestToSign: string;
  /** Base64 DER signed attributes, for signers that hash themselves. */
  readonly toBeSigned: string;
  readonly expiresAt: string;
}

export interface SignedLetterFile {
  readonly letterId: string;
  readonly file: Omit<Letter["file"], "key">;
  readonly signer: {
    readonly name?: string;
    readonly organCode?: string;
    readonly certificateSha256: string;
  };
  readonly signedAt: string;
}

/**
 * Signs a draft letter's PDF, as an incremental update, and makes the signed file the draft's
 * file: in one step with the organ's own key (its "seal", kept by the Signer: KMS in AWS), or in
 * two phases for a signer whose key is elsewhere (a USB token behind a local plugin, a CA's remote
 * signing service). Only the sender may sign, only before `send`.
 */
export class LetterSigning {
  private readonly now: () => Date;

  constructor(private readonly options: LetterSigningOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Signs with the organ's own key (KMS in AWS) in one step. */
  async sign(caller: Caller, input: SignLetterInput): Promise<SignedLetterFile> {
    if (!this.options.signers) {
      throw new ExchangeError("FORBIDDEN", { detail: "this exchange holds no signing keys" });
    }
    const { letter, pdf } = await this.draft(caller, input.letterId);
    const signer = await this.options.signers.signerFor(caller.organCode);
    const signingTime = this.now();
    const signed = await signPdf(pdf, {
      signer,
      ...(this.options.tsa ? { tsa: this.options.tsa } : {}),
      ...this.signatureFields(input, letter, signer.certificate.subject.organization, signingTime),
    });
    return this.keep(letter, letter.file.sha256, signed, signer.certificate, signingTime);
  }

  /**
   * Phase 1 of a signature made outside the exchange: lays out the placeholder for `input.certificates`
   * and returns the digest the USB token or remote service must sign. The certificate must belong
   * to the caller organ (its organ code, or a binding in the organ directory).
   */
  async prepare(caller: Caller, input: PrepareSignatureInput): Promise<PreparedSignatureView> {
    const { letter, pdf } = await this.draft(caller, input.letterId);
    const [certificate, ...chain] = parseCertificates(input.certificates);
    if (!certificate) {
      throw new ExchangeError("CERT_MALFORMED", { detail: "no PEM certificate in 'certificates'" });
    }
    const bound =
      certificate.subject.organCode === caller.organCode ||
      (await this.options.ledger.isCertificateBound(caller.organCode, certificate.sha256));
    if (!bound) {
      throw new ExchangeError("FORBIDDEN", {
        detail: `the certificate (${certificate.subject.text}) is not one that signs for ${caller.organCode}`,
      });
    }
    const timestamp = input.timestamp ?? this.options.tsa !== undefined;
    if (timestamp && !this.options.tsa) {
      throw new ExchangeError("TSA_UNAVAILABLE", {
        detail: "this exchange has no timestamp authority configured",
      });
    }
    const signingTime = this.now();
    const prepared = await preparePdfSignature(pdf, {
      certificate,
      chain,
      timestamp,
      ...this.signatureFields(input, letter, certificate.subject.organization, signingTime),
    });
    // Random, not the prepared PDF's digest: two prepares of one draft in the same second make the
    // same bytes, and one session must not overwrite the other.
    const signingId = randomBytes(32).toString("hex");
    const preparedKey = `${BUCKET_LAYOUT.incoming}${letter.id}/prepared-${signingId}`;
    await this.options.documents.write(preparedKey, prepared.preparedPdf, letter.file.contentType);
    const expiresAt = Math.floor(signingTime.getTime() / 1000) + SESSION_SECONDS;
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
    await this.options.ledger.putSigningSession({
      id: signingId,
      letterId: letter.id,
      organCode: caller.organCode,
      baseSha256: letter.file.sha256,
      preparedKey,
      timestamp,
      expiresAt,
      prepared: {
        toBeSigned: b64(prepared.toBeSigned),
        digestToSign: b64(prepared.digestToSign),
        hashAlgorithm: prepared.hashAlgorithm,
        contentDigest: b64(prepared.contentDigest),
        byteRange: prepared.byteRange,
        contentsStart: prepared.contentsStart,
        contentsEnd: prepared.contentsEnd,
        fieldName: prepared.fieldName,
        certificates: prepared.certificates.map(b64),
      },
    });
    return {
      signingId,
      letterId: letter.id,
      hashAlgorithm: prepared.hashAlgorithm,
      digestToSign: b64(prepared.digestToSign),
      toBeSigned: b64(prepared.toBeSigned),
      expiresAt: new Date(expiresAt * 1000).toISOString(),
    };
  }

  /** Phase 2: checks the returned signature value (or CMS) and makes the signed PDF the draft's file. */
  async complete(caller: Caller, input: CompleteSignatureInput): Promise<SignedLetterFile> {
    const session = await this.options.ledger.takeSigningSession(
      input.signingId,
      caller.organCode,
      this.now(),
    );
    const notFound = () =>
      new ExchangeError("SIGNING_SESSION_NOT_FOUND", {
        detail: `signing ${input.signingId}: unknown, expired, completed, or being completed by another request`,
      });
    if (!session) {
      throw notFound();
    }
    if ((session.failedAttempts ?? 0) >= SIGNING_ATTEMPTS) {
      await this.options.ledger.putSigningSession(session); // stays spent, and says so next time
      throw spent(session);
    }
    const [preparedPdf, letter] = await Promise.all([
      this.options.documents.read(session.preparedKey),
      this.options.ledger.getLetter(session.letterId),
    ]).catch((error: unknown) => this.giveBack(session, error));
    if (!preparedPdf || !letter) {
      throw notFound();
    }
    const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
    const { prepared } = session;
    const signed = await completePdfSignature(
      {
        // The copy in the bucket is the one prepare wrote; its byte ranges are checked against
        // the content digest the ledger keeps.
        id: sha256Hex(preparedPdf),
        preparedPdf,
        toBeSigned: bytes(prepared.toBeSigned),
        digestToSign: bytes(prepared.digestToSign),
        hashAlgorithm: prepared.hashAlgorithm as PreparedPdfSignature["hashAlgorithm"],
        contentDigest: bytes(prepared.contentDigest),
        byteRange: prepared.byteRange,
        contentsStart: prepared.contentsStart,
        contentsEnd: prepared.contentsEnd,
        fieldName: prepared.fieldName,
        certificates: prepared.certificates.map(bytes),
      },
      input.cms ? { cms: bytes(input.cms) } : bytes(input.signatureValue ?? ""),
      session.timestamp && this.options.tsa ? { tsa: this.options.tsa } : {},
    ).catch((error: unknown) => this.giveBack(session, error));
    const certificate = parseCertificate(bytes(prepared.certificates[0] ?? ""));
    return this.keep(letter, session.baseSha256, signed, certificate, this.now());
  }

  /**
   * Returns a session taken by `complete` whose completion failed: counting a wrong value (the
   * last allowed one spends it), unchanged after any other failure (a TSA or storage outage) so
   * that the same value can be sent again. Always throws.
   */
  private async giveBack(session: SigningSessionRecord, error: unknown): Promise<never> {
    if (!(error instanceof ExchangeError && WRONG_VALUE.has(error.code))) {
      await this.options.ledger.putSigningSession(session);
      throw error;
    }
    const failedAttempts = (session.failedAttempts ?? 0) + 1;
    await this.options.ledger.putSigningSession({ ...session, failedAttempts });
    if (failedAttempts >= SIGNING_ATTEMPTS) {
      throw spent(session);
    }
    const left = SIGNING_ATTEMPTS - failedAttempts;
    throw new ExchangeError(error.code, {
      detail: `${error.detail ?? "the value does not verify"}; ${left} more attempt${left === 1 ? "" : "s"} with this signingId`,
      cause: error,
      ...(error.meta ? { meta: error.meta } : {}),
    });
  }

  /** The caller's draft and its PDF, checked against the declared SHA-256. */
  private async draft(caller: Caller, letterId: string): Promise<{ letter: Letter; pdf: Uint8Array }> {
    const { ledger, documents } = this.options;
    const letter = await ledger.getLetter(letterId);
    if (!letter || letter.sender !== caller.organCode) {
      throw new ExchangeError("LETTER_NOT_FOUND", { detail: `letter ${letterId}` });
    }
    if (letter.state !== "draft") {
      throw new ExchangeError("LETTER_ALREADY_SENT", { detail: "a sent letter cannot be signed again" });
    }
    const pdf = await documents.read(letter.file.key);
    if (!pdf) {
      throw new ExchangeError("UPLOAD_MISSING", { detail: `nothing uploaded for letter ${letter.id}` });
    }
    if (sha256Hex(pdf) !== letter.file.sha256) {
      throw new ExchangeError("UPLOAD_CHECKSUM_MISMATCH", {
        detail: `declared SHA-256 ${letter.file.sha256}, stored file differs`,
      });
    }
    return { letter, pdf };
  }

  /**
   * Makes `signed` the draft's file if the draft still has the file it was made from. Each signed
   * version gets its own content address, so that the object and the record can only change
   * together: a request that loses a race leaves an unreferenced object, never a record that
   * points at other bytes.
   */
  private async keep(
    letter: Letter,
    baseSha256: string,
    signed: Uint8Array,
    certificate: Certificate,
    signedAt: Date,
  ): Promise<SignedLetterFile> {
    const digest = sha256Hex(signed);
    const file = {
      ...letter.file,
      size: signed.length,
      sha256: digest,
      key: `${BUCKET_LAYOUT.incoming}${letter.id}/${digest}`,
    };
    await this.options.documents.write(file.key, signed, letter.file.contentType);
    if (!(await this.options.ledger.replaceDraftFile(letter.id, baseSha256, file))) {
      throw new ExchangeError("LETTER_CHANGED", {
        detail: "the letter was signed or sent meanwhile; look at it again",
      });
    }
    const { key: _key, ...publicFile } = file;
    return {
      letterId: letter.id,
      file: publicFile,
      signer: {
        ...(certificate.subject.commonName ? { name: certificate.subject.commonName } : {}),
        ...(certificate.subject.organCode ? { organCode: certificate.subject.organCode } : {}),
        certificateSha256: certificate.sha256,
      },
      signedAt: signedAt.toISOString(),
    };
  }

  /** /Reason, /Location, /M and the appearance, the same for one-step and two-phase signing. */
  private signatureFields(
    input: SignLetterInput,
    letter: Letter,
    organisation: string | undefined,
    signingTime: Date,
  ) {
    return {
      signingTime,
      reason: input.reason ?? "Ký số văn bản",
      ...(input.location ? { location: input.location } : {}),
      appearance: this.appearance(input.appearance, letter, organisation, signingTime),
    };
  }

  private appearance(
    requested: SignLetterInput["appearance"],
    letter: Letter,
    organisation: string | undefined,
    signingTime: Date,
  ): AppearanceOptions {
    const fonts = this.options.fonts
      ? { fontBytes: this.options.fonts.regular, boldFontBytes: this.options.fonts.bold }
      : {};
    const lines =
      requested.kind === "stamp"
        ? (requested.lines ??
          stampLines({
            numberNotation: `${letter.code.number}/${letter.code.notation}`,
            ...(organisation ? { organisation } : {}),
            ...(requested.copyType ? { copyType: requested.copyType } : {}),
            signingTime,
          }))
        : undefined;
    return {
      kind: requested.kind,
      ...(requested.page ? { page: requested.page } : {}),
      ...(requested.image ? { image: Buffer.from(requested.image, "base64") } : {}),
      ...(requested.title ? { title: requested.title } : {}),
      ...(requested.signerName ? { signerName: requested.signerName } : {}),
      ...(lines ? { lines } : {}),
      ...fonts,
    };
  }
}

function spent(session: SigningSessionRecord): ExchangeError {
  return new ExchangeError("SIGNING_SESSION_SPENT", {
    detail: `signing ${session.id} received ${SIGNING_ATTEMPTS} wrong signature values; call /v1/sign/prepare again`,
  });
}
