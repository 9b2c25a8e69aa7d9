/**
 * A generator for demo and test PKIs: CAs, end-entity certificates, CRLs and PKCS#12 files.
 * Structures are written with the DER writer in `der.ts`, keys and signatures come from
 * node:crypto, so RSA and EC take one path (node-forge cannot build EC certificates).
 *
 * Never use these certificates for anything real: the keys live in files next to them.
 */
import { createHash, generateKeyPair, type KeyObject, randomBytes, sign } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  children,
  type DerElement,
  decodeBitString,
  decodeDer,
  encodeBitString,
  encodeBoolean,
  encodeEnumerated,
  encodeExplicit,
  encodeIa5String,
  encodeImplicit,
  encodeInteger,
  encodeNamedBits,
  encodeNull,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeTime,
  hexToBytes,
} from "../shared/asn1/der.ts";
import { OID } from "../shared/asn1/oids.ts";
import {
  type Certificate,
  KEY_USAGE_BITS,
  type KeyUsage,
  parseCertificate,
  toPem,
} from "../shared/pki/certificate.ts";
import { CRL_REASONS } from "../shared/pki/crl.ts";
import { encodeName, type NameOptions } from "../shared/pki/name.ts";
import { writePkcs12 } from "../shared/pki/pkcs12.ts";
import type { DemoKeyType, DemoPkiManifest } from "../shared/pki/pki-directory.ts";

const generateKeyPairAsync = promisify(generateKeyPair);

/** The directory format (shared/pki/pki-directory.ts), re-exported for the dev kit's users. */
export type { DemoKeyType, DemoPkiManifest };

/** Anything that can sign certificates and CRLs: a certificate and its private key. */
export interface CertificateIssuer {
  readonly certificate: Certificate;
  readonly privateKey: KeyObject;
  /** The issuer's own issuers, nearest first (empty for a root). */
  readonly chain: readonly Certificate[];
}

/** A generated certificate with its key. */
export interface IssuedCertificate extends CertificateIssuer {
  readonly keyType: DemoKeyType;
  /** Unencrypted PKCS#8 PEM. */
  readonly keyPem: string;
  readonly certPem: string;
}

/** Default CRL base URL: CRLs are served as `<base>/root-ca.crl` and `<base>/intermediate-ca.crl`. */
export const DEFAULT_CRL_BASE_URL = "http://127.0.0.1:8790";
/** Default OCSP responder URL (an `openssl ocsp -port 8791` responder answers on any path). */
export const DEFAULT_OCSP_URL = "http://127.0.0.1:8791";
/** Default PKCS#12 password of the demo PKI. */
export const DEFAULT_DEMO_PASSWORD = "lienthong-demo";

/**
 * Generates a key pair on the libuv thread pool (so several run in parallel).
 *
 * @example
 * const { privateKey } = await generateDemoKey("ec-p256");
 */
export async function generateDemoKey(
  keyType: DemoKeyType,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  switch (keyType) {
    case "rsa-2048":
    case "rsa-3072":
    case "rsa-4096":
      return generateKeyPairAsync("rsa", { modulusLength: Number(keyType.slice(4)) });
    case "ec-p256":
      return generateKeyPairAsync("ec", { namedCurve: "P-256" });
    case "ec-p384":
      return generateKeyPairAsync("ec", { namedCurve: "P-384" });
    default:
      throw new Error(`unknown key type ${String(keyType)}`);
  }
}

