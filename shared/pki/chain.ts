/**
 * Certification path building and validation (RFC 5280 §6, simplified to what a letter exchange
 * needs): from a signer certificate through a pool of candidate issuers (the CMS certificates plus
 * configured extras) to a trust anchor, checking each signature with node:crypto, basicConstraints
 * (cA, pathLenConstraint), keyCertSign on issuers, and validity at the validation time.
 */
import {
  createHash,
  constants as cryptoConstants,
  verify as cryptoVerify,
  type KeyObject,
} from "node:crypto";
import { bytesEqual, children, decodeDer, decodeOid, decodeSmallInteger } from "../asn1/der.ts";
import { OID } from "../asn1/oids.ts";
import type { Certificate } from "./certificate.ts";
import type { TrustAnchors } from "./trust.ts";

const RSA_HASHES: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.113549.1.1.14": "sha224",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  // rsaEncryption used as a signature algorithm by some CMS producers (hash from the digestAlgorithm)
};
const ECDSA_HASHES: Readonly<Record<string, string>> = {
  "1.2.840.10045.4.1": "sha1",
  "1.2.840.10045.4.3.1": "sha224",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
};
const HASH_OIDS: Readonly<Record<string, string>> = {
  [OID.sha1]: "sha1",
  [OID.sha224]: "sha224",
  [OID.sha256]: "sha256",
  [OID.sha384]: "sha384",
  [OID.sha512]: "sha512",
};
const OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
/** Extensions this validator processes or that carry no constraint for it (RFC 5280 §4.2). */
const PROCESSED_EXTENSIONS = new Set([
  "2.5.29.14", // subjectKeyIdentifier
  "2.5.29.15", // keyUsage
  "2.5.29.17", // subjectAltName
  "2.5.29.19", // basicConstraints
  "2.5.29.31", // cRLDistributionPoints
  "2.5.29.32", // certificatePolicies (any policy accepted)
  "2.5.29.35", // authorityKeyIdentifier
  "2.5.29.37", // extKeyUsage
  "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
  "1.3.6.1.5.5.7.1.3", // qcStatements
  "1.3.6.1.5.5.7.48.1.5", // id-pkix-ocsp-nocheck
]);

/** RFC 4055 §3.1 RSASSA-PSS-params: hash (default SHA-1) and salt length (default 20). */
function pssParameters(algorithmDer: Uint8Array | undefined): { hash: string; saltLength: number } {
  let hash = "sha1";
  let saltLength = 20;
  if (!algorithmDer) {
    return { hash, saltLength };
  }
  const params = children(decodeDer(algorithmDer))[1];
  if (!params?.constructed) {
    return { hash, saltLength };
  }
  for (const field of children(params)) {
    const inner = children(field)[0];
    if (!inner) {
      continue;
    }
    if (field.tag === 0xa0) {
      const oid = decodeOid(children(inner)[0]!);
      hash = HASH_OIDS[oid] ?? oid;
    } else if (field.tag === 0xa2) {
      saltLength = decodeSmallInteger(inner);
    }
  }
  return { hash, saltLength };
}

/**
 * Verifies a signature value over `data` with node:crypto: RSASSA-PKCS1-v1_5 and ECDSA (DER
 * Ecdsa-Sig-Value) with SHA-1/224/256/384/512, and RSASSA-PSS (RFC 4055, parameters from
 * `algorithmDer`, the whole AlgorithmIdentifier). Unknown algorithms and garbage give `false`, never
 * an exception.
 *
 * @example
 * verifySignatureValue(cert.tbsDer, cert.signatureAlgorithmOid, cert.signatureValue, issuer.publicKey);
 */
export function verifySignatureValue(
  data: Uint8Array,
  algorithmOid: string,
  signature: Uint8Array,
  publicKey: KeyObject,
  algorithmDer?: Uint8Array,
): boolean {
  let known = verified.get(publicKey);
  if (!known) {
    known = new Map();
    verified.set(publicKey, known);
  }
  // With the lengths in the key, the hash of data ‖ signature names both exactly.
  const digest = createHash("sha256").update(data).update(signature).digest("base64");
  const algorithm = algorithmDer ? Buffer.from(algorithmDer).toString("base64") : "-";
  const key = `${algorithmOid} ${algorithm} ${data.length} ${signature.length} ${digest}`;
  let result = known.get(key);
  if (result === undefined) {
    result = verifyUncached(data, algorithmOid, signature, publicKey, algorithmDer);
    if (known.size >= MAX_VERIFIED_PER_KEY) {
      known.clear();
    }
    known.set(key, result);
  }
  return result;
}

/**
 * Answers of {@link verifyUncached} per key object, by the SHA-256 of what was verified: the same
 * CA certificates and CRLs are checked with the same CA keys letter after letter, and an RSA or
 * ECDSA verification costs about ten times the hash. The answer is a function of exactly what the
 * key names (algorithm, parameters, lengths, hash of the bytes) and the key, so it cannot differ
 * from a fresh check.
 */
