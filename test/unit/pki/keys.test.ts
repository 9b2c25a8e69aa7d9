import { createPublicKey, sign, verify } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyMaterial, loadPemKey, loadPkcs12 } from "../../../shared/pki/keys.ts";
import { readPkcs12 } from "../../../shared/pki/pkcs12.ts";
import { runOpenssl } from "../../support/openssl.ts";
import { type IssuedCert, type TestPki, testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";

let dir: string;
let cleanup: () => Promise<void>;
let pki: TestPki;
let ecP256: IssuedCert;
let ecP384: IssuedCert;

function openssl(args: readonly string[], input?: string): string {
  const result = runOpenssl(args, input);
  if (result.status !== 0) {
    throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr}`);
  }
  return result.stdout;
}

/** Signs and verifies with the loaded key: proves the key is usable, not just parsed. */
function expectWorkingKey(material: KeyMaterial): void {
  const data = Buffer.from("công văn 2491/STC-BCTC");
  const signature = sign("sha256", data, material.privateKey);
  expect(verify("sha256", data, material.certificate.publicKey, signature)).toBe(true);
}

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("lienthong-pki-"));
  pki = await testPki();
  [ecP256, ecP384] = await Promise.all([
    pki.issue({ keyType: "ec-p256" }),
    pki.issue({ keyType: "ec-p384" }),
  ]);
}, 60_000);

afterAll(async () => {
  await cleanup?.();
});

describe("loadPkcs12 on files the generator wrote", () => {
  it.each(["person", "organisation", "tsa"] as const)(
    "loads the %s RSA key, leaf and chain leaf → root",
    (name) => {
      const issued = pki[name];
      const material = loadPkcs12(issued.p12, issued.p12Password);
      expect(material.certificate.sha256).toBe(issued.certificate.sha256);
      expect(material.chain.map((c) => c.sha256)).toEqual([
        pki.intermediate.certificate.sha256,
        pki.root.certificate.sha256,
      ]);
      expectWorkingKey(material);
    },
  );

  it.each([
    ["P-256", () => ecP256],
    ["P-384", () => ecP384],
  ])("loads an EC %s key", (curve, get) => {
    const issued = get();
    const material = loadPkcs12(issued.p12, issued.p12Password);
    expect(material.privateKey.asymmetricKeyType).toBe("ec");
    expect(material.certificate.namedCurve).toBe(curve);
    expect(material.chain).toHaveLength(2);
    expectWorkingKey(material);
  });

  it.each([
    ["RSA", () => pki.person],
    ["EC", () => ecP256],
  ])(
    "writes %s files OpenSSL 3 opens without -legacy, with the same key and certificates",
    async (_, get) => {
      const issued = get();
      const path = await write("generated.p12", issued.p12);
      const pem = openssl(["pkcs12", "-in", path, "-nodes", "-passin", `pass:${issued.p12Password}`]);
      const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem)?.[0];
      expect(key).toBeDefined();
      expect(createPublicKey(key as string).equals(issued.certificate.publicKey)).toBe(true);
      expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
      const info = runOpenssl([
        "pkcs12",
        "-in",
        path,
        "-info",
        "-noout",
        "-passin",
        `pass:${issued.p12Password}`,
      ]);
      expect(info.status).toBe(0);
      expect(info.stderr).toContain("MAC: sha256");
      expect(info.stderr).toContain("AES-256-CBC");
    },
  );
});

describe("loadPkcs12 on files made by other tools", () => {
  let keyPath: string;
  let chainPath: string;
  let leafPath: string;

  beforeAll(async () => {
    keyPath = await write("person.key", pki.person.keyPem);
    leafPath = await write("person.pem", pki.person.certPem);
    chainPath = await write("chain.pem", pki.intermediate.certPem + pki.root.certPem);
  });

  it.each([
    ["OpenSSL 3 defaults (PBES2/AES-256, SHA-256 MAC)", []],
    ["OpenSSL -legacy (RC2-40 certificates, 3DES key, SHA-1 MAC)", ["-legacy"]],
    ["PKCS#12 3DES everywhere", ["-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1"]],
    ["unencrypted certificates, AES-128 key", ["-certpbe", "NONE", "-keypbe", "AES-128-CBC"]],
  ])("reads %s", async (_, options) => {
    const out = join(dir, "openssl.p12");
    // The chain is given in reverse order on purpose: loadPkcs12 orders it.
    openssl([
      "pkcs12",
      "-export",
      ...options,
      "-inkey",
      keyPath,
      "-in",
      leafPath,
      "-certfile",
      chainPath,
      "-passout",
      "pass:mật-khẩu",
      "-out",
      out,
    ]);
    const material = loadPkcs12(await readFile(out), "mật-khẩu");
    expect(material.certificate.sha256).toBe(pki.person.certificate.sha256);
    expect(material.chain.map((c) => c.subject.commonName)).toEqual([
      "Lienthong Demo Issuing CA",
      "Lienthong Demo Root CA",
    ]);
    expectWorkingKey(material);
  });

  it("reads an EC file made by OpenSSL", async () => {
    const out = join(dir, "ec-openssl.p12");
    openssl([
      "pkcs12",
      "-export",
      "-inkey",
      await write("ec.key", ecP256.keyPem),
      "-in",
      await write("ec.pem", ecP256.certPem),
      "-passout",
      "pass:secret",
      "-out",
      out,
    ]);
    const material = loadPkcs12(await readFile(out), "secret");
    expect(material.certificate.sha256).toBe(ecP256.certificate.sha256);
    expect(material.chain).toEqual([]);
    expectWorkingKey(material);
  });

  it("reads a file made by node-forge (3DES, SHA-1 MAC)", () => {
    const forgeKey = forge.pki.privateKeyFromPem(pki.person.keyPem);
    const forgeCerts = [pki.person.certPem, pki.intermediate.certPem].map((pem) =>
      forge.pki.certificateFromPem(pem),
    );
    const asn1 = forge.pkcs12.toPkcs12Asn1(forgeKey, forgeCerts, "forge-pass", { algorithm: "3des" });
    const bytes = forge.util.binary.raw.decode(forge.asn1.toDer(asn1).getBytes());
    const material = loadPkcs12(bytes, "forge-pass");
    expect(material.certificate.sha256).toBe(pki.person.certificate.sha256);
    expect(material.chain.map((c) => c.sha256)).toEqual([pki.intermediate.certificate.sha256]);
    expectWorkingKey(material);
  });
});

describe("loadPkcs12 failures", () => {
  it("maps a wrong password to KEY_MALFORMED", () => {
    expect(() => loadPkcs12(pki.person.p12, "wrong password")).toThrow(
      expect.objectContaining({ code: "KEY_MALFORMED", detail: expect.stringContaining("password") }),
    );
    expect(() => loadPkcs12(ecP256.p12, "")).toThrow(expect.objectContaining({ code: "KEY_MALFORMED" }));
  });

  it("maps garbage, truncation and a certificate given as PKCS#12 to KEY_MALFORMED", () => {
    const p12 = pki.person.p12;
    for (const input of [
      Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x03]),
      new Uint8Array(0),
      new TextEncoder().encode("not a pkcs12 file"),
      p12.subarray(0, p12.length - 40),
      pki.person.certificate.der,
    ]) {
      expect(() => loadPkcs12(input, pki.person.p12Password)).toThrow(
        expect.objectContaining({ code: "KEY_MALFORMED" }),
      );
    }
  });

  it("rejects a file with certificates but no key", async () => {
    const out = join(dir, "nokeys.p12");
    openssl([
      "pkcs12",
      "-export",
      "-nokeys",
      "-in",
      await write("leaf-only.pem", pki.person.certPem),
      "-passout",
      "pass:x",
      "-out",
      out,
    ]);
    const bytes = await readFile(out);
    expect(() => loadPkcs12(bytes, "x")).toThrow(
      expect.objectContaining({ code: "KEY_MALFORMED", detail: expect.stringContaining("no private key") }),
    );
  });

  it("rejects a file whose key matches none of its certificates", async () => {
    const out = join(dir, "mismatch.p12");
    const result = runOpenssl([
      "pkcs12",
      "-export",
      "-inkey",
      await write("org.key", pki.organisation.keyPem),
      "-in",
      await write("person-only.pem", pki.person.certPem),
      "-nocerts",
      "-passout",
      "pass:x",
      "-out",
      out,
    ]);
    expect(result.status).toBe(0);
    const bytes = await readFile(out);
    expect(() => loadPkcs12(bytes, "x")).toThrow(expect.objectContaining({ code: "KEY_MALFORMED" }));
  });

  it("readPkcs12 detects a tampered file through the MAC", () => {
    const tampered = Uint8Array.from(pki.person.p12);
    // A byte in the middle of the encrypted content: the structure stays valid, the MAC does not.
    const index = Math.floor(tampered.length / 2);
    tampered[index] = (tampered[index] as number) ^ 0x01;
    expect(() => readPkcs12(tampered, pki.person.p12Password)).toThrow(/MAC/);
  });
});

describe("loadPemKey", () => {
  it("loads PKCS#8 with a leaf-first bundle", () => {
    const material = loadPemKey(
      pki.person.keyPem,
      pki.person.certPem + pki.intermediate.certPem + pki.root.certPem,
    );
    expect(material.certificate.sha256).toBe(pki.person.certificate.sha256);
    expect(material.chain.map((c) => c.sha256)).toEqual([
      pki.intermediate.certificate.sha256,
      pki.root.certificate.sha256,
    ]);
    expectWorkingKey(material);
  });

  it("finds the leaf and orders the chain when the bundle is out of order", () => {
    const material = loadPemKey(
      pki.person.keyPem,
      pki.root.certPem + pki.person.certPem + pki.intermediate.certPem,
    );
    expect(material.certificate.sha256).toBe(pki.person.certificate.sha256);
    expect(material.chain.map((c) => c.subject.commonName)).toEqual([
      "Lienthong Demo Issuing CA",
      "Lienthong Demo Root CA",
    ]);
  });

  it("loads PKCS#1 RSA and SEC1 EC keys (with an EC PARAMETERS block) as OpenSSL writes them", async () => {
    const rsa = openssl(["pkey", "-traditional"], pki.person.keyPem);
    expect(rsa).toContain("BEGIN RSA PRIVATE KEY");
    expectWorkingKey(loadPemKey(rsa, pki.person.certPem));
    // `openssl ecparam -genkey` files start with an EC PARAMETERS block before the SEC1 key.
    const sec1 = openssl(["ecparam", "-name", "prime256v1"]) + openssl(["ec"], ecP256.keyPem);
    expect(sec1).toContain("BEGIN EC PARAMETERS");
    expect(sec1).toContain("BEGIN EC PRIVATE KEY");
    expectWorkingKey(loadPemKey(sec1, ecP256.certPem));
  });

  it("loads an encrypted PKCS#8 key with its passphrase and rejects a wrong or missing one", () => {
    const encrypted = openssl(
      ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:khóa bí mật"],
      pki.person.keyPem,
    );
    expect(encrypted).toContain("BEGIN ENCRYPTED PRIVATE KEY");
    expectWorkingKey(loadPemKey(encrypted, pki.person.certPem, "khóa bí mật"));
    expect(() => loadPemKey(encrypted, pki.person.certPem, "wrong")).toThrow(
      expect.objectContaining({ code: "KEY_MALFORMED" }),
    );
    expect(() => loadPemKey(encrypted, pki.person.certPem)).toThrow(
      expect.objectContaining({ code: "KEY_MALFORMED" }),
    );
  });

  it("rejects a key that matches none of the certificates, no key, and no certificates", () => {
    expect(() => loadPemKey(pki.organisation.keyPem, pki.person.certPem)).toThrow(
      expect.objectContaining({ code: "KEY_MALFORMED" }),
    );
    expect(() => loadPemKey("nothing here", pki.person.certPem)).toThrow(
      expect.objectContaining({ code: "KEY_MALFORMED" }),
    );
    expect(() => loadPemKey(pki.person.keyPem, "")).toThrow(
      expect.objectContaining({ code: "CERT_MALFORMED" }),
    );
  });
});
