import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { bytesEqual, DerError } from "../asn1/der.ts";
import { ExchangeError } from "../errors/index.ts";
import { type Certificate, parseCertificate, parseCertificates } from "./certificate.ts";
import { Pkcs12PasswordError, readPkcs12 } from "./pkcs12.ts";

/** A private key with its certificate and the issuers to embed in signatures. */
export interface KeyMaterial {
  readonly privateKey: KeyObject;
  readonly certificate: Certificate;
  /** Issuers, leaf excluded, nearest first. */
  readonly chain: readonly Certificate[];
}

/**
 * Loads a PKCS#12 (.p12/.pfx) file with an RSA or EC key. The leaf is the certificate whose public
 * key matches the private key; the chain is ordered leaf → root by issuer/subject, and any other
 * certificates in the file follow in file order. Throws `ExchangeError` KEY_MALFORMED for a wrong
 * password, a damaged file, or a file without a matching key and certificate.
 *
 * @example
 * const { privateKey, certificate, chain } = loadPkcs12(fs.readFileSync("signer.p12"), "secret");
 */
export function loadPkcs12(bytes: Uint8Array, password: string): KeyMaterial {
  let contents: ReturnType<typeof readPkcs12>;
  try {
    contents = readPkcs12(bytes, password);
  } catch (error) {
    if (error instanceof Pkcs12PasswordError) {
      throw new ExchangeError("KEY_MALFORMED", { detail: error.message, cause: error });
    }
    const reason =
      error instanceof DerError || error instanceof Error ? error.message : "unreadable structure";
    throw new ExchangeError("KEY_MALFORMED", {
      detail: `not a readable PKCS#12 file: ${reason}`,
      cause: error,
    });
  }
  if (contents.keys.length === 0) {
    throw new ExchangeError("KEY_MALFORMED", { detail: "the PKCS#12 file holds no private key" });
  }
  const certificates = contents.certificates.map((entry) => parseCertificate(entry.der));
  const privateKeys = contents.keys.map((entry) => {
    try {
      return createPrivateKey({ key: Buffer.from(entry.pkcs8Der), format: "der", type: "pkcs8" });
    } catch (error) {
      throw new ExchangeError("KEY_MALFORMED", {
        detail: "the PKCS#12 private key is not a readable PKCS#8 key",
        cause: error,
      });
    }
  });
  for (const privateKey of privateKeys) {
    const leaf = findLeaf(privateKey, certificates);
    if (leaf) {
      return { privateKey, certificate: leaf, chain: orderChain(leaf, certificates) };
    }
  }
  throw new ExchangeError("KEY_MALFORMED", {
    detail: `none of the ${certificates.length} certificates in the PKCS#12 file matches its private key`,
  });
}

/**
 * Loads a PEM private key (PKCS#8, PKCS#1 or SEC1; optionally encrypted) and a PEM certificate
 * bundle (leaf first; the leaf is checked against the key). Throws KEY_MALFORMED for an unreadable
 * key or a wrong passphrase, CERT_MALFORMED for unreadable certificates.
 *
 * @example
 * const material = loadPemKey(fs.readFileSync("tsa.key.pem", "utf8"), fs.readFileSync("tsa.pem", "utf8"));
 */
export function loadPemKey(keyPem: string, certificatesPem: string, passphrase?: string): KeyMaterial {
  // Only the key block: SEC1 files often carry an "EC PARAMETERS" block first.
  const block = /-----BEGIN ((?:ENCRYPTED |RSA |EC )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/.exec(keyPem);
  if (!block) {
    throw new ExchangeError("KEY_MALFORMED", { detail: "expected a PEM PRIVATE KEY block, found none" });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(
      passphrase === undefined
        ? { key: block[0], format: "pem" }
        : { key: block[0], format: "pem", passphrase: Buffer.from(passphrase, "utf8") },
    );
  } catch (error) {
    throw new ExchangeError("KEY_MALFORMED", {
      detail: `the ${block[1]} cannot be read${passphrase === undefined ? " (encrypted without a passphrase?)" : " (wrong passphrase?)"}`,
      cause: error,
    });
  }
  const certificates = parseCertificates(certificatesPem);
  if (certificates.length === 0) {
    throw new ExchangeError("CERT_MALFORMED", {
      detail: "expected at least one PEM CERTIFICATE block, found none",
    });
  }
  const leaf = findLeaf(privateKey, certificates);
  if (!leaf) {
    throw new ExchangeError("KEY_MALFORMED", {
      detail: `none of the ${certificates.length} certificates matches the private key`,
    });
  }
  return { privateKey, certificate: leaf, chain: orderChain(leaf, certificates) };
}

/** Whether a private key belongs to a certificate (compares the public keys). */
export function keyMatchesCertificate(privateKey: KeyObject, certificate: Certificate): boolean {
  return createPublicKey(privateKey).equals(certificate.publicKey);
}

function findLeaf(privateKey: KeyObject, certificates: readonly Certificate[]): Certificate | undefined {
  return certificates.find((certificate) => keyMatchesCertificate(privateKey, certificate));
}

/** Whether `issuer` plausibly issued `subject` (RFC 5280 §4.1.2.4 name chaining, and key ids if both are present). */
function issues(issuer: Certificate, subject: Certificate): boolean {
  if (!bytesEqual(issuer.subjectDer, subject.issuerDer)) {
    return false;
  }
  if (issuer.subjectKeyIdentifier !== undefined && subject.authorityKeyIdentifier !== undefined) {
    return issuer.subjectKeyIdentifier === subject.authorityKeyIdentifier;
  }
  return true;
}

/** The issuers of `leaf` found in `pool`, nearest first, then the unrelated rest in pool order. */
function orderChain(leaf: Certificate, pool: readonly Certificate[]): Certificate[] {
  const remaining = pool.filter((c) => c.sha256 !== leaf.sha256);
  const chain: Certificate[] = [];
  let current = leaf;
  for (;;) {
    // A self-signed certificate ends the path.
    if (bytesEqual(current.subjectDer, current.issuerDer)) {
      break;
    }
    const index = remaining.findIndex((candidate) => issues(candidate, current));
    if (index < 0) {
      break;
    }
    const next = remaining.splice(index, 1)[0] as Certificate;
    chain.push(next);
    current = next;
  }
  const seen = new Set(chain.map((c) => c.sha256));
  for (const c of remaining) {
    if (!seen.has(c.sha256)) {
      seen.add(c.sha256);
      chain.push(c);
    }
  }
  return chain;
}
