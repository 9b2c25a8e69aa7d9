/**
 * Certificate revocation lists (RFC 5280 §5): parsing, checking against the issuing CA, and a small
 * in-memory cache keyed by distribution-point URL that honours `nextUpdate`.
 *
 * CRLs of national CAs can run to megabytes, so they are walked with the PKI package's DER reader over
 * the `Uint8Array` itself (no forge binary string); the exact `tbsCertList` bytes the CA signed are
 * a view of the DER.
 */

import { createHash } from "node:crypto";
import {
  bytesEqual,
  bytesToHex,
  children,
  type DerElement,
  decodeBoolean,
  decodeDer,
  decodeOid,
  decodeTime,
  expectTag,
  integerHex,
  readElement,
  TAG,
} from "../asn1/der.ts";
import { ExchangeError } from "../errors/index.ts";
import type { Certificate } from "./certificate.ts";
import { verifySignatureValue } from "./chain.ts";

/** RFC 5280 §5.3.1 CRLReason names, indexed by their ENUMERATED value. */
export const CRL_REASONS = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "certificateHold",
  "unused",
  "removeFromCRL",
  "privilegeWithdrawn",
  "aACompromise",
] as const;

export interface RevokedEntry {
  readonly serialNumberHex: string;
  readonly revocationDate: Date;
  /** RFC 5280 §5.3.1 reason name, when the entry carries the reasonCode extension. */
  readonly reason?: string;
}

/** A parsed CRL. Bytes are views of `der`: a private copy of the input, or the input itself above 4 MiB. */
export interface Crl {
  readonly der: Uint8Array;
  /** TBSCertList exactly as signed. */
  readonly tbsDer: Uint8Array;
  readonly signatureAlgorithmOid: string;
  /** The whole AlgorithmIdentifier, DER (for RSASSA-PSS parameters). */
  readonly signatureAlgorithmDer: Uint8Array;
  readonly signatureValue: Uint8Array;
  readonly issuerDer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** Revoked certificates by lowercase serial hex. */
  readonly revoked: ReadonlyMap<string, RevokedEntry>;
  readonly crlNumber?: string;
  /** Lowercase hex, from the CRL's authorityKeyIdentifier extension. */
  readonly authorityKeyIdentifier?: string;
  /** A delta CRL (RFC 5280 §5.2.4): not usable on its own. */
  readonly isDelta: boolean;
  /** OIDs of critical CRL extensions this parser does not understand (RFC 5280 §5.2: then unusable). */
  readonly unknownCriticalExtensions: readonly string[];
}

const OID_REASON_CODE = "2.5.29.21";
const OID_CRL_NUMBER = "2.5.29.20";
const OID_AKI = "2.5.29.35";
const OID_DELTA = "2.5.29.27";
const OID_IDP = "2.5.29.28";
const OID_INVALIDITY_DATE = "2.5.29.24";
const OID_CERTIFICATE_ISSUER = "2.5.29.29";
const KNOWN_CRITICAL = new Set([OID_DELTA, OID_IDP, OID_CRL_NUMBER, OID_AKI]);

function isTime(element: DerElement | undefined): element is DerElement {
  return element !== undefined && (element.tag === TAG.UTC_TIME || element.tag === TAG.GENERALIZED_TIME);
}

/** The RFC 5280 §5.3.1 reason name of an ENUMERATED CRLReason. */
export function reasonName(element: DerElement): string {
  expectTag(element, TAG.ENUMERATED, "CRLReason");
  const code = element.content[element.content.length - 1] ?? 0;
  return CRL_REASONS[code] ?? `reason-${code}`;
}

interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue content: the DER of the value. */
  readonly value: Uint8Array;
}

function extensionsOf(list: DerElement): Extension[] {
  return children(expectTag(list, TAG.SEQUENCE, "Extensions")).map((extension) => {
    const parts = children(expectTag(extension, TAG.SEQUENCE, "Extension"));
    const last = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, "extnValue");
    return {
      oid: decodeOid(parts[0]!),
      critical: parts.length === 3 && decodeBoolean(parts[1]!),
      value: last.content,
    };
  });
}

