import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createCertificateAuthority,
  createCrl,
  createDemoPki,
  issueCertificate,
  toPkcs12,
  writeDemoPki,
} from "../../../devkit/pki.ts";
import { OID } from "../../../shared/asn1/oids.ts";
import { parseCertificate, toPem } from "../../../shared/pki/certificate.ts";
import { parseCrl } from "../../../shared/pki/crl.ts";
import { loadPkcs12 } from "../../../shared/pki/keys.ts";
import { type OpensslResult, runOpenssl } from "../../support/openssl.ts";
import { type TestPki, testPki, untrustedCert } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";

let dir: string;
let cleanup: () => Promise<void>;
let pki: TestPki;
let rootPem: string;
let intermediatePem: string;
let crlBundle: string;

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function crlToPem(der: Uint8Array): string {
  return toPem(der, "X509 CRL");
}

/** `openssl verify` of one certificate against the test root, the intermediate as untrusted. */
async function opensslVerify(certPem: string, withCrls: boolean): Promise<OpensslResult> {
  const leaf = await write("leaf.pem", certPem);
  return runOpenssl([
    "verify",
    "-CAfile",
    withCrls ? crlBundle : rootPem,
    "-untrusted",
    intermediatePem,
    ...(withCrls ? ["-crl_check_all"] : []),
    leaf,
  ]);
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("lienthong-pki-"));
  pki = await testPki();
  rootPem = await write("root.pem", pki.root.certPem);
  intermediatePem = await write("intermediate.pem", pki.intermediate.certPem);
  crlBundle = await write(
    "crl-bundle.pem",
    pki.root.certPem + crlToPem(pki.rootCrl) + crlToPem(pki.intermediateCrl),
  );
}, 60_000);

afterAll(async () => {
  await cleanup?.();
});

describe("the test PKI against openssl verify", () => {
  it.each(["person", "organisation", "tsa", "ocspResponder"] as const)(
    "the %s certificate chains to the root",
    async (name) => {
      const result = await opensslVerify(pki[name].certPem, false);
      expect(result.stdout).toContain(": OK");
      expect(result.status).toBe(0);
    },
  );

  it("with CRL checking, the revoked certificate is revoked and the others are OK", async () => {
    for (const name of ["person", "organisation"] as const) {
      const result = await opensslVerify(pki[name].certPem, true);
      expect(result.status).toBe(0);
    }
    const revoked = await opensslVerify(pki.revoked.certPem, true);
    expect(revoked.status).not.toBe(0);
    expect(revoked.stdout + revoked.stderr).toContain("certificate revoked");
    // Without CRLs the revoked certificate is otherwise fine: the CRL is what marks it.
    expect((await opensslVerify(pki.revoked.certPem, false)).status).toBe(0);
  });

  it("both CRLs verify under their issuer and list exactly the revoked serial", async () => {
    const caFile = await write("cas.pem", pki.intermediate.certPem + pki.root.certPem);
    for (const [crl, revokedSerials] of [
      [pki.intermediateCrl, [pki.revoked.certificate.serialNumberHex]],
      [pki.rootCrl, []],
    ] as const) {
      const path = await write("check.crl", crl);
      const result = runOpenssl(["crl", "-inform", "DER", "-in", path, "-CAfile", caFile, "-noout", "-text"]);
      expect(result.status).toBe(0);
      expect(result.stderr).toContain("verify OK");
      expect(result.stdout).toContain("Version 2");
      expect(result.stdout).toContain("CRL Number");
      const serials = [...result.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) =>
        m[1]?.toLowerCase(),
      );
      expect(serials).toEqual(revokedSerials);
    }
    const text = runOpenssl([
      "crl",
      "-inform",
      "DER",
      "-in",
      await write("i.crl", pki.intermediateCrl),
      "-noout",
      "-text",
    ]);
    expect(text.stdout).toContain("Key Compromise");
    expect(text.stdout).toContain("Jun  1 00:00:00 2025 GMT");
  });

  it("a CRL with a flipped signature bit fails openssl's check", async () => {
    const tampered = Uint8Array.from(pki.intermediateCrl);
    const last = tampered.length - 1;
    tampered[last] = (tampered[last] as number) ^ 0x01;
    const caFile = await write("cas2.pem", pki.intermediate.certPem + pki.root.certPem);
    const result = runOpenssl([
      "crl",
      "-inform",
      "DER",
      "-in",
      await write("bad.crl", tampered),
      "-CAfile",
      caFile,
      "-noout",
    ]);
    expect(result.stderr).not.toContain("verify OK");
  });

  it("marks the TSA and OCSP certificates as RFC 3161 and RFC 6960 require", () => {
    const tsa = runOpenssl(["x509", "-noout", "-text"], pki.tsa.certPem).stdout;
    expect(tsa).toMatch(/Extended Key Usage: critical\s+Time Stamping/);
    const ocsp = runOpenssl(["x509", "-noout", "-text"], pki.ocspResponder.certPem).stdout;
    expect(ocsp).toMatch(/Extended Key Usage:\s+OCSP Signing/);
    expect(ocsp).toContain("OCSP No Check");
    const person = runOpenssl(["x509", "-noout", "-text"], pki.person.certPem).stdout;
    expect(person).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(person).toContain("URI:http://127.0.0.1:8790/intermediate-ca.crl");
    expect(person).toContain("OCSP - URI:http://127.0.0.1:8791");
    const intermediate = runOpenssl(["x509", "-noout", "-text"], pki.intermediate.certPem).stdout;
    expect(intermediate).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(intermediate).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
  });

  it("uses the fixed, clock-independent validity", () => {
    expect(pki.root.certificate.notBefore.toISOString()).toBe("2020-01-01T00:00:00.000Z");
    expect(pki.root.certificate.notAfter.toISOString()).toBe("2045-01-01T00:00:00.000Z");
    expect(pki.person.certificate.notBefore.toISOString()).toBe("2024-01-01T00:00:00.000Z");
    expect(pki.person.certificate.subject.organCode).toBe("000.00.11.H53");
    expect(pki.organisation.certificate.subject.commonName).toBe("Sở Tài chính tỉnh Tây Ninh");
  });
});

