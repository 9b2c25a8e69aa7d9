/**
 * Appendices (phụ lục, issue 10 item 2): files a letter carries besides its main file, declared at
 * creation (`attachments` of POST /v1/letters, at most {@link MAX_ATTACHMENTS}), each uploaded with
 * its own presigned PUT (and its `.p7s` with another) and each verified at `send`: a signed PDF by
 * the same verifier as the main file, any other file against its detached CAdES signature. The send
 * policy's verdicts apply to each: one refused appendix refuses the whole send, nothing delivered.
 * (The policy's signature requirements, a person's and a final organ signature, are about the main
 * file: an appendix needs only an accepted verdict.)
 *
 * Objects are content-addressed, so the letter item keeps no keys: a draft's upload waits under
 * `incoming/<id>/attachments/<sha256>`; once committed, it is written (by the fan-out, with the main
 * file) to `letters/<id>/<sha256>`, like the main file, and the appendices' reports, one JSON
 * object, to `evidence/`.
 */
import { ExchangeError } from "../errors/index.ts";
import type { Indication, ValidationReport } from "../verification/report.ts";
import { MAX_ATTACHMENTS } from "./letter-schema.ts";
import type { DocumentStore, PresignedDownload, PresignedUpload } from "./ports.ts";
import { BUCKET_LAYOUT } from "./ports.ts";
import { sha256Hex } from "./sha256.ts";
import type { AttachmentVerdict, Delivery, Letter, LetterAttachment } from "./types.ts";

export { MAX_ATTACHMENTS };

/** The media type a detached signature is uploaded and downloaded with. */
export const P7S_CONTENT_TYPE = "application/pkcs7-signature";

/** What verifies appendices (LetterVerifier has both). */
export interface AttachmentVerifier {
  verify(pdf: Uint8Array, expectedOrganCode?: string): Promise<ValidationReport>;
  verifyDetached(content: Uint8Array, p7s: Uint8Array, expectedOrganCode?: string): Promise<ValidationReport>;
}

/** Where a draft's appendix (or its `.p7s`, by its own SHA-256) is uploaded. */
export function attachmentUploadKey(letterId: string, sha256: string): string {
  return `${BUCKET_LAYOUT.incoming}${letterId}/attachments/${sha256}`;
}

/** Where a sent letter's appendix (or its `.p7s`) is kept: beside the main file, by content. */
export function attachmentKey(letterId: string, sha256: string): string {
  return `${BUCKET_LAYOUT.letters}${letterId}/${sha256}`;
}

/** The presigned PUTs of one appendix, returned by `createLetter`. */
export interface AttachmentUpload {
  readonly name: string;
  readonly sha256: string;
  readonly upload: PresignedUpload;
  readonly signature?: { readonly name: string; readonly sha256: string; readonly upload: PresignedUpload };
}

export function presignAttachmentUploads(
  documents: DocumentStore,
  letterId: string,
  attachments: readonly LetterAttachment[],
): Promise<AttachmentUpload[]> {
  return Promise.all(
    attachments.map(async (a): Promise<AttachmentUpload> => {
      const upload = await documents.presignUpload(attachmentUploadKey(letterId, a.sha256), a);
      if (!a.signature) {
        return { name: a.name, sha256: a.sha256, upload };
      }
      const { name, sha256 } = a.signature;
      const signatureUpload = await documents.presignUpload(attachmentUploadKey(letterId, sha256), {
        ...a.signature,
        contentType: P7S_CONTENT_TYPE,
      });
      return { name: a.name, sha256: a.sha256, upload, signature: { name, sha256, upload: signatureUpload } };
    }),
  );
}

