import { createHash, randomInt } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import fc from "fast-check";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { LienthongClient } from "../../local/api-client.ts";
import {
  type EdxmlAttachment,
  type EdxmlLetter,
  type EdxmlStatusPackage,
  readEdxml,
  writeEdxml,
} from "../../shared/edxml/index.ts";
import { SoftwareSigner, signDetached, signPdf } from "../../shared/signing/index.ts";
import { demoPki, organCodes, personEntry, samplePdf, signedPdf } from "../support/exchange.ts";

/**
 * edXML through HTTP on the local exchange (issue 11 item 1): POST /v1/edxml as the package's
 * sender, GET /v1/letters/{id}/edxml and /status.edxml. The published fixtures' organs are seeded
 * (they are not demo organs); a letter that must be delivered is built from a demo-signed PDF.
 */

const FIXTURES = join(import.meta.dirname, "../../../shared/fixtures/edxml");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const LETTER_FIXTURES = readdirSync(FIXTURES).filter((name) => name.startsWith("edoc_"));
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Problem {
  readonly code?: string;
  readonly attachments?: readonly { name: string; imported: string }[];
}

interface Imported {
  readonly kind: "letter" | "status";
  readonly created?: boolean;
  readonly letter?: { id: string; sender: string; recipients: string[]; state: string };
  readonly copy?: { organCode: string; status: string };
  readonly attachments?: readonly { name: string; sha256: string; imported: string }[];
  readonly warnings: readonly { code: string }[];
}

let admin: LienthongClient;
const clients = new Map<string, LienthongClient>();
let sender: string;
let recipient: string;
/** The sender's competent signer (demo PKI): signs appendices and their detached .p7s. */
let signer: SoftwareSigner;
/** The .p7s of the published sample's .doc by the sender: that .doc travels as a signed appendix. */
let sampleDocP7s: EdxmlAttachment;

const attachment = (
  contentId: string,
  name: string,
  contentType: string,
  bytes: Uint8Array,
): EdxmlAttachment => ({
  contentId,
  name,
  contentType,
  transfer: "base64",
  bytes,
});
const p7sOf = (bytes: Uint8Array) => signDetached(Readable.from([Buffer.from(bytes)]), { signer });

/** The organ's integration client (`clerk` for statuses), its organ and key made on first use. */
async function clientOf(
  organ: string,
  role: "integration" | "clerk" = "integration",
): Promise<LienthongClient> {
  const known = clients.get(`${organ}|${role}`);
  if (known) {
    return known;
  }
  const demo = inject("demoKeys").find((key) => key.organCode === organ && key.role === role);
  let secret = demo?.apiKey;
  if (!secret) {
    const made = await admin.request("POST", "/v1/admin/organs", {
      code: organ,
      name: `Cơ quan mẫu ${organ}`,
    });
    expect([201, 200, 409]).toContain(made.status);
    secret = (await admin.call<{ secret: string }>("POST", `/v1/admin/organs/${organ}/keys`, { role }))
      .secret;
  }
  const client = new LienthongClient(inject("apiUrl"), secret);
  clients.set(`${organ}|${role}`, client);
  return client;
}