const verified = new WeakMap<KeyObject, Map<string, boolean>>();
const MAX_VERIFIED_PER_KEY = 4096;
function verifyUncached(
  data: Uint8Array,
  algorithmOid: string,
  signature: Uint8Array,
  publicKey: KeyObject,
  algorithmDer?: Uint8Array,
): boolean {
  try {
    const rsaHash = RSA_HASHES[algorithmOid];
    if (rsaHash) {
      return publicKey.asymmetricKeyType === "rsa" && cryptoVerify(rsaHash, data, publicKey, signature);
    }
    const ecHash = ECDSA_HASHES[algorithmOid];
    if (ecHash) {
      return publicKey.asymmetricKeyType === "ec" && cryptoVerify(ecHash, data, publicKey, signature);
    }
    if (algorithmOid === OID_RSASSA_PSS) {
      const { hash, saltLength } = pssParameters(algorithmDer);
      return cryptoVerify(
        hash,
        data,
        { key: publicKey, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength },
        signature,
      );
    }
    return false;
  } catch {
    return false;
  }
}

/** The outer signatureAlgorithm AlgorithmIdentifier of a certificate (for RSASSA-PSS parameters). */
function certificateSignatureAlgorithmDer(certificate: Certificate): Uint8Array | undefined {
  if (certificate.signatureAlgorithmOid !== OID_RSASSA_PSS) {
    return undefined;
  }
  return children(decodeDer(certificate.der))[1]?.bytes;
}

/** True when `issuer`'s key verifies `certificate`'s signature (RFC 5280 §6.1.3 (a)(1)). */
export function isSignedBy(certificate: Certificate, issuer: Certificate): boolean {
  return verifySignatureValue(
    certificate.tbsDer,
    certificate.signatureAlgorithmOid,
    certificate.signatureValue,
    issuer.publicKey,
    certificateSignatureAlgorithmDer(certificate),
  );
}

/** Issuer candidate by name (RFC 5280 §4.1.2.4, compared as DER) and, when both are present, AKI = SKI. */
export function couldHaveIssued(issuer: Certificate, certificate: Certificate): boolean {
  if (!bytesEqual(issuer.subjectDer, certificate.issuerDer)) {
    return false;
  }
  if (certificate.authorityKeyIdentifier && issuer.subjectKeyIdentifier) {
    return certificate.authorityKeyIdentifier === issuer.subjectKeyIdentifier;
  }
  return true;
}

export type ChainProblemCode =
  | "NO_PATH_TO_TRUST_ANCHOR"
  | "ISSUER_NOT_CA"
  | "ISSUER_KEY_USAGE"
  | "PATH_LENGTH_EXCEEDED"
  | "UNKNOWN_CRITICAL_EXTENSION"
  | "CERT_EXPIRED"
  | "CERT_NOT_YET_VALID";

export interface ChainProblem {
  readonly code: ChainProblemCode;
  /** sha256 of the certificate concerned. */
  readonly certificate: string;
  readonly detail: string;
}

export interface ChainResult {
  /**
   * `valid`: a path to an anchor whose constraints and validity hold at `at`. `no-chain`: no path
   * (ETSI NO_CERTIFICATE_CHAIN_FOUND). `constraints-failure`: a path, but a CA constraint fails
   * (CHAIN_CONSTRAINTS_FAILURE). `expired` / `not-yet-valid`: a path whose certificates are outside
   * their validity at `at` (problems say which certificate).
   */
  readonly status: "valid" | "no-chain" | "constraints-failure" | "expired" | "not-yet-valid";
  /** Leaf first, trust anchor last; just the leaf when no path was found. */
  readonly path: readonly Certificate[];
  readonly problems: readonly ChainProblem[];
}

export interface BuildChainOptions {
  readonly anchors: TrustAnchors;
  /** Candidate intermediates: CMS certificates, configured extras. Order does not matter. */
  readonly pool?: readonly Certificate[];
  /** Time at which validity is judged. */
  readonly at: Date;
  /** Longest path tried, anchors included; default 8. */
  readonly maxLength?: number;
}

function findPaths(
  certificate: Certificate,
  options: BuildChainOptions,
  candidates: readonly Certificate[],
  path: Certificate[],
  results: Certificate[][],
): void {
  if (results.length >= 4 || path.length > (options.maxLength ?? 8)) {
    return;
  }
  if (options.anchors.isAnchor(certificate)) {
    results.push([...path]);
    return;
  }
  for (const candidate of candidates) {
    if (path.some((seen) => seen.sha256 === candidate.sha256)) {
      continue;
    }
    if (!couldHaveIssued(candidate, certificate) || !isSignedBy(certificate, candidate)) {
      continue;
    }
    path.push(candidate);
    findPaths(candidate, options, candidates, path, results);
    path.pop();
  }
}

