/**
 * The operator's KMS calls for the exchange's evidence key (`npm run admin:bootstrap`): its public
 * key (`kms:GetPublicKey`), so that the certificate registered for it can be checked to certify
 * that key, and a signature over a digest (`kms:Sign`) for its certification request. The SDK is
 * loaded on the first call; a `KMSClient` satisfies the client interfaces, and so does a test fake
 * (AWS KMS has no local emulator).
 */
import type { GetPublicKeyCommand, GetPublicKeyCommandOutput } from "@aws-sdk/client-kms";
import { ExchangeError } from "../shared/errors/index.ts";
import type { KmsSignClient } from "../shared/signing/kms-signer.ts";

/** The one KMS operation needed. */
export interface KmsPublicKeyClient {
  send(
    command: GetPublicKeyCommand,
  ): Promise<Pick<GetPublicKeyCommandOutput, "KeyId" | "PublicKey" | "KeyUsage" | "KeySpec">>;
}

/** A KMS key's identity and public key. */
export interface KmsPublicKey {
  /** The key's ARN, as KMS names it (whatever id, alias or ARN was asked for). */
  readonly keyArn: string;
  /** SubjectPublicKeyInfo, DER. */
  readonly spkiDer: Uint8Array;
  readonly keySpec: string;
}

/**
 * Fetches the public key of a signing key. Refuses a key that does not sign (KeyUsage other than
 * SIGN_VERIFY) with VALIDATION_FAILED; any KMS error (AccessDeniedException, NotFoundException,
 * network) becomes SIGNER_FAILED naming the key and the error.
 *
 * @example
 * const { keyArn, spkiDer } = await kmsPublicKey(new KMSClient({ region }), "alias/lienthong-evidence");
 */
export async function kmsPublicKey(client: KmsPublicKeyClient, keyId: string): Promise<KmsPublicKey> {
  const { GetPublicKeyCommand } = await import("@aws-sdk/client-kms");
  let output: Awaited<ReturnType<KmsPublicKeyClient["send"]>>;
  try {
    output = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  } catch (error) {
    const name = error instanceof Error ? error.name : "unknown error";
    throw new ExchangeError("SIGNER_FAILED", { detail: `KMS GetPublicKey of ${keyId} failed: ${name}` });
  }
  if (output.KeyUsage !== "SIGN_VERIFY") {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: `KMS key ${keyId} is not a signing key (KeyUsage ${output.KeyUsage ?? "unknown"})`,
    });
  }
  if (!output.PublicKey || !output.KeyId) {
    throw new ExchangeError("SIGNER_FAILED", {
      detail: `KMS GetPublicKey of ${keyId} returned no public key`,
    });
  }
  return { keyArn: output.KeyId, spkiDer: output.PublicKey, keySpec: output.KeySpec ?? "unknown" };
}

/**
 * Signs a SHA-256 digest with the key (MessageType DIGEST): RSASSA_PKCS1_V1_5_SHA_256 for RSA,
 * ECDSA_SHA_256 for EC. Any KMS error becomes SIGNER_FAILED naming the key and the error.
 */
export async function kmsSignDigest(
  client: KmsSignClient,
  keyId: string,
  digest: Uint8Array,
  keyType: "rsa" | "ec",
): Promise<Uint8Array> {
  const { SignCommand } = await import("@aws-sdk/client-kms");
  let signature: Uint8Array | undefined;
  try {
    ({ Signature: signature } = await client.send(
      new SignCommand({
        KeyId: keyId,
        Message: digest,
        MessageType: "DIGEST",
        SigningAlgorithm: keyType === "rsa" ? "RSASSA_PKCS1_V1_5_SHA_256" : "ECDSA_SHA_256",
      }),
    ));
  } catch (error) {
    const name = error instanceof Error ? error.name : "unknown error";
    throw new ExchangeError("SIGNER_FAILED", { detail: `KMS Sign with ${keyId} failed: ${name}` });
  }
  if (!signature) {
    throw new ExchangeError("SIGNER_FAILED", { detail: `KMS Sign with ${keyId} returned no signature` });
  }
  return signature;
}
