/**
 * Object identifiers and algorithm tables for CMS (RFC 5652), CMS algorithms (RFC 5754, RFC 5758),
 * ESS (RFC 5035) and time-stamping (RFC 3161).
 */
import { createHash } from "node:crypto";
import { OID as OIDS } from "../asn1/oids.ts";

/** Digest algorithms Lienthong signs with. Verification also recognises "sha1" and "sha224". */
export type HashAlgorithm = "sha256" | "sha384" | "sha512";

export const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  contentTypeAttr: "1.2.840.113549.1.9.3",
  messageDigestAttr: "1.2.840.113549.1.9.4",
  signingTimeAttr: "1.2.840.113549.1.9.5",
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
  /** adbe-revocationInfoArchival (ISO 32000-1 §12.8.3.3.2): CRLs and OCSP answers as a signed attribute. */
  adbeRevocationInfoArchival: "1.2.840.113583.1.1.8",
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  mgf1: "1.2.840.113549.1.1.8",
  ecPublicKey: "1.2.840.10045.2.1",
} as const;

/** Digest algorithm OIDs (RFC 5754 §2; SHA-1 from RFC 3370 §2.1 for old documents). */
export const HASH_OIDS: Readonly<Record<string, string>> = {
  sha1: OIDS.sha1,
  sha224: OIDS.sha224,
  sha256: OIDS.sha256,
  sha384: OIDS.sha384,
  sha512: OIDS.sha512,
};

const HASH_NAMES_BY_OID: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(HASH_OIDS).map(([name, oid]) => [oid, name]),
);

/** ecdsa-with-SHA* (RFC 5758 §3.2). */
export const ECDSA_OIDS: Readonly<Record<string, string>> = {
  sha1: "1.2.840.10045.4.1",
  sha224: "1.2.840.10045.4.3.1",
  sha256: "1.2.840.10045.4.3.2",
  sha384: "1.2.840.10045.4.3.3",
  sha512: "1.2.840.10045.4.3.4",
};

/** sha*WithRSAEncryption (RFC 4055 §5, RFC 3370 §3.2), accepted when verifying. */
export const RSA_WITH_HASH_OIDS: Readonly<Record<string, string>> = {
  sha1: "1.2.840.113549.1.1.5",
  sha224: "1.2.840.113549.1.1.14",
  sha256: "1.2.840.113549.1.1.11",
  sha384: "1.2.840.113549.1.1.12",
  sha512: "1.2.840.113549.1.1.13",
};

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ["sha256", "sha384", "sha512"];

/** Output length in bytes. */
export const HASH_LENGTHS: Readonly<Record<string, number>> = {
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};

/** The digest algorithm name for an OID, or undefined when unknown. */
export function hashNameForOid(oid: string): string | undefined {
  return HASH_NAMES_BY_OID[oid];
}

export function isHashAlgorithm(value: unknown): value is HashAlgorithm {
  return value === "sha256" || value === "sha384" || value === "sha512";
}

/** One-shot digest with node:crypto. */
export function digest(hashAlgorithm: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hashAlgorithm).update(data).digest());
}