/** Appendices checked at a send attempt. */
export interface CheckedAttachments {
  /** As the letter records them, each with its verdict (none without a verifier). */
  readonly attachments: readonly LetterAttachment[];
  /** Those the send policy refuses. */
  readonly refused: readonly LetterAttachment[];
  /** The reports, one JSON object `{ attachments: [{ name, sha256, report }] }`; absent if none. */
  readonly report?: Uint8Array;
  /** The uploaded bytes by SHA-256 (the fan-out writes them without reading them back). */
  readonly bytes: ReadonlyMap<string, Uint8Array>;
}

/**
 * Reads every appendix (and `.p7s`) of the draft, checks each against what was declared
 * (UPLOAD_MISSING, UPLOAD_SIZE_MISMATCH, UPLOAD_CHECKSUM_MISMATCH naming it) and verifies it;
 * `accepts` is the send policy's judgement of a verdict.
 */
export async function checkAttachments(
  ports: { readonly documents: DocumentStore; readonly verifier?: Partial<AttachmentVerifier> },
  letter: Letter,
  accepts: (verdict: Indication) => boolean,
): Promise<CheckedAttachments> {
  const declared = letter.attachments ?? [];
  const bytes = new Map<string, Uint8Array>();
  const checked = await Promise.all(
    declared.map(async (a) => {
      const content = await readUpload(ports.documents, letter.id, a, a.name);
      bytes.set(a.sha256, content);
      const p7s = a.signature
        ? await readUpload(ports.documents, letter.id, a.signature, `${a.name} (${a.signature.name})`)
        : undefined;
      if (a.signature && p7s) {
        bytes.set(a.signature.sha256, p7s);
      }
      const { verify, verifyDetached } = ports.verifier ?? {};
      if (!verify || !verifyDetached) {
        return { attachment: a }; // only under a policy that delivers unverified letters
      }
      const report = await namedFailure(a.name, () =>
        p7s
          ? verifyDetached.call(ports.verifier, content, p7s, letter.sender)
          : verify.call(ports.verifier, content, letter.sender),
      );
      const verification: AttachmentVerdict = {
        kind: p7s ? "detached" : "pdf",
        verdict: report.verdict,
        signatures: report.signatures.map((s) => ({
          ...(s.signer?.name ? { name: s.signer.name } : {}),
          ...(s.signer?.organCode ? { organCode: s.signer.organCode } : {}),
          indication: s.indication,
          ...(s.subIndication ? { subIndication: s.subIndication } : {}),
        })),
        accepted: accepts(report.verdict),
      };
      return { attachment: { ...a, verification }, report };
    }),
  );
  const reports = checked.flatMap(({ attachment, report }) =>
    report ? [{ name: attachment.name, sha256: attachment.sha256, report }] : [],
  );
  const attachments = checked.map(({ attachment }) => attachment);
  return {
    attachments,
    refused: attachments.filter((a) => a.verification?.accepted === false),
    ...(reports.length > 0
      ? { report: Buffer.from(JSON.stringify({ attachments: reports }, null, 2), "utf8") }
      : {}),
    bytes,
  };
}

/** How a refusal's problem document names a refused appendix. */
export function refusedAttachment(a: LetterAttachment) {
  return { name: a.name, sha256: a.sha256, verification: a.verification };
}

/** The refusal of a send whose appendices the policy does not accept, naming each. */
export function attachmentsRefused(letter: Letter, refused: readonly LetterAttachment[]): ExchangeError {
  const named = refused.map((a) => `${a.name} (${a.verification?.verdict})`).join(", ");
  return new ExchangeError("SIGNATURE_POLICY_FAILED", {
    detail: `letter ${letter.id} was not sent: the send policy in force does not accept its attachment(s) ${named}`,
    meta: {
      problem: {
        attachments: refused.map(refusedAttachment),
      },
    },
  });
}

/**
 * Writes a committed letter's appendices (and `.p7s`) to their content addresses: from `bytes`
 * when the first attempt has them, else from the uploads (a retry, the sweep).
 */
