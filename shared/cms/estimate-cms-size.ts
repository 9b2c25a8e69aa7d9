/**
 * Upper bound of a CMS signature's DER size, for sizing a PDF /Contents placeholder
 * (ISO 32000-1 §12.8.1: the hex string is fixed before the signature exists).
 */
import type { Certificate } from "../pki/certificate.ts";
import { encode } from "./asn1-builder.ts";
import { assembleSignedData, buildSignedAttributes, timestampAttribute } from "./signed-data.ts";

/**
 * Allowance for an RFC 3161 token from a TSA answering with certReq=true. Measured: the local
 * OpenSSL TSA sending its RSA-2048 certificate, the intermediate and the root gives 3,704 bytes;
 * public TSAs send one to three certificates of up to about 2 KB each (RSA-4096). 8 KB covers
 * both with margin.
 */
export const TIMESTAMP_ALLOWANCE = 8 * 1024;

/** Slack for lengths that grow by an octet when content crosses 128/256/65536 bytes. */
const HEADER_SLACK = 32;

/** Options of {@link estimateCmsSize}. */
export interface EstimateCmsSizeOptions {
  readonly certificate: Certificate;
  readonly chain: readonly Certificate[];
  /** Reserve room for a signature timestamp token; default false. */
  readonly timestamp?: boolean;
  /** Token size to reserve instead of {@link TIMESTAMP_ALLOWANCE} (e.g. measured from your TSA). */
  readonly timestampBytes?: number;
  /** Extra bytes for revocation data (CRLs, OCSP responses) embedded with the signature; default 0. */
  readonly revocationBytes?: number;
}

/**
 * Returns an upper bound of the DER size of a signature by this certificate and chain: the CMS
 * is assembled for real with worst-case sizes (SHA-512 digest, the largest signature value for
 * the key), then the timestamp and revocation allowances are added.
 *
 * @example
 * const bytes = estimateCmsSize({ certificate, chain, timestamp: true });
 * const placeholderHexChars = 2 * bytes;
 */
export function estimateCmsSize(options: EstimateCmsSizeOptions): number {
  const { certificate, chain } = options;
  const signedAttributes = buildSignedAttributes({ contentDigest: new Uint8Array(64), certificate });
  const signature = new Uint8Array(maxSignatureLength(certificate)).fill(0xff);
  const base = assembleSignedData({
    hashAlgorithm: "sha512",
    certificate,
    chain,
    signedAttributes,
    signature,
  }).length;
  let total = base + HEADER_SLACK;
  if (options.timestamp) {
    const tokenBytes = options.timestampBytes ?? TIMESTAMP_ALLOWANCE;
    // The attribute around the token: SEQUENCE { OID, SET { token } } inside [1].
    const wrapper = encode(timestampAttribute(new Uint8Array([0x30, 0x00]))).length - 2;
    total += tokenBytes + wrapper + 8;
  }
  total += Math.max(0, options.revocationBytes ?? 0);
  return total;
}

/** Largest DER signature value: the modulus size for RSA; an ECDSA-Sig-Value with both INTEGERs at full length plus a sign octet (RFC 5753 §7.2). */
function maxSignatureLength(certificate: Certificate): number {
  if (certificate.keyType === "rsa") {
    return Math.ceil(certificate.keySize / 8);
  }
  const fieldBytes = Math.ceil(certificate.keySize / 8);
  const integer = 2 + fieldBytes + 1;
  const content = 2 * integer;
  return content + (content < 128 ? 2 : 3);
}
