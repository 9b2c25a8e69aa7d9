import { createHash, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { LienthongClient } from "../../local/api-client.ts";
import { type EdxmlAttachment, type EdxmlLetter, readEdxml, writeEdxml } from "../../shared/edxml/index.ts";
import { SoftwareSigner, signDetached, signPdf } from "../../shared/signing/index.ts";
import { demoPki, organCodes, personEntry, samplePdf, signedPdf } from "../support/exchange.ts";

/**
 * edXML import and export keep every file (red-team findings on POST /v1/edxml): an attachment the
 * import cannot read refuses it (never a letter with fewer appendices), an export carries every
 * appendix and its .p7s byte for byte, a refused import's draft gives its number to the corrected
 * package, invalid UTF-8 is malformed (not U+FFFD), and a zip bomb is refused.
 */

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Answer {
  readonly code?: string;
  readonly detail?: string;
  readonly created?: boolean;
  readonly letter?: { id: string; state: string };
  readonly attachments?: readonly { name: string; sha256: string; imported: string }[];
}

let sender: string;
let recipient: string;
let senderClient: LienthongClient;
let recipientClient: LienthongClient;
let signer: SoftwareSigner;

const file = (contentId: string, name: string, contentType: string, bytes: Uint8Array): EdxmlAttachment => ({
  contentId,
  name,
  contentType,
  transfer: "base64",
  bytes,
});

function letterPackage(
  pdf: Uint8Array,
  appendices: readonly EdxmlAttachment[] = [],
  o: { number?: string; subject?: string } = {},
) {
  const pkg: EdxmlLetter = {
    kind: "letter",
    from: { id: sender },
    to: [{ id: recipient }],
    code: { number: o.number ?? String(randomInt(1, 2 ** 40)), notation: "UBND-VP" },
    promulgation: { place: "Hà Nội" },
    documentType: { name: "Công văn" },
    subject: o.subject ?? `V/v toàn vẹn edXML ${randomInt(1, 1e9)}`,
    responseFor: [],
    toPlaces: [],
    traces: [],
    attachments: [file("1", "cong-van.pdf", "application/pdf", pdf), ...appendices],
    extra: [],
  };
  return writeEdxml(pkg);
}

async function post(body: string | Uint8Array): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`${senderClient.baseUrl}/v1/edxml`, {
    method: "POST",
    headers: { authorization: `Bearer ${senderClient.apiKey}`, "content-type": "application/xml" },
    body: typeof body === "string" ? body : Buffer.from(body),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

async function exported(client: LienthongClient, id: string): Promise<string> {
  const response = await fetch(`${client.baseUrl}/v1/letters/${id}/edxml`, {
    headers: { authorization: `Bearer ${client.apiKey}` },
  });
  expect(response.status).toBe(200);
  return response.text();
}

beforeAll(async () => {
  [sender, recipient] = organCodes() as [string, string];
  const keys = inject("demoKeys");
  const keyOf = (organ: string) =>
    keys.find((k) => k.organCode === organ && k.role === "integration")!.apiKey;
  senderClient = new LienthongClient(inject("apiUrl"), keyOf(sender));
  recipientClient = new LienthongClient(inject("apiUrl"), keyOf(recipient));
  const { manifest, path } = demoPki();
  signer = SoftwareSigner.fromPkcs12(
    readFileSync(path(personEntry(manifest, sender).p12)),
    manifest.password,
  );
});

describe("POST /v1/edxml: an attachment that cannot be read refuses the import", () => {
  it("one base64 character short, no name, or listed but absent: 422 EDXML_ATTACHMENT_UNREADABLE naming it, nothing created", async () => {
    const pdf = await signedPdf(sender, "integrity");
    const appendix = await signPdf(await samplePdf("phu luc integrity"), { signer });
    const subject = `V/v phụ lục hỏng ${randomInt(1, 1e9)}`;
    const good = letterPackage(pdf, [file("2", "phu-luc.pdf", "application/pdf", appendix)], { subject });
    const base64 = Buffer.from(appendix).toString("base64");
    const shortByOne = good.replace(base64, base64.slice(0, -1));
    const nameless = good.replaceAll("<AttachmentName>phu-luc.pdf</AttachmentName>", "");
    const absent = good.replace(
      /<Attachment>(?:(?!<\/Attachment>)[\s\S])*phu-luc\.pdf[\s\S]*?<\/Attachment>/,
      "",
    );
    expect(new Set([good, shortByOne, nameless, absent]).size).toBe(4);
    expect(absent).toContain("phu-luc.pdf"); // still in the manifest
    for (const [what, body, named] of [
      ["short", shortByOne, "phu-luc.pdf"],
      ["nameless", nameless, "phu-luc.pdf"],
      ["absent", absent, "phu-luc.pdf"],
    ] as const) {
      const answer = await post(body);
      expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(422);
      expect(answer.body.code, what).toBe("EDXML_ATTACHMENT_UNREADABLE");
      expect(answer.body.detail, what).toContain(what === "nameless" ? "attachment '2'" : named);
    }
    const outbox = await senderClient.call<{ items: { subject: string }[] }>("GET", "/v1/outbox?limit=100");
    expect(outbox.items.some((item) => item.subject === subject)).toBe(false);
    // The intact package goes through with its appendix.
    const answer = await post(good);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.attachments?.map((a) => [a.name, a.imported])).toEqual([
      ["cong-van.pdf", "file"],
      ["phu-luc.pdf", "attachment"],
    ]);
  });
});

describe("GET /v1/letters/{id}/edxml: every appendix and its .p7s", () => {
  it("import(export(letter)) keeps every file byte-identical, for the sender and a recipient", async () => {
    const pdf = await signedPdf(sender, "export appendices");
    const appendix = await signPdf(await samplePdf("phu luc export"), { signer });
    const sheet = new TextEncoder().encode(`STT;Số tiền\n1;${randomInt(1, 1e9)}\n`);
    const sheetP7s = await signDetached(Readable.from([Buffer.from(sheet)]), { signer });
    const files = [
      file("1", "cong-van.pdf", "application/pdf", pdf),
      file("2", "phu-luc.pdf", "application/pdf", appendix),
      file("3", "bang-ke.csv", "text/csv", sheet),
      file("4", "bang-ke.csv.p7s", "application/pkcs7-signature", sheetP7s),
    ];
    const imported = await post(letterPackage(pdf, files.slice(1)));
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const id = imported.body.letter!.id;
    const expected = files.map((f) => [f.name, sha256(f.bytes)]).sort();
    for (const client of [senderClient, recipientClient]) {
      const back = readEdxml(await exported(client, id)).package as EdxmlLetter;
      expect(back.attachments.map((a) => [a.name, sha256(a.bytes)]).sort()).toEqual(expected);
    }
    const again = await post(await exported(senderClient, id));
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.letter?.id).toBe(id);
    expect(again.body.attachments?.map((a) => [a.name, a.sha256]).sort()).toEqual(expected);
  });
});