async function postXml<T>(
  client: LienthongClient,
  body: string | Uint8Array,
  contentType = "application/xml",
) {
  const response = await fetch(`${client.baseUrl}/v1/edxml`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.apiKey}`, "content-type": contentType },
    body: typeof body === "string" ? body : Buffer.from(body),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as T & Problem };
}

async function getXml(
  client: LienthongClient,
  path: string,
): Promise<{ status: number; text: string; type: string }> {
  const response = await fetch(`${client.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${client.apiKey}` },
  });
  return {
    status: response.status,
    text: await response.text(),
    type: response.headers.get("content-type") ?? "",
  };
}

/**
 * A letter package from `from` to `to` carrying `pdf`, on the published new-letter sample's frame:
 * the sample's .doc, then `pdf` (the first PDF: the letter's file), then `appendices` (by default the
 * .doc's .p7s).
 */
function letterPackage(
  from: string,
  to: readonly string[],
  pdf: Uint8Array,
  subject: string,
  appendices: readonly EdxmlAttachment[] = [sampleDocP7s],
): string {
  const base = readEdxml(fixture("edoc_new.edxml")).package as EdxmlLetter;
  const pkg: EdxmlLetter = {
    ...base,
    from: { ...base.from, id: from },
    to: to.map((id) => ({ id, name: `Cơ quan ${id}` })),
    code: { number: String(randomInt(1, 2 ** 40)), notation: "UBND-VP" },
    subject,
    attachments: [
      ...base.attachments,
      attachment("90", "cong-van.pdf", "application/pdf", pdf),
      ...appendices,
    ],
  };
  return writeEdxml(pkg);
}

/** A published status sample (its From the recipient) pointed at one of this exchange's letters. */
function statusPackage(name: string, letterId: string, from: string): string {
  const pkg = readEdxml(fixture(name)).package as EdxmlStatusPackage;
  return writeEdxml({
    ...pkg,
    from: { ...pkg.from, id: from },
    responseFor: { ...pkg.responseFor, documentId: letterId },
  });
}

beforeAll(async () => {
  [sender, recipient] = organCodes() as [string, string];
  admin = new LienthongClient(
    inject("apiUrl"),
    inject("demoKeys").find((key) => key.role === "admin")!.apiKey,
  );
  const { manifest, path } = demoPki();
  signer = SoftwareSigner.fromPkcs12(
    readFileSync(path(personEntry(manifest, sender).p12)),
    manifest.password,
  );
  const doc = (readEdxml(fixture("edoc_new.edxml")).package as EdxmlLetter).attachments[0]!;
  sampleDocP7s = attachment("91", `${doc.name}.p7s`, "application/pkcs7-signature", await p7sOf(doc.bytes));
});

describe("POST /v1/edxml: the published letter samples", () => {
  it.each(LETTER_FIXTURES)("%s is taken as its From organ, which alone may import it", async (name) => {
    const bytes = fixture(name);
    const { package: pkg } = readEdxml(bytes);
    // Its sender gets past the sender check to the exchange's own rule: the samples carry no PDF.
    const own = await postXml<Imported>(await clientOf(pkg.from.id), bytes);
    expect(own.status).toBe(422);
    expect(own.body.code).toBe("EDXML_NO_PDF");
    expect(own.body.attachments?.map((a) => [a.name, a.imported])).toEqual([
      ["1896_QD-TTg_m_294779.doc", "unsigned"],
    ]);
    // Any other organ is refused before anything is created.
    const other = await postXml<Imported>(await clientOf(sender), bytes);
    expect(other.status).toBe(403);
    expect(other.body.code).toBe("EDXML_SENDER_MISMATCH");
  });
});

describe("POST /v1/edxml: a signed letter, exported and imported again", () => {
  let letterId: string;
  let pkg: string;
  let pdf: Uint8Array;

  beforeAll(async () => {
    pdf = await signedPdf(sender, "edxml import");
    pkg = letterPackage(sender, [recipient], pdf, `V/v nhập gói edXML ${randomInt(1, 1e9)}`);
  });

  it("refuses the package from any organ but its From, delivering nothing", async () => {
    const answer = await postXml<Imported>(await clientOf(recipient), pkg);
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe("EDXML_SENDER_MISMATCH");
  });

  it("refuses every From but the caller's own, however close (property), creating nothing", async () => {
    const client = await clientOf(sender);
    const forgedSubject = `V/v giả mạo đơn vị gửi ${randomInt(1, 1e9)}`;
    const near = fc.oneof(
      fc.constantFrom(
        sender.toLowerCase(),
        sender.replace(/\./g, ""),
        `${sender}\u200b`,
        `${sender.slice(0, -1)}${sender.endsWith("9") ? "0" : "9"}`,
        `${sender},${sender}`,
        recipient,
      ),
      fc.string({ minLength: 1, maxLength: 20 }),
    );
    await fc.assert(
      fc.asyncProperty(near, async (from) => {
        let forged: string;
        try {
          forged = letterPackage(from, [recipient], pdf, forgedSubject);
        } catch {
          fc.pre(false); // a From XML cannot carry (control characters): no package to send
          return;
        }
        // Whitespace around an OrganId is not part of it (XML text): such a From is the caller itself.
        fc.pre(readEdxml(forged).package.from.id !== sender);
        const answer = await postXml<Imported>(client, forged);
        expect(answer.status).toBe(403);
        expect(answer.body.code).toBe("EDXML_SENDER_MISMATCH");
      }),
      { numRuns: 30 },
    );
    const outbox = await client.call<{ items: { subject: string }[] }>("GET", "/v1/outbox?limit=100");
    expect(outbox.items.some((item) => item.subject === forgedSubject)).toBe(false);
  });

  it("imports as the sender: created, verified, delivered; the sample's .doc with its .p7s is an appendix", async () => {
    const answer = await postXml<Imported>(await clientOf(sender), pkg);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.kind).toBe("letter");
    expect(answer.body.created).toBe(true);
    expect(answer.body.letter?.state).toBe("sent");
    expect(answer.body.letter?.recipients).toEqual([recipient]);
    expect(answer.body.attachments?.map((a) => [a.name, a.imported])).toEqual([
      ["1896_QD-TTg_m_294779.doc", "attachment"],
      ["cong-van.pdf", "file"],
      ["1896_QD-TTg_m_294779.doc.p7s", "signature"],
    ]);
    expect(answer.body.warnings.map((w) => w.code)).toContain("EDXML_ATTACHMENT_MISMATCH");
    letterId = answer.body.letter!.id;
    const inbox = await (await clientOf(recipient)).call<{ items: { letterId: string }[] }>(
      "GET",
      "/v1/inbox?limit=100",
    );
    expect(inbox.items.filter((item) => item.letterId === letterId)).toHaveLength(1);
  });

  it("exports the letter as a package that reads back as the same letter, and imports again as that letter", async () => {
    for (const organ of [sender, recipient]) {
      const exported = await getXml(await clientOf(organ), `/v1/letters/${letterId}/edxml`);
      expect(exported.status).toBe(200);
      expect(exported.type).toContain("application/xml");
      const back = readEdxml(exported.text).package as EdxmlLetter;
      const first = readEdxml(pkg).package as EdxmlLetter;
      expect(back.kind).toBe("letter");
      expect(back.documentId).toBe(letterId);
      expect(back.from.id).toBe(first.from.id);
      expect(back.to.map((o) => o.id)).toEqual(first.to.map((o) => o.id));
      expect(back.code).toEqual(first.code);
      expect(back.subject).toBe(first.subject);
      expect(back.documentType.name).toBe(first.documentType.name);
      expect(back.promulgation).toEqual(first.promulgation);
      expect(back.dueDate).toBe(first.dueDate);
      expect(back.signer).toEqual(first.signer);
      // Every file of the package, the appendix (.doc) with its .p7s too, byte for byte.
      expect(back.attachments.map((a) => [a.name, sha256(a.bytes)]).sort()).toEqual(
        first.attachments.map((a) => [a.name, sha256(a.bytes)]).sort(),
      );
    }
    const exported = await getXml(await clientOf(sender), `/v1/letters/${letterId}/edxml`);
    const again = await postXml<Imported>(await clientOf(sender), exported.text);
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.letter?.id).toBe(letterId);
    const inbox = await (await clientOf(recipient)).call<{ items: { letterId: string }[] }>(
      "GET",
      "/v1/inbox?limit=100",
    );
    expect(inbox.items.filter((item) => item.letterId === letterId)).toHaveLength(1);
  });

  it("is 404 for an organ the letter does not concern", async () => {
    const stranger = organCodes()[2]!;
    for (const path of [
      `/v1/letters/${letterId}/edxml`,
      `/v1/letters/${letterId}/status.edxml?to=${recipient}`,
    ]) {
      const answer = await getXml(await clientOf(stranger), path);
      expect(answer.status, path).toBe(404);
      expect(answer.text).not.toContain("nhập gói edXML");
    }
  });

  it("refuses an unsigned letter with the send's 422 SIGNATURE_POLICY_FAILED, delivering nothing", async () => {
    const unsigned = letterPackage(sender, [recipient], await samplePdf("unsigned edxml"), "V/v chưa ký");
    const answer = await postXml<Imported>(await clientOf(sender), unsigned);
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe("SIGNATURE_POLICY_FAILED");
    const inbox = await (await clientOf(recipient)).call<{ items: { subject: string }[] }>(
      "GET",
      "/v1/inbox?limit=100",
    );
    expect(inbox.items.some((item) => item.subject === "V/v chưa ký")).toBe(false);
  });
});

describe("POST /v1/edxml: appendices", () => {
  interface Seen {
    state: string;
    attachments?: {
      name: string;
      sha256: string;
      signature?: { name: string; sha256: string };
      verification?: { kind: string; verdict: string; accepted: boolean };
    }[];
  }

  it("delivers a signed PDF appendix and a csv with its .p7s; the recipient sees both with verdicts", async () => {
    const pdf = await signedPdf(sender, "edxml appendices");
    const appendix = await signPdf(await samplePdf("phu luc 1"), { signer });
    const sheet = new TextEncoder().encode(`STT;Đơn vị;Số tiền\n1;Sở Tài chính;${randomInt(1, 1e9)}\n`);
    const sheetP7s = await p7sOf(sheet);
    const subject = `V/v phụ lục edXML ${randomInt(1, 1e9)}`;
    const pkg = letterPackage(sender, [recipient], pdf, subject, [
      sampleDocP7s,
      attachment("92", "phu-luc-1.pdf", "application/pdf", appendix),
      attachment("93", "bang-ke.csv", "text/csv", sheet),
      attachment("94", "bang-ke.csv.p7s", "application/pkcs7-signature", sheetP7s),
    ]);
    const answer = await postXml<Imported>(await clientOf(sender), pkg);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.letter?.state).toBe("sent");
    expect(answer.body.attachments?.map((a) => [a.name, a.imported])).toEqual([
      ["1896_QD-TTg_m_294779.doc", "attachment"],
      ["cong-van.pdf", "file"],
      ["1896_QD-TTg_m_294779.doc.p7s", "signature"],
      ["phu-luc-1.pdf", "attachment"],
      ["bang-ke.csv", "attachment"],
      ["bang-ke.csv.p7s", "signature"],
    ]);

    const seen = await (await clientOf(recipient)).call<Seen>("GET", `/v1/letters/${answer.body.letter!.id}`);
    expect(seen.state).toBe("sent");
    const listed = seen.attachments?.filter((a) => a.name !== "1896_QD-TTg_m_294779.doc");
    expect(
      listed?.map((a) => [
        a.name,
        a.sha256,
        a.signature?.sha256,
        a.verification?.kind,
        a.verification?.verdict,
      ]),
    ).toEqual([
      ["phu-luc-1.pdf", sha256(appendix), undefined, "pdf", "TOTAL_PASSED"],
      ["bang-ke.csv", sha256(sheet), sha256(sheetP7s), "detached", "TOTAL_PASSED"],
    ]);
    expect(seen.attachments?.every((a) => a.verification?.accepted)).toBe(true);
  });

  it("refuses a package with an unsigned .doc appendix (422 naming it), creating and delivering nothing", async () => {
    const subject = `V/v phụ lục chưa ký ${randomInt(1, 1e9)}`;
    const doc = new TextEncoder().encode(`Phụ lục chưa ký ${randomInt(1, 1e9)}`);
    const pkg = letterPackage(sender, [recipient], await signedPdf(sender, "unsigned appendix"), subject, [
      sampleDocP7s,
      attachment("95", "phu-luc-chua-ky.doc", "application/msword", doc),
    ]);
    const answer = await postXml<Imported & { detail: string }>(await clientOf(sender), pkg);
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe("EDXML_ATTACHMENT_UNSIGNED");
    expect(answer.body.detail).toContain("phu-luc-chua-ky.doc");
    expect(answer.body.attachments?.map((a) => [a.name, a.imported])).toEqual([
      ["1896_QD-TTg_m_294779.doc", "attachment"],
      ["cong-van.pdf", "file"],
      ["1896_QD-TTg_m_294779.doc.p7s", "signature"],
      ["phu-luc-chua-ky.doc", "unsigned"],
    ]);
    const outbox = await (await clientOf(sender)).call<{ items: { subject: string }[] }>(
      "GET",
      "/v1/outbox?limit=100",
    );
    expect(outbox.items.some((item) => item.subject === subject)).toBe(false);
    const inbox = await (await clientOf(recipient)).call<{ items: { subject: string }[] }>(
      "GET",
      "/v1/inbox?limit=100",
    );
    expect(inbox.items.some((item) => item.subject === subject)).toBe(false);
  });
});

describe("POST /v1/edxml: the published status samples, and status export", () => {
  const H41 = "000.00.00.H41";

  async function letterTo(organ: string): Promise<string> {
    await clientOf(organ, "clerk");
    const pkg = letterPackage(
      sender,
      [organ],
      await signedPdf(sender, "status"),
      `V/v trạng thái ${randomInt(1, 1e9)}`,
    );
    const answer = await postXml<Imported>(await clientOf(sender), pkg);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.letter!.id;
  }

  it("applies 03, 04, 05, 06 in turn as the recipient, and exports each as a status package", async () => {
    const letterId = await letterTo(H41);
    for (const [name, code] of [
      ["status_acceptance_03.edxml", "03"],
      ["status_assignment_04.edxml", "04"],
      ["status_processing_05.edxml", "05"],
      ["status_finish_06.edxml", "06"],
    ] as const) {
      const answer = await postXml<Imported>(
        await clientOf(H41, "clerk"),
        statusPackage(name, letterId, H41),
      );
      expect(answer.status, `${name}: ${JSON.stringify(answer.body)}`).toBe(200);
      expect(answer.body.copy?.status).toBe(code);
      for (const [client, query] of [
        [await clientOf(sender), `?to=${H41}`],
        [await clientOf(H41, "clerk"), ""],
      ] as const) {
        const exported = await getXml(client, `/v1/letters/${letterId}/status.edxml${query}`);
        expect(exported.status).toBe(200);
        const back = readEdxml(exported.text).package as EdxmlStatusPackage;
        expect(back.kind).toBe("status");
        expect(back.from.id).toBe(H41);
        expect(back.responseFor.documentId).toBe(letterId);
        expect(readEdxml(fixture(name)).package).toMatchObject({ status: back.status });
      }
    }
  });

  it("applies a refusal (02, its Description the reason); refuses 01 and 13, another organ's status, and an unknown letter", async () => {
    const letterId = await letterTo(H41);
    const clerk = await clientOf(H41, "clerk");
    for (const name of ["status_inbox_01.edxml", "status_cancellation_13.edxml"]) {
      const answer = await postXml<Imported>(clerk, statusPackage(name, letterId, H41));
      expect(answer.status, name).toBe(422);
      expect(answer.body.code).toBe("EDXML_STATUS_NOT_APPLICABLE");
    }
    // The unchanged sample names a letter of another system: no such letter here.
    const unknown = await postXml<Imported>(clerk, fixture("status_rejection_02.edxml"));
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("LETTER_NOT_FOUND");
    // Another organ's package, even pointed at this letter.
    const foreign = await postXml<Imported>(
      clerk,
      statusPackage("status_rejection_02.edxml", letterId, sender),
    );
    expect(foreign.status).toBe(403);
    expect(foreign.body.code).toBe("EDXML_SENDER_MISMATCH");
    const refused = await postXml<Imported>(clerk, statusPackage("status_rejection_02.edxml", letterId, H41));
    expect(refused.status, JSON.stringify(refused.body)).toBe(200);
    expect(refused.body.copy?.status).toBe("02");
  });
});

describe("POST /v1/edxml: answers to a recall request (15, 16)", () => {
  it.each([
    ["status_change-acceptance_15.edxml", "15"],
    ["status_change-rejection_16.edxml", "16"],
  ] as const)("%s answers the sender's request on the recipient's copy", async (name, code) => {
    const H41 = "000.00.00.H41";
    const clerk = await clientOf(H41, "clerk");
    const pkg = letterPackage(
      sender,
      [H41],
      await signedPdf(sender, "recall"),
      `V/v thu hồi ${randomInt(1, 1e9)}`,
    );
    const sent = await postXml<Imported>(await clientOf(sender), pkg);
    expect(sent.status).toBe(201);
    const letterId = sent.body.letter!.id;
    // Before any request there is nothing to answer.
    const early = await postXml<Imported>(clerk, statusPackage(name, letterId, H41));
    expect(early.status).toBeGreaterThanOrEqual(400);
    expect(early.status).toBeLessThan(500);
    await (await clientOf(sender)).call("POST", `/v1/letters/${letterId}/recall`, {
      reason: "Sai sót số liệu",
    });
    const answer = await postXml<Imported & { copy: { recall?: { status: string } } }>(
      clerk,
      statusPackage(name, letterId, H41),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.copy.recall?.status).toBe(code);
  });
});

describe("POST /v1/edxml: hostile and broken XML through HTTP", () => {
  const deep = `<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">${"<a>".repeat(10_000)}${"</a>".repeat(10_000)}</edXML>`;
  const cases: readonly (readonly [string, string | Uint8Array, number, string, string?])[] = [
    [
      "XXE (file)",
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><edXML>&e;</edXML>',
      422,
      "EDXML_DTD_FORBIDDEN",
    ],
    [
      "XXE (http)",
      '<!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:1/x">]><edXML>&e;</edXML>',
      422,
      "EDXML_DTD_FORBIDDEN",
    ],
    [
      "billion laughs",
      `<!DOCTYPE l [<!ENTITY a "ha">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join("")}]><edXML>&j;</edXML>`,
      422,
      "EDXML_DTD_FORBIDDEN",
    ],
    ["undeclared entity", "<edXML>&lol;</edXML>", 422, "EDXML_ENTITY_FORBIDDEN"],
    ["10,000-deep nesting", deep, 422, "EDXML_TOO_DEEP"],
    ["not well-formed", "<edXML><a></edXML>", 422, "EDXML_MALFORMED"],
    ["not edXML", "<html><body/></html>", 422, "EDXML_NOT_EDXML"],
    ["larger than the route takes", new Uint8Array(5 * 1024 * 1024 + 1).fill(0x20), 413, "PAYLOAD_TOO_LARGE"],
    ["not XML at all", "%PDF-1.7", 415, "UNSUPPORTED_MEDIA_TYPE", "application/pdf"],
  ];

  for (const [name, body, status, code, type] of cases) {
    it(`${name} is refused with ${code}, never a 500`, async () => {
      const answer = await postXml<Imported>(await clientOf(sender), body as string | Uint8Array, type);
      expect(answer.status).toBe(status);
      expect(answer.body.code).toBe(code);
    });
  }
});
