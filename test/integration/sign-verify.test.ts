import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { demoSealPng, demoSignaturePng } from "../../devkit/demo-images.ts";
import type { LienthongClient, SentLetter } from "../../local/api-client.ts";
import type { DemoPkiManifest } from "../../shared/pki/index.ts";
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
} from "../support/exchange.ts";

interface VerifyResponse {
  verdict: string;
  summary: { vi: string; en: string };
  report: { signatures: SignatureReport[] };
}

/** The problem document of a send the policy refused. */
interface PolicyProblem {
  code: string;
  status: number;
  verification: { verdict: string; signatures: { subIndication?: string }[] };
}

interface SignatureReport {
  indication: string;
  subIndication?: string;
  signer?: { organCode?: string };
  provenSigningTime?: string;
  timestamp?: { valid: boolean };
  revocation: { source: string; status: string };
}

let sender: LienthongClient;
let recipient: LienthongClient;
/** The clerks (văn thư) of the sender and the outsider: only a clerk's key may apply the seal. */
let senderClerk: LienthongClient;
let outsiderClerk: LienthongClient;
let codes: string[];
let manifest: DemoPkiManifest;
let pkiPath: (file: string) => string;

beforeAll(() => {
  const clients = organClients();
  [sender, recipient] = clients as [LienthongClient, LienthongClient, LienthongClient, LienthongClient];
  const clerks = organClients("clerk");
  [senderClerk, outsiderClerk] = [clerks[0]!, clerks[3]!];
  codes = organCodes();
  ({ manifest, path: pkiPath } = demoPki());
});

/** The competent signer's own signature, made on the client (a USB token in real life). */
async function personSigned(organCode: string, pdf: Uint8Array, revoked = false): Promise<Uint8Array> {
  const entry = personEntry(manifest, organCode, revoked);
  const signer = SoftwareSigner.fromPkcs12(readFileSync(pkiPath(entry.p12)), manifest.password);
  return signPdf(pdf, {
    signer,
    appearance: {
      kind: "signer",
      image: demoSignaturePng(),
      title: "GIÁM ĐỐC",
      signerName: entry.commonName,
    },
  });
}

const draft = draftLetter;

