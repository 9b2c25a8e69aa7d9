import { createHash } from "node:crypto";
import { ExchangeError } from "../errors/index.ts";
import { stampLines } from "../pdf/appearance/stamp-lines.ts";
import type { AppearanceOptions } from "../pdf/appearance/types.ts";
import type { OrganSigners } from "../signing/organ-signers.ts";
import { signPdf } from "../signing/sign-pdf.ts";
import type { Tsa } from "../signing/tsa.ts";
import type { DocumentStore, ExchangeLedger } from "../storage/ports.ts";
import { BUCKET_LAYOUT } from "../storage/schema.ts";
import type { SignLetterInput } from "./letter-schema.ts";
import type { Caller, Letter } from "./types.ts";

export interface LetterSigningOptions {
  readonly ledger: ExchangeLedger;
  readonly documents: DocumentStore;
  readonly signers: OrganSigners;
  /** PAdES B-T when given: a timestamp from this TSA, or no signature at all. */
  readonly tsa?: Tsa;
  /** Fonts for appearances where the default system fonts are absent (Lambda). */
  readonly fonts?: { readonly regular: Uint8Array; readonly bold: Uint8Array };
  readonly now?: () => Date;
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
 * Applies the caller organ's signature (its "seal" key) to a draft letter's PDF, as an
 * incremental update, and makes the signed file the draft's file. Only the sender may sign,
 * only before `send`; the key stays inside the Signer (KMS in AWS).
 */
export class LetterSigning {
  private readonly now: () => Date;

  constructor(private readonly options: LetterSigningOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async sign(caller: Caller, input: SignLetterInput): Promise<SignedLetterFile> {
    const { ledger, documents } = this.options;
    const letter = await ledger.getLetter(input.letterId);
    if (!letter || letter.sender !== caller.organCode) {
      throw new ExchangeError("LETTER_NOT_FOUND", { detail: `letter ${input.letterId}` });
    }
    if (letter.state !== "draft") {
      throw new ExchangeError("LETTER_ALREADY_SENT", { detail: "a sent letter cannot be signed again" });
    }
    const pdf = await documents.read(letter.file.key);
    if (!pdf) {
      throw new ExchangeError("UPLOAD_MISSING", { detail: `nothing uploaded for letter ${letter.id}` });
    }
    if (sha256(pdf) !== letter.file.sha256) {
      throw new ExchangeError("UPLOAD_CHECKSUM_MISMATCH", {
        detail: `declared SHA-256 ${letter.file.sha256}, stored file differs`,
      });
    }

    const signer = await this.options.signers.signerFor(caller.organCode);
    const signingTime = this.now();
    const signed = await signPdf(pdf, {
      signer,
      ...(this.options.tsa ? { tsa: this.options.tsa } : {}),
      signingTime,
      reason: input.reason ?? "Ký số văn bản",
      ...(input.location ? { location: input.location } : {}),
      appearance: this.appearance(
        input.appearance,
        letter,
        signer.certificate.subject.organization,
        signingTime,
      ),
    });

    // Each signed version gets its own content address, so that the object and the record can
    // only change together: a request that loses a race leaves an unreferenced object, never a
    // record that points at other bytes.
    const digest = sha256(signed);
    const file = {
      ...letter.file,
      size: signed.length,
      sha256: digest,
      key: `${BUCKET_LAYOUT.incoming}${letter.id}/${digest}`,
    };
    await documents.write(file.key, signed, letter.file.contentType);
    if (!(await ledger.replaceDraftFile(letter.id, letter.file.sha256, file))) {
      throw new ExchangeError("LETTER_CHANGED", {
        detail: "the letter was signed or sent meanwhile; look at it again",
      });
    }
    const { key: _key, ...publicFile } = file;
    return {
      letterId: letter.id,
      file: publicFile,
      signer: {
        ...(signer.certificate.subject.commonName ? { name: signer.certificate.subject.commonName } : {}),
        ...(signer.certificate.subject.organCode ? { organCode: signer.certificate.subject.organCode } : {}),
        certificateSha256: signer.certificate.sha256,
      },
      signedAt: signingTime.toISOString(),
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

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