/** Options of {@link issueCertificate}. */
export interface IssueCertificateOptions {
  readonly subject: NameOptions;
  /** Default "rsa-2048". Ignored when `keyPair` is given. */
  readonly keyType?: DemoKeyType;
  /** Reuse an existing key pair (e.g. to re-certify a key). Default: a new one. */
  readonly keyPair?: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Default: nonRepudiation + digitalSignature for end entities, keyCertSign + cRLSign for CAs. */
  readonly keyUsage?: readonly KeyUsage[];
  /** EKU OIDs. Default none (extension absent). */
  readonly extendedKeyUsage?: readonly string[];
  /** Mark the EKU extension critical (RFC 3161 §2.3 requires it for TSAs). Default false. */
  readonly criticalEku?: boolean;
  /** CRL distribution point URL. Default none. */
  readonly crlUrl?: string;
  /** OCSP URL in the authorityInfoAccess extension. Default none. */
  readonly ocspUrl?: string;
  /** caIssuers URL in the authorityInfoAccess extension. Default none. */
  readonly caIssuersUrl?: string;
  /** Issue a CA certificate (basicConstraints cA, critical). Default false. */
  readonly isCa?: boolean;
  /** pathLenConstraint of a CA. Default none. */
  readonly pathLength?: number;
  /** Add id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1) for a delegated OCSP responder. Default false. */
  readonly ocspNoCheck?: boolean;
  /** Lowercase hex, positive. Default: 16 random bytes. */
  readonly serialNumberHex?: string;
}

/** Options of {@link createCertificateAuthority}. */
export interface CertificateAuthorityOptions {
  readonly subject: NameOptions;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Default "rsa-2048". */
  readonly keyType?: DemoKeyType;
  /** The issuing CA; a self-signed root when absent. */
  readonly parent?: CertificateIssuer;
  /** pathLenConstraint. Default none for a root, 0 for a subordinate CA. */
  readonly pathLength?: number;
  /** CRL distribution point (of the parent's CRL). Default none. */
  readonly crlUrl?: string;
}

/**
 * Creates a root CA (self-signed) or, with `parent`, a subordinate CA.
 *
 * @example
 * const root = await createCertificateAuthority({
 *   subject: { commonName: "Lienthong Demo Root CA", organization: "Lienthong" },
 *   notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2045-01-01T00:00:00Z"),
 * });
 */
export async function createCertificateAuthority(
  options: CertificateAuthorityOptions,
): Promise<IssuedCertificate> {
  const keyType = options.keyType ?? "rsa-2048";
  const keyPair = await generateDemoKey(keyType);
  const pathLength = options.pathLength ?? (options.parent ? 0 : undefined);
  const base: IssueCertificateOptions = {
    subject: options.subject,
    keyPair,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    isCa: true,
    ...(pathLength === undefined ? {} : { pathLength }),
    ...(options.crlUrl === undefined ? {} : { crlUrl: options.crlUrl }),
  };
  if (options.parent) {
    return { ...(await issueCertificate(options.parent, base)), keyType };
  }
  const der = buildCertificate({
    issuerName: encodeName(options.subject),
    issuerKey: keyPair.privateKey,
    subjectPublicKey: keyPair.publicKey,
    options: base,
  });
  const certificate = parseCertificate(der);
  return {
    certificate,
    privateKey: keyPair.privateKey,
    chain: [],
    keyType,
    keyPem: keyPair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    certPem: toPem(certificate.der),
  };
}

/**
 * Issues a certificate from `issuer` (end entity by default).
 *
 * @example
 * const person = await issueCertificate(intermediate, {
 *   subject: { commonName: "Trần Thị Bích Ngọc", title: "Phó Giám đốc", organCode: "000.00.11.H53" },
 *   notBefore, notAfter, crlUrl: "http://127.0.0.1:8790/intermediate-ca.crl",
 * });
 */
export async function issueCertificate(
  issuer: CertificateIssuer,
  options: IssueCertificateOptions,
): Promise<IssuedCertificate> {
  const keyType = options.keyType ?? "rsa-2048";
  const keyPair = options.keyPair ?? (await generateDemoKey(keyType));
  const der = buildCertificate({
    issuerName: issuer.certificate.subjectDer,
    issuerKey: issuer.privateKey,
    ...(issuer.certificate.subjectKeyIdentifier === undefined
      ? {}
      : { issuerKeyId: issuer.certificate.subjectKeyIdentifier }),
    subjectPublicKey: keyPair.publicKey,
    options,
  });
  const certificate = parseCertificate(der);
  return {
    certificate,
    privateKey: keyPair.privateKey,
    chain: [issuer.certificate, ...issuer.chain],
    keyType: options.keyPair ? keyTypeOf(keyPair.publicKey) : keyType,
    keyPem: keyPair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    certPem: toPem(certificate.der),
  };
}