describe("signing on the exchange (POST /v1/sign) and verification at send", () => {
  it("seals a letter the signer signed; the recipient sees TOTAL_PASSED for both signatures", async () => {
    const pdf = await personSigned(codes[0]!, await samplePdf());
    const id = await draft(sender, pdf, [codes[1]!]);

    const signed = await senderClerk.request<{
      file: { sha256: string; size: number };
      signer: { organCode: string };
    }>("POST", "/v1/sign", {
      letterId: id,
      appearance: { kind: "seal", image: Buffer.from(demoSealPng()).toString("base64") },
    });
    expect(signed.status).toBe(200);
    expect(signed.body.signer.organCode).toBe(codes[0]);
    expect(signed.body.file.sha256).not.toBe(sha256(pdf));
    expect(signed.body.file.size).toBeGreaterThan(pdf.length);

    const sent = await sender.call<SentLetter & { verification: { verdict: string; signatures: unknown[] } }>(
      "POST",
      `/v1/letters/${id}/send`,
    );
    expect(sent.verification.verdict).toBe("TOTAL_PASSED");
    expect(sent.verification.signatures).toHaveLength(2);

    expect(await inboxVerdict(recipient, id)).toBe("TOTAL_PASSED");

    const report = await recipient.call<VerifyResponse["report"] & { verdict: string }>(
      "GET",
      `/v1/letters/${id}/verification`,
    );
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures.map((s) => s.signer?.organCode)).toEqual([codes[0], codes[0]]);
    // The exchange's seal is PAdES B-T (the local TSA), and revocation came from the CAs' CRL.
    expect(report.signatures[1]?.timestamp?.valid).toBe(true);
    expect(Date.parse(report.signatures[1]?.provenSigningTime ?? "")).toBeGreaterThan(Date.now() - 600_000);
    expect(report.signatures[0]?.timestamp).toBeUndefined();
    expect(report.signatures.map((s) => s.revocation.status)).toEqual(["good", "good"]);

    const download = await fetch(
      (await recipient.call<SentLetter>("GET", `/v1/letters/${id}`)).download!.url,
    );
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(signed.body.file.sha256);
  });

  it("refuses a letter signed by another organ's signer at send, and delivers nothing", async () => {
    const pdf = await personSigned(codes[2]!, await samplePdf());
    const id = await draft(sender, pdf, [codes[1]!]);
    const refused = await sender.request<PolicyProblem>("POST", `/v1/letters/${id}/send`);
    expect(refused.body).toMatchObject({ status: 422, code: "SIGNATURE_POLICY_FAILED" });
    expect(refused.body.verification.verdict).not.toBe("TOTAL_PASSED");
    expect(refused.body.verification.signatures[0]?.subIndication).toBe("SIG_CONSTRAINTS_FAILURE");
    expect(await inboxVerdict(recipient, id)).toBeUndefined();
  });

  it("refuses a letter signed with a revoked certificate (the CA's CRL, fetched over HTTP)", async () => {
    const revokedOrgan = manifest.entries.find((e) => e.revoked)!.organCode;
    const client = organClients()[codes.indexOf(revokedOrgan)]!;
    const pdf = await personSigned(revokedOrgan, await samplePdf(), true);
    const id = await draft(client, pdf, [codes.find((code) => code !== revokedOrgan)!]);
    const refused = await client.request<PolicyProblem>("POST", `/v1/letters/${id}/send`);
    expect(refused.body).toMatchObject({ status: 422, code: "SIGNATURE_POLICY_FAILED" });
    expect(refused.body.verification.verdict).toBe("TOTAL_FAILED");
    expect(refused.body.verification.signatures[0]?.subIndication).toBe("REVOKED");
    const report = await client.call<{ signatures: SignatureReport[] }>(
      "GET",
      `/v1/letters/${id}/verification`,
    );
    expect(report.signatures[0]?.revocation.status).toBe("revoked");
  });

  it("refuses to send a file that is not a PDF, and keeps the draft", async () => {
    const notPdf = new TextEncoder().encode("this is not a PDF at all");
    const id = await draft(sender, notPdf, [codes[1]!]);
    const response = await sender.request<{ code: string }>("POST", `/v1/letters/${id}/send`);
    expect(response.status).toBe(422);
    expect(response.body.code).toBe("PDF_MALFORMED");
    expect((await sender.call<SentLetter>("GET", `/v1/letters/${id}`)).state).toBe("draft");
  });

  it("refuses an appearance image that is not a PNG, and leaves the draft as it was", async () => {
    const pdf = await samplePdf();
    const id = await draft(sender, pdf, [codes[1]!]);
    const response = await senderClerk.request<{ code: string; status: number }>("POST", "/v1/sign", {
      letterId: id,
      appearance: { kind: "seal", image: Buffer.from("GIF89a not a png").toString("base64") },
    });
    expect(response.body).toMatchObject({ status: 422, code: "APPEARANCE_IMAGE_INVALID" });
    const letter = await sender.call<{ file: { sha256: string } }>("GET", `/v1/letters/${id}`);
    expect(letter.file.sha256).toBe(sha256(pdf));
  });

  it("survives concurrent signing: each request either signs or is told that the letter changed", async () => {
    const id = await draft(sender, await samplePdf(), [codes[1]!]);
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        senderClerk.request<{ code?: string; file?: { sha256: string } }>("POST", "/v1/sign", {
          letterId: id,
        }),
      ),
    );
    const won = results.filter((r) => r.status === 200);
    expect(won.length).toBeGreaterThanOrEqual(1);
    for (const lost of results.filter((r) => r.status !== 200)) {
      expect(lost.body).toMatchObject({ code: "LETTER_CHANGED" });
    }
    // The draft still points at bytes that match its record: it can be signed again and sent.
    expect((await senderClerk.request("POST", "/v1/sign", { letterId: id })).status).toBe(200);
    const sent = await sender.call<{ state: string; verification: { signatures: unknown[] } }>(
      "POST",
      `/v1/letters/${id}/send`,
    );
    expect(sent.state).toBe("sent");
    expect(sent.verification.signatures.length).toBeGreaterThanOrEqual(2);
  });

  it("lets only the sender sign, and only before sending", async () => {
    const id = await draft(sender, await samplePdf(), [codes[1]!]);
    const stranger = await outsiderClerk.request<{ code: string }>("POST", "/v1/sign", { letterId: id });
    expect(stranger.body.code).toBe("LETTER_NOT_FOUND");

    expect((await senderClerk.request("POST", "/v1/sign", { letterId: id })).status).toBe(200);
    await sender.call("POST", `/v1/letters/${id}/send`);
    const late = await senderClerk.request<{ code: string; status: number }>("POST", "/v1/sign", {
      letterId: id,
    });
    expect(late.body).toMatchObject({ status: 409, code: "LETTER_ALREADY_SENT" });
  });
});

describe("POST /v1/verify", () => {
  async function verify(pdf: Uint8Array, query = "") {
    return fetch(`${inject("apiUrl")}/v1/verify${query}`, {
      method: "POST",
      headers: { authorization: `Bearer ${sender.apiKey}`, "content-type": "application/pdf" },
      body: pdf,
    });
  }

  it("reports a good letter as TOTAL_PASSED and a tampered one as failed", async () => {
    const pdf = await personSigned(codes[0]!, await samplePdf());
    const good = (await (await verify(pdf, `?organ=${codes[0]}`)).json()) as VerifyResponse;
    expect(good.verdict).toBe("TOTAL_PASSED");
    expect(good.summary.vi.length).toBeGreaterThan(10);

    const tampered = new Uint8Array(pdf);
    tampered[200] = tampered[200]! ^ 0x01; // inside the first signed byte range
    const bad = (await (await verify(tampered)).json()) as VerifyResponse;
    expect(bad.verdict).toBe("TOTAL_FAILED");
    expect(bad.report.signatures[0]?.subIndication).toBe("HASH_FAILURE");
  });

  it("gives the printable report as a PDF", async () => {
    const response = await verify(await personSigned(codes[0]!, await samplePdf()), "?format=pdf");
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");
  });

  it("answers clear errors for what is not a PDF", async () => {
    const garbage = await verify(new TextEncoder().encode("hello"));
    expect(garbage.status).toBe(422);
    expect(((await garbage.json()) as { code: string }).code).toBe("PDF_MALFORMED");
    const json = await sender.request<{ code: string }>("POST", "/v1/verify", { letterId: "x" });
    expect(json.body.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});