describe("POST /v1/edxml: a refused import's draft does not keep its number from the corrected package", () => {
  it("a broken PDF is 422; the corrected package with that number is sent (the same draft); a sent number stays 409", async () => {
    const number = String(randomInt(1, 2 ** 40));
    const subject = `V/v sửa gói ${randomInt(1, 1e9)}`;
    const broken = await post(
      letterPackage(new TextEncoder().encode("%PDF-1.7 junk"), [], { number, subject }),
    );
    expect(broken.status, JSON.stringify(broken.body)).toBe(422);
    const drafts = await senderClient.call<{ items: { id: string; subject: string; state: string }[] }>(
      "GET",
      "/v1/outbox?limit=100",
    );
    const draft = drafts.items.find((item) => item.subject === subject);
    expect(draft?.state).toBe("draft");

    // Anything but the file differing: the draft is not silently rewritten.
    const other = await post(
      letterPackage(await signedPdf(sender, "fixed"), [], { number, subject: `${subject} (khác)` }),
    );
    expect(other.status, JSON.stringify(other.body)).toBe(409);
    expect(other.body.code).toBe("EDXML_DOCUMENT_CONFLICT");

    const pdf = await signedPdf(sender, "corrected");
    const fixed = await post(letterPackage(pdf, [], { number, subject }));
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(201);
    expect(fixed.body.letter?.id).toBe(draft?.id);
    expect(fixed.body.letter?.state).toBe("sent");
    const seen = await recipientClient.call<{ file: { sha256: string } }>("GET", `/v1/letters/${draft?.id}`);
    expect(seen.file.sha256).toBe(sha256(pdf));

    const taken = await post(letterPackage(pdf, [], { number, subject }));
    expect(taken.status, JSON.stringify(taken.body)).toBe(409);
    expect(taken.body.code).toBe("LETTER_NUMBER_TAKEN");
  });
});

describe("POST /v1/edxml: bytes the reader must see as they came", () => {
  it("invalid UTF-8 in the package is 422 EDXML_MALFORMED, not a letter with U+FFFD", async () => {
    const subject = `V/v QQQ ${randomInt(1, 1e9)}`;
    const [head, tail] = letterPackage(await signedPdf(sender, "utf8"), [], { subject }).split("QQQ") as [
      string,
      string,
    ];
    for (const bad of [[0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xff]]) {
      const answer = await post(Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from(tail)]));
      expect(answer.status, JSON.stringify(answer.body)).toBe(422);
      expect(answer.body.code).toBe("EDXML_MALFORMED");
    }
  });

  it("a zipped attachment declaring 2,000 bytes that inflates far past it is 413 EDXML_ATTACHMENT_TOO_LARGE", async () => {
    const { zipSync } = await import("fflate");
    // 64 MiB of zeros in a zip whose local header and central directory declare 2,000 bytes.
    const zip = Buffer.from(zipSync({ "cong-van.pdf": new Uint8Array(64 * 1024 * 1024) }, { level: 9 }));
    const central = zip.readUInt32LE(zip.length - 22 + 16);
    zip.writeUInt32LE(2000, 22);
    zip.writeUInt32LE(2000, central + 24);
    const bomb = writeEdxml({
      ...(readEdxml(letterPackage(await signedPdf(sender, "bomb"))).package as EdxmlLetter),
      attachments: [file("1", "cong-van.pdf", "application/zip", new Uint8Array(zip))],
    });
    const answer = await post(bomb);
    expect(answer.status, JSON.stringify(answer.body)).toBe(413);
    expect(answer.body.code).toBe("EDXML_ATTACHMENT_TOO_LARGE");
  });
});
