import { constants, generateKeyPairSync, type KeyObject, privateEncrypt } from "node:crypto";
import {
  type CertificateIssuer,
  createCertificateAuthority,
  type IssuedCertificate,
  issueCertificate,
} from "../../devkit/pki.ts";
import type { KeyUsage } from "../../shared/pki/certificate.ts";

/**
 * A province CA (root → intermediate) and a certificate it issues for a given key pair, as for the
 * exchange's KMS evidence key: the chain files `admin:bootstrap --exchange-certificate` takes.
 */
export interface EvidencePki {
  readonly root: IssuedCertificate;
  readonly intermediate: IssuedCertificate;
  /** The "KMS key": RSA 2048 like the stack's evidence key. */
  readonly keyPair: ReturnType<typeof generateKeyPairSync>;
  /** The exchange's certificate for `keyPair`. */
  readonly leaf: IssuedCertificate;
  /** leaf, intermediate, root as one PEM text (what the CA hands over). */
  readonly chainPem: string;
}

export const NOT_BEFORE = new Date("2025-01-01T00:00:00Z");
export const NOT_AFTER = new Date("2035-01-01T00:00:00Z");
export const AT = new Date("2026-06-01T00:00:00Z");

export async function evidencePki(name = "Lienthong Test"): Promise<EvidencePki> {
  const validity = { notBefore: NOT_BEFORE, notAfter: NOT_AFTER };
  const root = await createCertificateAuthority({
    subject: { commonName: `${name} Root CA`, organization: name },
    keyType: "ec-p256",
    ...validity,
  });
  const intermediate = await createCertificateAuthority({
    subject: { commonName: `${name} Issuing CA`, organization: name },
    keyType: "ec-p256",
    parent: root,
    ...validity,
  });
  const keyPair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const leaf = await exchangeCertificate(intermediate, keyPair);
  return { root, intermediate, keyPair, leaf, chainPem: leaf.certPem + intermediate.certPem + root.certPem };
}

/** A certificate for the exchange from `issuer` for `keyPair`. */
export function exchangeCertificate(
  issuer: CertificateIssuer,
  keyPair: EvidencePki["keyPair"],
  options: { notBefore?: Date; notAfter?: Date; keyUsage?: readonly KeyUsage[]; isCa?: boolean } = {},
): Promise<IssuedCertificate> {
  return issueCertificate(issuer, {
    subject: { commonName: "Sàn liên thông văn bản tỉnh Thử", organization: "Văn phòng UBND tỉnh Thử" },
    keyPair,
    notBefore: options.notBefore ?? NOT_BEFORE,
    notAfter: options.notAfter ?? NOT_AFTER,
    ...(options.keyUsage ? { keyUsage: options.keyUsage } : {}),
    ...(options.isCa ? { isCa: true } : {}),
  });
}

/** The key's SubjectPublicKeyInfo, DER, as KMS GetPublicKey returns it. */
export function spkiOf(keyPair: EvidencePki["keyPair"]): Uint8Array {
  return new Uint8Array(keyPair.publicKey.export({ type: "spki", format: "der" }));
}

/**
 * What KMS Sign returns for RSASSA_PKCS1_V1_5_SHA_256 over a digest (MessageType DIGEST): the
 * DigestInfo of SHA-256, PKCS#1 v1.5 type-1 padded, raised to the private exponent.
 */
export function rsaSignSha256Digest(privateKey: KeyObject, digest: Uint8Array): Uint8Array {
  const digestInfo = Buffer.concat([Buffer.from("3031300d060960864801650304020105000420", "hex"), digest]);
  return new Uint8Array(
    privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo),
  );
}
