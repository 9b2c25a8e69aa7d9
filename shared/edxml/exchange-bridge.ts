/**
 * edXML packages in and out of the exchange (issue 11 item 1, HTTP part): a letter package becomes a
 * letter the calling organ sends (create + store its files + send: the same checks, verification and
 * send policy as `POST /v1/letters/{id}/send`; its first PDF is the letter's file, every other
 * attachment an appendix, a `<name>.p7s` beside `<name>` that file's detached signature), a status package a status of the calling recipient's
 * copy (the lifecycle's status path); and a letter or a copy's status is written back as a package.
 * It lives beside the edXML model, not in shared/exchange: the exchange must not depend on edXML
 * (architecture.json), and this module is only a mapping onto the exchange's own methods.
 */
import { createHash } from "node:crypto";
import { ExchangeError, isExchangeError } from "../errors/index.ts";
import { attachmentKey, attachmentUploadKey, P7S_CONTENT_TYPE } from "../exchange/attachments.ts";
import type { Exchange, LetterView } from "../exchange/exchange.ts";
import { createLetterSchema, LETTER_ID, ORGAN_CODE, setStatusSchema } from "../exchange/letter-schema.ts";
import type { Lifecycle } from "../exchange/lifecycle.ts";
import { letterIdOf } from "../exchange/numbering.ts";
import type { DocumentStore, ExchangeLedger } from "../exchange/ports.ts";
import { ACTION_DESCRIPTIONS, mayPerform, rolesAllowed } from "../exchange/roles.ts";
import type { Caller, Letter } from "../exchange/types.ts";
import * as z from "../exchange/zod.ts"; // zod/mini (zod.ts says why)
import { sniff } from "./attachments.ts";
import {
  type EdxmlAttachment,
  type EdxmlLetter,
  type EdxmlStatus,
  type EdxmlStatusPackage,
  STATUS_BY_CODE,
  statusCode,
} from "./model.ts";
import { readEdxml } from "./read.ts";
import type { EdxmlWarning } from "./warnings.ts";
import { writeEdxml } from "./write.ts";

