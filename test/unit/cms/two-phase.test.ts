import { sign as cryptoSign, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import {
  completeCmsSignature,
  completeWithCms,
  prepareCmsSignature,
} from "../../../shared/cms/prepare-cms-signature.ts";
import { verifySignerInfo } from "../../../shared/cms/verify.ts";
import { sha256 } from "../../support/hash.ts";
import { opensslCmsSign, opensslVerifyDetached, runTool } from "../../support/openssl.ts";
import { type IssuedCert, testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";

let temp: TempDir;
let tsa: TestTsa;
let rootFile: string;
let rsa: IssuedCert;
let ec: IssuedCert;
const content = randomBytes(4096);
let contentFile: string;

beforeAll(async () => {
  const pki = await testPki();
  temp = await tempDir();
  rootFile = await temp.file("root.pem", pki.root.certPem);
  contentFile = await temp.file("content.bin", content);
  rsa = pki.person;
  ec = await pki.issue({ keyType: "ec-p256" });
  tsa = await startTestTsa();
});

afterAll(async () => {
  await tsa?.close();
  await temp?.cleanup();
});

/** The external signer: `openssl pkeyutl` signing a digest, as a token plugin would. */
async function pkeyutlSign(cert: IssuedCert, digest: Uint8Array, name: string): Promise<Uint8Array> {
  const keyFile = await temp.file(`${name}.key.pem`, cert.keyPem);
  const digestFile = await temp.file(`${name}.digest.bin`, digest);
  const outFile = `${temp.dir}/${name}.sig`;
  const result = await runTool("openssl", [
    "pkeyutl",
    "-sign",
    "-inkey",
    keyFile,
    "-pkeyopt",
    "digest:sha256",
    "-in",
    digestFile,
    "-out",
    outFile,
  ]);
  expect(result.code, result.stderr).toBe(0);
  return new Uint8Array(await readFile(outFile));
}

describe("prepareCmsSignature / completeCmsSignature", () => {
  for (const kind of ["rsa", "ec"] as const) {
    it(`round-trips with a signature value from openssl pkeyutl (${kind})`, async () => {
      // Prepare
      const cert = kind === "rsa" ? rsa : ec;
      const prepared = prepareCmsSignature({
        contentDigest: sha256(content),
        certificate: cert.certificate,
        chain: cert.chain,
      });
      expect(Buffer.from(prepared.digestToSign)).toEqual(Buffer.from(sha256(prepared.signedAttributes)));
      expect(prepared.signedAttributes[0]).toBe(0x31);
      // Act
      const value = await pkeyutlSign(cert, prepared.digestToSign, `two-phase-${kind}`);
      const cms = await completeCmsSignature(prepared, value);
      // Assess
      const p7s = await temp.file(`two-phase-${kind}.p7s`, cms);
      const result = await opensslVerifyDetached(p7s, contentFile, rootFile);
      expect(result.code, result.stderr).toBe(0);
    });
  }

  it("rejects a wrong signature value with SIGNATURE_VALUE_INVALID", async () => {
    const prepared = prepareCmsSignature({
      contentDigest: sha256(content),
      certificate: rsa.certificate,
      chain: [],
    });
    const value = await pkeyutlSign(rsa, sha256("something else"), "wrong");
    await expect(completeCmsSignature(prepared, value)).rejects.toMatchObject({
      code: "SIGNATURE_VALUE_INVALID",
    });
    await expect(completeCmsSignature(prepared, new Uint8Array(256))).rejects.toMatchObject({
      code: "SIGNATURE_VALUE_INVALID",
    });
    // A valid value, but by another key than the prepared certificate's.
    const other = await pkeyutlSign(ec, prepared.digestToSign, "other-key");
    await expect(completeCmsSignature(prepared, other)).rejects.toMatchObject({
      code: "SIGNATURE_VALUE_INVALID",
    });
  });

  it("accepts a raw r‖s ECDSA value and stores it as DER", async () => {
    const prepared = prepareCmsSignature({
      contentDigest: sha256(content),
      certificate: ec.certificate,
      chain: ec.chain,
    });
    const raw = cryptoSign("sha256", prepared.signedAttributes, {
      key: ec.privateKey,
      dsaEncoding: "ieee-p1363",
    });
    expect(raw.length).toBe(64);
    const cms = await completeCmsSignature(prepared, raw);
    const info = parseSignedData(cms).signerInfos[0]!;
    expect(info.signature[0]).toBe(0x30);
    const p7s = await temp.file("raw-ec.p7s", cms);
    expect((await opensslVerifyDetached(p7s, contentFile, rootFile)).code).toBe(0);
  });

  it("rejects bad inputs: a digest of the wrong length, an unsupported key", async () => {
    expect(() =>
      prepareCmsSignature({ contentDigest: new Uint8Array(20), certificate: rsa.certificate, chain: [] }),
    ).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    const weak = { ...rsa.certificate, keySize: 1024 };
    expect(() =>
      prepareCmsSignature({ contentDigest: sha256(content), certificate: weak, chain: [] }),
    ).toThrow(expect.objectContaining({ code: "KEY_UNSUPPORTED" }));
  });

  it("adds a timestamp in phase 2, and a TSA failure yields no CMS", async () => {
    const prepared = prepareCmsSignature({
      contentDigest: sha256(content),
      certificate: rsa.certificate,
      chain: rsa.chain,
    });
    const value = cryptoSign("sha256", prepared.signedAttributes, rsa.privateKey);
    const cms = await completeCmsSignature(prepared, value, { tsa: tsa.client });
    expect(parseSignedData(cms).signerInfos[0]!.timestampTokens).toHaveLength(1);
    const down = { timestamp: () => Promise.reject(new Error("connection refused")) };
    await expect(completeCmsSignature(prepared, value, { tsa: down })).rejects.toMatchObject({
      code: "TSA_UNAVAILABLE",
    });
  });
});

describe("completeWithCms", () => {
  /** A "remote signing service" that returns a whole CMS made by OpenSSL over the content. */
  function opensslCms(cert: IssuedCert, data: Uint8Array, name: string, extra: readonly string[] = []) {
    return opensslCmsSign(temp, cert, data, name, extra);
  }

  it("re-assembles a CMS whose signed attributes are the prepared ones", async () => {
    const prepared = prepareCmsSignature({
      contentDigest: sha256(content),
      certificate: rsa.certificate,
      chain: rsa.chain,
    });
    const value = cryptoSign("sha256", prepared.signedAttributes, rsa.privateKey);
    const remote = await completeCmsSignature(prepared, value);
    const result = await completeWithCms(prepared, remote);
    expect(Buffer.from(result)).toEqual(Buffer.from(remote));
  });

  it("returns a foreign CMS over the same content unchanged, and can timestamp it", async () => {
    const prepared = prepareCmsSignature({
      contentDigest: sha256(content),
      certificate: rsa.certificate,
      chain: rsa.chain,
    });
    const remote = await opensslCms(rsa, content, "remote");
    const padded = new Uint8Array(remote.length + 100);
    padded.set(remote);
    const unchanged = await completeWithCms(prepared, padded);
    expect(Buffer.from(unchanged)).toEqual(Buffer.from(remote));

    const stamped = await completeWithCms(prepared, remote, { tsa: tsa.client });
    const info = parseSignedData(stamped).signerInfos[0]!;
    expect(info.timestampTokens).toHaveLength(1);
    expect(verifySignerInfo(info, rsa.certificate, sha256(content))).toMatchObject({
      digestMatches: true,
      signatureValid: true,
    });
    const p7s = await temp.file("remote-stamped.p7s", stamped);
    const check = await opensslVerifyDetached(p7s, contentFile, rootFile);
    expect(check.code, check.stderr).toBe(0);
  });

  it("rejects a CMS over other content, by another certificate, or garbage", async () => {
    const prepared = prepareCmsSignature({
      contentDigest: sha256(content),
      certificate: rsa.certificate,
      chain: rsa.chain,
    });
    const otherContent = await opensslCms(rsa, randomBytes(100), "other-content");
    await expect(completeWithCms(prepared, otherContent)).rejects.toMatchObject({
      code: "SIGNATURE_VALUE_INVALID",
    });
    const pki = await testPki();
    const otherSigner = await opensslCms(pki.organisation, content, "other-signer");
    await expect(completeWithCms(prepared, otherSigner)).rejects.toMatchObject({
      code: "SIGNATURE_VALUE_INVALID",
    });
    const attached = await opensslCms(rsa, content, "attached", ["-nodetach"]);
    await expect(completeWithCms(prepared, attached)).rejects.toMatchObject({
      code: "SIGNATURE_VALUE_INVALID",
    });
    await expect(completeWithCms(prepared, randomBytes(300))).rejects.toMatchObject({
      code: "CMS_MALFORMED",
    });
  });
});
