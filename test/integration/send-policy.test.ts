import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CreatedLetter,
  type LienthongClient,
  type SentLetter,
  uploadFile,
} from "../../local/api-client.ts";
import { letterIdOf, vietnamYear } from "../../shared/exchange/numbering.ts";
import type { Letter } from "../../shared/exchange/types.ts";
import { type DemoPkiManifest, parseCertificate } from "../../shared/pki/index.ts";
import { SoftwareSigner, signPdf } from "../../shared/signing/index.ts";
import {
  demoPki,
  draftLetter,
  inboxVerdict,
  organClients,
  organCodes,
  personEntry,
  samplePdf,
  sha256,
  testLedger,
} from "../support/exchange.ts";

/** What a letter records of a send attempt (`GET /v1/letters/{id}`, and the refusal's problem). */
interface SendVerification {
  verdict: string;
  policy: string;
  decision: string;
  fileSha256: string;
  checkedAt: string;
  reportKey?: string;
  signatures: { indication: string; subIndication?: string }[];
  summary: { vi: string; en: string };
}

interface Refusal {
  type: string;
  code: string;
  status: number;
  title: string;
  detail: string;
  messages: { en: string; vi: string };
  instance: string;
  verification: SendVerification;
  report: string;
}

interface Report {
  verdict: string;
  document: { sha256: string };
  problems: { code: string }[];
  signatures: {
    indication: string;
    subIndication?: string;
    checks: { name: string; status: string; code: string }[];
  }[];
}

type LetterWithVerification = SentLetter & { verification?: SendVerification; file: { sha256: string } };

const ledger = testLedger();

let sender: LienthongClient;
let recipients: LienthongClient[];
/** The recipients' clerks (văn thư), who set statuses. */
let recipientClerks: LienthongClient[];
let codes: string[];
let manifest: DemoPkiManifest;
let pkiPath: (file: string) => string;

beforeAll(async () => {
  const clients = organClients();
  sender = clients[0]!;
  recipients = [clients[1]!, clients[2]!];
  const clerks = organClients("clerk");
  recipientClerks = [clerks[1]!, clerks[2]!];
  codes = organCodes();
  ({ manifest, path: pkiPath } = demoPki());
  // The TSA certificate is made signing for the sender in the organ directory, so that nothing
  // but its purpose (EKU timeStamping) can make a letter it signed fail.
  const tsaPem = readFileSync(pkiPath(manifest.tsa.certificate), "utf8");
  await ledger.bindCertificate(codes[0]!, parseCertificate(tsaPem).sha256, tsaPem);
});

const to = () => [codes[1]!, codes[2]!];

/** Signed on the client by an organ's competent signer (a USB token in real life). */
async function personSigned(organCode: string, pdf: Uint8Array): Promise<Uint8Array> {
  const entry = personEntry(manifest, organCode);
  const signer = SoftwareSigner.fromPkcs12(readFileSync(pkiPath(entry.p12)), manifest.password);
  return signPdf(pdf, { signer });
}

/** Signed with the timestamp authority's key and certificate, as if it were a person's. */
async function tsaSigned(pdf: Uint8Array): Promise<Uint8Array> {
  const signer = SoftwareSigner.fromPem(
    readFileSync(pkiPath(manifest.tsa.key), "utf8"),
    readFileSync(pkiPath(manifest.tsa.certificate), "utf8") + readFileSync(pkiPath(manifest.chain), "utf8"),
  );
  return signPdf(pdf, { signer });
}

const inboxIds = async (client: LienthongClient): Promise<string[]> =>
  (await client.call<{ items: { letterId: string }[] }>("GET", "/v1/inbox?limit=100")).items.map(
    (item) => item.letterId,
  );

/**
 * Sends the draft and checks that it is refused under the default policy: the problem names the
 * code, the verdict and summary in both languages and where the report is; the draft is kept
 * with the attempt recorded; the report can be read; no recipient got anything.
 */
