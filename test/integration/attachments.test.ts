import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { type CreatedLetter, type LienthongClient, uploadFile } from "../../local/api-client.ts";
import { Exchange } from "../../shared/exchange/index.ts";
import { LetterVerifier } from "../../shared/exchange/letter-verification.ts";
import type { DocumentStore } from "../../shared/exchange/ports.ts";
import { SoftwareSigner, signDetached, signPdf } from "../../shared/signing/index.ts";
import { createS3Client, S3DocumentStore } from "../../shared/storage/index.ts";
import {
  demoPki,
  letterMetadata,
  organClients,
  organCodes,
  personEntry,
  samplePdf,
  sha256,
  testLedger,
} from "../support/exchange.ts";

/**
 * Appendices through HTTP on the local runtime (DynamoDB Local + s3rver): declared at create, each
 * uploaded with its own presigned PUT, verified at send (a signed PDF, or a file with its detached
 * .p7s), listed with verdicts on both sides, downloadable by the recipient; a failing one refuses
 * the whole send under the default policy.
 */

interface Upload {
  name: string;
  sha256: string;
  upload: CreatedLetter["upload"];
  signature?: { name: string; sha256: string; upload: CreatedLetter["upload"] };
}

interface AttachmentView {
  name: string;
  sha256: string;
  signature?: { name: string; sha256: string };
  verification?: { kind: string; verdict: string; accepted: boolean; signatures: { indication: string }[] };
  download?: { url: string };
  signatureDownload?: { url: string };
}

interface LetterBody {
  id: string;
  state: string;
  attachments?: AttachmentView[];
  deliveries: { organCode: string }[];
}

const ledger = testLedger();
let sender: LienthongClient;
let recipient: LienthongClient;
let codes: string[];
let signer: SoftwareSigner;

beforeAll(() => {
  const clients = organClients();
  sender = clients[0]!;
  recipient = clients[1]!;
  codes = organCodes();
  const { manifest, path } = demoPki();
  const entry = personEntry(manifest, codes[0]!);
  signer = SoftwareSigner.fromPkcs12(readFileSync(path(entry.p12)), manifest.password);
});

const p7sOf = (bytes: Uint8Array) => signDetached(Readable.from([Buffer.from(bytes)]), { signer });

/** A spreadsheet-like appendix: any bytes, verified only through its .p7s. */
const spreadsheet = (label: string) =>
  new TextEncoder().encode(`STT;Đơn vị;Số tiền\n1;${label};${Math.random()}\n`);

/** Creates the draft with its appendices, uploads every file; returns the letter id. */
async function draftWith(
  main: Uint8Array,
  attachments: { name: string; bytes: Uint8Array; contentType?: string; p7s?: Uint8Array }[],
): Promise<string> {
  const created = await sender.call<CreatedLetter & { attachments: Upload[] }>("POST", "/v1/letters", {
    ...letterMetadata([codes[1]!]),
    file: { name: "cong-van.pdf", size: main.length, sha256: sha256(main) },
    attachments: attachments.map((a) => ({
      name: a.name,
      size: a.bytes.length,
      sha256: sha256(a.bytes),
      ...(a.contentType ? { contentType: a.contentType } : {}),
      ...(a.p7s ? { signature: { name: `${a.name}.p7s`, size: a.p7s.length, sha256: sha256(a.p7s) } } : {}),
    })),
  });
  expect(created.attachments).toHaveLength(attachments.length);
  await uploadFile(created.upload, main);
  for (const [i, a] of attachments.entries()) {
    const upload = created.attachments[i]!;
    expect(upload.sha256).toBe(sha256(a.bytes));
    await uploadFile(upload.upload, a.bytes);
    if (a.p7s) {
      expect(upload.signature?.sha256).toBe(sha256(a.p7s));
      await uploadFile(upload.signature!.upload, a.p7s);
    }
  }
  return created.letter.id;
}