function keyTypeOf(publicKey: KeyObject): DemoKeyType {
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (publicKey.asymmetricKeyType === "ec") {
    return details.namedCurve === "secp384r1" ? "ec-p384" : "ec-p256";
  }
  const bits = details.modulusLength ?? 2048;
  return bits >= 4096 ? "rsa-4096" : bits >= 3072 ? "rsa-3072" : "rsa-2048";
}

/** The signature algorithm a key signs with: SHA-256 for RSA and P-256, SHA-384 for P-384 (RFC 5480 §4). */
export function signatureAlgorithm(key: KeyObject): {
  readonly hash: string;
  readonly identifier: Uint8Array;
} {
  if (key.asymmetricKeyType === "ec") {
    const p384 = key.asymmetricKeyDetails?.namedCurve === "secp384r1";
    // RFC 5758 §3.2: the parameters field MUST be absent for ECDSA.
    return {
      hash: p384 ? "sha384" : "sha256",
      identifier: encodeSequence(encodeOid(p384 ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256)),
    };
  }
  // RFC 8017 Appendix A.2.4 / RFC 4055 §5: NULL parameters for sha256WithRSAEncryption.
  return { hash: "sha256", identifier: encodeSequence(encodeOid(OID.sha256WithRSAEncryption), encodeNull()) };
}

/** SKI method 1 of RFC 5280 §4.2.1.2: SHA-1 of the subjectPublicKey BIT STRING value. */
function keyIdentifier(publicKey: KeyObject): Uint8Array {
  const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const bits = decodeBitString(children(decodeDer(spki))[1] as DerElement).bytes;
  return createHash("sha1").update(bits).digest();
}

function randomSerial(): Uint8Array {
  const serial = randomBytes(16);
  // Positive and without a leading zero octet (RFC 5280 §4.1.2.2: at most 20 octets).
  serial[0] = ((serial[0] as number) & 0x7f) | 0x10;
  return serial;
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return encodeSequence(encodeOid(oid), ...(critical ? [encodeBoolean(true)] : []), encodeOctetString(value));
}

function uri(url: string): Uint8Array {
  // GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String
  return encodeIa5String(url, 0x86);
}

function buildCertificate(input: {
  readonly issuerName: Uint8Array;
  readonly issuerKey: KeyObject;
  readonly issuerKeyId?: string;
  readonly subjectPublicKey: KeyObject;
  readonly options: IssueCertificateOptions;
}): Uint8Array {
  const { options } = input;
  const isCa = options.isCa === true;
  const algorithm = signatureAlgorithm(input.issuerKey);
  const ski = keyIdentifier(input.subjectPublicKey);
  const usage =
    options.keyUsage ??
    (isCa ? (["keyCertSign", "cRLSign"] as const) : (["digitalSignature", "nonRepudiation"] as const));

  // RFC 5280 §4.2: extensions in the order most readers print them.
  const extensions: Uint8Array[] = [];
  if (isCa) {
    extensions.push(
      extension(
        OID.basicConstraints,
        true,
        encodeSequence(
          encodeBoolean(true),
          ...(options.pathLength === undefined ? [] : [encodeInteger(options.pathLength)]),
        ),
      ),
    );
  }
  extensions.push(
    extension(OID.keyUsage, true, encodeNamedBits(usage.map((u) => KEY_USAGE_BITS.indexOf(u)))),
  );
  if (options.extendedKeyUsage && options.extendedKeyUsage.length > 0) {
    extensions.push(
      extension(
        OID.extKeyUsage,
        options.criticalEku === true,
        encodeSequence(...options.extendedKeyUsage.map((oid) => encodeOid(oid))),
      ),
    );
  }
  extensions.push(extension(OID.subjectKeyIdentifier, false, encodeOctetString(ski)));
  const akid = input.issuerKeyId === undefined ? ski : hexToBytes(input.issuerKeyId);
  extensions.push(extension(OID.authorityKeyIdentifier, false, encodeSequence(encodeImplicit(0, akid))));
  if (options.crlUrl !== undefined) {
    // DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } } (RFC 5280 §4.2.1.13)
    const point = encodeSequence(encodeExplicit(0, encodeImplicit(0, uri(options.crlUrl), true)));
    extensions.push(extension(OID.cRLDistributionPoints, false, encodeSequence(point)));
  }
  const access: Uint8Array[] = [];
  if (options.ocspUrl !== undefined) {
    access.push(encodeSequence(encodeOid(OID.accessOcsp), uri(options.ocspUrl)));
  }
  if (options.caIssuersUrl !== undefined) {
    access.push(encodeSequence(encodeOid(OID.accessCaIssuers), uri(options.caIssuersUrl)));
  }
  if (access.length > 0) {
    extensions.push(extension(OID.authorityInfoAccess, false, encodeSequence(...access)));
  }
  if (options.ocspNoCheck === true) {
    extensions.push(extension(OID.ocspNoCheck, false, encodeNull()));
  }

  const serial = options.serialNumberHex === undefined ? randomSerial() : hexToBytes(options.serialNumberHex);
  const tbs = encodeSequence(
    encodeExplicit(0, encodeInteger(2)), // v3
    encodeInteger(serial),
    algorithm.identifier,
    input.issuerName,
    encodeSequence(encodeTime(options.notBefore), encodeTime(options.notAfter)),
    encodeName(options.subject),
    new Uint8Array(input.subjectPublicKey.export({ type: "spki", format: "der" })),
    encodeExplicit(3, encodeSequence(...extensions)),
  );
  const signature = sign(algorithm.hash, tbs, input.issuerKey);
  return encodeSequence(tbs, algorithm.identifier, encodeBitString(signature));
}

