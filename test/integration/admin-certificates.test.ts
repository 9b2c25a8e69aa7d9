import { randomInt, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority, type IssuedCertificate, issueCertificate } from "../../devkit/pki.ts";
import { adminClient, demoPki, organCodes, personEntry } from "../support/exchange.ts";

/**
 * What may be bound to an organ and trusted as an anchor, through HTTP on the demo PKI and CAs of
 * the test's own: a bound certificate is one end-entity certificate naming that organ (or none),
 * chaining to a current anchor, valid now, not revoked (the demo CRL/OCSP answers), bound to no
 * other organ; an anchor is one CA certificate. Each refusal is ADMIN_CERTIFICATE_REFUSED or
 * ADMIN_TRUST_ANCHOR_REFUSED with its `reason`, and changes nothing.
 */

interface Answer {
  readonly status: number;
  readonly body: { code?: string; detail?: string; reason?: string; sha256?: string };
}

const freshCode = () =>
  `${randomInt(100, 999)}.${randomInt(10, 99)}.${randomInt(10, 99)}.C${String(randomInt(0, 99)).padStart(2, "0")}`;

/** An admin request (the demo admin's key), answered whatever its status. */
const call = (method: string, path: string, body?: unknown): Promise<Answer> =>
  adminClient().request<Answer["body"]>(method, path, body);

const bind = (organ: string, pem: string) => call("POST", `/v1/admin/organs/${organ}/certificates`, { pem });

async function newOrgan(): Promise<string> {
  const code = freshCode();
  expect((await call("POST", "/v1/admin/organs", { code, name: `Cơ quan chứng thư ${code}` })).status).toBe(
    201,
  );
  return code;
}

const validity = { notBefore: new Date("2024-01-01T00:00:00Z"), notAfter: new Date("2039-01-01T00:00:00Z") };
let anchoredCa: IssuedCertificate;
let strangerCa: IssuedCertificate;
let demo: ReturnType<typeof demoPki>;
const demoFile = (file: string) => readFileSync(demo.path(file), "utf8");

const leafOf = async (issuer: IssuedCertificate, organCode?: string, dates = validity) =>
  (
    await issueCertificate(issuer, {
      subject: { commonName: `Thử ${randomUUID().slice(0, 8)}`, ...(organCode ? { organCode } : {}) },
      keyType: "ec-p256",
      ...dates,
    })
  ).certPem;

beforeAll(async () => {
  demo = demoPki();
  const [anchored, stranger] = await Promise.all(
    ["Gắn", "Lạ"].map((label) =>
      createCertificateAuthority({
        subject: { commonName: `CA ${label} ${randomUUID().slice(0, 6)}`, organization: "Lienthong test" },
        keyType: "ec-p256",
        ...validity,
        notAfter: new Date("2040-01-01T00:00:00Z"),
      }),
    ),
  );
  [anchoredCa, strangerCa] = [anchored!, stranger!];
  expect((await call("POST", "/v1/admin/trust-anchors", { pem: anchoredCa.certPem })).status).toBe(201);
});

