import { constants, createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyDigestSignature } from "../../../shared/cms/digest-signature.ts";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import { verifySignerInfo } from "../../../shared/cms/verify.ts";
import type { Certificate } from "../../../shared/pki/certificate.ts";
import { opensslCmsSign } from "../../support/openssl.ts";
import { type IssuedCert, type TestPki, testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";

let pki: TestPki;
let temp: TempDir;
let ecP256: IssuedCert;
let ecP384: IssuedCert;
const content = randomBytes(5000);

beforeAll(async () => {
  pki = await testPki();
  temp = await tempDir("lienthong-noattr-");
  [ecP256, ecP384] = await Promise.all([
    pki.issue({ keyType: "ec-p256" }),
    pki.issue({ keyType: "ec-p384" }),
  ]);
});

afterAll(async () => {
  await temp?.cleanup();
});

function hash(name: string, data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash(name).update(data).digest());
}

/** A stand-in certificate for a bare key (only the fields the digest verifier reads). */
function keyOnly(publicKey: ReturnType<typeof generateKeyPairSync>["publicKey"]): Certificate {
  const details = publicKey.asymmetricKeyDetails!;
  return {
    publicKey,
    keyType: publicKey.asymmetricKeyType === "ec" ? "ec" : "rsa",
    keySize: details.modulusLength ?? 0,
  } as unknown as Certificate;
}

describe("verifyDigestSignature: signatures over a precomputed digest", () => {
  it("ECDSA on P-256, P-384 and P-521 with every SHA-2 digest, as node:crypto signs them", () => {
    for (const curve of ["P-256", "P-384", "P-521"]) {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
      for (const name of ["sha256", "sha384", "sha512"]) {
        const signature = sign(name, content, privateKey);
        const certificate = keyOnly(publicKey);
        const ok = { certificate, scheme: "ec", hash: name, digest: hash(name, content), signature } as const;
        expect(verifyDigestSignature(ok), `${curve} ${name}`).toBe(true);
        expect(verifyDigestSignature({ ...ok, digest: hash(name, "other") })).toBe(false);
        const flipped = signature.slice();
        flipped[flipped.length - 1] = (flipped[flipped.length - 1]! ^ 1) & 0xff;
        expect(verifyDigestSignature({ ...ok, signature: flipped })).toBe(false);
      }
    }
  });

  it("RSASSA-PSS with several salt lengths and modulus sizes not a multiple of 8", () => {
    for (const [bits, saltLength] of [
      [2048, 32],
      [2056, 20],
      [3072, 0],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
      const signature = sign("sha256", content, {
        key: privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength,
      });
      const certificate = keyOnly(publicKey);
      const ok = {
        certificate,
        scheme: "rsa-pss",
        hash: "sha256",
        digest: hash("sha256", content),
        signature,
        saltLength,
      } as const;
      expect(verifyDigestSignature(ok), `${bits} bits, salt ${saltLength}`).toBe(true);
      expect(verifyDigestSignature({ ...ok, digest: hash("sha256", "other") })).toBe(false);
      expect(verifyDigestSignature({ ...ok, saltLength: saltLength + 1 })).toBe(false);
      // The same value is no PKCS#1 v1.5 signature.
      expect(verifyDigestSignature({ ...ok, scheme: "rsa" })).toBe(false);
    }
  });

  it("refuses a digest of the wrong length, a key of the other type and garbage, without throwing", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const signature = sign("sha256", content, privateKey);
    const certificate = keyOnly(publicKey);
    const digest = hash("sha256", content);
    expect(verifyDigestSignature({ certificate, scheme: "ec", hash: "sha384", digest, signature })).toBe(
      false,
    );
    expect(verifyDigestSignature({ certificate, scheme: "rsa", hash: "sha256", digest, signature })).toBe(
      false,
    );
    expect(
      verifyDigestSignature({
        certificate,
        scheme: "ec",
        hash: "sha256",
        digest,
        signature: randomBytes(70),
      }),
    ).toBe(false);
    expect(
      verifyDigestSignature({
        certificate: pki.person.certificate,
        scheme: "rsa",
        hash: "sha256",
        digest,
        signature: randomBytes(256),
      }),
    ).toBe(false);
  });
});

describe("CMS without signed attributes (RFC 5652 §5.4), made by OpenSSL", () => {
  const cases: readonly [string, () => IssuedCert, readonly string[], string][] = [
    ["RSA PKCS#1 v1.5, SHA-256", () => pki.person, [], "sha256"],
    ["RSA PKCS#1 v1.5, SHA-512", () => pki.person, ["-md", "sha512"], "sha512"],
    ["RSASSA-PSS", () => pki.person, ["-keyopt", "rsa_padding_mode:pss"], "sha256"],
    ["ECDSA P-256", () => ecP256, [], "sha256"],
    ["ECDSA P-384, SHA-384", () => ecP384, ["-md", "sha384"], "sha384"],
  ];
  for (const [name, signer, extra, digestName] of cases) {
    it(`verifies ${name} over the content digest, and not over another one`, async () => {
      const issued = signer();
      const cms = await opensslCmsSign(temp, issued, content, name.replace(/\W+/g, "-"), [
        "-noattr",
        ...extra,
      ]);
      const info = parseSignedData(cms).signerInfos[0]!;
      expect(info.signedAttributesDer).toBeUndefined();
      expect(info.digestAlgorithm).toBe(digestName);
      if (name === "RSASSA-PSS") {
        expect(info.signatureAlgorithmOid).toBe("1.2.840.113549.1.1.10");
      }
      expect(verifySignerInfo(info, issued.certificate, hash(digestName, content))).toEqual({
        digestMatches: true,
        signatureValid: true,
        essMatches: undefined,
      });
      expect(verifySignerInfo(info, issued.certificate, hash(digestName, "other")).digestMatches).toBe(false);
      const other = issued === pki.person ? pki.organisation : ecP256 === issued ? ecP384 : ecP256;
      expect(verifySignerInfo(info, other.certificate, hash(digestName, content)).signatureValid).toBe(false);
    });
  }
});