/** Converts a PEM CRL ("X509 CRL") to DER, or returns DER input unchanged. */
function crlDer(input: Uint8Array | string): Uint8Array {
  if (typeof input !== "string" && input[0] === 0x30) {
    return input;
  }
  const text = typeof input === "string" ? input : Buffer.from(input).toString("latin1");
  const match = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(text);
  if (!match) {
    throw new ExchangeError("CRL_MALFORMED", {
      detail: "expected DER or a PEM 'X509 CRL' block, found neither",
    });
  }
  return new Uint8Array(Buffer.from(match[1]!.replace(/\s+/g, ""), "base64"));
}

/**
 * Parses a CRL (RFC 5280 §5.1), DER or PEM. Throws ExchangeError CRL_MALFORMED.
 *
 * @example
 * const crl = parseCrl(await readFile("intermediate.crl"));
 * crl.revoked.has(certificate.serialNumberHex);
 */
export function parseCrl(input: Uint8Array | string): Crl {
  const der = crlDer(input);
  if (der.length > MAX_DECODED_BYTES) {
    return decodeCrl(der);
  }
  const sha256 = createHash("sha256").update(der).digest("hex");
  const known = decoded.get(sha256);
  if (known && bytesEqual(known.der, der)) {
    return known;
  }
  const crl = Object.freeze(decodeCrl(new Uint8Array(der)));
  decoded.delete(sha256);
  decoded.set(sha256, crl);
  if (decoded.size > MAX_DECODED) {
    decoded.delete(decoded.keys().next().value!);
  }
  return crl;
}

/**
 * CRLs already decoded, by the SHA-256 of their DER: a verifier given the CAs' CRLs (`--crl`, a warm
 * Lambda's configuration) decodes the same ones for every letter. Entries are frozen, their list
 * of revoked certificates read-only, and they hold their own copy of the DER; a hit counts only when
 * those bytes equal the input's. CRLs above {@link MAX_DECODED_BYTES} are decoded every time over
 * the caller's bytes, uncopied, as before.
 */
const decoded = new Map<string, Crl>();
const MAX_DECODED = 32;
const MAX_DECODED_BYTES = 4 * 1024 * 1024;

/** A Map that refuses changes once built. */
class ReadonlyEntries<K, V> extends Map<K, V> {
  #locked = false;
  lock(): this {
    this.#locked = true;
    return this;
  }
  override set(key: K, value: V): this {
    if (this.#locked) {
      throw new TypeError("a decoded CRL's entries are read-only");
    }
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    if (this.#locked) {
      throw new TypeError("a decoded CRL's entries are read-only");
    }
    return super.delete(key);
  }
  override clear(): void {
    if (this.#locked) {
      throw new TypeError("a decoded CRL's entries are read-only");
    }
    super.clear();
  }
}