/** CRLReason names a CRL entry may carry (RFC 5280 §5.3.1; value 7 is unused). */
export type CrlReason = Exclude<(typeof CRL_REASONS)[number], "unused">;

/** The reason's ENUMERATED value: its index in the RFC's list. */
function reasonCode(reason: CrlReason): number {
  return CRL_REASONS.indexOf(reason);
}

/** Options of {@link createCrl}. */
export interface CrlOptions {
  readonly revoked: readonly {
    readonly serialNumberHex: string;
    readonly revokedAt: Date;
    /** Default: no reasonCode entry extension. */
    readonly reason?: CrlReason;
  }[];
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber: number;
}

/**
 * Creates an X.509 v2 CRL (RFC 5280 §5) signed by `issuer`, with the authorityKeyIdentifier and
 * cRLNumber extensions that §5.2 requires. Returns DER.
 *
 * @example
 * const crl = createCrl(intermediate, {
 *   revoked: [{ serialNumberHex: revoked.certificate.serialNumberHex, revokedAt, reason: "keyCompromise" }],
 *   thisUpdate, nextUpdate, crlNumber: 1,
 * });
 */
export function createCrl(issuer: CertificateIssuer, options: CrlOptions): Uint8Array {
  const algorithm = signatureAlgorithm(issuer.privateKey);
  const entries = options.revoked.map((entry) =>
    encodeSequence(
      encodeInteger(hexToBytes(entry.serialNumberHex)),
      encodeTime(entry.revokedAt),
      ...(entry.reason === undefined
        ? []
        : [encodeSequence(extension(OID.cRLReason, false, encodeEnumerated(reasonCode(entry.reason))))]),
    ),
  );
  const akid = issuer.certificate.subjectKeyIdentifier;
  const crlExtensions = [
    ...(akid === undefined
      ? []
      : [extension(OID.authorityKeyIdentifier, false, encodeSequence(encodeImplicit(0, hexToBytes(akid))))]),
    extension(OID.cRLNumber, false, encodeInteger(options.crlNumber)),
  ];
  const tbs = encodeSequence(
    encodeInteger(1), // v2
    algorithm.identifier,
    issuer.certificate.subjectDer,
    encodeTime(options.thisUpdate),
    encodeTime(options.nextUpdate),
    // RFC 5280 §5.1.2.6: when there are no revoked certificates the list MUST be absent.
    ...(entries.length > 0 ? [encodeSequence(...entries)] : []),
    encodeExplicit(0, encodeSequence(...crlExtensions)),
  );
  const signature = sign(algorithm.hash, tbs, issuer.privateKey);
  return encodeSequence(tbs, algorithm.identifier, encodeBitString(signature));
}

