/**
 * The shared test PKI: root → intermediate → person/organisation/revoked/TSA/OCSP certificates for
 * organ 000.00.11.H53, with fixed, clock-independent validity (CAs 2020-01-01 … 2045-01-01,
 * leaves 2024-01-01 … 2044-01-01) and CRLs valid 2025-01-01 … 2044-12-01. Generated once per test
 * file process (module-level promise); all keys RSA-2048.
 *
 * @example
 * const pki = await testPki();
 * const material = loadPkcs12(pki.person.p12, pki.person.p12Password);
 */
import type { KeyObject } from "node:crypto";
import {
  type CertificateIssuer,
  createCertificateAuthority,
  createDemoPki,
  type DemoKeyType,
  type DemoPki,
  type IssueCertificateOptions,
  type IssuedCertificate,
  issueCertificate,
  toPkcs12,
} from "../../devkit/pki.ts";
import { OID } from "../../shared/asn1/oids.ts";
import type { Certificate } from "../../shared/pki/certificate.ts";
import type { NameOptions } from "../../shared/pki/name.ts";

/** A test certificate with its key in every form the tests need. */
export interface IssuedCert {
  readonly certificate: Certificate;
  readonly privateKey: KeyObject;
  /** Unencrypted PKCS#8 PEM. */
  readonly keyPem: string;
  readonly certPem: string;
  /** Issuers, nearest first. */
  readonly chain: readonly Certificate[];
  /** PKCS#12 with key, certificate and chain; opens with `loadPkcs12` and `openssl pkcs12` (no -legacy). */
  readonly p12: Uint8Array;
  readonly p12Password: string;
}

/** Ready-made variations for {@link TestPki.issue}. */
export type IssuePreset =
  /** Valid 2020-06-01 … 2021-06-01. */
  | "expired"
  /** Valid 2040-01-01 … 2044-01-01. */
  | "not-yet-valid"
  /** keyUsage keyEncipherment only. */
  | "wrong-key-usage"
  /** Organ 000.00.12.H53 (Sở Nội vụ tỉnh Tây Ninh). */
  | "other-organ";

/** Options for extra end-entity certificates from the test intermediate. All optional. */
export interface IssueOptions extends Partial<Omit<IssueCertificateOptions, "subject">> {
  readonly preset?: IssuePreset;
  /** Merged over the default person subject (Trần Thị Bích Ngọc, organ 000.00.11.H53). */
  readonly subject?: Partial<NameOptions>;
  /** Default "rsa-2048". */
  readonly keyType?: DemoKeyType;
}

export interface TestPki {
  readonly root: IssuedCert;
  readonly intermediate: IssuedCert;
  /** RSA-2048, nonRepudiation+digitalSignature, organ 000.00.11.H53. */
  readonly person: IssuedCert;
  /** RSA-2048, the organ's own "seal" certificate, same organ. */
  readonly organisation: IssuedCert;
  /** Listed on the intermediate's CRL (keyCompromise, 2025-06-01). */
  readonly revoked: IssuedCert;
  /** EKU timeStamping (critical), for the local TSA. */
  readonly tsa: IssuedCert;
  /** EKU OCSPSigning, for an `openssl ocsp` responder. */
  readonly ocspResponder: IssuedCert;
  /** DER. */
  readonly rootCrl: Uint8Array;
  /** DER. */
  readonly intermediateCrl: Uint8Array;
  /** When the revoked certificate was revoked. */
  readonly revokedAt: Date;
  /** The generator's view, for tests that need the URLs or entries. */
  readonly demo: DemoPki;
  /** More end-entity certificates from the intermediate (EC, expired, wrong key usage, other organ …). */
  issue(options?: IssueOptions): Promise<IssuedCert>;
}

export const TEST_PASSWORD = "test-password";
export const TEST_ORGAN = {
  code: "000.00.11.H53",
  name: "Sở Tài chính tỉnh Tây Ninh",
  signer: { fullName: "Trần Thị Bích Ngọc", position: "Phó Giám đốc" },
} as const;
const OTHER_ORGAN = {
  code: "000.00.12.H53",
  name: "Sở Nội vụ tỉnh Tây Ninh",
  signer: "Lê Hoàng Phúc",
} as const;

export const TEST_CA_VALIDITY = {
  notBefore: new Date("2020-01-01T00:00:00Z"),
  notAfter: new Date("2045-01-01T00:00:00Z"),
} as const;
export const TEST_LEAF_VALIDITY = {
  notBefore: new Date("2024-01-01T00:00:00Z"),
  notAfter: new Date("2044-01-01T00:00:00Z"),
} as const;
export const TEST_CRL_VALIDITY = {
  thisUpdate: new Date("2025-01-01T00:00:00Z"),
  nextUpdate: new Date("2044-12-01T00:00:00Z"),
} as const;
const REVOKED_AT = new Date("2025-06-01T00:00:00Z");

