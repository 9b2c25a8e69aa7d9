import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoKeyType } from "../../../devkit/pki.ts";
import type { HashAlgorithm } from "../../../shared/cms/algorithms.ts";
import { createCmsSignature } from "../../../shared/cms/create-cms-signature.ts";
import { estimateCmsSize } from "../../../shared/cms/estimate-cms-size.ts";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import { parseTimestampToken } from "../../../shared/cms/timestamp.ts";
import { verifySignerInfo } from "../../../shared/cms/verify.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { hashOf } from "../../support/hash.ts";
import { opensslPrint, opensslVerifyDetached } from "../../support/openssl.ts";
import { type IssuedCert, testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";

const CASES: readonly { keyType: DemoKeyType; hash: HashAlgorithm }[] = [
  { keyType: "rsa-2048", hash: "sha256" },
  { keyType: "rsa-3072", hash: "sha512" },
  { keyType: "rsa-4096", hash: "sha256" },
  { keyType: "ec-p256", hash: "sha256" },
  { keyType: "ec-p384", hash: "sha384" },
];

let temp: TempDir;
let tsa: TestTsa;
let rootFile: string;
const issued = new Map<DemoKeyType, IssuedCert>();

beforeAll(async () => {
  // Prepare: one certificate per key type, a local TSA, the trust anchor on disk.
  const pki = await testPki();
  temp = await tempDir();
  rootFile = await temp.file("root.pem", pki.root.certPem);
  tsa = await startTestTsa();
  issued.set("rsa-2048", pki.person);
  const others = await Promise.all(
    CASES.filter((c) => c.keyType !== "rsa-2048").map(
      async (c) => [c.keyType, await pki.issue({ keyType: c.keyType })] as const,
    ),
  );
  for (const [keyType, cert] of others) {
    issued.set(keyType, cert);
  }
});

afterAll(async () => {
  await tsa?.close();
  await temp?.cleanup();
});

describe.each(CASES)("createCmsSignature with $keyType / $hash", ({ keyType, hash }) => {
  const content = randomBytes(10_000 + Math.floor(Math.random() * 1000));

  for (const timestamped of [false, true]) {
    it(`is accepted by openssl cms -verify ${timestamped ? "with" : "without"} a timestamp`, async () => {
      // Prepare
      const cert = issued.get(keyType)!;
      const signer = SoftwareSigner.fromPkcs12(cert.p12, cert.p12Password);
      const contentDigest = hashOf(hash, content);
      // Act
      const cms = await createCmsSignature({
        contentDigest,
        hashAlgorithm: hash,
        signer,
        ...(timestamped ? { tsa: tsa.client } : {}),
      });
      // Assess: OpenSSL accepts it over the content and rejects it over a flipped byte.
      const name = `${keyType}-${hash}-${timestamped}`;
      const p7s = await temp.file(`${name}.p7s`, cms);
      const contentFile = await temp.file(`${name}.bin`, content);
      const ok = await opensslVerifyDetached(p7s, contentFile, rootFile);
      expect(ok.stderr).toContain("Verification successful");
      expect(ok.code).toBe(0);
      const flipped = Buffer.from(content);
      flipped[flipped.length >> 1] = flipped[flipped.length >> 1]! ^ 0x01;
      const badFile = await temp.file(`${name}-flipped.bin`, flipped);
      const bad = await opensslVerifyDetached(p7s, badFile, rootFile);
      expect(bad.code).not.toBe(0);

      // No signing-time; ESS signing-certificate-v2 present (OpenSSL's own view).
      // (Only our SignerInfo's signedAttrs: the TSA's token has its own signing-time.)
      const printed = await opensslPrint(p7s);
      const signedAttrs = /signedAttrs:([\s\S]*?)\n\s+signatureAlgorithm:/.exec(printed)?.[1] ?? "";
      expect(signedAttrs).toContain("messageDigest");
      expect(signedAttrs).not.toMatch(/signingTime/i);
      expect(signedAttrs).toContain("id-smime-aa-signingCertificateV2");
      expect(printed.includes("id-smime-aa-timeStampToken")).toBe(timestamped);

      // Our own parser and checks agree.
      const parsed = parseSignedData(cms);
      expect(parsed.detached).toBe(true);
      expect(parsed.certificates[0]!.sha256).toBe(signer.certificate.sha256);
      expect(parsed.certificates.map((c) => c.sha256)).toEqual(
        [signer.certificate, ...signer.chain].map((c) => c.sha256),
      );
      const info = parsed.signerInfos[0]!;
      expect(info.digestAlgorithm).toBe(hash);
      expect(info.signingTime).toBeUndefined();
      expect(info.signingCertificateV2?.[0]?.hashAlgorithm).toBe("sha256");
      expect(verifySignerInfo(info, signer.certificate, contentDigest)).toEqual({
        digestMatches: true,
        signatureValid: true,
        essMatches: true,
      });
      expect(verifySignerInfo(info, signer.certificate, hashOf(hash, flipped)).digestMatches).toBe(false);
      expect(info.timestampTokens.length).toBe(timestamped ? 1 : 0);
      if (timestamped) {
        const token = parseTimestampToken(info.timestampTokens[0]!);
        expect(Buffer.from(token.messageImprint)).toEqual(Buffer.from(hashOf("sha256", info.signature)));
      }

      // The placeholder estimate is an upper bound.
      expect(
        estimateCmsSize({ certificate: signer.certificate, chain: signer.chain, timestamp: timestamped }),
      ).toBeGreaterThanOrEqual(cms.length);
    });
  }
});

describe("estimateCmsSize", () => {
  it("grows with the chain, the timestamp and revocation data", async () => {
    const pki = await testPki();
    const { certificate, chain } = pki.person;
    const bare = estimateCmsSize({ certificate, chain: [] });
    const withChain = estimateCmsSize({ certificate, chain });
    expect(withChain - bare).toBeGreaterThanOrEqual(chain.reduce((sum, c) => sum + c.der.length, 0));
    expect(estimateCmsSize({ certificate, chain, timestamp: true })).toBeGreaterThan(withChain + 4000);
    expect(estimateCmsSize({ certificate, chain, revocationBytes: 5000 })).toBe(withChain + 5000);
  });
});
