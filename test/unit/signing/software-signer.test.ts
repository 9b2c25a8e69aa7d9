import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digest } from "../../../shared/cms/algorithms.ts";
import { createCmsSignature } from "../../../shared/cms/create-cms-signature.ts";
import { toPem } from "../../../shared/pki/certificate.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { opensslSelfSigned } from "../../support/openssl.ts";
import { testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";

let temp: TempDir;

beforeAll(async () => {
  temp = await tempDir();
});

afterAll(async () => {
  await temp?.cleanup();
});

describe("SoftwareSigner", () => {
  it("loads from PKCS#12 and from PEM, and signs consistently", async () => {
    const pki = await testPki();
    const fromP12 = SoftwareSigner.fromPkcs12(pki.person.p12, pki.person.p12Password);
    const fromPem = SoftwareSigner.fromPem(
      pki.person.keyPem,
      pki.person.certPem + pki.person.chain.map((c) => toPem(c.der)).join(""),
    );
    expect(fromPem.certificate.sha256).toBe(fromP12.certificate.sha256);
    expect(fromPem.chain.map((c) => c.sha256)).toEqual(fromP12.chain.map((c) => c.sha256));
    const message = randomBytes(300);
    const request = { hashAlgorithm: "sha256" as const, message, digest: digest("sha256", message) };
    // RSASSA-PKCS1-v1_5 is deterministic: both load paths give the same value.
    expect(Buffer.from(await fromPem.sign(request))).toEqual(Buffer.from(await fromP12.sign(request)));
  });

  it("refuses a request whose digest is not the digest of its message", async () => {
    const pki = await testPki();
    const signer = SoftwareSigner.fromPkcs12(pki.person.p12, pki.person.p12Password);
    const message = randomBytes(100);
    await expect(
      signer.sign({ hashAlgorithm: "sha256", message, digest: digest("sha256", randomBytes(100)) }),
    ).rejects.toMatchObject({ code: "SIGNER_FAILED" });
    await expect(
      signer.sign({ hashAlgorithm: "sha384", message, digest: digest("sha256", message) }),
    ).rejects.toMatchObject({ code: "SIGNER_FAILED" });
  });

  it("rejects a wrong password (KEY_MALFORMED) and a key that is not the certificate's", async () => {
    const pki = await testPki();
    expect(() => SoftwareSigner.fromPkcs12(pki.person.p12, "wrong")).toThrow(
      expect.objectContaining({ code: "KEY_MALFORMED" }),
    );
    expect(
      () =>
        new SoftwareSigner({
          privateKey: pki.organisation.privateKey,
          certificate: pki.person.certificate,
          chain: [],
        }),
    ).toThrow(expect.objectContaining({ code: "KEY_MALFORMED" }));
  });

  it.each([
    ["RSA-1024", ["-newkey", "rsa:1024"]],
    ["EC P-521", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"]],
  ])("rejects %s keys with KEY_UNSUPPORTED", async (name, newkey) => {
    const { keyPem, certPem } = await opensslSelfSigned(temp, name.replace(/\W/g, ""), newkey);
    expect(() => SoftwareSigner.fromPem(keyPem, certPem)).toThrow(
      expect.objectContaining({ code: "KEY_UNSUPPORTED" }),
    );
  });

  it("produces a DER ECDSA-Sig-Value for EC keys", async () => {
    const pki = await testPki();
    const ec = await pki.issue({ keyType: "ec-p384" });
    const signer = SoftwareSigner.fromPkcs12(ec.p12, ec.p12Password);
    const message = randomBytes(200);
    const value = await signer.sign({ hashAlgorithm: "sha384", message, digest: digest("sha384", message) });
    expect(value[0]).toBe(0x30);
    const cms = await createCmsSignature({
      contentDigest: digest("sha384", message),
      hashAlgorithm: "sha384",
      signer,
    });
    expect(cms.length).toBeGreaterThan(500);
  });
});