/** The subject of `person`: the test organ's deputy director. */
const PERSON_SUBJECT: NameOptions = {
  commonName: TEST_ORGAN.signer.fullName,
  title: TEST_ORGAN.signer.position,
  organization: TEST_ORGAN.name,
  organCode: TEST_ORGAN.code,
};

/** Wraps a generated certificate with a PKCS#12 under {@link TEST_PASSWORD}. */
export function withPkcs12(issued: IssuedCertificate, password = TEST_PASSWORD): IssuedCert {
  return {
    certificate: issued.certificate,
    privateKey: issued.privateKey,
    keyPem: issued.keyPem,
    certPem: issued.certPem,
    chain: issued.chain,
    p12: toPkcs12(issued, password, issued.certificate.subject.commonName),
    p12Password: password,
  };
}

let cached: Promise<TestPki> | undefined;

/** The test PKI, generated once per process. */
export function testPki(): Promise<TestPki> {
  cached ??= build();
  return cached;
}

async function build(): Promise<TestPki> {
  const demo = await createDemoPki({
    organs: [TEST_ORGAN],
    caValidity: TEST_CA_VALIDITY,
    leafValidity: TEST_LEAF_VALIDITY,
    crlValidity: TEST_CRL_VALIDITY,
    revokedAt: REVOKED_AT,
  });
  const entry = (id: string): IssuedCertificate => {
    const found = demo.entries.find((e) => e.id === id);
    if (!found) {
      throw new Error(`test PKI has no entry ${id}`);
    }
    return found.issued;
  };
  const intermediateIssuer: CertificateIssuer = demo.intermediate;
  return {
    root: withPkcs12(demo.root),
    intermediate: withPkcs12(demo.intermediate),
    person: withPkcs12(entry(`${TEST_ORGAN.code}-person`)),
    organisation: withPkcs12(entry(`${TEST_ORGAN.code}-organisation`)),
    revoked: withPkcs12(entry(`${TEST_ORGAN.code}-person-revoked`)),
    tsa: withPkcs12(demo.tsa),
    ocspResponder: withPkcs12(demo.ocspResponder),
    rootCrl: demo.rootCrl,
    intermediateCrl: demo.intermediateCrl,
    revokedAt: REVOKED_AT,
    demo,
    issue: (options = {}) => issueFrom(intermediateIssuer, demo, options),
  };
}

async function issueFrom(
  issuer: CertificateIssuer,
  demo: DemoPki,
  options: IssueOptions,
): Promise<IssuedCert> {
  const { preset, subject, ...rest } = options;
  const presetOptions: Partial<IssueCertificateOptions> =
    preset === "expired"
      ? { notBefore: new Date("2020-06-01T00:00:00Z"), notAfter: new Date("2021-06-01T00:00:00Z") }
      : preset === "not-yet-valid"
        ? { notBefore: new Date("2040-01-01T00:00:00Z"), notAfter: new Date("2044-01-01T00:00:00Z") }
        : preset === "wrong-key-usage"
          ? { keyUsage: ["keyEncipherment"] }
          : {};
  const baseSubject: NameOptions =
    preset === "other-organ"
      ? {
          commonName: OTHER_ORGAN.signer,
          title: "Giám đốc",
          organization: OTHER_ORGAN.name,
          organCode: OTHER_ORGAN.code,
        }
      : PERSON_SUBJECT;
  const issued = await issueCertificate(issuer, {
    ...TEST_LEAF_VALIDITY,
    crlUrl: demo.urls.intermediateCrl,
    ocspUrl: demo.urls.ocsp,
    ...presetOptions,
    ...rest,
    subject: { ...baseSubject, ...subject },
  });
  return withPkcs12(issued);
}

let untrusted: Promise<IssuedCert> | undefined;

/**
 * A person certificate (same organ and name as `person`) from a separate, untrusted root CA,
 * with that root in its chain. Generated once per process.
 */
export function untrustedCert(): Promise<IssuedCert> {
  untrusted ??= (async () => {
    const root = await createCertificateAuthority({
      subject: { commonName: "Untrusted Test Root CA", organization: "Nobody" },
      ...TEST_CA_VALIDITY,
    });
    const leaf = await issueCertificate(root, {
      subject: PERSON_SUBJECT,
      ...TEST_LEAF_VALIDITY,
    });
    return withPkcs12(leaf);
  })();
  return untrusted;
}

/** EKU OIDs tests often need. */
export const TEST_EKU = { timeStamping: OID.timeStamping, ocspSigning: OID.ocspSigning } as const;
