/**
 * Signature verification over a digest that was computed elsewhere, for CMS SignerInfos without
 * signed attributes (RFC 5652 §5.4: the signature is then over the content digest itself, and the
 * content is a PDF's byte ranges or a file we only hash). node:crypto verifies messages, not
 * digests, so the three schemes are checked here from their definitions:
 * RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2, EMSA-PKCS1-v1_5 §9.2), RSASSA-PSS (§8.1.2, EMSA-PSS §9.1.2)
 * with the raw RSA public operation of node:crypto, and ECDSA on P-256/P-384/P-521 (FIPS 186-5
 * §6.4.2, SEC 1 §4.1.4) with bigint arithmetic. Public data only: nothing here needs to be
 * constant-time.
 */
import { constants, createHash, type KeyObject, publicDecrypt } from "node:crypto";
import {
  BER,
  bytesEqual,
  children,
  DerError,
  decodeDer,
  decodeInteger,
  decodeOid,
  expectTag,
  TAG,
} from "../asn1/der.ts";
import type { Certificate } from "../pki/certificate.ts";
import { HASH_LENGTHS, hashNameForOid } from "./algorithms.ts";

/** What {@link verifyDigestSignature} checks. */
export interface DigestSignature {
  readonly certificate: Certificate;
  /** "rsa" (PKCS#1 v1.5), "rsa-pss" or "ec" (ECDSA). */
  readonly scheme: "rsa" | "rsa-pss" | "ec";
  /** The hash `digest` was computed with (sha256 …). */
  readonly hash: string;
  readonly digest: Uint8Array;
  /** RSA: the signature octets; ECDSA: DER ECDSA-Sig-Value (RFC 5753 §7.2). */
  readonly signature: Uint8Array;
  /** RSASSA-PSS salt length (RFC 4055 §3.1); the MGF1 hash is `hash`. */
  readonly saltLength?: number;
}

/**
 * True when `signature` is a valid signature over the precomputed `digest` with the
 * certificate's key; false for anything else (wrong key type, malformed values), never a throw.
 *
 * @example
 * verifyDigestSignature({ certificate, scheme: "rsa", hash: "sha256", digest, signature });
 */
export function verifyDigestSignature(input: DigestSignature): boolean {
  if (input.digest.length !== digestLength(input.hash)) {
    return false;
  }
  try {
    const { certificate } = input;
    if (input.scheme === "ec") {
      return (
        certificate.keyType === "ec" && verifyEcdsa(certificate.publicKey, input.digest, input.signature)
      );
    }
    if (certificate.keyType !== "rsa") {
      return false;
    }
    return input.scheme === "rsa"
      ? verifyPkcs1(certificate, input.hash, input.digest, input.signature)
      : verifyPss(certificate, input.hash, input.digest, input.signature, input.saltLength ?? 20);
  } catch (error) {
    if (error instanceof DerError || error instanceof RangeError || isCryptoError(error)) {
      return false;
    }
    throw error;
  }
}

function digestLength(hash: string): number | undefined {
  return HASH_LENGTHS[hash];
}

function isCryptoError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string";
}

/**
 * The DigestInfo { digestAlgorithm, digest } an RSASSA-PKCS1-v1_5 signature value carries
 * (RFC 8017 §8.2.2 steps 2–3, §9.2), or undefined when the value was not made by this key in that
 * scheme (bad padding, trailing bytes). Lets a caller tell "signed, but another digest" (the
 * content changed) from "not a signature of this key".
 *
 * @example
 * const recovered = recoverPkcs1Digest(certificate, signature); // { hash: "sha256", digest }
 */