function decodeCrl(der: Uint8Array): Crl {
  try {
    const outer = expectTag(decodeDer(der), TAG.SEQUENCE, "CertificateList");
    const [tbs, algorithm, signature] = children(outer);
    const tbsElement = expectTag(tbs, TAG.SEQUENCE, "TBSCertList");
    const algorithmElement = expectTag(algorithm, TAG.SEQUENCE, "signatureAlgorithm");
    const bitString = expectTag(signature, TAG.BIT_STRING, "signatureValue");
    const algorithmOid = decodeOid(expectTag(children(algorithmElement)[0], TAG.OID, "algorithm"));

    const fields = children(tbsElement);
    let index = 0;
    if (fields[index]?.tag === TAG.INTEGER) {
      index++; // version v2
    }
    expectTag(fields[index++], TAG.SEQUENCE, "TBSCertList.signature");
    const issuer = expectTag(fields[index++], TAG.SEQUENCE, "issuer");
    const thisUpdateElement = fields[index++];
    if (!isTime(thisUpdateElement)) {
      throw new Error("expected thisUpdate");
    }
    const thisUpdate = decodeTime(thisUpdateElement);
    let nextUpdate: Date | undefined;
    if (isTime(fields[index])) {
      nextUpdate = decodeTime(fields[index]!);
      index++;
    }
    const revoked = new ReadonlyEntries<string, RevokedEntry>();
    if (fields[index]?.tag === TAG.SEQUENCE) {
      // Walk the entries one by one rather than materialising the whole list first (large CRLs).
      const list = fields[index]!;
      for (let offset = 0; offset < list.content.length; ) {
        const entry = readElement(list.content, offset);
        offset = entry.end;
        const [serial, date, extensions] = children(expectTag(entry, TAG.SEQUENCE, "revokedCertificate"));
        const serialNumberHex = integerHex(expectTag(serial, TAG.INTEGER, "userCertificate"));
        if (!isTime(date)) {
          throw new Error("expected revocationDate");
        }
        let reason: string | undefined;
        if (extensions) {
          for (const extension of extensionsOf(extensions)) {
            if (extension.oid === OID_REASON_CODE) {
              reason = reasonName(decodeDer(extension.value));
            } else if (
              extension.critical &&
              extension.oid !== OID_INVALIDITY_DATE &&
              extension.oid !== OID_CERTIFICATE_ISSUER
            ) {
              throw new Error(`unknown critical entry extension ${extension.oid}`);
            }
          }
        }
        revoked.set(
          serialNumberHex,
          Object.freeze({
            serialNumberHex,
            revocationDate: decodeTime(date),
            ...(reason ? { reason } : {}),
          }),
        );
      }
      index++;
    }
    let crlNumber: string | undefined;
    let authorityKeyIdentifier: string | undefined;
    let isDelta = false;
    const unknownCriticalExtensions: string[] = [];
    if (fields[index]?.tag === 0xa0) {
      for (const extension of extensionsOf(children(fields[index]!)[0]!)) {
        if (extension.oid === OID_CRL_NUMBER) {
          crlNumber = integerHex(decodeDer(extension.value));
        } else if (extension.oid === OID_AKI) {
          const keyId = children(decodeDer(extension.value)).find((child) => child.tag === 0x80);
          if (keyId) {
            authorityKeyIdentifier = bytesToHex(keyId.content);
          }
        } else if (extension.oid === OID_DELTA) {
          isDelta = true;
        }
        if (extension.critical && !KNOWN_CRITICAL.has(extension.oid)) {
          unknownCriticalExtensions.push(extension.oid);
        }
      }
    }
    return {
      der,
      tbsDer: tbsElement.bytes,
      signatureAlgorithmOid: algorithmOid,
      signatureAlgorithmDer: algorithmElement.bytes,
      // BIT STRING: the first content octet counts unused bits (0 for signatures).
      signatureValue: bitString.content.subarray(1),
      issuerDer: issuer.bytes,
      thisUpdate,
      ...(nextUpdate ? { nextUpdate } : {}),
      revoked: revoked.lock(),
      ...(crlNumber ? { crlNumber } : {}),
      ...(authorityKeyIdentifier ? { authorityKeyIdentifier } : {}),
      isDelta,
      unknownCriticalExtensions: Object.freeze(unknownCriticalExtensions),
    };
  } catch (cause) {
    if (cause instanceof ExchangeError) {
      throw cause;
    }
    throw new ExchangeError("CRL_MALFORMED", {
      detail: `expected an RFC 5280 CertificateList: ${(cause as Error).message}`,
      cause,
    });
  }
}

/** Why a CRL cannot be used to decide about a certificate. */
export type CrlProblem =
  | "issuer-mismatch"
  | "signature-invalid"
  | "not-yet-valid"
  | "stale"
  | "delta-crl"
  | "unknown-critical-extension";