/**
 * Packs an issued certificate, its chain and its key into a PKCS#12 file that OpenSSL 3 opens
 * without `-legacy` (see `pkcs12.ts`). RSA and EC alike.
 *
 * @example
 * fs.writeFileSync("person.p12", toPkcs12(person, "lienthong-demo"));
 */
export function toPkcs12(issued: CertificateIssuer, password: string, friendlyName?: string): Uint8Array {
  return writePkcs12({
    privateKey: issued.privateKey,
    certificate: issued.certificate.der,
    chain: issued.chain.map((c) => c.der),
    password,
    ...(friendlyName === undefined ? {} : { friendlyName }),
  });
}

/** An organ of the demo PKI (the shape of `devkit/demo-organs.ts`). */
export interface DemoPkiOrgan {
  readonly code: string;
  readonly name: string;
  readonly signer: { readonly fullName: string; readonly position: string };
}

/** Options of {@link createDemoPki}. */
export interface DemoPkiOptions {
  /** The organs to certify (the CLI passes `DEMO_ORGANS`). Each gets an organisation and a person certificate. */
  readonly organs: readonly DemoPkiOrgan[];
  /** Reference time for the default validity periods. Default: now. */
  readonly now?: Date;
  /** CA validity. Default: now − 2 days … now + 20 years. */
  readonly caValidity?: { readonly notBefore: Date; readonly notAfter: Date };
  /** End-entity validity. Default: now − 1 day … now + 5 years. */
  readonly leafValidity?: { readonly notBefore: Date; readonly notAfter: Date };
  /** CRL period. Default: now − 1 minute … now + 1 year. */
  readonly crlValidity?: { readonly thisUpdate: Date; readonly nextUpdate: Date };
  /** Organ code of the extra, revoked person certificate. Default: the first organ's. */
  readonly revokedOrganCode?: string;
  /** When the extra person certificate was revoked. Default: now − 1 hour. */
  readonly revokedAt?: Date;
  /** Default {@link DEFAULT_CRL_BASE_URL}. */
  readonly crlBaseUrl?: string;
  /** Default {@link DEFAULT_OCSP_URL}. */
  readonly ocspUrl?: string;
  /** Key type of the CAs. Default "rsa-2048". */
  readonly caKeyType?: DemoKeyType;
  /** Key type of the end entities. Default "rsa-2048". */
  readonly leafKeyType?: DemoKeyType;
}

/** One end-entity certificate of the demo PKI. */
export interface DemoPkiEntry {
  /** e.g. "000.00.11.H53-person", "000.00.11.H53-organisation", "000.00.11.H53-person-revoked". */
  readonly id: string;
  readonly role: "person" | "organisation";
  readonly organCode: string;
  readonly organName: string;
  readonly commonName: string;
  readonly revoked: boolean;
  readonly issued: IssuedCertificate;
}

/** A whole demo PKI: root → intermediate → end entities, TSA, OCSP responder and CRLs. */
export interface DemoPki {
  readonly root: IssuedCertificate;
  readonly intermediate: IssuedCertificate;
  readonly entries: readonly DemoPkiEntry[];
  readonly tsa: IssuedCertificate;
  readonly ocspResponder: IssuedCertificate;
  /** DER. */
  readonly rootCrl: Uint8Array;
  /** DER; lists the revoked person certificate. */
  readonly intermediateCrl: Uint8Array;
  readonly urls: {
    readonly rootCrl: string;
    readonly intermediateCrl: string;
    readonly ocsp: string;
  };
}

