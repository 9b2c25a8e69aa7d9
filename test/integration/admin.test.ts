import { randomInt, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { demoSealPng } from "../../devkit/demo-images.ts";
import { createCertificateAuthority, issueCertificate } from "../../devkit/pki.ts";
import { LienthongClient } from "../../local/api-client.ts";
import { type ChainEvent, verifyChain } from "../../shared/evidence/index.ts";
import { foldText } from "../../shared/exchange/directory.ts";
import {
  RECOMMENDED_SEND_POLICY,
  type SignatureFacts,
  unmetRequirements,
} from "../../shared/exchange/send-policy.ts";
import { DynamoAdminStore } from "../../shared/storage/dynamo-admin.ts";
import { createDynamoClient, type DynamoLedger } from "../../shared/storage/index.ts";
import {
  draftLetter,
  letterMetadata,
  organClients,
  organCodes,
  samplePdf,
  signedPdf,
  testLedger,
} from "../support/exchange.ts";

/**
 * Administration through HTTP against the local exchange (DynamoDB Local, s3rver): the directory,
 * keys, certificates, trust anchors and the send policy; every change in the admin audit chain.
 * Organs are made fresh per test (codes Q…): the demo organs are shared with every other file.
 */

interface Problem {
  code: string;
  detail: string;
  inactive?: { organCode: string; status: string; successor?: string }[];
  verification?: { policy: string; unmetRequirements?: string[]; policySetting?: { scope: string } };
}

interface OrganBody {
  code: string;
  name: string;
  status: string;
  aliases?: string[];
  successor?: string;
  parent?: string;
  contact?: { email?: string };
}

interface KeyBody {
  id: string;
  prefix?: string;
  role: string;
  organCode: string;
  lastUsedAt?: string;
  validUntil?: string;
  revokedAt?: string;
}

let admin: LienthongClient;
let codes: string[];
let ledger: DynamoLedger;
let store: DynamoAdminStore;

function adminKey(): string {
  const key = inject("demoKeys").find((k) => k.role === "admin");
  if (!key) {
    throw new Error("the local exchange printed no admin key");
  }
  return key.apiKey;
}

const client = (key: string) => new LienthongClient(inject("apiUrl"), key);

/** A code no other test uses. */
const freshCode = () =>
  `${randomInt(100, 999)}.${randomInt(10, 99)}.${randomInt(10, 99)}.Q${String(randomInt(0, 99)).padStart(2, "0")}`;

async function newOrgan(name = `Phòng Thử nghiệm Đặc biệt ${randomUUID().slice(0, 8)}`, extra: object = {}) {
  return admin.call<OrganBody>("POST", "/v1/admin/organs", { code: freshCode(), name, ...extra });
}

async function newKey(organ: string, role: string): Promise<{ key: KeyBody; secret: string }> {
  return admin.call("POST", `/v1/admin/organs/${organ}/keys`, { role });
}

async function adminEvents(): Promise<ChainEvent[]> {
  return store.adminEvents();
}

beforeAll(() => {
  admin = client(adminKey());
  codes = organCodes();
  ledger = testLedger();
  const dynamo = createDynamoClient({
    region: "ap-southeast-1",
    tableName: "lienthong",
    bucketName: "lienthong-letters",
    dynamodbEndpoint: inject("dynamodbEndpoint"),
    presignTtlSeconds: 60,
    maxFileBytes: 1024,
    revocation: "off",
  });
  store = new DynamoAdminStore(dynamo, "lienthong");
});

describe("the organ directory", () => {
  it("every role searches it by name without diacritics, by code and by alias, page by page", async () => {
    const word = `Thử${randomUUID().slice(0, 6)}`;
    const made: OrganBody[] = [];
    for (const [i, name] of [
      `Sở Tài chính ${word}`,
      `Sở Tài nguyên ${word}`,
      `Ủy ban Đô thị ${word}`,
    ].entries()) {
      // Aliases are unique across organs (administration.ts); each contains the searched word.
      made.push(
        await newOrgan(name, { aliases: [`ALIAS-${word}-${i}`], contact: { email: "vanthu@example.vn" } }),
      );
    }
    const [clerk] = organClients("clerk");
    for (const caller of [clerk!, organClients()[0]!, admin]) {
      const found = await caller.call<{ items: OrganBody[] }>(
        "GET",
        `/v1/organs?q=${encodeURIComponent(`so tai ${foldText(word)}`)}`,
      );
      expect(found.items.map((o) => o.code).sort()).toEqual([made[0]!.code, made[1]!.code].sort());
    }
    const byCode = await clerk!.call<{ items: OrganBody[] }>("GET", `/v1/organs?q=${made[2]!.code}`);
    expect(byCode.items.map((o) => o.code)).toEqual([made[2]!.code]);
    expect(byCode.items[0]!.contact?.email).toBe("vanthu@example.vn");
    const dong = await clerk!.call<{ items: OrganBody[] }>(
      "GET",
      `/v1/organs?q=${encodeURIComponent(`DO THI ${word.toUpperCase()}`)}`,
    );
    expect(dong.items.map((o) => o.code)).toEqual([made[2]!.code]);

    // Pages of one: every match exactly once, in code order, with sealed cursors.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: { items: OrganBody[]; nextCursor?: string } = await clerk!.call(
        "GET",
        `/v1/organs?q=alias-${encodeURIComponent(foldText(word))}&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.items.map((o) => o.code));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made.map((o) => o.code).sort());
    const forged = await clerk!.request<Problem>(
      "GET",
      "/v1/organs?cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    );
    expect([forged.status, forged.body.code]).toEqual([400, "INVALID_CURSOR"]);
  });

  it("pages through the whole directory without repeating an organ", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: { items: OrganBody[]; nextCursor?: string } = await admin.call(
        "GET",
        `/v1/organs?limit=7${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items.map((o) => o.code));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(codes));
  });

  it("the demo organs are in it", async () => {
    const all = await admin.call<{ items: OrganBody[] }>("GET", "/v1/organs?q=tay%20ninh&limit=100");
    expect(all.items.map((o) => o.code)).toEqual(
      expect.arrayContaining(codes.filter((c) => c.endsWith("H53"))),
    );
  });

  it("an organ is updated, deactivated, never deleted; a code is created once", async () => {
    const parent = await newOrgan();
    const organ = await newOrgan();
    // Names are unique in the directory (one rule for codes, names and aliases): one per run.
    const name = `Văn phòng Đoàn ĐBQH ${organ.code}`;
    const updated = await admin.call<OrganBody>("PUT", `/v1/admin/organs/${organ.code}`, {
      name,
      parent: parent.code,
    });
    expect([updated.name, updated.parent, updated.status]).toEqual([name, parent.code, "active"]);
    // The code clash is what is said, whatever else clashes too ("x" may be another organ's name).
    const again = await admin.request<Problem>("POST", "/v1/admin/organs", { code: organ.code, name: "x" });
    expect([again.status, again.body.code]).toEqual([409, "ADMIN_ORGAN_EXISTS"]);
    const orphan = await admin.request<Problem>("POST", "/v1/admin/organs", {
      code: freshCode(),
      name: "x",
      parent: freshCode(),
    });
    expect([orphan.status, orphan.body.code]).toEqual([404, "ADMIN_ORGAN_NOT_FOUND"]);
    const off = await admin.call<OrganBody>("POST", `/v1/admin/organs/${organ.code}/deactivate`);
    expect(off.status).toBe("inactive");
    const twice = await admin.request<Problem>("POST", `/v1/admin/organs/${organ.code}/deactivate`);
    expect([twice.status, twice.body.code]).toEqual([409, "ADMIN_ORGAN_STATE"]);
    const listed = await admin.call<{ items: OrganBody[] }>("GET", `/v1/organs?q=${organ.code}`);
    expect(listed.items.map((o) => [o.code, o.status])).toEqual([[organ.code, "inactive"]]);
  });

  it("a letter to a merged organ is refused naming its successor; the old code finds the successor", async () => {
    const old = await newOrgan();
    const heir = await newOrgan();
    const merged = await admin.call<OrganBody>("POST", `/v1/admin/organs/${old.code}/merge`, {
      successor: heir.code,
    });
    expect([merged.status, merged.successor]).toEqual(["merged", heir.code]);
    const [sender] = organClients();
    const refused = await sender!.request<Problem>("POST", "/v1/letters", {
      ...letterMetadata([old.code]),
      file: { name: "a.pdf", contentType: "application/pdf", size: 10, sha256: "0".repeat(64) },
    });
    expect([refused.status, refused.body.code]).toEqual([409, "RECIPIENT_INACTIVE"]);
    expect(refused.body.inactive).toEqual([{ organCode: old.code, status: "merged", successor: heir.code }]);
    expect(refused.body.detail).toContain(heir.code);
    const byOldCode = await sender!.call<{ items: OrganBody[] }>("GET", `/v1/organs?q=${old.code}`);
    expect(byOldCode.items.map((o) => o.code).sort()).toEqual([old.code, heir.code].sort());
    const intoMerged = await admin.request<Problem>("POST", `/v1/admin/organs/${heir.code}/merge`, {
      successor: old.code,
    });
    // Refused naming the organ to merge into instead (administration.ts).
    expect([intoMerged.status, intoMerged.body.code]).toEqual([409, "ADMIN_ORGAN_INACTIVE"]);
  });
});

