/**
 * A Signer backed by an asymmetric AWS KMS key (the only file of the core that touches an AWS
 * SDK). KMS signs the digest (MessageType DIGEST), so no content or attributes leave the process;
 * the SDK is loaded on the first signature, so importing this module stays cheap.
 */
import type { SignCommand, SignCommandOutput, SigningAlgorithmSpec } from "@aws-sdk/client-kms";
import type { Signer, SignRequest } from "../cms/ports.ts";
import { ExchangeError } from "../errors/index.ts";
import type { Certificate } from "../pki/certificate.ts";

/** The one KMS operation the signer needs; a `KMSClient` satisfies it, and so does a test fake. */
export interface KmsSignClient {
  send(command: SignCommand): Promise<Pick<SignCommandOutput, "Signature">>;
}

/** Options of {@link KmsSigner}. */
export interface KmsSignerOptions {
  readonly client: KmsSignClient;
  /** Key id, key ARN, alias name or alias ARN. */
  readonly keyId: string;
  /** The certificate issued for the KMS key's public key. */
  readonly certificate: Certificate;
  /** Issuers, nearest first; default none. */
  readonly chain?: readonly Certificate[];
}

const RSA_ALGORITHMS: Readonly<Record<SignRequest["hashAlgorithm"], SigningAlgorithmSpec>> = {
  sha256: "RSASSA_PKCS1_V1_5_SHA_256",
  sha384: "RSASSA_PKCS1_V1_5_SHA_384",
  sha512: "RSASSA_PKCS1_V1_5_SHA_512",
};

const ECDSA_ALGORITHMS: Readonly<Record<SignRequest["hashAlgorithm"], SigningAlgorithmSpec>> = {
  sha256: "ECDSA_SHA_256",
  sha384: "ECDSA_SHA_384",
  sha512: "ECDSA_SHA_512",
};

/**
 * Signs with `kms:Sign` over the digest. KMS returns RSASSA-PKCS1-v1_5 bytes or a DER
 * ECDSA-Sig-Value, exactly what CMS stores. Any KMS error (AccessDeniedException,
 * KMSInvalidStateException, throttling, network) becomes SIGNER_FAILED.
 *
 * @example
 * const signer = new KmsSigner({ client: new KMSClient({}), keyId: "alias/organ-seal", certificate, chain });
 * const cms = await createCmsSignature({ contentDigest, signer });
 */
export class KmsSigner implements Signer {
  readonly certificate: Certificate;
  readonly chain: readonly Certificate[];
  readonly keyId: string;
  readonly #client: KmsSignClient;

  constructor(options: KmsSignerOptions) {
    this.certificate = options.certificate;
    this.chain = [...(options.chain ?? [])];
    this.keyId = options.keyId;
    this.#client = options.client;
  }

  /** The KMS SigningAlgorithm for this key and digest. */
  signingAlgorithm(hashAlgorithm: SignRequest["hashAlgorithm"]): SigningAlgorithmSpec {
    return (this.certificate.keyType === "ec" ? ECDSA_ALGORITHMS : RSA_ALGORITHMS)[hashAlgorithm];
  }

  async sign(request: SignRequest): Promise<Uint8Array> {
    const { SignCommand } = await import("@aws-sdk/client-kms");
    const command = new SignCommand({
      KeyId: this.keyId,
      Message: request.digest,
      MessageType: "DIGEST",
      SigningAlgorithm: this.signingAlgorithm(request.hashAlgorithm),
    });
    let output: Pick<SignCommandOutput, "Signature">;
    try {
      output = await this.#client.send(command);
    } catch (error) {
      const name = error instanceof Error ? error.name : "unknown error";
      throw new ExchangeError("SIGNER_FAILED", {
        detail: `KMS Sign with key ${this.keyId} failed: ${name}`,
        cause: error,
      });
    }
    if (!output.Signature || output.Signature.length === 0) {
      throw new ExchangeError("SIGNER_FAILED", {
        detail: `KMS Sign with key ${this.keyId} returned no signature`,
      });
    }
    return new Uint8Array(output.Signature);
  }
}