describe("attachments", () => {
  it("delivers a letter with a signed PDF and a file+p7s attachment; verdicts on both sides; each downloadable", async () => {
    const main = await signPdf(await samplePdf("cong van"), { signer });
    const appendixPdf = await signPdf(await samplePdf("phu luc 1"), { signer });
    const sheet = spreadsheet("Sở Tài chính");
    const sheetP7s = await p7sOf(sheet);
    const id = await draftWith(main, [
      { name: "phu-luc-1.pdf", bytes: appendixPdf },
      { name: "phu-luc-2.csv", bytes: sheet, contentType: "text/csv", p7s: sheetP7s },
    ]);

    const sent = await sender.call<LetterBody>("POST", `/v1/letters/${id}/send`);
    expect(sent.state).toBe("sent");
    expect(sent.deliveries.map((d) => d.organCode)).toEqual([codes[1]]);
    expect(sent.attachments?.map((a) => [a.name, a.verification?.kind, a.verification?.verdict])).toEqual([
      ["phu-luc-1.pdf", "pdf", "TOTAL_PASSED"],
      ["phu-luc-2.csv", "detached", "TOTAL_PASSED"],
    ]);

    // Both sides list the appendices with their verdicts; the recipient downloads each.
    const bySender = await sender.call<LetterBody>("GET", `/v1/letters/${id}`);
    const byRecipient = await recipient.call<LetterBody>("GET", `/v1/letters/${id}`);
    for (const seen of [bySender, byRecipient]) {
      expect(seen.attachments?.map((a) => a.verification?.verdict)).toEqual(["TOTAL_PASSED", "TOTAL_PASSED"]);
      expect(seen.attachments?.every((a) => a.verification?.accepted)).toBe(true);
    }
    const expected = [
      [byRecipient.attachments![0]!.download!.url, sha256(appendixPdf)],
      [byRecipient.attachments![1]!.download!.url, sha256(sheet)],
      [byRecipient.attachments![1]!.signatureDownload!.url, sha256(sheetP7s)],
    ] as const;
    for (const [url, digest] of expected) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(digest);
    }

    // The inbox flags the appendices and their worst verdict.
    const inbox = await recipient.call<{ items: { letterId: string; attachments?: unknown }[] }>(
      "GET",
      "/v1/inbox?limit=100",
    );
    expect(inbox.items.find((item) => item.letterId === id)?.attachments).toEqual({
      count: 2,
      verdict: "TOTAL_PASSED",
    });
  });

  it("completes a send interrupted while writing the locked objects from the uploads, on retry", async () => {
    const main = await signPdf(await samplePdf("cong van"), { signer });
    const sheet = spreadsheet("Sở Y tế");
    const sheetP7s = await p7sOf(sheet);
    const id = await draftWith(main, [
      { name: "phu-luc.csv", bytes: sheet, contentType: "text/csv", p7s: sheetP7s },
    ]);
    // The send's request dies at its first locked write (after the commit), in process.
    const s3 = createS3Client({
      region: "ap-southeast-1",
      tableName: "lienthong",
      bucketName: "lienthong-letters",
      s3Endpoint: inject("s3Endpoint"),
      presignTtlSeconds: 60,
      maxFileBytes: 10 * 1024 * 1024,
      revocation: "off",
    });
    const documents = new S3DocumentStore({ client: s3, bucket: "lienthong-letters", ttlSeconds: 60 });
    const dying: DocumentStore = Object.create(documents);
    dying.write = (key, body, type) =>
      key.startsWith("letters/")
        ? Promise.reject(new Error("the request died"))
        : documents.write(key, body, type);
    const exchange = new Exchange({
      ledger,
      documents: dying,
      verifier: new LetterVerifier({ ledger, revocation: "off" }),
      maxFileBytes: 10 * 1024 * 1024,
      sendPolicy: "require-total-passed",
    });
    await expect(exchange.sendLetter({ organCode: codes[0]!, role: "integration" }, id)).rejects.toThrow(
      "the request died",
    );
    expect((await ledger.getLetter(id))?.state).toBe("sending");

    // The client's retry through the API writes every object from the uploads, then the copy.
    const sent = await sender.call<LetterBody>("POST", `/v1/letters/${id}/send`);
    expect(sent.state).toBe("sent");
    const stored = await ledger.getLetter(id);
    expect(stored?.attachmentsReportKey?.startsWith("evidence/")).toBe(true);
    expect(await documents.read(stored?.attachmentsReportKey ?? "")).toBeDefined();
    const seen = await recipient.call<LetterBody>("GET", `/v1/letters/${id}`);
    expect(seen.attachments?.[0]?.verification?.verdict).toBe("TOTAL_PASSED");
    for (const [url, digest] of [
      [seen.attachments![0]!.download!.url, sha256(sheet)],
      [seen.attachments![0]!.signatureDownload!.url, sha256(sheetP7s)],
    ] as const) {
      expect(sha256(new Uint8Array(await (await fetch(url)).arrayBuffer()))).toBe(digest);
    }
    s3.destroy();
  });

  it("refuses, under the default policy, a letter whose attachment fails, naming it; nothing delivered", async () => {
    const main = await signPdf(await samplePdf("cong van"), { signer });
    const sheet = spreadsheet("Sở Xây dựng");
    // The .p7s signs other bytes: the appendix as uploaded is not what was signed.
    const wrongP7s = await p7sOf(spreadsheet("khác"));
    const id = await draftWith(main, [
      { name: "bang-ke.csv", bytes: sheet, contentType: "text/csv", p7s: wrongP7s },
    ]);

    const refused = await sender.request<{
      code: string;
      detail: string;
      attachments: { name: string; verification: { verdict: string; accepted: boolean } }[];
    }>("POST", `/v1/letters/${id}/send`);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("SIGNATURE_POLICY_FAILED");
    expect(refused.body.detail).toContain("bang-ke.csv");
    expect(
      refused.body.attachments.map((a) => [a.name, a.verification.verdict, a.verification.accepted]),
    ).toEqual([["bang-ke.csv", "TOTAL_FAILED", false]]);

    const letter = await sender.call<LetterBody>("GET", `/v1/letters/${id}`);
    expect(letter.state).toBe("draft");
    expect(letter.deliveries).toEqual([]);
    const seen = await recipient.request<{ code: string }>("GET", `/v1/letters/${id}`);
    expect(seen.body.code).toBe("LETTER_NOT_FOUND");
  });

  it("refuses a send whose attachment was not uploaded (UPLOAD_MISSING naming it), and a non-PDF without .p7s at create", async () => {
    const main = await signPdf(await samplePdf("cong van"), { signer });
    const appendix = await signPdf(await samplePdf("phu luc"), { signer });
    const created = await sender.call<CreatedLetter>("POST", "/v1/letters", {
      ...letterMetadata([codes[1]!]),
      file: { name: "cong-van.pdf", size: main.length, sha256: sha256(main) },
      attachments: [{ name: "phu-luc.pdf", size: appendix.length, sha256: sha256(appendix) }],
    });
    await uploadFile(created.upload, main);
    const missing = await sender.request<{ code: string; detail: string }>(
      "POST",
      `/v1/letters/${created.letter.id}/send`,
    );
    expect(missing.body.code).toBe("UPLOAD_MISSING");
    expect(missing.body.detail).toContain("phu-luc.pdf");

    const unsigned = await sender.request<{ code: string }>("POST", "/v1/letters", {
      ...letterMetadata([codes[1]!]),
      file: { name: "cong-van.pdf", size: main.length, sha256: sha256(main) },
      attachments: [{ name: "bang.csv", contentType: "text/csv", size: 10, sha256: sha256(main) }],
    });
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.code).toBe("VALIDATION_FAILED");
  });
});