const DAY = 86_400_000;
const YEAR = 365 * DAY;

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * Creates a demo PKI: a root CA, an intermediate CA, for every organ an `organisation` (seal)
 * and a `person` (competent signer) certificate, one more person certificate (of the first organ, or
 * `revokedOrganCode`) that the intermediate revokes, a TSA certificate (EKU timeStamping, critical, RFC 3161 §2.3)
 * and a delegated OCSP responder certificate (EKU OCSPSigning, RFC 6960 §4.2.2.2), with a CRL
 * from each CA. Key pairs are generated in parallel.
 *
 * @example
 * const pki = await createDemoPki({ organs: DEMO_ORGANS });
 * await writeDemoPki(pki, ".data/pki", "lienthong-demo");
 */
export async function createDemoPki(options: DemoPkiOptions): Promise<DemoPki> {
  const revokedOrgan =
    options.revokedOrganCode === undefined
      ? options.organs[0]
      : options.organs.find((organ) => organ.code === options.revokedOrganCode);
  if (!revokedOrgan) {
    throw new Error(
      options.organs.length === 0
        ? "createDemoPki needs at least one organ"
        : `revokedOrganCode ${options.revokedOrganCode} is not one of the organs`,
    );
  }
  const now = wholeSeconds(options.now ?? new Date());
  const caValidity = options.caValidity ?? {
    notBefore: new Date(now.getTime() - 2 * DAY),
    notAfter: new Date(now.getTime() + 20 * YEAR),
  };
  const leafValidity = options.leafValidity ?? {
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 5 * YEAR),
  };
  const crlValidity = options.crlValidity ?? {
    thisUpdate: new Date(now.getTime() - 60_000),
    nextUpdate: new Date(now.getTime() + YEAR),
  };
  const revokedAt = options.revokedAt ?? new Date(now.getTime() - 3_600_000);
  const crlBase = (options.crlBaseUrl ?? DEFAULT_CRL_BASE_URL).replace(/\/+$/, "");
  const urls = {
    rootCrl: `${crlBase}/root-ca.crl`,
    intermediateCrl: `${crlBase}/intermediate-ca.crl`,
    ocsp: options.ocspUrl ?? DEFAULT_OCSP_URL,
  };
  const caKeyType = options.caKeyType ?? "rsa-2048";
  const leafKeyType = options.leafKeyType ?? "rsa-2048";

  const root = await createCertificateAuthority({
    subject: { commonName: "Lienthong Demo Root CA", organization: "Lienthong Demo PKI" },
    ...caValidity,
    keyType: caKeyType,
  });
  const intermediate = await createCertificateAuthority({
    subject: { commonName: "Lienthong Demo Issuing CA", organization: "Lienthong Demo PKI" },
    ...caValidity,
    keyType: caKeyType,
    parent: root,
    crlUrl: urls.rootCrl,
  });

  const leaf = (
    subject: NameOptions,
    extra: Partial<IssueCertificateOptions> = {},
  ): Promise<IssuedCertificate> =>
    issueCertificate(intermediate, {
      subject,
      keyType: leafKeyType,
      ...leafValidity,
      crlUrl: urls.intermediateCrl,
      ocspUrl: urls.ocsp,
      ...extra,
    });

  const pending: Promise<DemoPkiEntry>[] = [];
  for (const organ of options.organs) {
    const entry = async (role: DemoPkiEntry["role"], revoked: boolean): Promise<DemoPkiEntry> => {
      const subject: NameOptions =
        role === "organisation"
          ? { commonName: organ.name, organization: organ.name, organCode: organ.code }
          : {
              commonName: organ.signer.fullName,
              title: organ.signer.position,
              organization: organ.name,
              organCode: organ.code,
            };
      return {
        id: `${organ.code}-${role}${revoked ? "-revoked" : ""}`,
        role,
        organCode: organ.code,
        organName: organ.name,
        commonName: subject.commonName,
        revoked,
        issued: await leaf(subject),
      };
    };
    pending.push(entry("organisation", false), entry("person", false));
    if (organ === revokedOrgan) {
      pending.push(entry("person", true));
    }
  }
  const service = { organization: "Lienthong Demo PKI" };
  const [entries, tsa, ocspResponder] = await Promise.all([
    Promise.all(pending),
    leaf(
      { commonName: "Lienthong Demo TSA", ...service },
      {
        keyUsage: ["digitalSignature", "nonRepudiation"],
        extendedKeyUsage: [OID.timeStamping],
        criticalEku: true,
      },
    ),
    leaf(
      { commonName: "Lienthong Demo OCSP Responder", ...service },
      { keyUsage: ["digitalSignature"], extendedKeyUsage: [OID.ocspSigning], ocspNoCheck: true },
    ),
  ]);

  const rootCrl = createCrl(root, { revoked: [], ...crlValidity, crlNumber: 1 });
  const intermediateCrl = createCrl(intermediate, {
    revoked: entries
      .filter((e) => e.revoked)
      .map((e) => ({
        serialNumberHex: e.issued.certificate.serialNumberHex,
        revokedAt,
        reason: "keyCompromise" as const,
      })),
    ...crlValidity,
    crlNumber: 1,
  });
  return { root, intermediate, entries, tsa, ocspResponder, rootCrl, intermediateCrl, urls };
}

