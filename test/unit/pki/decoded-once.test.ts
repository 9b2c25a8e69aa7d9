/**
 * The caches that make a warm verifier fast (decoded certificates by DER hash, signature checks by
 * the hash of what was verified) must answer exactly as a fresh decoding or check would.
 */
import { describe, expect, it } from "vitest";
import { parseCertificate, parseCertificates } from "../../../shared/pki/certificate.ts";
import { isSignedBy, verifySignatureValue } from "../../../shared/pki/chain.ts";
import { parseCrl } from "../../../shared/pki/crl.ts";
import { trustAnchorsFrom } from "../../../shared/pki/trust.ts";
import { testPki } from "../../support/pki.ts";

describe("decoded certificates", () => {
  it("decodes the same DER once, as a frozen certificate that keeps no view of the caller's bytes", async () => {
    const pki = await testPki();
    const der = new Uint8Array(pki.intermediate.certificate.der);
    const first = parseCertificate(der);
    expect(parseCertificate(new Uint8Array(der))).toBe(first);
    expect(parseCertificates(pki.intermediate.certPem)[0]).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.subject.attributes)).toBe(true);
    expect(() => {
      (first.extendedKeyUsage as string[]).push("1.2.3");
    }).toThrow(TypeError);
    // The caller's buffer changed afterwards: the decoded certificate did not.
    der.fill(0);
    expect(first.der[0]).toBe(0x30);
    expect(first.subject.text).toBe(pki.intermediate.certificate.subject.text);
  });

  it("never serves an entry whose bytes were changed in place for the bytes it was decoded from", async () => {
    const pki = await testPki();
    const original = new Uint8Array(pki.root.certificate.der);
    const decoded = parseCertificate(original);
    const inSignature = decoded.der.length - decoded.signatureValue.length; // inside the signature
    (decoded.der as Uint8Array)[inSignature] = decoded.der[inSignature]! ^ 0xff;
    const again = parseCertificate(original);
    expect(again).not.toBe(decoded);
    expect(again.der).toEqual(original);
  });
});

describe("decoded CRLs", () => {
  it("decodes the same CRL once, read-only, and never for other bytes", async () => {
    const pki = await testPki();
    const bytes = new Uint8Array(pki.intermediateCrl);
    const first = parseCrl(bytes);
    expect(parseCrl(new Uint8Array(bytes))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => (first.revoked as Map<string, unknown>).clear()).toThrow(TypeError);
    expect(() =>
      (first.revoked as Map<string, unknown>).delete(pki.revoked.certificate.serialNumberHex),
    ).toThrow(TypeError);
    expect(first.revoked.has(pki.revoked.certificate.serialNumberHex)).toBe(true);
    const at = first.der.length - 5; // inside the signature
    bytes[at] = bytes[at]! ^ 0xff;
    const tampered = parseCrl(bytes);
    expect(tampered).not.toBe(first);
    expect(tampered.signatureValue).not.toEqual(first.signatureValue);
  });
});

describe("signature checks by content", () => {
  it("answers for the bytes, not for the buffers: a byte changed in place is checked again", async () => {
    const pki = await testPki();
    const leaf = pki.intermediate.certificate;
    const issuer = pki.root.certificate;
    const tbs = new Uint8Array(leaf.tbsDer);
    const signature = new Uint8Array(leaf.signatureValue);
    expect(verifySignatureValue(tbs, leaf.signatureAlgorithmOid, signature, issuer.publicKey)).toBe(true);
    expect(verifySignatureValue(tbs, leaf.signatureAlgorithmOid, signature, issuer.publicKey)).toBe(true);
    signature[10] = signature[10]! ^ 1;
    expect(verifySignatureValue(tbs, leaf.signatureAlgorithmOid, signature, issuer.publicKey)).toBe(false);
    signature[10] = signature[10]! ^ 1;
    tbs[20] = tbs[20]! ^ 1;
    expect(verifySignatureValue(tbs, leaf.signatureAlgorithmOid, signature, issuer.publicKey)).toBe(false);
    // Another key, another answer; another algorithm, another answer.
    expect(isSignedBy(leaf, leaf)).toBe(false);
    expect(isSignedBy(leaf, issuer)).toBe(true);
    expect(
      verifySignatureValue(leaf.tbsDer, "1.2.840.113549.1.1.5", leaf.signatureValue, issuer.publicKey),
    ).toBe(false);
  });

  it("tells an absent AlgorithmIdentifier from an empty one (RSASSA-PSS parameters)", async () => {
    const pki = await testPki();
    const leaf = pki.intermediate.certificate;
    const key = pki.root.certificate.publicKey;
    const pss = "1.2.840.113549.1.1.10";
    const absent = verifySignatureValue(leaf.tbsDer, pss, leaf.signatureValue, key);
    const empty = verifySignatureValue(leaf.tbsDer, pss, leaf.signatureValue, key, new Uint8Array(0));
    expect(empty).toBe(false);
    expect(absent).toBe(false); // a PKCS#1 v1.5 signature is no PSS signature either way
  });
});

describe("trust anchors", () => {
  it("recognises an anchor by fingerprint, or by subject and key, and nothing else", async () => {
    const pki = await testPki();
    const anchors = trustAnchorsFrom([pki.root.certificate]);
    expect(anchors.isAnchor(parseCertificate(pki.root.certPem))).toBe(true);
    expect(anchors.isAnchor(pki.intermediate.certificate)).toBe(false);
    // Same subject, same key, other bytes (a re-issued root): an anchor.
    const reissued = { ...pki.root.certificate, sha256: "0".repeat(64) };
    expect(anchors.isAnchor(reissued)).toBe(true);
    // Same subject, another key: not an anchor.
    const impostor = {
      ...pki.root.certificate,
      sha256: "1".repeat(64),
      publicKey: pki.intermediate.certificate.publicKey,
    };
    expect(anchors.isAnchor(impostor)).toBe(false);
  });
});
