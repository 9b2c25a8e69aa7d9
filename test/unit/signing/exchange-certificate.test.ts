/**
 * The check of the exchange's evidence certificate chain before it becomes organ signer `exchange`
 * (shared/signing/exchange-certificate.ts): only a leaf-first chain, each certificate signed by
 * the next, whose leaf is valid, may sign, certifies the KMS key and leads to the exchange's trust
 * anchors is accepted.
 */
import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority } from "../../../devkit/pki.ts";
import { isExchangeError } from "../../../shared/errors/index.ts";
import { parseCertificates, toPem } from "../../../shared/pki/certificate.ts";
import { checkEvidenceCertificate } from "../../../shared/signing/exchange-certificate.ts";
import {
  AT,
  type EvidencePki,
  evidencePki,
  exchangeCertificate,
  NOT_AFTER,
  spkiOf,
} from "../../support/evidence-pki.ts";

let pki: EvidencePki;

beforeAll(async () => {
  pki = await evidencePki();
});

/** The code and detail of the refusal, or "accepted". */
function outcome(pem: string, options: Partial<Parameters<typeof checkEvidenceCertificate>[1]> = {}): string {
  try {
    checkEvidenceCertificate(pem, { at: AT, ...options });
    return "accepted";
  } catch (error) {
    if (isExchangeError(error)) {
      return `${error.code}: ${error.detail}`;
    }
    throw error;
  }
}

describe("checkEvidenceCertificate", () => {
  it("accepts the CA's chain for the KMS key, re-encoded leaf first", () => {
    const checked = checkEvidenceCertificate(`junk before\n${pki.chainPem}\ntrailing`, {
      at: AT,
      publicKeySpki: spkiOf(pki.keyPair),
      anchors: [pki.root.certPem],
    });

    expect(checked.leaf.sha256).toBe(pki.leaf.certificate.sha256);
    expect(checked.chain.map((c) => c.sha256)).toEqual([
      pki.intermediate.certificate.sha256,
      pki.root.certificate.sha256,
    ]);
    expect(parseCertificates(checked.certificatesPem).map((c) => c.sha256)).toEqual([
      pki.leaf.certificate.sha256,
      pki.intermediate.certificate.sha256,
      pki.root.certificate.sha256,
    ]);
    expect(checked.certificatesPem).not.toContain("junk");
  });

  it("accepts the leaf alone, and a chain that stops below the anchor", () => {
    expect(outcome(pki.leaf.certPem)).toBe("accepted");
    expect(outcome(pki.leaf.certPem + pki.intermediate.certPem, { anchors: [pki.root.certPem] })).toBe(
      "accepted",
    );
  });

  it("refuses a certificate for another key than the KMS key's", () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });

    expect(outcome(pki.chainPem, { publicKeySpki: spkiOf(other) })).toMatch(
      /^VALIDATION_FAILED: .*another public key/,
    );
  });

  it("accepts only the leaf-first order of the chain", () => {
    const [leaf, intermediate, root] = [pki.leaf.certPem, pki.intermediate.certPem, pki.root.certPem];
    const orders = [
      [leaf, root, intermediate],
      [intermediate, leaf, root],
      [intermediate, root, leaf],
      [root, leaf, intermediate],
      [root, intermediate, leaf],
    ];
    for (const order of orders) {
      expect(outcome(order.join(""))).toMatch(/^VALIDATION_FAILED: /);
    }
    expect(outcome([leaf, intermediate, root].join(""))).toBe("accepted");
  });

  it("refuses a leaf that is expired, not yet valid, a CA, or may not sign", async () => {
    const expired = await exchangeCertificate(pki.intermediate, pki.keyPair, {
      notAfter: new Date("2026-01-01Z"),
    });
    const future = await exchangeCertificate(pki.intermediate, pki.keyPair, {
      notBefore: new Date("2027-01-01Z"),
    });
    const ca = await exchangeCertificate(pki.intermediate, pki.keyPair, { isCa: true });
    const encipher = await exchangeCertificate(pki.intermediate, pki.keyPair, {
      keyUsage: ["keyEncipherment"],
    });

    expect(outcome(expired.certPem)).toMatch(/^VALIDATION_FAILED: .*not now/);
    expect(outcome(future.certPem)).toMatch(/^VALIDATION_FAILED: .*not now/);
    expect(outcome(pki.leaf.certPem, { at: new Date(NOT_AFTER.getTime() + 1000) })).toMatch(/not now/);
    expect(outcome(ca.certPem)).toMatch(/^VALIDATION_FAILED: .*is a CA/);
    expect(outcome(encipher.certPem)).toMatch(/^VALIDATION_FAILED: .*keyUsage/);
  });

  it("refuses a chain leading to none of the exchange's trust anchors", async () => {
    const stranger = await createCertificateAuthority({
      subject: { commonName: "Another Root CA" },
      keyType: "ec-p256",
      notBefore: new Date("2025-01-01Z"),
      notAfter: NOT_AFTER,
    });

    expect(outcome(pki.chainPem, { anchors: [stranger.certPem] })).toMatch(
      /^VALIDATION_FAILED: .*trust anchor of the exchange \(no-chain/,
    );
    expect(outcome(pki.chainPem, { anchors: [stranger.certPem, pki.root.certPem] })).toBe("accepted");
  });

  it("refuses unreadable text and text without a certificate", () => {
    expect(outcome("")).toMatch(/^CERT_MALFORMED: /);
    expect(outcome("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")).toMatch(
      /^CERT_MALFORMED: /,
    );
  });

  it("refuses the chain when any byte of the leaf's signature is changed", () => {
    const der = pki.leaf.certificate.der;
    const signatureStart = der.length - pki.leaf.certificate.signatureValue.length;
    fc.assert(
      fc.property(
        fc.integer({ min: signatureStart, max: der.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (index, flip) => {
          const changed = new Uint8Array(der);
          changed[index]! ^= flip;
          const result = outcome(toPem(changed) + pki.intermediate.certPem);
          expect(result).toMatch(/^(VALIDATION_FAILED|CERT_MALFORMED): /);
        },
      ),
      { numRuns: 50 },
    );
  });
});
