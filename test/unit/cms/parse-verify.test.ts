import { sign as cryptoSign, randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import { completeCmsSignature, prepareCmsSignature } from "../../../shared/cms/prepare-cms-signature.ts";
import { verifySignerInfo } from "../../../shared/cms/verify.ts";
import { ExchangeError } from "../../../shared/errors/index.ts";
import { sha256 } from "../../support/hash.ts";
import { opensslCmsSign, opensslSelfSigned } from "../../support/openssl.ts";
import { type IssuedCert, testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";

let temp: TempDir;
let person: IssuedCert;
let organisation: IssuedCert;
let ours: Uint8Array;
const content = randomBytes(2048);

beforeAll(async () => {
  const pki = await testPki();
  person = pki.person;
  organisation = pki.organisation;
  temp = await tempDir();
  const prepared = prepareCmsSignature({
    contentDigest: sha256(content),
    certificate: person.certificate,
    chain: person.chain,
  });
  ours = await completeCmsSignature(
    prepared,
    cryptoSign("sha256", prepared.signedAttributes, person.privateKey),
  );
});

afterAll(async () => {
  await temp?.cleanup();
});

/** Signs with OpenSSL (a foreign producer): `extra` selects BER streaming, no attributes, … */
function opensslSign(name: string, extra: readonly string[]): Promise<Uint8Array> {
  return opensslCmsSign(temp, person, content, name, extra);
}

/** Finds `needle` in `haystack`; -1 when absent. */
function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

describe("verifySignerInfo", () => {
  it("accepts our own signature and names what is wrong with the wrong certificate or content", () => {
    const info = parseSignedData(ours).signerInfos[0]!;
    expect(verifySignerInfo(info, person.certificate, sha256(content))).toEqual({
      digestMatches: true,
      signatureValid: true,
      essMatches: true,
    });
    expect(verifySignerInfo(info, person.certificate, sha256("other"))).toMatchObject({
      digestMatches: false,
      signatureValid: true,
    });
    expect(verifySignerInfo(info, organisation.certificate, sha256(content))).toEqual({
      digestMatches: true,
      signatureValid: false,
      essMatches: false,
    });
  });

  it("catches a tampered ESS certHash that OpenSSL does not check", async () => {
    // Prepare: signed attributes whose signing-certificate-v2 hash names another certificate,
    // validly signed by the person's key.
    const prepared = prepareCmsSignature({
      contentDigest: sha256(content),
      certificate: person.certificate,
      chain: person.chain,
    });
    const attributes = prepared.signedAttributes.slice();
    const at = indexOf(attributes, sha256(person.certificate.der));
    expect(at).toBeGreaterThan(0);
    attributes[at] = attributes[at]! ^ 0xff;
    const tampered = { ...prepared, signedAttributes: attributes, digestToSign: sha256(attributes) };
    const cms = await completeCmsSignature(tampered, cryptoSign("sha256", attributes, person.privateKey));
    // Act
    const info = parseSignedData(cms).signerInfos[0]!;
    const check = verifySignerInfo(info, person.certificate, sha256(content));
    // Assess: intact and valid, but the ESS binding fails.
    expect(check).toEqual({ digestMatches: true, signatureValid: true, essMatches: false });
  });

  it("checks the ESS issuerSerial as well as the hash", () => {
    const info = parseSignedData(ours).signerInfos[0]!;
    const serial = info.signingCertificateV2?.[0]?.issuerSerial;
    expect(serial?.serialNumberHex).toBe(person.certificate.serialNumberHex);
    expect(Buffer.from(serial!.issuerDer)).toEqual(Buffer.from(person.certificate.issuerDer));
    const renumbered = { ...person.certificate, serialNumberHex: "01" };
    expect(verifySignerInfo(info, renumbered, sha256(content)).essMatches).toBe(false);
  });

  it("verifies a SignerInfo without signed attributes against the digest (RSA)", async () => {
    const cms = await opensslSign("noattr", ["-noattr"]);
    const info = parseSignedData(cms).signerInfos[0]!;
    expect(info.signedAttributesDer).toBeUndefined();
    expect(verifySignerInfo(info, person.certificate, sha256(content))).toEqual({
      digestMatches: true,
      signatureValid: true,
      essMatches: undefined,
    });
    // RSASSA-PKCS1-v1_5 carries its DigestInfo: another content is a digest mismatch under a
    // signature this key made, another key is an invalid signature (as with signed attributes).
    expect(verifySignerInfo(info, person.certificate, sha256("other"))).toMatchObject({
      digestMatches: false,
      signatureValid: true,
    });
    expect(verifySignerInfo(info, organisation.certificate, sha256(content))).toMatchObject({
      digestMatches: false,
      signatureValid: false,
    });
  });
});

describe("parseSignedData", () => {
  it("reads a BER indefinite-length CMS streamed by OpenSSL, with chunked encapsulated content", async () => {
    // openssl -stream writes indefinite lengths and the content as a constructed OCTET STRING
    // of 4 KB segments (X.690 §8.7.3).
    const cms = await opensslSign("ber", ["-stream", "-nodetach"]);
    expect(cms[1]).toBe(0x80);
    const parsed = parseSignedData(cms);
    expect(parsed.detached).toBe(false);
    expect(Buffer.from(parsed.encapsulatedContent!)).toEqual(content);
    expect(parsed.certificates.map((c) => c.sha256)).toContain(person.certificate.sha256);
    const info = parsed.signerInfos[0]!;
    expect(info.sid).toMatchObject({ serialNumberHex: person.certificate.serialNumberHex });
    expect(info.signingTime).toBeInstanceOf(Date);
    expect(info.signedAttributesDer?.[0]).toBe(0x31);
    const check = verifySignerInfo(info, person.certificate, sha256(content));
    expect(check.digestMatches).toBe(true);
    expect(check.signatureValid).toBe(true);
    expect(check.essMatches).not.toBe(false);
  });

  it("keeps going past an embedded certificate shared/pki cannot read (Ed25519)", async () => {
    const { certPem: edPem, certFile } = await opensslSelfSigned(temp, "ed", ["-newkey", "ed25519"]);
    const cms = await opensslSign("with-ed25519", ["-certfile", certFile]);
    const parsed = parseSignedData(cms);
    expect(parsed.unreadableCertificates).toHaveLength(1);
    expect(Buffer.from(parsed.unreadableCertificates[0]!).toString("base64")).toBe(
      edPem.replace(/-----[A-Z ]+-----|\s/g, ""),
    );
    expect(parsed.certificates.map((c) => c.sha256)).toContain(person.certificate.sha256);
  });

  it("ignores trailing zero padding (PDF /Contents) but not other trailing bytes", () => {
    const padded = new Uint8Array(ours.length + 500);
    padded.set(ours);
    expect(parseSignedData(padded).signerInfos).toHaveLength(1);
    padded[ours.length + 10] = 1;
    expect(() => parseSignedData(padded)).toThrow(expect.objectContaining({ code: "CMS_MALFORMED" }));
  });

  it("throws CMS_MALFORMED for other structures", () => {
    expect(() => parseSignedData(new Uint8Array())).toThrow(
      expect.objectContaining({ code: "CMS_MALFORMED" }),
    );
    expect(() => parseSignedData(person.certificate.der)).toThrow(
      expect.objectContaining({ code: "CMS_MALFORMED" }),
    );
    const deep = new Uint8Array(20_000);
    for (let i = 0; i < deep.length; i += 2) {
      deep[i] = 0x30;
      deep[i + 1] = 0x80;
    }
    expect(() => parseSignedData(deep)).toThrow(expect.objectContaining({ code: "CMS_MALFORMED" }));
  });

  it("throws only CMS_MALFORMED for every truncation of a valid CMS", () => {
    for (let length = 0; length < ours.length; length += 7) {
      expect(() => parseSignedData(ours.subarray(0, length)), `length ${length}`).toThrow(
        expect.objectContaining({ code: "CMS_MALFORMED" }),
      );
    }
  });

  it("never throws anything but CMS_MALFORMED on random bytes or mutated CMS", () => {
    const onlyMalformed = (bytes: Uint8Array): boolean => {
      try {
        parseSignedData(bytes);
        return true;
      } catch (error) {
        return error instanceof ExchangeError && error.code === "CMS_MALFORMED";
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), onlyMalformed), { numRuns: 300 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: ours.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const mutated = ours.slice();
          for (const [at, value] of edits) {
            mutated[at] = value;
          }
          return onlyMalformed(mutated);
        },
      ),
      { numRuns: 300 },
    );
  });
});
