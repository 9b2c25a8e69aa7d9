import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { demoSealPng } from "../../devkit/demo-images.ts";
import { LienthongClient, type SentLetter } from "../../local/api-client.ts";
import type { Role } from "../../shared/exchange/types.ts";
import { hashApiKey } from "../../shared/http/index.ts";
import {
  draftLetter,
  letterMetadata,
  organClients,
  organCodes,
  sha256,
  signedPdf,
  testLedger,
} from "../support/exchange.ts";

/**
 * The role matrix (shared/exchange/roles.ts) through HTTP: each refusal is 403 ROLE_NOT_ALLOWED,
 * comes before the route does anything, and leaves the letter as it was.
 */

interface Problem {
  status: number;
  code: string;
  detail: string;
  messages: { en: string; vi: string };
  role: string;
  action: string;
  allowedRoles: string[];
}

type Draft = SentLetter & { state: string; file: { sha256: string } };

const ledger = testLedger();

let codes: string[];
/** The sender's and the first recipient's office software. */
let sender: LienthongClient;
let recipient: LienthongClient;
/** Their văn thư. */
let senderClerk: LienthongClient;
let recipientClerk: LienthongClient;

/** A key of `role` for the sender organ, put in the table as an operator would (role unchecked). */
async function keyFor(role: string): Promise<LienthongClient> {
  const key = `lt_test_${randomBytes(12).toString("base64url")}`;
  await ledger.putApiKey(hashApiKey(key), codes[0]!, role as Role);
  return new LienthongClient(inject("apiUrl"), key);
}

const sealRequest = (letterId: string) => ({
  letterId,
  appearance: { kind: "seal", image: Buffer.from(demoSealPng()).toString("base64") },
});

function expectRefused(
  response: { status: number; contentType: string; body: Problem },
  role: string,
  action: string,
  allowedRoles: string[],
): void {
  expect(response.status).toBe(403);
  expect(response.contentType).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ code: "ROLE_NOT_ALLOWED", status: 403, role, action, allowedRoles });
  expect(response.body.detail).toContain(`this key's role (${role}) may not`);
  expect(response.body.messages.vi).toMatch(/Vai trò của khóa API/);
}

beforeAll(() => {
  codes = organCodes();
  const integration = organClients("integration");
  const clerks = organClients("clerk");
  [sender, recipient] = [integration[0]!, integration[1]!];
  [senderClerk, recipientClerk] = [clerks[0]!, clerks[1]!];
});

describe("a clerk's key (văn thư)", () => {
  it("may not create a draft: 403, and the outbox is as it was", async () => {
    const before = await senderClerk.call<{ items: { letterId: string }[] }>("GET", "/v1/outbox?limit=100");
    const pdf = await signedPdf(codes[0]!);
    const response = await senderClerk.request<Problem>("POST", "/v1/letters", {
      ...letterMetadata([codes[1]!]),
      file: { name: "a.pdf", size: pdf.length, sha256: sha256(pdf) },
    });
    expectRefused(response, "clerk", "draft", ["integration"]);
    expect(response.body.detail).toBe(
      "this key's role (clerk) may not create draft letters or replace their files; a key of role integration may",
    );
    const after = await senderClerk.call<{ items: { letterId: string }[] }>("GET", "/v1/outbox?limit=100");
    expect(after.items).toEqual(before.items);
  });

  it("may not replace a draft's file", async () => {
    const pdf = await signedPdf(codes[0]!);
    const id = await draftLetter(sender, pdf, [codes[1]!]);
    const other = await signedPdf(codes[0]!);
    const response = await senderClerk.request<Problem>("PUT", `/v1/letters/${id}/file`, {
      name: "b.pdf",
      size: other.length,
      sha256: sha256(other),
    });
    expectRefused(response, "clerk", "draft", ["integration"]);
    expect((await sender.call<Draft>("GET", `/v1/letters/${id}`)).file.sha256).toBe(sha256(pdf));
  });

  it("may not send: 403, the letter stays a draft and no recipient receives it", async () => {
    const id = await draftLetter(sender, await signedPdf(codes[0]!), [codes[1]!]);
    const response = await senderClerk.request<Problem>("POST", `/v1/letters/${id}/send`);
    expectRefused(response, "clerk", "send", ["integration"]);
    expect(response.body.detail).toBe(
      "this key's role (clerk) may not send letters; a key of role integration may",
    );
    const letter = await sender.call<Draft>("GET", `/v1/letters/${id}`);
    expect(letter.state).toBe("draft");
    expect(letter.deliveries).toEqual([]);
    const inbox = await recipient.call<{ items: { letterId: string }[] }>("GET", "/v1/inbox?limit=100");
    expect(inbox.items.map((item) => item.letterId)).not.toContain(id);
  });

  it("may apply the organ's seal, which the office software then sends", async () => {
    const pdf = await signedPdf(codes[0]!);
    const id = await draftLetter(sender, pdf, [codes[1]!]);
    const sealed = await senderClerk.request<{ file: { sha256: string }; signer: { organCode: string } }>(
      "POST",
      "/v1/sign",
      sealRequest(id),
    );
    expect(sealed.status).toBe(200);
    expect(sealed.body.signer.organCode).toBe(codes[0]);
    expect(sealed.body.file.sha256).not.toBe(sha256(pdf));
    const sent = await sender.call<SentLetter & { verification: { verdict: string; signatures: unknown[] } }>(
      "POST",
      `/v1/letters/${id}/send`,
    );
    expect(sent.verification.verdict).toBe("TOTAL_PASSED");
    expect(sent.verification.signatures).toHaveLength(2);
  });
});