async function expectRefused(id: string, file: Uint8Array): Promise<{ refusal: Refusal; report: Report }> {
  const response = await sender.request<Refusal>("POST", `/v1/letters/${id}/send`);
  expect(response.status).toBe(422);
  expect(response.contentType).toMatch(/^application\/problem\+json/);
  const refusal = response.body;
  expect(refusal).toMatchObject({ code: "SIGNATURE_POLICY_FAILED", status: 422 });
  expect(refusal.messages.en).toMatch(/not sent/);
  expect(refusal.messages.vi).toMatch(/chưa được gửi/);
  expect(refusal.detail).toContain("require-total-passed");
  expect(refusal.verification).toMatchObject({
    policy: "require-total-passed",
    decision: "refused",
    fileSha256: sha256(file),
  });
  expect(refusal.verification.verdict).not.toBe("TOTAL_PASSED");
  expect(refusal.verification.summary.vi.length).toBeGreaterThan(20);
  expect(refusal.verification.summary.en.length).toBeGreaterThan(20);
  expect(refusal.verification.reportKey).toBeUndefined(); // object keys stay the exchange's business
  expect(refusal.report).toBe(`/v1/letters/${id}/verification`);

  // The draft is kept, with nothing delivered and the attempt recorded.
  const letter = await sender.call<LetterWithVerification>("GET", `/v1/letters/${id}`);
  expect(letter.state).toBe("draft");
  expect(letter.deliveries).toEqual([]);
  expect(letter.verification).toEqual(refusal.verification);

  // The full report of the refused attempt stays retrievable where the problem says.
  const report = await sender.call<Report>("GET", refusal.report);
  expect(report.verdict).toBe(refusal.verification.verdict);
  expect(report.document.sha256).toBe(sha256(file));

  for (const [index, recipient] of recipients.entries()) {
    expect(await inboxIds(recipient)).not.toContain(id);
    const seen = await recipient.request<{ code: string }>("GET", `/v1/letters/${id}`);
    expect(seen.body.code).toBe("LETTER_NOT_FOUND");
    const status = await recipientClerks[index]!.request<{ code: string }>(
      "POST",
      `/v1/letters/${id}/status`,
      {
        status: "03",
      },
    );
    expect(status.body.code).toBe("LETTER_NOT_FOUND");
  }
  return { refusal, report };
}

/** Gives the refused draft a good file, uploads it and sends: it goes to every recipient. */
async function replaceAndSend(id: string, good: Uint8Array): Promise<void> {
  const replaced = await sender.request<CreatedLetter>("PUT", `/v1/letters/${id}/file`, {
    name: "cong-van-da-sua.pdf",
    size: good.length,
    sha256: sha256(good),
  });
  expect(replaced.status).toBe(200);
  expect(replaced.body.letter.state).toBe("draft");
  expect(await uploadFile(replaced.body.upload, good)).toBe(200);

  const sent = await sender.call<LetterWithVerification>("POST", `/v1/letters/${id}/send`);
  expect(sent.state).toBe("sent");
  expect(sent.file.sha256).toBe(sha256(good));
  expect(sent.verification).toMatchObject({
    verdict: "TOTAL_PASSED",
    policy: "require-total-passed",
    decision: "delivered",
    fileSha256: sha256(good),
  });
  expect(sent.deliveries.map((d) => [d.organCode, d.status])).toEqual(to().map((code) => [code, "01"]));
  for (const recipient of recipients) {
    expect(await inboxVerdict(recipient, id)).toBe("TOTAL_PASSED");
  }
  const report = await recipients[0]!.call<Report>("GET", `/v1/letters/${id}/verification`);
  expect(report.document.sha256).toBe(sha256(good));
}