function constraintProblems(path: readonly Certificate[], at: Date): ChainProblem[] {
  const problems: ChainProblem[] = [];
  // Issuers: every certificate after the leaf (RFC 5280 §6.1.4 (k), (l), (m), (n)).
  let nonSelfIssuedBelow = 0;
  for (let i = 1; i < path.length; i++) {
    const issuer = path[i]!;
    const below = path[i - 1]!;
    if (i > 1 && !bytesEqual(below.subjectDer, below.issuerDer)) {
      nonSelfIssuedBelow++;
    }
    if (!issuer.isCa) {
      problems.push({
        code: "ISSUER_NOT_CA",
        certificate: issuer.sha256,
        detail: `${issuer.subject.text} is not a CA (basicConstraints cA false or absent)`,
      });
    }
    if (issuer.keyUsage !== undefined && !issuer.keyUsage.includes("keyCertSign")) {
      problems.push({
        code: "ISSUER_KEY_USAGE",
        certificate: issuer.sha256,
        detail: `${issuer.subject.text} lacks keyUsage keyCertSign`,
      });
    }
    if (issuer.pathLength !== undefined && nonSelfIssuedBelow > issuer.pathLength) {
      problems.push({
        code: "PATH_LENGTH_EXCEEDED",
        certificate: issuer.sha256,
        detail: `${issuer.subject.text} allows ${issuer.pathLength} intermediate CA(s) below it, found ${nonSelfIssuedBelow}`,
      });
    }
  }
  for (const certificate of path) {
    // RFC 5280 §4.2: a certificate with a critical extension the validator does not process is rejected.
    const unknown = certificate.extensions.filter((e) => e.critical && !PROCESSED_EXTENSIONS.has(e.oid));
    if (unknown.length > 0) {
      problems.push({
        code: "UNKNOWN_CRITICAL_EXTENSION",
        certificate: certificate.sha256,
        detail: `${certificate.subject.text} has critical extension(s) ${unknown.map((e) => e.oid).join(", ")} this validator does not process`,
      });
    }
    if (certificate.notAfter.getTime() < at.getTime()) {
      problems.push({
        code: "CERT_EXPIRED",
        certificate: certificate.sha256,
        detail: `${certificate.subject.text} expired ${certificate.notAfter.toISOString()}, validation time ${at.toISOString()}`,
      });
    } else if (certificate.notBefore.getTime() > at.getTime()) {
      problems.push({
        code: "CERT_NOT_YET_VALID",
        certificate: certificate.sha256,
        detail: `${certificate.subject.text} is valid from ${certificate.notBefore.toISOString()}, validation time ${at.toISOString()}`,
      });
    }
  }
  return problems;
}

function statusOf(problems: readonly ChainProblem[]): ChainResult["status"] {
  if (
    problems.some(
      (p) =>
        p.code === "ISSUER_NOT_CA" ||
        p.code === "ISSUER_KEY_USAGE" ||
        p.code === "PATH_LENGTH_EXCEEDED" ||
        p.code === "UNKNOWN_CRITICAL_EXTENSION",
    )
  ) {
    return "constraints-failure";
  }
  if (problems.some((p) => p.code === "CERT_EXPIRED")) {
    return "expired";
  }
  if (problems.some((p) => p.code === "CERT_NOT_YET_VALID")) {
    return "not-yet-valid";
  }
  return "valid";
}

/**
 * Builds a certification path from `leaf` to one of `options.anchors` and validates it at
 * `options.at`. When several paths exist the one with the fewest problems wins.
 *
 * @example
 * const result = buildChain(signer, { anchors, pool: cms.certificates, at: new Date() });
 * if (result.status === "no-chain") { ... }
 */
export function buildChain(leaf: Certificate, options: BuildChainOptions): ChainResult {
  const seen = new Set<string>();
  const candidates: Certificate[] = [];
  for (const certificate of [...(options.pool ?? []), ...options.anchors.certificates]) {
    if (!seen.has(certificate.sha256)) {
      seen.add(certificate.sha256);
      candidates.push(certificate);
    }
  }
  const paths: Certificate[][] = [];
  findPaths(leaf, options, candidates, [leaf], paths);
  if (paths.length === 0) {
    return {
      status: "no-chain",
      path: [leaf],
      problems: [
        {
          code: "NO_PATH_TO_TRUST_ANCHOR",
          certificate: leaf.sha256,
          detail: `no path from ${leaf.subject.text} (issuer ${leaf.issuer.text}) to a configured trust anchor`,
        },
      ],
    };
  }
  let best: ChainResult | undefined;
  for (const path of paths) {
    const problems = constraintProblems(path, options.at);
    const result: ChainResult = { status: statusOf(problems), path, problems };
    if (!best || problems.length < best.problems.length) {
      best = result;
    }
  }
  return best!;
}
