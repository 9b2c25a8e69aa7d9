import { verify as cryptoVerify, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesEqual, TAG, usesBerEncoding } from "../../../shared/asn1/der.ts";
import { digest } from "../../../shared/cms/algorithms.ts";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import { verifySignerInfo } from "../../../shared/cms/verify.ts";
import { resolveOptions } from "../../../shared/verification/options.ts";
import { validateTimestampToken } from "../../../shared/verification/timestamp-validation.ts";
import { validateDetached } from "../../../shared/verification/validate-detached.ts";
import { type IssuedCert, type TestPki, testPki } from "../../support/pki.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";
import { type BerOptions, berify, signDetached, signedAttributesOf } from "./fixtures.ts";

let pki: TestPki;
let person: IssuedCert;
let ours: Uint8Array;
let stamped: Uint8Array;
let tsa: TestTsa;
const content = randomBytes(3000);

beforeAll(async () => {
  pki = await testPki();
  person = pki.person;
  tsa = await startTestTsa();
  ours = await signDetached(person, content);
  stamped = await signDetached(person, content, { tsa: tsa.client });
});

afterAll(async () => {
  await tsa?.close();
});

/** Certificates and timestamp tokens stay DER: their bytes are signed or hashed as they are. */
function keepFor(cms: Uint8Array): Uint8Array[] {
  const parsed = parseSignedData(cms);
  return [
    ...parsed.certificates.map((c) => c.der),
    ...parsed.signerInfos.flatMap((info) => info.timestampTokens),
  ];
}

/** The variants: indefinite lengths at several levels, segmented OCTET STRINGs, non-minimal lengths. */
const VARIANTS: Readonly<Record<string, (cms: Uint8Array) => BerOptions>> = {
  "indefinite lengths everywhere": (cms) => ({ keep: keepFor(cms) }),
  "indefinite outer levels only (as NSS / pdfsig writes)": (cms) => ({
    keep: keepFor(cms),
    indefinite: (_element, depth) => depth <= 3,
  }),
  "indefinite signed attributes only": (cms) => ({
    keep: keepFor(cms),
    indefinite: (element) => element.tag === 0xa0 && element.length < 400,
  }),
  "segmented OCTET STRINGs (messageDigest, certHash, signature value)": (cms) => ({
    keep: keepFor(cms),
    segmentOctetStrings: 7,
    indefinite: (_element, depth) => depth % 2 === 0,
  }),
  "non-minimal definite lengths": (cms) => ({
    keep: keepFor(cms),
    indefinite: () => false,
    longLengths: true,
  }),
};

describe("BER CMS (RFC 5652 over X.690 BER)", () => {
  for (const [name, options] of Object.entries(VARIANTS)) {
    it(`verifies our CMS re-encoded with ${name}`, async () => {
      const ber = berify(ours, options(ours));
      expect(bytesEqual(ber, ours)).toBe(false);
      const parsed = parseSignedData(ber);
      const info = parsed.signerInfos[0]!;
      const original = parseSignedData(ours).signerInfos[0]!;
      // RFC 5652 §5.4: the message is the DER SET OF — byte-identical to what was signed.
      expect(Buffer.from(info.signedAttributesDer!)).toEqual(Buffer.from(original.signedAttributesDer!));
      expect(Buffer.from(info.signature)).toEqual(Buffer.from(original.signature));
      expect(info.sid).toEqual(original.sid);
      expect(verifySignerInfo(info, person.certificate, digest("sha256", content))).toEqual({
        digestMatches: true,
        signatureValid: true,
        essMatches: true,
      });
      const report = await validateDetached(content, ber, {
        trustAnchors: [pki.root.certificate],
        crls: [pki.rootCrl, pki.intermediateCrl],
        offline: true,
      });
      expect(report.verdict).toBe("TOTAL_PASSED");
    });
  }

  it("the BER bytes of the signed attributes are not what was signed: the DER form is (the class this fixes)", () => {
    const ber = berify(ours, VARIANTS["indefinite signed attributes only"]!(ours));
    const node = signedAttributesOf(ber);
    expect(node.indefinite).toBe(true);
    expect(usesBerEncoding(node)).toBe(true);
    // Re-tagging the BER bytes (what a DER-only verifier does) gives a message the signature is not over.
    const retagged = node.bytes.slice();
    retagged[0] = TAG.SET;
    const signature = parseSignedData(ber).signerInfos[0]!.signature;
    expect(cryptoVerify("sha256", retagged, person.certificate.publicKey, signature)).toBe(false);
    expect(parseSignedData(ber).signerInfos[0]!.signedAttributesFromBer).toBe(true);
    expect(parseSignedData(ours).signerInfos[0]!.signedAttributesFromBer).toBeUndefined();
  });

  it("still catches a changed signed attribute in a BER CMS", () => {
    const ber = berify(ours, { keep: keepFor(ours), segmentOctetStrings: 7 });
    // Flip a byte of the messageDigest value inside its segments.
    const md = digest("sha256", content);
    const at = Buffer.from(ber).indexOf(Buffer.from(md.subarray(0, 7)));
    expect(at).toBeGreaterThan(0);
    const changed = ber.slice();
    changed[at] = (changed[at]! ^ 0x01) & 0xff;
    const info = parseSignedData(changed).signerInfos[0]!;
    const check = verifySignerInfo(info, person.certificate, md);
    expect(check.digestMatches).toBe(false);
    expect(check.signatureValid).toBe(false);
  });

  it("verifies a BER timestamp token: indefinite lengths and a segmented TSTInfo eContent", async () => {
    const token = parseSignedData(stamped).signerInfos[0]!.timestampTokens[0]!;
    const tokenCerts = parseSignedData(token).certificates.map((c) => c.der);
    const ber = berify(token, { keep: tokenCerts, segmentOctetStrings: 16 });
    const parsed = parseSignedData(ber);
    // The eContent OCTET STRING is now constructed: its joined value is the TSTInfo that was hashed.
    expect(Buffer.from(parsed.encapsulatedContent!)).toEqual(
      Buffer.from(parseSignedData(token).encapsulatedContent!),
    );
    const signature = parseSignedData(stamped).signerInfos[0]!.signature;
    const context = resolveOptions({ trustAnchors: [pki.root.certificate], offline: true });
    const result = await validateTimestampToken(ber, (hash) => digest(hash, signature), context);
    expect(result).toMatchObject({ valid: true, code: "TIMESTAMP_VALID" });
  });
});