describe("issue() presets and extra certificates", () => {
  it("expired and not-yet-valid certificates fail openssl verify for that reason only", async () => {
    const expired = await pki.issue({ preset: "expired" });
    const early = await pki.issue({ preset: "not-yet-valid" });
    const expiredResult = await opensslVerify(expired.certPem, false);
    expect(expiredResult.stdout + expiredResult.stderr).toContain("certificate has expired");
    const earlyResult = await opensslVerify(early.certPem, false);
    expect(earlyResult.stdout + earlyResult.stderr).toContain("certificate is not yet valid");
  });

  it("wrong-key-usage and other-organ presets", async () => {
    const wrong = await pki.issue({ preset: "wrong-key-usage" });
    expect(wrong.certificate.keyUsage).toEqual(["keyEncipherment"]);
    const other = await pki.issue({ preset: "other-organ" });
    expect(other.certificate.subject.organCode).toBe("000.00.12.H53");
    expect(other.certificate.subject.organization).toBe("Sở Nội vụ tỉnh Tây Ninh");
    expect((await opensslVerify(other.certPem, true)).status).toBe(0);
  });

  it("EC and larger RSA leaves chain to the root", async () => {
    const [p256, p384, rsa3072] = await Promise.all([
      pki.issue({ keyType: "ec-p256" }),
      pki.issue({ keyType: "ec-p384", subject: { commonName: "Phạm Quốc Đạt" } }),
      pki.issue({ keyType: "rsa-3072" }),
    ]);
    expect(p256.certificate.namedCurve).toBe("P-256");
    expect(p384.certificate.namedCurve).toBe("P-384");
    expect(p384.certificate.subject.commonName).toBe("Phạm Quốc Đạt");
    expect(rsa3072.certificate.keySize).toBe(3072);
    for (const cert of [p256, p384, rsa3072]) {
      expect((await opensslVerify(cert.certPem, true)).status).toBe(0);
    }
  });

  it("untrustedCert() does not chain to the test root", async () => {
    const untrusted = await untrustedCert();
    const result = await opensslVerify(untrusted.certPem, false);
    expect(result.status).not.toBe(0);
    expect(untrusted.chain).toHaveLength(1);
    expect(untrusted.chain[0]?.subject.commonName).toBe("Untrusted Test Root CA");
    expect(loadPkcs12(untrusted.p12, untrusted.p12Password).certificate.sha256).toBe(
      untrusted.certificate.sha256,
    );
  });
});

