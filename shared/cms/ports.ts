/**
 * The ports CMS building needs: Signer and Tsa. Their adapters live in shared/signing/
 * (SoftwareSigner, KmsSigner, HttpTsa); shared/signing re-exports these types.
 *
 * The Signer port: digest in, signature out. A software key, AWS KMS, a USB token behind a local
 * plugin or a CA's remote-signing service all fit behind it; the private key never leaves it.
 */

import type { Certificate } from "../pki/certificate.ts";
import type { HashAlgorithm } from "./algorithms.ts";

export type { HashAlgorithm };

/** What a signer is asked to sign: the DER signed attributes of a CMS SignerInfo and their digest. */
export interface SignRequest {
  readonly hashAlgorithm: HashAlgorithm;
  /** Digest of `message`: what remote signers (KMS, USB token, remote signing service) sign. */
  readonly digest: Uint8Array;
  /** The DER-encoded signed attributes the digest is of (a few hundred bytes, no document content). */
  readonly message: Uint8Array;
}

/**
 * The Signer port.
 *
 * @example
 * const signer = SoftwareSigner.fromPkcs12(p12Bytes, password);
 * const cms = await createCmsSignature({ contentDigest, signer });
 */
export interface Signer {
  /** The signer's certificate (from shared/pki). */
  readonly certificate: Certificate;
  /** Issuers, nearest first, to embed in the CMS. */
  readonly chain: readonly Certificate[];
  /** DER signature value: RSASSA-PKCS1-v1_5 bytes, or a DER ECDSA-Sig-Value. */
  sign(request: SignRequest): Promise<Uint8Array>;
}

/**
 * The time-stamping port (RFC 3161). `HttpTsa` in shared/signing/http-tsa.ts is the network adapter;
 * tests use the local OpenSSL-backed TSA of the dev kit through it.
 *
 * @example
 * const tsa = new HttpTsa({ url: "http://localhost:3180/tsa" });
 * const token = await tsa.timestamp(sha256(signatureValue), "sha256");
 */
export interface Tsa {
  /**
   * Returns a DER TimeStampToken (a ContentInfo with SignedData over a TSTInfo, RFC 3161 §2.4.2)
   * whose messageImprint is `messageImprint` under `hashAlgorithm`.
   */
  timestamp(messageImprint: Uint8Array, hashAlgorithm: HashAlgorithm): Promise<Uint8Array>;
}