export function recoverPkcs1Digest(
  certificate: Certificate,
  signature: Uint8Array,
): { readonly hash: string | undefined; readonly digest: Uint8Array } | undefined {
  if (certificate.keyType !== "rsa") {
    return undefined;
  }
  try {
    const recovered = publicDecrypt(
      { key: certificate.publicKey, padding: constants.RSA_PKCS1_PADDING },
      signature,
    );
    // decodeDer refuses trailing bytes: nothing may follow the DigestInfo.
    const digestInfo = decodeDer(recovered);
    const [algorithm, value] = children(expectTag(digestInfo, TAG.SEQUENCE, "DigestInfo"));
    const [oid] = children(expectTag(algorithm, TAG.SEQUENCE, "AlgorithmIdentifier"));
    return {
      hash: hashNameForOid(decodeOid(expectTag(oid, TAG.OID, "digest OID"))),
      digest: new Uint8Array(expectTag(value, TAG.OCTET_STRING, "digest").content),
    };
  } catch (error) {
    if (error instanceof DerError || isCryptoError(error)) {
      return undefined;
    }
    throw error;
  }
}

function verifyPkcs1(
  certificate: Certificate,
  hash: string,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const recovered = recoverPkcs1Digest(certificate, signature);
  return recovered !== undefined && recovered.hash === hash && bytesEqual(recovered.digest, digest);
}

/** MGF1 (RFC 8017 Appendix B.2.1). */
function mgf1(hash: string, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  for (let offset = 0, i = 0; offset < length; i++) {
    new DataView(counter.buffer).setUint32(0, i);
    const block = createHash(hash).update(seed).update(counter).digest();
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
  }
  return out;
}

/** RSASSA-PSS-VERIFY with EMSA-PSS-VERIFY (RFC 8017 §8.1.2, §9.1.2), MGF1 with the same hash. */
function verifyPss(
  certificate: Certificate,
  hash: string,
  mHash: Uint8Array,
  signature: Uint8Array,
  saltLength: number,
): boolean {
  const modBits = certificate.keySize;
  const k = Math.ceil(modBits / 8);
  if (signature.length !== k) {
    return false;
  }
  const m = publicDecrypt({ key: certificate.publicKey, padding: constants.RSA_NO_PADDING }, signature);
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  // I2OSP(m, emLen): when emLen < k the leading octet must be zero.
  if (m.length - emLen > 0 && m.subarray(0, m.length - emLen).some((b) => b !== 0)) {
    return false;
  }
  const em = m.subarray(m.length - emLen);
  const hLen = mHash.length;
  if (emLen < hLen + saltLength + 2 || em[emLen - 1] !== 0xbc) {
    return false;
  }
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topBits = 8 * emLen - emBits;
  const topMask = (0xff << (8 - topBits)) & 0xff;
  if (((maskedDb[0] as number) & topMask) !== 0) {
    return false;
  }
  const db = mgf1(hash, h, maskedDb.length).map((b, i) => b ^ (maskedDb[i] as number));
  db[0] = (db[0] as number) & ~topMask;
  const psLength = emLen - hLen - saltLength - 2;
  if (db.subarray(0, psLength).some((b) => b !== 0) || db[psLength] !== 0x01) {
    return false;
  }
  const salt = db.subarray(db.length - saltLength);
  const expected = createHash(hash).update(new Uint8Array(8)).update(mHash).update(salt).digest();
  return bytesEqual(new Uint8Array(expected), h);
}

// ---------------------------------------------------------------------------------------------
// ECDSA (FIPS 186-5 §6.4.2) on the NIST prime curves, a = −3 (SEC 2 §2.4–2.6)

interface Curve {
  readonly p: bigint;
  readonly n: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
}

const CURVES: Readonly<Record<string, Curve>> = {
  "P-256": {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  "P-384": {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
  "P-521": {
    p: (1n << 521n) - 1n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    gx: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
  },
};

/** A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity. */
type Jacobian = readonly [bigint, bigint, bigint];

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) {
      result = (result * b) % m;
    }
    b = (b * b) % m;
  }
  return result;
}

/** Inverse modulo a prime (Fermat). */
function invert(a: bigint, m: bigint): bigint {
  return modPow(a, m - 2n, m);
}