describe("EC certificate authorities", () => {
  it("an EC P-384 root and P-256 issuing CA sign with ECDSA, and OpenSSL accepts chain and CRL", async () => {
    const validity = {
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2045-01-01T00:00:00Z"),
    };
    const root = await createCertificateAuthority({
      subject: { commonName: "EC Root" },
      keyType: "ec-p384",
      ...validity,
    });
    const issuing = await createCertificateAuthority({
      subject: { commonName: "EC Issuing" },
      keyType: "ec-p256",
      parent: root,
      ...validity,
    });
    const leaf = await issueCertificate(issuing, {
      subject: { commonName: "Lê Hoàng Phúc", organCode: "000.00.12.H53" },
      keyType: "rsa-2048",
      ...validity,
      serialNumberHex: "0badc0de",
    });
    expect(root.certificate.signatureAlgorithmOid).toBe(OID.ecdsaWithSha384);
    expect(issuing.certificate.signatureAlgorithmOid).toBe(OID.ecdsaWithSha384);
    expect(leaf.certificate.signatureAlgorithmOid).toBe(OID.ecdsaWithSha256);
    expect(leaf.certificate.serialNumberHex).toBe("0badc0de");

    const crl = createCrl(issuing, {
      revoked: [
        { serialNumberHex: "0badc0de", revokedAt: new Date("2025-01-01T00:00:00Z"), reason: "superseded" },
      ],
      thisUpdate: new Date("2025-01-02T00:00:00Z"),
      nextUpdate: new Date("2044-01-01T00:00:00Z"),
      crlNumber: 7,
    });
    const cas = await write("ec-cas.pem", root.certPem + crlToPem(crl));
    const untrusted = await write("ec-issuing.pem", issuing.certPem);
    const leafPath = await write("ec-leaf.pem", leaf.certPem);
    const plain = runOpenssl(["verify", "-CAfile", cas, "-untrusted", untrusted, leafPath]);
    expect(plain.status).toBe(0);
    const checked = runOpenssl(["verify", "-crl_check", "-CAfile", cas, "-untrusted", untrusted, leafPath]);
    expect(checked.stdout + checked.stderr).toContain("certificate revoked");
    const text = runOpenssl(["crl", "-noout", "-text"], crlToPem(crl)).stdout;
    expect(text).toMatch(/CRL Number:\s+7/);
    expect(text).toContain("Superseded");
  });

  it("encodes every reason with its RFC 5280 value (7 is unused), as openssl and our parser read it", () => {
    const crl = createCrl(pki.intermediate, {
      revoked: [
        { serialNumberHex: "0a", revokedAt: new Date("2025-01-01T00:00:00Z"), reason: "certificateHold" },
        { serialNumberHex: "0b", revokedAt: new Date("2025-01-01T00:00:00Z"), reason: "removeFromCRL" },
        { serialNumberHex: "0c", revokedAt: new Date("2025-01-01T00:00:00Z"), reason: "privilegeWithdrawn" },
      ],
      thisUpdate: new Date("2025-01-02T00:00:00Z"),
      nextUpdate: new Date("2044-01-01T00:00:00Z"),
      crlNumber: 3,
    });
    const text = runOpenssl(["crl", "-noout", "-text"], crlToPem(crl)).stdout;
    expect(text).toContain("Certificate Hold");
    expect(text).toContain("Remove From CRL");
    expect(text).toContain("Privilege Withdrawn");
    expect([...parseCrl(crl).revoked.values()].map((entry) => entry.reason)).toEqual([
      "certificateHold",
      "removeFromCRL",
      "privilegeWithdrawn",
    ]);
  });

  it("a CRL with no revoked certificates leaves the list out (RFC 5280 §5.1.2.6)", async () => {
    const crl = createCrl(pki.intermediate, {
      revoked: [],
      thisUpdate: new Date("2025-01-01T00:00:00Z"),
      nextUpdate: new Date("2026-01-01T00:00:00Z"),
      crlNumber: 2,
    });
    const text = runOpenssl(["crl", "-noout", "-text"], crlToPem(crl)).stdout;
    expect(text).toContain("No Revoked Certificates");
  });
});