describe("send refuses what fails verification (default policy require-total-passed)", () => {
  it("delivers a good letter, and records the policy that let it through", async () => {
    const pdf = await personSigned(codes[0]!, await samplePdf());
    const id = await draftLetter(sender, pdf, to());

    const sent = await sender.call<LetterWithVerification>("POST", `/v1/letters/${id}/send`);

    expect(sent.state).toBe("sent");
    expect(sent.verification).toMatchObject({
      verdict: "TOTAL_PASSED",
      policy: "require-total-passed",
      decision: "delivered",
    });
    for (const recipient of recipients) {
      expect(await inboxVerdict(recipient, id)).toBe("TOTAL_PASSED");
      const received = await recipient.call<LetterWithVerification>("GET", `/v1/letters/${id}`);
      expect(received.verification?.policy).toBe("require-total-passed");
    }
    const seen = await sender.call<LetterWithVerification>("GET", `/v1/letters/${id}`);
    expect(seen.verification?.policy).toBe("require-total-passed");
  });

  it("refuses an unsigned letter, again on a retry, and sends it once it is signed", async () => {
    const pdf = await samplePdf();
    const id = await draftLetter(sender, pdf, to());

    const { report } = await expectRefused(id, pdf);
    expect(report.verdict).toBe("TOTAL_FAILED");
    expect(report.problems.map((p) => p.code)).toContain("NO_SIGNATURE");
    await expectRefused(id, pdf); // refusing is repeatable and still delivers nothing

    await replaceAndSend(id, await personSigned(codes[0]!, pdf));
  });

  it("refuses a letter with one byte changed after signing; the unchanged file then goes", async () => {
    const signed = await personSigned(codes[0]!, await samplePdf());
    const tampered = new Uint8Array(signed);
    tampered[200] = tampered[200]! ^ 0x01; // inside the first signed byte range
    const id = await draftLetter(sender, tampered, to());

    const { refusal } = await expectRefused(id, tampered);
    expect(refusal.verification.verdict).toBe("TOTAL_FAILED");
    expect(refusal.verification.signatures[0]?.subIndication).toBe("HASH_FAILURE");

    await replaceAndSend(id, signed);
  });

  it("refuses a letter signed with another organ's certificate; the sender's own then goes", async () => {
    const pdf = await samplePdf();
    const foreign = await personSigned(codes[2]!, pdf);
    const id = await draftLetter(sender, foreign, to());

    const { refusal } = await expectRefused(id, foreign);
    expect(refusal.verification.signatures[0]?.subIndication).toBe("SIG_CONSTRAINTS_FAILURE");

    await replaceAndSend(id, await personSigned(codes[0]!, pdf));
  });

  it("refuses a letter signed with a TSA certificate (EKU timeStamping) as the signer", async () => {
    const pdf = await samplePdf();
    const byTsa = await tsaSigned(pdf);
    const id = await draftLetter(sender, byTsa, to());

    const { report } = await expectRefused(id, byTsa);
    // Bound to the sender above: the certificate's purpose is what fails, not the organ.
    const checks = report.signatures[0]?.checks ?? [];
    expect(checks.find((check) => check.name === "organ-binding")?.status).toBe("passed");
    expect(report.signatures[0]?.indication).not.toBe("TOTAL_PASSED");

    await replaceAndSend(id, await personSigned(codes[0]!, pdf));
  });

  it("lets only the sender replace a draft's file, and only before it is sent", async () => {
    const pdf = await personSigned(codes[0]!, await samplePdf());
    const id = await draftLetter(sender, pdf, to());
    const file = { name: "a.pdf", size: pdf.length, sha256: sha256(pdf) };

    const stranger = await recipients[0]!.request<{ code: string }>("PUT", `/v1/letters/${id}/file`, file);
    expect(stranger.body.code).toBe("LETTER_NOT_FOUND");
    const invalid = await sender.request<{ code: string }>("PUT", `/v1/letters/${id}/file`, {
      ...file,
      sha256: "xyz",
    });
    expect(invalid.body.code).toBe("VALIDATION_FAILED");

    await sender.call("POST", `/v1/letters/${id}/send`);
    const late = await sender.request<{ code: string; status: number }>(
      "PUT",
      `/v1/letters/${id}/file`,
      file,
    );
    expect(late.body).toMatchObject({ status: 409, code: "LETTER_ALREADY_SENT" });
  });
});

describe("the ledger records a refusal only on the draft that was verified", () => {
  it("writes the attempt on the draft with that file, never on another file or a sent letter", async () => {
    const code = { number: String(randomInt(1, 2 ** 47)), notation: "UBND-VP" };
    const createdAt = new Date().toISOString();
    const id = letterIdOf(codes[0]!, vietnamYear(createdAt), code); // a letter's id is its number's
    const letter: Letter = {
      id,
      sender: codes[0]!,
      state: "draft",
      code,
      documentType: "Công văn",
      subject: "V/v kiểm thử",
      recipients: [codes[1]!],
      urgency: 0,
      file: { name: "a.pdf", contentType: "application/pdf", size: 10, sha256: "a".repeat(64), key: "k" },
      createdAt,
    };
    await ledger.createLetter(letter, () => letter);
    const verification = {
      verdict: "TOTAL_FAILED" as const,
      checkedAt: new Date().toISOString(),
      signatures: [],
      summary: { vi: "Văn bản KHÔNG HỢP LỆ", en: "Letter NOT VALID" },
      policy: "require-total-passed" as const,
      decision: "refused" as const,
      fileSha256: "a".repeat(64),
    };

    expect(await ledger.recordSendRefusal(id, "b".repeat(64), verification)).toBe(false);
    expect((await ledger.getLetter(id))?.verification).toBeUndefined();
    expect(await ledger.recordSendRefusal(id, "a".repeat(64), verification)).toBe(true);
    expect((await ledger.getLetter(id))?.verification).toEqual(verification);

    const at = new Date().toISOString();
    await ledger.markSent({ ...letter, state: "sent", sentAt: at }, [], {
      letterId: id,
      at,
      organCode: letter.sender,
      type: "sent",
    });
    expect(await ledger.recordSendRefusal(id, "a".repeat(64), verification)).toBe(false);
  });
});