describe("an integration key (office software)", () => {
  it("may not apply the organ's seal: 403, and the draft's file is unchanged", async () => {
    const pdf = await signedPdf(codes[0]!);
    const id = await draftLetter(sender, pdf, [codes[1]!]);
    const response = await sender.request<Problem>("POST", "/v1/sign", sealRequest(id));
    expectRefused(response, "integration", "seal", ["clerk"]);
    expect(response.body.detail).toBe(
      "this key's role (integration) may not apply the organ's seal (POST /v1/sign); a key of role clerk may",
    );
    const letter = await sender.call<Draft>("GET", `/v1/letters/${id}`);
    expect(letter.state).toBe("draft");
    expect(letter.file.sha256).toBe(sha256(pdf));
  });

  it("may not set a status: 403, the delivery stays 01; the recipient's clerk may", async () => {
    const sent = await sender.sendLetter(letterMetadata([codes[1]!]), await signedPdf(codes[0]!), "a.pdf");
    const path = `/v1/letters/${sent.id}/status`;
    const response = await recipient.request<Problem>("POST", path, { status: "03" });
    expectRefused(response, "integration", "set-status", ["clerk"]);
    const seen = await sender.call<SentLetter>("GET", `/v1/letters/${sent.id}`);
    expect(seen.deliveries.map((d) => [d.organCode, d.status])).toEqual([[codes[1], "01"]]);

    expect((await recipientClerk.request("POST", path, { status: "03" })).status).toBe(200);
    const accepted = await sender.call<SentLetter>("GET", `/v1/letters/${sent.id}`);
    expect(accepted.deliveries.map((d) => [d.organCode, d.status])).toEqual([[codes[1], "03"]]);
  });
});

describe("an admin key, and a key whose stored role is unknown", () => {
  it("admin administers only: reading letters, drafting, sealing are refused", async () => {
    const admin = await keyFor("admin");
    expectRefused(await admin.request<Problem>("GET", "/v1/inbox"), "admin", "read", [
      "clerk",
      "integration",
    ]);
    expectRefused(
      await admin.request<Problem>("POST", "/v1/letters", { ...letterMetadata([codes[1]!]) }),
      "admin",
      "draft",
      ["integration"],
    );
    const id = await draftLetter(sender, await signedPdf(codes[0]!), [codes[1]!]);
    expectRefused(await admin.request<Problem>("POST", "/v1/sign", sealRequest(id)), "admin", "seal", [
      "clerk",
    ]);
  });

  it.each(["auditor", ""])("a stored key with role '%s' may do nothing (fail closed)", async (role) => {
    const unknown = await keyFor(role);
    for (const [method, path] of [
      ["GET", "/v1/inbox"],
      ["GET", "/v1/outbox"],
    ] as const) {
      const response = await unknown.request<Problem>(method, path);
      expect(response.status, path).toBe(403);
      expect(response.body.code).toBe("ROLE_NOT_ALLOWED");
      expect(response.body.detail).toMatch(/is none of clerk, integration, admin: it may do nothing/);
    }
  });
});