describe("createDemoPki and writeDemoPki", () => {
  it("writes every file the manifest names, with entries matching the certificates", async () => {
    const organs = [
      {
        code: "000.00.12.H53",
        name: "Sở Nội vụ tỉnh Tây Ninh",
        signer: { fullName: "Lê Hoàng Phúc", position: "Giám đốc" },
      },
      {
        code: "000.00.31.H37",
        name: "Sở Thông tin và Truyền thông tỉnh Ninh Bình",
        signer: { fullName: "Phạm Quốc Đạt", position: "Giám đốc" },
      },
    ];
    const demo = await createDemoPki({
      organs,
      revokedOrganCode: "000.00.31.H37",
      crlBaseUrl: "http://127.0.0.1:9999/pki/",
      ocspUrl: "http://127.0.0.1:9998/ocsp",
      now: new Date("2030-05-05T05:05:05.555Z"),
    });
    const out = join(dir, "demo");
    const manifest = await writeDemoPki(demo, out, "pw-123");
    expect(manifest.password).toBe("pw-123");
    expect(manifest.entries.map((e) => e.id)).toEqual([
      "000.00.12.H53-organisation",
      "000.00.12.H53-person",
      "000.00.31.H37-organisation",
      "000.00.31.H37-person",
      "000.00.31.H37-person-revoked",
    ]);
    expect(manifest.crls.map((c) => c.url)).toEqual([
      "http://127.0.0.1:9999/pki/root-ca.crl",
      "http://127.0.0.1:9999/pki/intermediate-ca.crl",
    ]);
    const onDisk = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(onDisk).toEqual(manifest);

    for (const entry of manifest.entries) {
      const cert = parseCertificate(await readFile(join(out, entry.certificate), "utf8"));
      const material = loadPkcs12(await readFile(join(out, entry.p12)), manifest.password);
      expect(material.certificate.sha256).toBe(cert.sha256);
      expect(cert.sha256).toBe(entry.sha256);
      expect(cert.serialNumberHex).toBe(entry.serialNumberHex);
      expect(cert.subject.commonName).toBe(entry.commonName);
      expect(cert.subject.organCode).toBe(entry.organCode);
      expect(cert.subject.organization).toBe(entry.organName);
      expect(cert.crlDistributionPoints).toEqual(["http://127.0.0.1:9999/pki/intermediate-ca.crl"]);
      expect(cert.ocspUrls).toEqual(["http://127.0.0.1:9998/ocsp"]);
      expect(cert.notBefore.toISOString()).toBe("2030-05-04T05:05:05.000Z");
      expect((await stat(join(out, entry.p12))).mode & 0o077).toBe(0);
    }
    const person = manifest.entries.find((e) => e.id === "000.00.12.H53-person");
    const personCert = parseCertificate(await readFile(join(out, person?.certificate ?? ""), "utf8"));
    expect(personCert.subject.title).toBe("Giám đốc");

    const revoked = runOpenssl([
      "verify",
      "-crl_check_all",
      "-CAfile",
      await write(
        "demo-bundle.pem",
        demo.root.certPem + crlToPem(demo.rootCrl) + crlToPem(demo.intermediateCrl),
      ),
      "-untrusted",
      join(out, manifest.intermediate),
      "-attime",
      String(Date.UTC(2030, 6, 1) / 1000),
      join(out, "000.00.31.H37-person-revoked.pem"),
      join(out, "000.00.31.H37-person.pem"),
    ]);
    expect(revoked.stdout).toContain("000.00.31.H37-person.pem: OK");
    expect(revoked.stdout + revoked.stderr).toContain("certificate revoked");

    // TSA and OCSP keys are PEM files OpenSSL reads, with mode 0600.
    for (const { certificate: cert, key } of [manifest.tsa, manifest.ocsp]) {
      const certPath = join(out, cert);
      const keyPath = join(out, key);
      const certKey = runOpenssl(["x509", "-noout", "-pubkey", "-in", certPath]).stdout;
      expect(certKey).toContain("BEGIN PUBLIC KEY");
      expect(runOpenssl(["pkey", "-pubout", "-in", keyPath]).stdout).toBe(certKey);
      expect((await stat(join(out, key))).mode & 0o077).toBe(0);
    }
    const chain = await readFile(join(out, manifest.chain), "utf8");
    expect(chain).toBe(demo.intermediate.certPem + demo.root.certPem);
  });

  it("rejects an unknown revokedOrganCode and an empty organ list", async () => {
    await expect(createDemoPki({ organs: [] })).rejects.toThrow(/at least one organ/);
    await expect(
      createDemoPki({
        organs: [{ code: "000.00.11.H53", name: "x", signer: { fullName: "y", position: "z" } }],
        revokedOrganCode: "nope",
      }),
    ).rejects.toThrow(/not one of the organs/);
  });

  it("toPkcs12 keeps the chain nearest first", async () => {
    const material = loadPkcs12(toPkcs12(pki.tsa, "p"), "p");
    expect(material.chain.map((c) => c.sha256)).toEqual([
      pki.intermediate.certificate.sha256,
      pki.root.certificate.sha256,
    ]);
  });
});