describe("binding a certificate to an organ", () => {
  it("refuses another organ's seal, a CA, a bundle of CAs, a revoked certificate (demo PKI)", async () => {
    const [a, b] = organCodes();
    const { manifest } = demo;
    const seal = manifest.entries.find((e) => e.organCode === b && e.role === "organisation")!;
    const withChain = (file: string) => `${demoFile(file)}\n${demoFile(manifest.intermediate)}`;
    const cases: [string, string, string][] = [
      ["another organ's seal", withChain(seal.certificate), "other-organ"],
      ["the root CA", demoFile(manifest.root), "ca-certificate"],
      ["two CA certificates", demoFile(manifest.chain), "ca-certificate"],
      ["a revoked certificate", withChain(personEntry(manifest, a!, true).certificate), "revoked"],
      [
        "an end-entity certificate without its path to the anchor",
        demoFile(personEntry(manifest, a!).certificate),
        "no-chain",
      ],
    ];
    for (const [what, pem, reason] of cases) {
      const answer = await bind(a!, pem);
      expect([answer.status, answer.body.code, answer.body.reason], what).toEqual([
        422,
        "ADMIN_CERTIFICATE_REFUSED",
        reason,
      ]);
    }
  });

  it("binds one valid end-entity certificate naming the organ, its issuing CAs following it", async () => {
    const [a] = organCodes();
    const person = personEntry(demo.manifest, a!);
    const answer = await bind(a!, `${demoFile(person.certificate)}${demoFile(demo.manifest.intermediate)}`);
    expect([answer.status, answer.body.sha256]).toEqual([201, person.sha256]);
  });

  it("refuses a certificate chaining to no anchor, expired, or with two end-entity certificates", async () => {
    const organ = await newOrgan();
    const expired = await leafOf(anchoredCa, organ, {
      notBefore: new Date("2024-01-01T00:00:00Z"),
      notAfter: new Date("2025-01-01T00:00:00Z"),
    });
    const cases: [string, string, string][] = [
      ["chaining to no anchor", await leafOf(strangerCa, organ), "no-chain"],
      ["expired", expired, "expired"],
      [
        "two end-entity certificates",
        `${await leafOf(anchoredCa, organ)}${await leafOf(anchoredCa)}`,
        "not-one-end-entity",
      ],
    ];
    for (const [what, pem, reason] of cases) {
      const answer = await bind(organ, pem);
      expect([answer.status, answer.body.code, answer.body.reason], what).toEqual([
        422,
        "ADMIN_CERTIFICATE_REFUSED",
        reason,
      ]);
    }
    const listed = await adminClient().call<{ items: unknown[] }>(
      "GET",
      `/v1/admin/organs/${organ}/certificates`,
    );
    expect(listed.items).toEqual([]);
  });

  it("binds a certificate to one organ at a time", async () => {
    const [first, second] = [await newOrgan(), await newOrgan()];
    const named = await leafOf(anchoredCa, first);
    expect((await bind(first, named)).status).toBe(201);
    expect((await bind(second, named)).body.reason).toBe("other-organ");

    const unnamed = await leafOf(anchoredCa);
    const bound = await bind(first, unnamed);
    expect(bound.status).toBe(201);
    expect((await bind(first, unnamed)).status).toBe(201); // again, to the same organ: as it is
    const elsewhere = await bind(second, unnamed);
    expect([elsewhere.status, elsewhere.body.code, elsewhere.body.reason]).toEqual([
      422,
      "ADMIN_CERTIFICATE_REFUSED",
      "bound-elsewhere",
    ]);
    expect((await call("DELETE", `/v1/admin/organs/${first}/certificates/${bound.body.sha256}`)).status).toBe(
      200,
    );
    expect((await bind(second, unnamed)).status).toBe(201);
  });
});

describe("a trust anchor", () => {
  it("is one CA certificate: an end-entity certificate, the TSA's, a bundle are refused", async () => {
    const { manifest } = demo;
    const cases: [string, string, string][] = [
      ["an end-entity certificate", demoFile(personEntry(manifest, organCodes()[1]!).certificate), "not-ca"],
      ["the TSA certificate", demoFile(manifest.tsa.certificate), "not-ca"],
      ["two certificates", demoFile(manifest.chain), "not-one-certificate"],
    ];
    for (const [what, pem, reason] of cases) {
      const answer = await call("POST", "/v1/admin/trust-anchors", { pem });
      expect([answer.status, answer.body.code, answer.body.reason], what).toEqual([
        422,
        "ADMIN_TRUST_ANCHOR_REFUSED",
        reason,
      ]);
    }
    const ca = await call("POST", "/v1/admin/trust-anchors", { pem: strangerCa.certPem });
    expect(ca.status).toBe(201);
    expect((await call("DELETE", `/v1/admin/trust-anchors/${ca.body.sha256}`)).status).toBe(200);
  });
});
