/**
 * A PKCS#10 certification request (RFC 2986) for a key that never leaves AWS KMS (the exchange's
 * evidence key): the CA wants the request signed by the key it is to certify (proof of
 * possession), so the signature is asked of a callback over the digest. Written on the project's
 * DER writer because the usual CSR builders want the private key in the process.
 */
import { createHash, createPublicKey } from "node:crypto";
import {
  encodeBitString,
  encodeImplicit,
  encodeInteger,
  encodeNull,
  encodeOid,
  encodeSequence,
} from "../asn1/der.ts";
import { OID } from "../asn1/oids.ts";
import { ExchangeError } from "../errors/index.ts";
import { encodeName, type NameOptions } from "../pki/name.ts";

/** Options of {@link createCertificationRequest}. */
export interface CertificationRequestOptions {
  readonly subject: NameOptions;
  /** SubjectPublicKeyInfo, DER (KMS GetPublicKey). */
  readonly spkiDer: Uint8Array;
  /**
   * Signs a SHA-256 digest with the key: RSASSA-PKCS1-v1_5 bytes for RSA, a DER ECDSA-Sig-Value
   * for P-256 (KMS RSASSA_PKCS1_V1_5_SHA_256 / ECDSA_SHA_256, MessageType DIGEST).
   */
  readonly signDigest: (digest: Uint8Array, keyType: "rsa" | "ec") => Promise<Uint8Array>;
}

/**
 * The DER CertificationRequest: version 0, the subject, the key, no attributes, signed with
 * sha256WithRSAEncryption or ecdsa-with-SHA256. Refuses other keys with VALIDATION_FAILED.
 *
 * @example
 * const der = await createCertificationRequest({ subject: { commonName: "Sàn liên thông" }, spkiDer, signDigest });
 */
export async function createCertificationRequest(options: CertificationRequestOptions): Promise<Uint8Array> {
  const key = createPublicKey({ key: Buffer.from(options.spkiDer), format: "der", type: "spki" });
  const keyType = key.asymmetricKeyType === "rsa" ? "rsa" : key.asymmetricKeyType === "ec" ? "ec" : undefined;
  if (!keyType || (keyType === "ec" && key.asymmetricKeyDetails?.namedCurve !== "prime256v1")) {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: "a certification request is made for RSA and P-256 keys only",
    });
  }
  const info = encodeSequence(
    encodeInteger(0),
    encodeName(options.subject),
    // Re-encoded by Node: the exact SubjectPublicKeyInfo DER, whatever form it came in.
    new Uint8Array(key.export({ type: "spki", format: "der" })),
    encodeImplicit(0, new Uint8Array(), true), // attributes: an empty SET
  );
  // RFC 4055 §5: NULL parameters for RSA; RFC 5758 §3.2: none for ECDSA.
  const algorithm =
    keyType === "rsa"
      ? encodeSequence(encodeOid(OID.sha256WithRSAEncryption), encodeNull())
      : encodeSequence(encodeOid(OID.ecdsaWithSha256));
  const signature = await options.signDigest(createHash("sha256").update(info).digest(), keyType);
  return encodeSequence(info, algorithm, encodeBitString(signature));
}
