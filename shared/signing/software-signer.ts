/**
 * A Signer backed by a software key (PKCS#12 or PEM): for local use, tests and the demo PKI.
 * Private-key operations use node:crypto (about 90× faster than node-forge for RSA).
 */
import { constants, sign as cryptoSign, type KeyObject } from "node:crypto";
import { bytesEqual } from "../asn1/der.ts";
import { digest } from "../cms/algorithms.ts";
import type { Signer, SignRequest } from "../cms/ports.ts";
import { assertSupportedKey } from "../cms/signed-data.ts";
import { ExchangeError } from "../errors/index.ts";
import type { Certificate } from "../pki/certificate.ts";
import { type KeyMaterial, keyMatchesCertificate, loadPemKey, loadPkcs12 } from "../pki/keys.ts";

/**
 * Signs with a private key held in memory. RSA keys produce RSASSA-PKCS1-v1_5 values, EC keys a
 * DER ECDSA-Sig-Value (RFC 5753 §7.2).
 *
 * @example
 * const signer = SoftwareSigner.fromPkcs12(fs.readFileSync("person.p12"), "secret");
 * const cms = await createCmsSignature({ contentDigest, signer });
 */
export class SoftwareSigner implements Signer {
  readonly certificate: Certificate;
  readonly chain: readonly Certificate[];
  readonly #privateKey: KeyObject;

  /** Throws KEY_MALFORMED when the key does not belong to the certificate, KEY_UNSUPPORTED for other key types/sizes. */
  constructor(material: KeyMaterial) {
    assertSupportedKey(material.certificate);
    if (!keyMatchesCertificate(material.privateKey, material.certificate)) {
      throw new ExchangeError("KEY_MALFORMED", {
        detail: `the private key does not belong to certificate ${material.certificate.serialNumberHex}`,
      });
    }
    this.certificate = material.certificate;
    this.chain = [...material.chain];
    this.#privateKey = material.privateKey;
  }

  /** From a PKCS#12 file; throws KEY_MALFORMED on a wrong password or a damaged file. */
  static fromPkcs12(bytes: Uint8Array, password: string): SoftwareSigner {
    return new SoftwareSigner(loadPkcs12(bytes, password));
  }

  /** From a PEM private key and a PEM certificate bundle (leaf first). */
  static fromPem(keyPem: string, certificatesPem: string, passphrase?: string): SoftwareSigner {
    return new SoftwareSigner(loadPemKey(keyPem, certificatesPem, passphrase));
  }

  async sign(request: SignRequest): Promise<Uint8Array> {
    // The port carries both the message and its digest; a software key signs the message, so
    // insist that the pair is consistent, or a caller could get a signature over something else.
    if (!bytesEqual(digest(request.hashAlgorithm, request.message), request.digest)) {
      throw new ExchangeError("SIGNER_FAILED", {
        detail: `the request's digest is not the ${request.hashAlgorithm} of its message`,
      });
    }
    const key =
      this.certificate.keyType === "rsa"
        ? { key: this.#privateKey, padding: constants.RSA_PKCS1_PADDING }
        : { key: this.#privateKey, dsaEncoding: "der" as const };
    try {
      return new Uint8Array(cryptoSign(request.hashAlgorithm, request.message, key));
    } catch (error) {
      throw new ExchangeError("SIGNER_FAILED", { detail: "the software key could not sign", cause: error });
    }
  }
}