/**
 * Writes a demo PKI into `dir` (created if needed; files are overwritten): `root-ca.pem`,
 * `intermediate-ca.pem`, `ca-chain.pem`, `<id>.p12` + `<id>.pem` per end entity, `tsa.key.pem`/`tsa.pem`,
 * `ocsp.key.pem`/`ocsp.pem`, `root-ca.crl`, `intermediate-ca.crl` (DER) and `manifest.json`.
 * Key files are unencrypted PKCS#8 with mode 0600.
 *
 * @example
 * const manifest = await writeDemoPki(pki, "/tmp/pki", "lienthong-demo");
 */
export async function writeDemoPki(pki: DemoPki, dir: string, password: string): Promise<DemoPkiManifest> {
  await mkdir(dir, { recursive: true });
  const files: [string, string | Uint8Array, number?][] = [
    ["root-ca.pem", pki.root.certPem],
    ["intermediate-ca.pem", pki.intermediate.certPem],
    ["ca-chain.pem", pki.intermediate.certPem + pki.root.certPem],
    ["root-ca.crl", pki.rootCrl],
    ["intermediate-ca.crl", pki.intermediateCrl],
    ["tsa.pem", pki.tsa.certPem],
    ["tsa.key.pem", pki.tsa.keyPem, 0o600],
    ["ocsp.pem", pki.ocspResponder.certPem],
    ["ocsp.key.pem", pki.ocspResponder.keyPem, 0o600],
  ];
  const entries: DemoPkiManifest["entries"][number][] = [];
  for (const entry of pki.entries) {
    const p12 = `${entry.id}.p12`;
    const certificate = `${entry.id}.pem`;
    files.push(
      [p12, toPkcs12(entry.issued, password, entry.commonName), 0o600],
      [certificate, entry.issued.certPem],
    );
    entries.push({
      id: entry.id,
      role: entry.role,
      organCode: entry.organCode,
      organName: entry.organName,
      commonName: entry.commonName,
      keyType: entry.issued.keyType,
      p12,
      certificate,
      revoked: entry.revoked,
      serialNumberHex: entry.issued.certificate.serialNumberHex,
      sha256: entry.issued.certificate.sha256,
    });
  }
  const manifest: DemoPkiManifest = {
    password,
    root: "root-ca.pem",
    intermediate: "intermediate-ca.pem",
    chain: "ca-chain.pem",
    crls: [
      { issuer: "root", path: "root-ca.crl", url: pki.urls.rootCrl },
      { issuer: "intermediate", path: "intermediate-ca.crl", url: pki.urls.intermediateCrl },
    ],
    tsa: { certificate: "tsa.pem", key: "tsa.key.pem" },
    ocsp: { certificate: "ocsp.pem", key: "ocsp.key.pem", url: pki.urls.ocsp },
    entries,
  };
  files.push(["manifest.json", `${JSON.stringify(manifest, null, 2)}\n`]);
  for (const [name, content, mode] of files) {
    await writeFile(join(dir, name), content, mode === undefined ? {} : { mode });
  }
  return manifest;
}
