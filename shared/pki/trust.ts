/**
 * Trust anchors: the root (or intermediate) certificates a deployment trusts, e.g. the national root
 * CAs, or the tests' own root. RFC 5280 §6.1.1 (d): an anchor is a name and a public key; a certificate
 * counts as an anchor when it is the same certificate, or has the same subject and the same key (a
 * root re-issued with new dates).
 */

import { ExchangeError } from "../errors/index.ts";
import type { Certificate } from "./certificate.ts";
import { parseCertificates } from "./certificate.ts";

export interface TrustAnchors {
  readonly certificates: readonly Certificate[];
  /** True when `certificate` is one of the anchors (same sha256, or same subject DER and key). */
  isAnchor(certificate: Certificate): boolean;
}

/** The key as node:crypto re-encodes it (so that two encodings of one key compare equal), per certificate. */
const spkiHexes = new WeakMap<Certificate, string>();

function spkiHex(certificate: Certificate): string {
  let hex = spkiHexes.get(certificate);
  if (hex === undefined) {
    hex = certificate.publicKey.export({ type: "spki", format: "der" }).toString("hex");
    if (Object.isFrozen(certificate)) {
      spkiHexes.set(certificate, hex);
    }
  }
  return hex;
}

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

/**
 * Trust anchors from parsed certificates.
 *
 * @example
 * const anchors = trustAnchorsFrom([root.certificate]);
 */
export function trustAnchorsFrom(certificates: readonly Certificate[]): TrustAnchors {
  const byFingerprint = new Set(certificates.map((c) => c.sha256));
  // Subject first: a key is compared (and re-encoded) only for a certificate named like an anchor.
  const keysBySubject = new Map<string, Certificate[]>();
  for (const anchor of certificates) {
    const subject = hex(anchor.subjectDer);
    keysBySubject.set(subject, [...(keysBySubject.get(subject) ?? []), anchor]);
  }
  const frozen = Object.freeze([...certificates]);
  return Object.freeze({
    certificates: frozen,
    isAnchor(certificate: Certificate): boolean {
      if (byFingerprint.has(certificate.sha256)) {
        return true;
      }
      const named = keysBySubject.get(hex(certificate.subjectDer));
      return named?.some((anchor) => spkiHex(anchor) === spkiHex(certificate)) ?? false;
    },
  });
}

/**
 * Trust anchors from one or more PEM bundles (each may hold several certificates). Throws
 * ExchangeError TRUST_ANCHORS_MISSING when the bundles hold no certificate at all, CERT_MALFORMED
 * when one cannot be read.
 *
 * @example
 * const anchors = loadTrustAnchors(await readFile("national-roots.pem", "utf8"));
 */
export function loadTrustAnchors(pem: string | readonly string[]): TrustAnchors {
  const bundles = typeof pem === "string" ? [pem] : pem;
  // The same bundles come with every letter a caller verifies: read them once (by their exact text).
  const key = JSON.stringify(bundles);
  let anchors = loaded.get(key);
  if (!anchors) {
    anchors = readTrustAnchors(bundles);
    loaded.set(key, anchors);
    if (loaded.size > 16) {
      loaded.delete(loaded.keys().next().value!);
    }
  }
  return anchors;
}

const loaded = new Map<string, TrustAnchors>();

function readTrustAnchors(bundles: readonly string[]): TrustAnchors {
  const certificates = bundles.flatMap((bundle) => parseCertificates(bundle));
  if (certificates.length === 0) {
    throw new ExchangeError("TRUST_ANCHORS_MISSING", {
      detail: `expected at least one PEM CERTIFICATE block in ${bundles.length} trust bundle(s), found none`,
    });
  }
  return trustAnchorsFrom(certificates);
}