function double(point: Jacobian, p: bigint): Jacobian {
  const [x, y, z] = point;
  if (z === 0n || y === 0n) {
    return [0n, 1n, 0n];
  }
  // a = −3: alpha = 3(X − Z²)(X + Z²).
  const delta = (z * z) % p;
  const gamma = (y * y) % p;
  const beta = (x * gamma) % p;
  const alpha = mod(3n * (x - delta) * (x + delta), p);
  const x3 = mod(alpha * alpha - 8n * beta, p);
  const z3 = mod((y + z) * (y + z) - gamma - delta, p);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, p);
  return [x3, y3, z3];
}

function add(a: Jacobian, b: Jacobian, p: bigint): Jacobian {
  if (a[2] === 0n) {
    return b;
  }
  if (b[2] === 0n) {
    return a;
  }
  const [x1, y1, z1] = a;
  const [x2, y2, z2] = b;
  const z1z1 = (z1 * z1) % p;
  const z2z2 = (z2 * z2) % p;
  const u1 = (x1 * z2z2) % p;
  const u2 = (x2 * z1z1) % p;
  const s1 = (((y1 * z2) % p) * z2z2) % p;
  const s2 = (((y2 * z1) % p) * z1z1) % p;
  if (u1 === u2) {
    return s1 === s2 ? double(a, p) : [0n, 1n, 0n];
  }
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  const hh = (h * h) % p;
  const hhh = (hh * h) % p;
  const x3 = mod(r * r - hhh - 2n * u1 * hh, p);
  const y3 = mod(r * (u1 * hh - x3) - s1 * hhh, p);
  const z3 = (((h * z1) % p) * z2) % p;
  return [x3, y3, z3];
}

/** u1·G + u2·Q in one double-and-add pass (Shamir's trick). */
function twoScalarMultiply(u1: bigint, g: Jacobian, u2: bigint, q: Jacobian, p: bigint): Jacobian {
  const both = add(g, q, p);
  let result: Jacobian = [0n, 1n, 0n];
  const bits = Math.max(u1.toString(2).length, u2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    result = double(result, p);
    const a = (u1 >> BigInt(i)) & 1n;
    const b = (u2 >> BigInt(i)) & 1n;
    if (a && b) {
      result = add(result, both, p);
    } else if (a) {
      result = add(result, g, p);
    } else if (b) {
      result = add(result, q, p);
    }
  }
  return result;
}

function bigintOf(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function verifyEcdsa(key: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  const jwk = key.export({ format: "jwk" });
  const curve = CURVES[jwk.crv ?? ""];
  if (!curve || !jwk.x || !jwk.y) {
    return false;
  }
  const { p, n } = curve;
  const [rNode, sNode, ...rest] = children(
    expectTag(decodeDer(signature, BER), TAG.SEQUENCE, "ECDSA-Sig-Value"),
  );
  if (!rNode || !sNode || rest.length > 0) {
    return false;
  }
  const r = decodeInteger(expectTag(rNode, TAG.INTEGER, "r"));
  const s = decodeInteger(expectTag(sNode, TAG.INTEGER, "s"));
  if (r < 1n || r >= n || s < 1n || s >= n) {
    return false;
  }
  // e: the leftmost bitlen(n) bits of the digest (FIPS 186-5 §6.4.2 step 3).
  const nBits = n.toString(2).length;
  let e = bigintOf(digest);
  if (digest.length * 8 > nBits) {
    e >>= BigInt(digest.length * 8 - nBits);
  }
  const w = invert(s, n);
  const u1 = (e * w) % n;
  const u2 = (r * w) % n;
  const q: Jacobian = [
    bigintOf(new Uint8Array(Buffer.from(jwk.x, "base64url"))),
    bigintOf(new Uint8Array(Buffer.from(jwk.y, "base64url"))),
    1n,
  ];
  const point = twoScalarMultiply(u1, [curve.gx, curve.gy, 1n], u2, q, p);
  if (point[2] === 0n) {
    return false;
  }
  const zInverse = invert(point[2], p);
  const x = (point[0] * ((zInverse * zInverse) % p)) % p;
  return x % n === r;
}