export interface CrlCheck {
  /** Usable: signed by `issuer`, current at `at`, a complete CRL. */
  readonly usable: boolean;
  readonly problems: readonly CrlProblem[];
  /** The certificate's entry, when listed (reported even for a stale CRL: a revocation stays a fact). */
  readonly entry?: RevokedEntry;
}

/**
 * Checks whether `crl` was issued by `issuer` (name and, when both carry it, key identifier; RFC 5280
 * §6.3.3 (f)), verifies its signature with the issuer's key, whether it is current at `at`
 * (thisUpdate ≤ at ≤ nextUpdate, §6.3.3 (a)), and looks up `certificate`'s serial.
 *
 * @example
 * const { usable, entry } = checkCrl(crl, leaf, intermediate, new Date());
 */
export function checkCrl(crl: Crl, certificate: Certificate, issuer: Certificate, at: Date): CrlCheck {
  const problems: CrlProblem[] = [];
  const nameMatches =
    bytesEqual(crl.issuerDer, issuer.subjectDer) && bytesEqual(certificate.issuerDer, crl.issuerDer);
  const keyMatches =
    !crl.authorityKeyIdentifier ||
    !issuer.subjectKeyIdentifier ||
    crl.authorityKeyIdentifier === issuer.subjectKeyIdentifier;
  if (!nameMatches || !keyMatches) {
    return { usable: false, problems: ["issuer-mismatch"] };
  }
  // RFC 5280 §6.3.3 (f): the CRL issuer must be allowed to sign CRLs.
  if (
    !verifySignatureValue(
      crl.tbsDer,
      crl.signatureAlgorithmOid,
      crl.signatureValue,
      issuer.publicKey,
      crl.signatureAlgorithmDer,
    ) ||
    (issuer.keyUsage !== undefined && !issuer.keyUsage.includes("cRLSign"))
  ) {
    return { usable: false, problems: ["signature-invalid"] };
  }
  if (crl.thisUpdate.getTime() > at.getTime()) {
    problems.push("not-yet-valid");
  }
  if (crl.nextUpdate && crl.nextUpdate.getTime() < at.getTime()) {
    problems.push("stale");
  }
  if (crl.isDelta) {
    problems.push("delta-crl");
  }
  if (crl.unknownCriticalExtensions.length > 0) {
    problems.push("unknown-critical-extension");
  }
  const entry = crl.revoked.get(certificate.serialNumberHex);
  return { usable: problems.length === 0, problems, ...(entry ? { entry } : {}) };
}

/**
 * In-memory CRL cache keyed by URL. An entry is served until its `nextUpdate` (or for `maxAgeMs` when
 * the CRL has none), so a warm Lambda or a long CLI run fetches each CA's CRL once per publication.
 *
 * @example
 * const cache = new CrlCache();
 * cache.put(url, crl); cache.get(url, new Date());
 */
export class CrlCache {
  readonly #entries = new Map<string, { readonly crl: Crl; readonly storedAt: number }>();
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;

  /** @param options.maxAgeMs lifetime of CRLs without nextUpdate, default 1 hour; maxEntries default 64. */
  constructor(options: { readonly maxAgeMs?: number; readonly maxEntries?: number } = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 3_600_000;
    this.#maxEntries = options.maxEntries ?? 64;
  }

  get(url: string, at: Date): Crl | undefined {
    const entry = this.#entries.get(url);
    if (!entry) {
      return undefined;
    }
    const expires = entry.crl.nextUpdate?.getTime() ?? entry.storedAt + this.#maxAgeMs;
    if (at.getTime() > expires) {
      this.#entries.delete(url);
      return undefined;
    }
    return entry.crl;
  }

  put(url: string, crl: Crl, now: Date = new Date()): void {
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) {
        this.#entries.delete(oldest);
      }
    }
    this.#entries.set(url, { crl, storedAt: now.getTime() });
  }

  clear(): void {
    this.#entries.clear();
  }
}