describe("API keys", () => {
  it("are shown once, listed without their secret, with last use; revoked at once", async () => {
    const organ = await newOrgan();
    const { key, secret } = await newKey(organ.code, "integration");
    expect(secret.startsWith(key.prefix ?? "-")).toBe(true);
    expect((await client(secret).request("GET", "/v1/inbox")).status).toBe(200);
    // Last use is written without the request waiting for it: look until it is there (bounded).
    let listed: KeyBody[] = [];
    for (let i = 0; i < 50 && !listed[0]?.lastUsedAt; i++) {
      listed = (await admin.call<{ items: KeyBody[] }>("GET", `/v1/admin/organs/${organ.code}/keys`)).items;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(listed.map((k) => [k.id, k.role])).toEqual([[key.id, "integration"]]);
    expect(listed[0]!.lastUsedAt).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(secret);
    await admin.call("DELETE", `/v1/admin/keys/${key.id}`);
    const after = await client(secret).request<Problem>("GET", "/v1/inbox");
    expect([after.status, after.body.code]).toEqual([401, "UNAUTHENTICATED"]);
    const rotateRevoked = await admin.request<Problem>("POST", `/v1/admin/keys/${key.id}/rotate`, {});
    expect([rotateRevoked.status, rotateRevoked.body.code]).toEqual([409, "API_KEY_NOT_LIVE"]);
    const unknown = await admin.request<Problem>("DELETE", `/v1/admin/keys/${"f".repeat(64)}`);
    expect([unknown.status, unknown.body.code]).toEqual([404, "API_KEY_NOT_FOUND"]);
  });

  it("rotated: the new key works, the old one for its grace period only", async () => {
    const organ = await newOrgan();
    const first = await newKey(organ.code, "clerk");
    const graced = await admin.call<{ key: KeyBody; secret: string; previous: { validUntil: string } }>(
      "POST",
      `/v1/admin/keys/${first.key.id}/rotate`,
      { graceHours: 24 },
    );
    expect(graced.key.role).toBe("clerk");
    expect(Date.parse(graced.previous.validUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect((await client(first.secret).request("GET", "/v1/inbox")).status).toBe(200);
    expect((await client(graced.secret).request("GET", "/v1/inbox")).status).toBe(200);
    // Rotated once: not again (no second successor, no longer grace).
    const twice = await admin.request<Problem>("POST", `/v1/admin/keys/${first.key.id}/rotate`, {});
    expect([twice.status, twice.body.code]).toEqual([409, "API_KEY_NOT_LIVE"]);
    const now = await admin.call<{ secret: string }>("POST", `/v1/admin/keys/${graced.key.id}/rotate`, {
      graceHours: 0,
    });
    expect((await client(graced.secret).request("GET", "/v1/inbox")).status).toBe(401);
    expect((await client(now.secret).request("GET", "/v1/inbox")).status).toBe(200);
    const keys = (await admin.call<{ items: KeyBody[] }>("GET", `/v1/admin/organs/${organ.code}/keys`)).items;
    expect(keys).toHaveLength(3);
  });
});

describe("certificates and trust anchors", () => {
  it("a certificate is bound to an organ and unbound; a trust anchor added and removed", async () => {
    const organ = await newOrgan();
    const root = await createCertificateAuthority({
      subject: { commonName: `Thử nghiệm CA ${randomUUID().slice(0, 6)}`, organization: "Lienthong test" },
      notBefore: new Date("2024-01-01T00:00:00Z"),
      notAfter: new Date("2040-01-01T00:00:00Z"),
    });
    // Bound: an end-entity certificate naming the organ, chaining to an anchor (administration.ts).
    await admin.call("POST", "/v1/admin/trust-anchors", { pem: root.certPem });
    const leaf = await issueCertificate(root, {
      subject: { commonName: "Văn thư thử nghiệm", organCode: organ.code },
      notBefore: new Date("2024-01-01T00:00:00Z"),
      notAfter: new Date("2039-01-01T00:00:00Z"),
      keyType: "ec-p256",
    });
    const bound = await admin.call<{ sha256: string }>(
      "POST",
      `/v1/admin/organs/${organ.code}/certificates`,
      {
        pem: leaf.certPem,
      },
    );
    expect(bound.sha256).toBe(leaf.certificate.sha256);
    expect(await ledger.isCertificateBound(organ.code, bound.sha256)).toBe(true);
    const listed = await admin.call<{ items: { sha256: string }[] }>(
      "GET",
      `/v1/admin/organs/${organ.code}/certificates`,
    );
    expect(listed.items.map((c) => c.sha256)).toEqual([bound.sha256]);
    await admin.call("DELETE", `/v1/admin/organs/${organ.code}/certificates/${bound.sha256}`);
    expect(await ledger.isCertificateBound(organ.code, bound.sha256)).toBe(false);
    const gone = await admin.request<Problem>(
      "DELETE",
      `/v1/admin/organs/${organ.code}/certificates/${bound.sha256}`,
    );
    expect([gone.status, gone.body.code]).toEqual([404, "ADMIN_CERTIFICATE_NOT_FOUND"]);
    const garbage = await admin.request<Problem>("POST", `/v1/admin/organs/${organ.code}/certificates`, {
      pem: "not a pem",
    });
    expect(garbage.status).toBeLessThan(500);
    expect(garbage.status).toBeGreaterThanOrEqual(400);

    const anchors = async () =>
      (await admin.call<{ items: { sha256: string }[] }>("GET", "/v1/admin/trust-anchors")).items.map(
        (a) => a.sha256,
      );
    expect(await anchors()).toContain(root.certificate.sha256);
    await admin.call("DELETE", `/v1/admin/trust-anchors/${root.certificate.sha256}`);
    expect(await anchors()).not.toContain(root.certificate.sha256);
    const removed = await admin.request<Problem>(
      "DELETE",
      `/v1/admin/trust-anchors/${root.certificate.sha256}`,
    );
    expect([removed.status, removed.body.code]).toEqual([404, "ADMIN_TRUST_ANCHOR_NOT_FOUND"]);
  });
});

describe("the send policy", () => {
  it("an admin changes it through the API and the next send follows it; each letter shows its policy", async () => {
    // A pilot organ of its own, so that no other test's sends change.
    const pilot = await newOrgan();
    const { secret } = await newKey(pilot.code, "integration");
    const sender = client(secret);
    const pdf = await samplePdf("unsigned pilot letter");
    const id = await draftLetter(sender, pdf, [codes[1]!]);

    const before = await sender.request<Problem>("POST", `/v1/letters/${id}/send`);
    expect([before.status, before.body.code]).toEqual([422, "SIGNATURE_POLICY_FAILED"]);
    expect(before.body.verification?.policy).toBe("require-total-passed");
    expect(before.body.verification?.policySetting?.scope).toBe("environment");

    const relaxed = {
      verdicts: "record-only",
      requirePersonSignature: false,
      requireFinalOrganSignature: false,
    };
    const settings = await admin.call<{ organs: Record<string, unknown> }>("PUT", "/v1/admin/send-policy", {
      organCode: pilot.code,
      policy: relaxed,
    });
    expect(settings.organs[pilot.code]).toEqual(relaxed);
    const sent = await sender.call<{
      state: string;
      verification: { policy: string; policySetting: object };
    }>("POST", `/v1/letters/${id}/send`);
    expect(sent.state).not.toBe("draft");
    const shown = await sender.call<{
      verification: { policy: string; decision: string; policySetting: object };
    }>("GET", `/v1/letters/${id}`);
    expect(shown.verification).toMatchObject({
      policy: "record-only",
      decision: "delivered",
      policySetting: { ...relaxed, scope: pilot.code },
    });

    // Now a person's signature is required: an unsigned letter is refused, naming what is missing.
    await admin.call("PUT", "/v1/admin/send-policy", {
      organCode: pilot.code,
      policy: { ...relaxed, requirePersonSignature: true },
    });
    const second = await draftLetter(sender, await samplePdf("second"), [codes[1]!]);
    const refused = await sender.request<Problem>("POST", `/v1/letters/${second}/send`);
    expect([refused.status, refused.body.code]).toEqual([422, "SIGNATURE_POLICY_FAILED"]);
    expect(refused.body.verification?.unmetRequirements).toEqual(["person-signature"]);

    // Removing the override goes back to the deployment's policy.
    await admin.call("PUT", "/v1/admin/send-policy", { organCode: pilot.code, policy: null });
    const back = await admin.call<{ organs: Record<string, unknown> }>("GET", "/v1/admin/send-policy");
    expect(back.organs[pilot.code]).toBeUndefined();
  });

  it("a policy for an unknown organ or with an unknown verdict mode is refused", async () => {
    const unknown = await admin.request<Problem>("PUT", "/v1/admin/send-policy", {
      organCode: freshCode(),
      policy: { verdicts: "record-only", requirePersonSignature: false, requireFinalOrganSignature: false },
    });
    expect([unknown.status, unknown.body.code]).toEqual([404, "ADMIN_ORGAN_NOT_FOUND"]);
    const bad = await admin.request<Problem>("PUT", "/v1/admin/send-policy", {
      policy: { verdicts: "anything", requirePersonSignature: false, requireFinalOrganSignature: false },
    });
    expect([bad.status, bad.body.code]).toEqual([400, "VALIDATION_FAILED"]);
  });
});

describe("the signature requirements, on the demo PKI's real certificates", () => {
  /** The report `POST /v1/letters/{id}/verify` gives for a draft of the first demo organ. */
  async function signaturesOf(pdf: Uint8Array, seal: boolean) {
    const [integration] = organClients();
    const [clerk] = organClients("clerk");
    const id = await draftLetter(integration!, pdf, [codes[1]!]);
    if (seal) {
      await clerk!.call("POST", "/v1/sign", {
        letterId: id,
        appearance: { kind: "seal", image: Buffer.from(demoSealPng()).toString("base64") },
      });
    }
    const { report } = await clerk!.call<{ report: { signatures: SignatureFacts[] } }>(
      "POST",
      `/v1/letters/${id}/verify`,
    );
    return report.signatures;
  }

  it("a person's signature with the organ's seal last meets the recommended policy; either alone does not", async () => {
    const sender = codes[0]!;
    const personOnly = await signaturesOf(await signedPdf(sender), false);
    expect(unmetRequirements(RECOMMENDED_SEND_POLICY, personOnly, sender)).toEqual(["final-organ-signature"]);
    const sealOnly = await signaturesOf(await samplePdf("seal only"), true);
    expect(unmetRequirements(RECOMMENDED_SEND_POLICY, sealOnly, sender)).toEqual(["person-signature"]);
    const both = await signaturesOf(await signedPdf(sender), true);
    expect(both.map((signature) => signature.indication)).toEqual(["TOTAL_PASSED", "TOTAL_PASSED"]);
    expect(unmetRequirements(RECOMMENDED_SEND_POLICY, both, sender)).toEqual([]);
    // Bound to the sender: the same file sent by another organ does not meet it.
    expect(unmetRequirements(RECOMMENDED_SEND_POLICY, both, codes[1]!)).toEqual(["final-organ-signature"]);
  });
});

describe("the admin audit chain", () => {
  it("holds one event per change, chained, also when admins change things at once", async () => {
    const before = await adminEvents();
    const made = await Promise.all(Array.from({ length: 6 }, () => newOrgan()));
    const refused = await admin.request("POST", "/v1/admin/organs", { code: made[0]!.code, name: "again" });
    expect(refused.status).toBe(409);
    const after = await adminEvents();
    expect(verifyChain(after, { chain: "admin" })).toMatchObject({ ok: true, count: after.length });
    // Others change things meanwhile too: at least our six, each naming its organ, and no event for the refusal.
    const ours = after
      .slice(before.length)
      .filter((event) => made.some((o) => JSON.stringify(event.data).includes(o.code)));
    expect(ours.map((event) => event.type)).toEqual(Array(6).fill("organ.created"));
    expect(ours.every((event) => event.actor === codes[0])).toBe(true);
    // An edited event is named.
    const edited = after.map((event, i) => (i === 1 ? { ...event, at: "2020-01-01T00:00:00.000Z" } : event));
    expect(verifyChain(edited, { chain: "admin" })).toMatchObject({
      ok: false,
      problem: { kind: "CHANGED", index: 1 },
    });
  });
});
