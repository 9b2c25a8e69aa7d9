import { createPublicKey } from "node:crypto";
import { ExchangeError } from "../errors/index.ts";
import { type Certificate, parseCertificates, toPem } from "../pki/certificate.ts";
import { buildChain, isSignedBy } from "../pki/chain.ts";
import { loadTrustAnchors } from "../pki/trust.ts";

/**
 * The organ-signer record the exchange's own evidence key is found under (functions/runtime-evidence.ts
 * reads `EXCHANGE_SIGNER_ORGAN`, default this): its certificate chain, and the KMS key it certifies.
 */
export const EXCHANGE_SIGNER_ORGAN = "exchange";

/** Options of {@link checkEvidenceCertificate}. */
export interface EvidenceCertificateOptions {
  /** SubjectPublicKeyInfo (DER) of the key that will sign (KMS GetPublicKey): the leaf must certify it. */
  readonly publicKeySpki?: Uint8Array;
  /** The exchange's trust anchors (PEM). When any, the chain must lead to one, valid at `at`. */
  readonly anchors?: readonly string[];
  /** When the leaf must be valid. */
  readonly at: Date;
}

/** A checked chain: leaf first, each certificate signed by the next, re-encoded as PEM. */
export interface EvidenceCertificate {
  readonly leaf: Certificate;
  readonly chain: readonly Certificate[];
  /** What the organ-signer record stores (`certificatesPem`). */
  readonly certificatesPem: string;
}

/**
 * Checks the certificate chain an operator registers for the exchange's evidence key before it is
 * stored: a wrong one would not fail at registration but at every receipt and seal afterwards
 * (signatures that verify against no certificate, or chains nobody trusts). Refuses with
 * CERT_MALFORMED (unreadable, or no certificate) or VALIDATION_FAILED, saying what is wrong.
 */
export function checkEvidenceCertificate(
  pem: string,
  options: EvidenceCertificateOptions,
): EvidenceCertificate {
  let certificates: Certificate[];
  try {
    certificates = parseCertificates(pem);
  } catch (cause) {
    throw new ExchangeError("CERT_MALFORMED", { detail: "the certificate chain cannot be read", cause });
  }
  const [leaf, ...chain] = certificates;
  if (!leaf) {
    throw new ExchangeError("CERT_MALFORMED", { detail: "no PEM certificate in the chain file" });
  }
  const refuse = (detail: string) => new ExchangeError("VALIDATION_FAILED", { detail });
  if (leaf.isCa) {
    throw refuse(
      `the first certificate (${leaf.subject.text}) is a CA: put the exchange's own certificate first`,
    );
  }
  if (
    leaf.keyUsage &&
    !leaf.keyUsage.some((usage) => usage === "digitalSignature" || usage === "nonRepudiation")
  ) {
    throw refuse(`the certificate (${leaf.subject.text}) does not allow signatures (keyUsage)`);
  }
  if (options.at < leaf.notBefore || options.at > leaf.notAfter) {
    throw refuse(
      `the certificate is valid from ${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()}, not now`,
    );
  }
  // KmsOrganSigners takes the first as the signer and the rest as its issuers, nearest first.
  for (const [index, certificate] of certificates.slice(0, -1).entries()) {
    const issuer = certificates[index + 1]!;
    if (!isSignedBy(certificate, issuer)) {
      throw refuse(
        `certificate ${index + 1} (${certificate.subject.text}) is not signed by the next one (${issuer.subject.text}): give the chain leaf first, each issuer after what it issued`,
      );
    }
  }
  if (options.publicKeySpki) {
    const key = createPublicKey({ key: Buffer.from(options.publicKeySpki), format: "der", type: "spki" });
    if (!leaf.publicKey.equals(key)) {
      throw refuse("the certificate is for another public key than the KMS key's");
    }
  }
  if (options.anchors && options.anchors.length > 0) {
    const result = buildChain(leaf, {
      anchors: loadTrustAnchors(options.anchors),
      pool: chain,
      at: options.at,
    });
    if (result.status !== "valid") {
      const problems = result.problems.map((problem) => problem.detail).join("; ");
      throw refuse(
        `the chain does not lead to a trust anchor of the exchange (${result.status}${problems ? `: ${problems}` : ""}): receipts signed with it would not verify`,
      );
    }
  }
  return {
    leaf,
    chain,
    certificatesPem: certificates.map((certificate) => toPem(certificate.der)).join(""),
  };
}