/** `GET /v1/letters/{id}/status.edxml?to=`: the copy (the sender must name it; a recipient gets its own). */
export const statusEdxmlQuerySchema = z.strictObject({
  to: z.optional(z.string().check(z.regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53"))),
});

/** What the bridge needs of the exchange (the handlers compose the production parts). */
export interface EdxmlExchangePorts {
  readonly exchange: Pick<Exchange, "createLetter" | "sendLetter" | "getLetter" | "replaceFile">;
  readonly setStatus: (
    caller: Caller,
    id: string,
    input: Parameters<Lifecycle["setStatus"]>[2],
  ) => Promise<unknown>;
  readonly ledger: Pick<ExchangeLedger, "getLetter">;
  readonly documents: Pick<DocumentStore, "read" | "write">;
}

/** An attachment of an imported letter package and what became of it. */
export interface ImportedAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  /**
   * `file`: the letter's PDF; `attachment`: an appendix, verified at send; `signature`: the detached
   * signature (.p7s) of the appendix `signatureOf`; `unsigned`: a non-PDF without its .p7s (or a .p7s
   * of no appendix), which refuses the import (EDXML_ATTACHMENT_UNSIGNED).
   */
  readonly imported: "file" | "attachment" | "signature" | "unsigned";
  readonly signatureOf?: string;
}

/** What each attachment of a letter package becomes: the letter's file, an appendix, a signature. */
interface Plan {
  readonly pdf: EdxmlAttachment | undefined;
  readonly appendices: readonly { readonly file: EdxmlAttachment; readonly p7s?: EdxmlAttachment }[];
  readonly report: readonly ImportedAttachment[];
}

export type ImportResult =
  | {
      readonly kind: "letter";
      /** false when the package names a letter the caller already sent with the same file (an export of it). */
      readonly created: boolean;
      readonly letter: LetterView;
      readonly attachments: readonly ImportedAttachment[];
      /** The package's own DocumentId (another system's), kept for the clerk. */
      readonly documentId?: string;
      readonly warnings: readonly EdxmlWarning[];
    }
  | { readonly kind: "status"; readonly copy: unknown; readonly warnings: readonly EdxmlWarning[] };

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function isPdf(attachment: EdxmlAttachment): boolean {
  return (
    attachment.contentType.toLowerCase() === "application/pdf" ||
    /\.pdf$/i.test(attachment.name) ||
    sniff(attachment.bytes) === "pdf"
  );
}

export class EdxmlBridge {
  constructor(private readonly ports: EdxmlExchangePorts) {}

  /** `POST /v1/edxml`: the package as the calling organ. Hostile or broken XML throws its EDXML_* code. */
  async import(caller: Caller, body: Uint8Array): Promise<ImportResult> {
    refuseReplacementCharacter(body);
    // Every attachment the package lists is delivered, or the import is refused: none is left out.
    const { package: pkg, warnings } = readEdxml(body, { refuseUnreadableAttachments: true });
    if (pkg.from.id !== caller.organCode) {
      throw new ExchangeError("EDXML_SENDER_MISMATCH", {
        detail: `the package is from ${pkg.from.id || "no organ"}; this key acts for ${caller.organCode}`,
      });
    }
    // The route lets both roles in; what the package does needs that action's role (roles.ts).
    const action = pkg.kind === "letter" ? "send" : "set-status";
    if (!mayPerform(caller.role, action)) {
      throw new ExchangeError("EDXML_ROLE_NOT_ALLOWED", {
        detail: `a ${pkg.kind} package needs a key that may ${ACTION_DESCRIPTIONS[action]} (${rolesAllowed(action).join(" or ")})`,
      });
    }
    return pkg.kind === "letter"
      ? this.importLetter(caller, pkg, warnings)
      : { kind: "status", copy: await this.importStatus(caller, pkg), warnings };
  }

  private async importLetter(
    caller: Caller,
    pkg: EdxmlLetter,
    warnings: readonly EdxmlWarning[],
  ): Promise<ImportResult> {
    const { pdf, appendices, report: attachments } = planAttachments(pkg.attachments);
    if (!pdf) {
      throw new ExchangeError("EDXML_NO_PDF", {
        detail: `none of the package's ${pkg.attachments.length} attachment(s) is a PDF`,
        meta: { problem: { attachments, warnings } },
      });
    }
    const unsigned = attachments.filter((a) => a.imported === "unsigned");
    if (unsigned.length > 0) {
      // Create refuses such a file (it has nothing to be verified by): say so before creating anything.
      throw new ExchangeError("EDXML_ATTACHMENT_UNSIGNED", {
        detail: `no letter was created: ${unsigned.map((a) => a.name).join(", ")} ${unsigned.length > 1 ? "are" : "is"} not a PDF and the package has no detached signature <name>.p7s for ${unsigned.length > 1 ? "them" : "it"}`,
        meta: { problem: { attachments, warnings } },
      });
    }
    const sha256 = sha256Hex(pdf.bytes);
    const documentId = pkg.documentId?.trim();
    const report = { attachments, warnings, ...(documentId ? { documentId } : {}) };
    // An export of a letter this organ sent (its DocumentId is the letter's id): the same letter.
    if (documentId && LETTER_ID.test(documentId)) {
      const existing = await this.ports.ledger.getLetter(documentId);
      if (existing && existing.sender === caller.organCode) {
        if (existing.file.sha256 !== sha256) {
          throw new ExchangeError("EDXML_DOCUMENT_CONFLICT", {
            detail: `letter ${documentId} exists with another file (SHA-256 ${existing.file.sha256})`,
          });
        }
        const letter = await this.ports.exchange.sendLetter(caller, documentId);
        return { kind: "letter", created: false, letter, ...report };
      }
    }
    const parsed = z.safeParse(createLetterSchema, letterRequest(pkg, pdf, sha256, appendices));
    if (!parsed.success) {
      const errors = parsed.error.issues.map((issue) => ({
        path: ["edXML", ...issue.path.map(String)].join("."),
        message: issue.message,
      }));
      throw new ExchangeError("VALIDATION_FAILED", {
        detail: `the package does not make a letter of this exchange: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
        meta: { errors },
      });
    }
    const draft = { id: await this.createOrReuseDraft(caller, parsed.data, pdf) };
    const record = await this.ports.ledger.getLetter(draft.id);
    if (!record) {
      throw new Error(`letter ${draft.id} vanished after its creation`);
    }
    await this.ports.documents.write(record.file.key, pdf.bytes, "application/pdf");
    // Each appendix (and .p7s) where its presigned PUT would have put it; send reads and verifies them there.
    for (const { file, p7s } of appendices) {
      await this.ports.documents.write(
        attachmentUploadKey(draft.id, sha256Hex(file.bytes)),
        file.bytes,
        appendixContentType(file),
      );
      if (p7s) {
        await this.ports.documents.write(
          attachmentUploadKey(draft.id, sha256Hex(p7s.bytes)),
          p7s.bytes,
          P7S_CONTENT_TYPE,
        );
      }
    }
    // The same path as POST /v1/letters/{id}/send: a refusal (422 SIGNATURE_POLICY_FAILED) delivers nothing.
    const letter = await this.ports.exchange.sendLetter(caller, draft.id);
    return { kind: "letter", created: true, letter, ...report };
  }

  /**
   * Creates the draft; when the number is already held by a draft of the caller (an earlier import
   * or create refused at send, never sent: its id follows from its number), that draft is taken
   * again with the package's file, so a corrected package goes through. A draft that differs in
   * anything but the file is EDXML_DOCUMENT_CONFLICT (the exchange changes only a draft's file); a
   * number held by a sent letter stays LETTER_NUMBER_TAKEN.
   */
  private async createOrReuseDraft(
    caller: Caller,
    input: z.output<typeof createLetterSchema>,
    pdf: EdxmlAttachment,
  ): Promise<string> {
    try {
      return (await this.ports.exchange.createLetter(caller, input)).letter.id;
    } catch (error) {
      const year = isExchangeError(error, "LETTER_NUMBER_TAKEN") ? error.meta?.["year"] : undefined;
      const held =
        typeof year === "number"
          ? await this.ports.ledger.getLetter(letterIdOf(caller.organCode, year, input.code))
          : undefined;
      if (!held || held.sender !== caller.organCode || held.state !== "draft") {
        throw error;
      }
      const differs = draftDifferences(held, input);
      if (differs.length > 0) {
        throw new ExchangeError("EDXML_DOCUMENT_CONFLICT", {
          detail: `draft ${held.id} holds number ${input.code.number}/${input.code.notation} with another ${differs.join(", ")}; only its file can be replaced (PUT /v1/letters/${held.id}/file)`,
        });
      }
      if (held.file.sha256 !== input.file.sha256) {
        await this.ports.exchange.replaceFile(caller, held.id, {
          name: pdf.name,
          contentType: "application/pdf",
          size: pdf.bytes.length,
          sha256: input.file.sha256,
        });
      }
      return held.id;
    }
  }

  private async importStatus(caller: Caller, pkg: EdxmlStatusPackage): Promise<unknown> {
    const letterId = pkg.responseFor.documentId?.trim() ?? "";
    if (!LETTER_ID.test(letterId)) {
      throw new ExchangeError("LETTER_NOT_FOUND", {
        detail: `the status names DocumentId '${letterId}', not a letter of this exchange`,
      });
    }
    const code = statusCode(pkg.status);
    if (code === "01" || code === "13") {
      throw new ExchangeError("EDXML_STATUS_NOT_APPLICABLE", {
        detail:
          code === "01"
            ? "01 (arrived) is recorded by the exchange itself when a copy arrives"
            : "13 (recall requested) is the sender's request: POST /v1/letters/{id}/recall",
      });
    }
    const input = z.safeParse(setStatusSchema, {
      status: code,
      ...(pkg.description?.trim() ? { reason: pkg.description.trim().slice(0, 1000) } : {}),
    });
    if (!input.success) {
      throw new ExchangeError("VALIDATION_FAILED", {
        detail: input.error.issues
          .map((issue) => `edXML.${issue.path.join(".")}: ${issue.message}`)
          .join("; "),
      });
    }
    return this.ports.setStatus(caller, letterId, input.data);
  }

  /** `GET /v1/letters/{id}/edxml`: the letter as a package, its file, then each appendix and its .p7s, as base64 attachments. */
  async exportLetter(caller: Caller, id: string): Promise<string> {
    const view = await this.ports.exchange.getLetter(caller, id); // the sender or a recipient, else 404
    const record = await this.ports.ledger.getLetter(id);
    const bytes = record ? await this.ports.documents.read(record.file.key) : undefined;
    if (!record || !bytes) {
      throw new ExchangeError("LETTER_NOT_FOUND", { detail: `letter ${id} has no stored file` });
    }
    const pkg: EdxmlLetter = {
      kind: "letter",
      from: { id: view.sender },
      to: view.recipients.map((organ) => ({ id: organ })),
      documentId: view.id,
      code: { number: view.code.number, notation: view.code.notation },
      promulgation: {
        ...(view.promulgation?.place ? { place: view.promulgation.place } : {}),
        ...(view.promulgation?.date ? { date: view.promulgation.date } : {}),
      },
      documentType: { name: view.documentType },
      subject: view.subject,
      ...(view.signer ? { signer: view.signer } : {}),
      ...(view.dueDate ? { dueDate: view.dueDate } : {}),
      otherInfo: { priority: String(view.urgency) },
      responseFor: view.responseFor ? [{ documentId: view.responseFor }] : [],
      toPlaces: [],
      traces: [],
      business: {
        type: view.businessType ?? "new",
        ...(view.references ? { documentId: view.references } : {}),
        ...(view.businessReason ? { reason: view.businessReason } : {}),
      },
      attachments: [
        { contentId: "1", name: view.file.name, contentType: "application/pdf", transfer: "base64", bytes },
        ...(await this.appendixAttachments(record)),
      ],
      extra: [],
    };
    return writeEdxml(pkg);
  }

  /**
   * Every appendix of the letter, each followed by its detached `.p7s`, as the import reads them
   * back: where a sent letter keeps them, or a draft's uploads. One missing is an error, not a gap.
   */
  private async appendixAttachments(record: Letter): Promise<EdxmlAttachment[]> {
    const read = async (name: string, sha256: string): Promise<Uint8Array> => {
      const key =
        record.state === "draft" ? attachmentUploadKey(record.id, sha256) : attachmentKey(record.id, sha256);
      const bytes = await this.ports.documents.read(key);
      if (!bytes && record.state === "draft") {
        throw new ExchangeError("UPLOAD_MISSING", {
          detail: `appendix ${name} of draft ${record.id} is not uploaded yet`,
        });
      }
      if (!bytes) {
        throw new Error(`letter ${record.id}: appendix ${name} (${sha256}) is not stored`);
      }
      return bytes;
    };
    const out: EdxmlAttachment[] = [];
    for (const appendix of record.attachments ?? []) {
      out.push({
        contentId: String(out.length + 2),
        name: appendix.name,
        contentType: appendix.contentType,
        transfer: "base64",
        bytes: await read(appendix.name, appendix.sha256),
      });
      if (appendix.signature) {
        out.push({
          contentId: String(out.length + 2),
          name: appendix.signature.name,
          contentType: P7S_CONTENT_TYPE,
          transfer: "base64",
          bytes: await read(appendix.signature.name, appendix.signature.sha256),
        });
      }
    }
    return out;
  }

  /** `GET /v1/letters/{id}/status.edxml?to=`: the status of one copy as a status package, from its recipient. */
  async exportStatus(caller: Caller, id: string, to: string | undefined): Promise<string> {
    const view = await this.ports.exchange.getLetter(caller, id);
    const recipient = to ?? (view.sender === caller.organCode ? undefined : caller.organCode);
    const copy = view.deliveries.find((delivery) => delivery.organCode === recipient);
    if (!copy) {
      throw new ExchangeError("LETTER_NOT_FOUND", {
        detail: recipient
          ? `no copy of letter ${id} for ${recipient} that this organ may see`
          : "name the copy with ?to=<organ>",
      });
    }
    const status = STATUS_BY_CODE[copy.status] as EdxmlStatus;
    const pkg: EdxmlStatusPackage = {
      kind: "status",
      from: { id: copy.organCode },
      to: [{ id: view.sender }],
      responseFor: {
        organId: view.sender,
        code: `${view.code.number}/${view.code.notation}`,
        ...(view.promulgation?.date ? { promulgationDate: view.promulgation.date } : {}),
        documentId: view.id,
      },
      status,
      ...(copy.reason ? { description: copy.reason } : {}),
      timestamp: vietnamTimestamp(copy.updatedAt),
      extra: [],
    };
    return writeEdxml(pkg);
  }
}

/**
 * The first PDF is the letter's file; `<name>.p7s` (any case) signs the other attachment `<name>`;
 * every other attachment is an appendix. A non-PDF with no .p7s, or a .p7s of no appendix, is
 * `unsigned`: never dropped, it refuses the import.
 */
function planAttachments(list: readonly EdxmlAttachment[]): Plan {
  const pdf = list.find(isPdf);
  const signatureOf = new Map<EdxmlAttachment, EdxmlAttachment>();
  for (const p7s of list) {
    const base = /\.p7s$/i.test(p7s.name) ? p7s.name.slice(0, -4).toLowerCase() : undefined;
    const file = base
      ? list.find((a) => a !== p7s && a !== pdf && a.name.toLowerCase() === base && !signatureOf.has(a))
      : undefined;
    if (file) {
      signatureOf.set(p7s, file);
    }
  }
  const signed = new Map([...signatureOf].map(([p7s, file]) => [file, p7s]));
  const appendices: Plan["appendices"][number][] = [];
  const report = list.map((attachment): ImportedAttachment => {
    const file = signatureOf.get(attachment);
    const p7s = signed.get(attachment);
    let imported: ImportedAttachment["imported"];
    if (attachment === pdf) {
      imported = "file";
    } else if (file) {
      imported = "signature";
    } else if (p7s || isPdf(attachment)) {
      imported = "attachment";
      appendices.push({ file: attachment, ...(p7s ? { p7s } : {}) });
    } else {
      imported = "unsigned";
    }
    return {
      name: attachment.name,
      contentType: attachment.contentType,
      size: attachment.bytes.length,
      sha256: sha256Hex(attachment.bytes),
      imported,
      ...(file ? { signatureOf: file.name } : {}),
    };
  });
  return { pdf, appendices, report };
}

/**
 * A body that travelled as text somewhere (an API Gateway passes application/xml as a string) has
 * had its invalid UTF-8 replaced by U+FFFD on the way: the package's bytes are already lost, so a
 * raw U+FFFD (EF BF BD) is refused like the invalid bytes themselves. A producer that means the
 * character writes &#xFFFD;.
 */
function refuseReplacementCharacter(body: Uint8Array): void {
  const at = Buffer.from(body.buffer, body.byteOffset, body.byteLength).indexOf(REPLACEMENT);
  if (at >= 0) {
    throw new ExchangeError("EDXML_MALFORMED", {
      detail: `byte ${at}: U+FFFD, where invalid UTF-8 was replaced before the package arrived (the package is not valid UTF-8)`,
    });
  }
}

const REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);

/** What a draft has that the package's create request does not (beyond its file): their names. */
function draftDifferences(draft: Letter, input: z.output<typeof createLetterSchema>): string[] {
  const { file: _file, attachments, ...fields } = input;
  const appendices = (list: Letter["attachments"]) =>
    JSON.stringify(
      (list ?? []).map((a) => [
        a.name,
        a.contentType,
        a.size,
        a.sha256,
        a.signature?.name,
        a.signature?.sha256,
      ]),
    );
  const differs = Object.entries(fields)
    .filter(
      ([name, value]) => canonical(value) !== canonical((draft as unknown as Record<string, unknown>)[name]),
    )
    .map(([name]) => name);
  for (const name of Object.keys(draft)) {
    if (DRAFT_FIELDS.has(name) && !(name in fields)) {
      differs.push(name);
    }
  }
  if (appendices(attachments) !== appendices(draft.attachments)) {
    differs.push("attachments");
  }
  return differs;
}

/** JSON with object keys sorted: the ledger does not keep a stored map's key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    field && typeof field === "object" && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([x], [y]) => (x < y ? -1 : 1)))
      : field,
  );
}

/** The optional create fields a draft keeps (a draft having one the package lacks differs). */
const DRAFT_FIELDS = new Set([
  "urgency",
  "dueDate",
  "promulgation",
  "signer",
  "responseFor",
  "businessType",
  "references",
  "businessReason",
]);

/** A PDF is declared as one (its verification path); another file by its bare media type. */
function appendixContentType(file: EdxmlAttachment): string {
  if (isPdf(file)) {
    return "application/pdf";
  }
  const type = file.contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return /^[\w.+-]+\/[\w.+-]+$/.test(type) && type !== "application/pdf" ? type : "application/octet-stream";
}

/** edXML timestamps carry no zone: the sender's local time, here Vietnam's (UTC+7). */
function vietnamTimestamp(iso: string): string {
  return new Date(Date.parse(iso) + 7 * 3600_000).toISOString().slice(0, 19);
}

/** The create request of a letter package (validated by the route's own schema afterwards). */
function letterRequest(
  pkg: EdxmlLetter,
  pdf: EdxmlAttachment,
  sha256: string,
  appendices: Plan["appendices"],
): unknown {
  const priority = pkg.otherInfo?.priority?.trim();
  const reference = pkg.responseFor.find((ref) => ref.documentId && LETTER_ID.test(ref.documentId));
  const business = pkg.business;
  const signer = pkg.signer && Object.values(pkg.signer).some(Boolean) ? pkg.signer : undefined;
  const promulgation =
    pkg.promulgation.place || pkg.promulgation.date
      ? {
          ...(pkg.promulgation.place ? { place: pkg.promulgation.place } : {}),
          ...(pkg.promulgation.date ? { date: pkg.promulgation.date } : {}),
        }
      : undefined;
  return {
    code: { number: pkg.code.number ?? "", notation: pkg.code.notation ?? "" },
    documentType: pkg.documentType.name ?? "",
    subject: pkg.subject ?? "",
    recipients: pkg.to.map((organ) => organ.id),
    ...(priority && /^[0-4]$/.test(priority) ? { urgency: Number(priority) } : {}),
    ...(pkg.dueDate ? { dueDate: pkg.dueDate } : {}),
    ...(promulgation ? { promulgation } : {}),
    ...(signer ? { signer } : {}),
    ...(reference?.documentId ? { responseFor: reference.documentId } : {}),
    ...(business && business.type !== "new"
      ? {
          businessType: business.type,
          ...(business.documentId ? { references: business.documentId } : {}),
          ...(business.reason ? { businessReason: business.reason } : {}),
        }
      : {}),
    file: { name: pdf.name, contentType: "application/pdf", size: pdf.bytes.length, sha256 },
    ...(appendices.length > 0
      ? {
          attachments: appendices.map(({ file, p7s }) => ({
            name: file.name,
            contentType: appendixContentType(file),
            size: file.bytes.length,
            sha256: sha256Hex(file.bytes),
            ...(p7s
              ? { signature: { name: p7s.name, size: p7s.bytes.length, sha256: sha256Hex(p7s.bytes) } }
              : {}),
          })),
        }
      : {}),
  };
}