export async function writeAttachments(
  documents: DocumentStore,
  letter: Letter,
  bytes?: ReadonlyMap<string, Uint8Array>,
): Promise<void> {
  const files = (letter.attachments ?? []).flatMap((a) => [
    { sha256: a.sha256, contentType: a.contentType },
    ...(a.signature ? [{ sha256: a.signature.sha256, contentType: P7S_CONTENT_TYPE }] : []),
  ]);
  await Promise.all(
    files.map(async ({ sha256, contentType }) => {
      const body = bytes?.get(sha256) ?? (await documents.read(attachmentUploadKey(letter.id, sha256)));
      // Committed uploads cannot change (a draft's only): a missing or other file is damage.
      if (!body || sha256Hex(body) !== sha256) {
        throw new ExchangeError("INTERNAL", {
          detail: `an attachment of letter ${letter.id} (${sha256}) is missing or changed after its send was committed`,
        });
      }
      await documents.write(attachmentKey(letter.id, sha256), body, contentType);
    }),
  );
}

/** The inbox flag of a copy: how many appendices, and the worst of their verdicts. */
export function attachmentsFlag(letter: Letter): Delivery["summary"]["attachments"] | undefined {
  const list = letter.attachments ?? [];
  if (list.length === 0) {
    return undefined;
  }
  const verdicts = list.flatMap((a) => (a.verification ? [a.verification.verdict] : []));
  const worst = WORST_FIRST.find((v) => verdicts.includes(v));
  return { count: list.length, ...(worst ? { verdict: worst } : {}) };
}

const WORST_FIRST: readonly Indication[] = ["TOTAL_FAILED", "INDETERMINATE", "TOTAL_PASSED"];

/** An appendix as GET letter shows it: its declaration, verdict and, once sent, downloads. */
export interface AttachmentView extends LetterAttachment {
  readonly download?: PresignedDownload;
  readonly signatureDownload?: PresignedDownload;
}

export function attachmentViews(
  documents: DocumentStore,
  letter: Letter,
  withDownloads: boolean,
): Promise<AttachmentView[]> {
  const list = letter.attachments ?? [];
  if (!withDownloads || letter.state === "draft") {
    return Promise.resolve([...list]);
  }
  return Promise.all(
    list.map(async (a): Promise<AttachmentView> => {
      const download = await documents.presignDownload(attachmentKey(letter.id, a.sha256), a.name);
      const signatureDownload = a.signature
        ? await documents.presignDownload(attachmentKey(letter.id, a.signature.sha256), a.signature.name)
        : undefined;
      return { ...a, download, ...(signatureDownload ? { signatureDownload } : {}) };
    }),
  );
}

async function readUpload(
  documents: DocumentStore,
  letterId: string,
  file: { readonly size: number; readonly sha256: string },
  name: string,
): Promise<Uint8Array> {
  const bytes = await documents.read(attachmentUploadKey(letterId, file.sha256));
  if (!bytes) {
    throw new ExchangeError("UPLOAD_MISSING", { detail: `nothing uploaded for attachment ${name}` });
  }
  if (bytes.length !== file.size) {
    throw new ExchangeError("UPLOAD_SIZE_MISMATCH", {
      detail: `attachment ${name}: declared ${file.size} bytes, uploaded ${bytes.length} bytes`,
    });
  }
  const sha256 = sha256Hex(bytes);
  if (sha256 !== file.sha256) {
    throw new ExchangeError("UPLOAD_CHECKSUM_MISMATCH", {
      detail: `attachment ${name}: declared SHA-256 ${file.sha256}, uploaded ${sha256}`,
    });
  }
  return bytes;
}

/** A verifier's refusal (e.g. PDF_MALFORMED) says which appendix it is about. */
async function namedFailure<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ExchangeError) {
      throw new ExchangeError(error.code, {
        detail: `attachment ${name}: ${error.detail ?? error.code}`,
        ...(error.meta ? { meta: error.meta } : {}),
        cause: error,
      });
    }
    throw error;
  }
}
