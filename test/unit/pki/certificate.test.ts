import { X509Certificate } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../../shared/asn1/der.ts";
import { OID } from "../../../shared/asn1/oids.ts";
import {
  type Certificate,
  parseCertificate,
  parseCertificates,
  toPem,
} from "../../../shared/pki/certificate.ts";
import { runOpenssl } from "../../support/openssl.ts";
import { testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";

/** OpenSSL's one-line subject in the same RFC 4514 order and short names as `DistinguishedName.text`. */
const NAMEOPT = "esc_2253,utf8,dn_rev,sep_comma_plus_space,sname";

const EXTENSIONS = [
  "basicConstraints=critical,CA:TRUE,pathlen:2",
  "keyUsage=critical,digitalSignature,nonRepudiation,keyCertSign,cRLSign",
  "extendedKeyUsage=clientAuth,emailProtection,1.3.6.1.5.5.7.3.36",
  "crlDistributionPoints=URI:http://crl.example.vn/a.crl,URI:http://crl2.example.vn/b.crl",
  "authorityInfoAccess=OCSP;URI:http://ocsp.example.vn,caIssuers;URI:http://ca.example.vn/ca.cer",
  "certificatePolicies=1.3.6.1.4.1.99999.1.2",
];

let dir: string;
let cleanup: () => Promise<void>;
const made: Record<string, { pem: string; path: string }> = {};

function openssl(args: readonly string[]): string {
  const result = runOpenssl(args);
  if (result.status !== 0) {
    throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr}`);
  }
  return result.stdout;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("lienthong-pki-"));
  const keys: Record<string, string[]> = {
    rsa: ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    p256: ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    p384: ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    p521: ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
  };
  for (const [name, args] of Object.entries(keys)) {
    const key = join(dir, `${name}.key`);
    const cert = join(dir, `${name}.pem`);
    openssl([...args, "-out", key]);
    openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      key,
      "-utf8",
      "-subj",
      "/C=VN/O=Sở Tài chính tỉnh Tây Ninh/organizationIdentifier=000.00.11.H53/title=Phó Giám đốc/CN=Trần Thị Bích Ngọc",
      "-set_serial",
      "0x00c0ffee0123456789",
      "-days",
      "30",
      "-sha256",
      ...EXTENSIONS.flatMap((ext) => ["-addext", ext]),
      "-out",
      cert,
    ]);
    made[name] = { pem: await readFile(cert, "utf8"), path: cert };
  }
  // BMPString names: OpenSSL picks BMPString for non-Latin-1 text under string_mask = pkix.
  const config = join(dir, "bmp.cnf");
  await writeFile(config, "[req]\ndistinguished_name = dn\nstring_mask = pkix\n[dn]\n");
  const bmp = join(dir, "bmp.pem");
  openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    join(dir, "p256.key"),
    "-utf8",
    "-config",
    config,
    "-subj",
    "/C=VN/O=Ủy ban nhân dân tỉnh Tây Ninh/CN=Nguyễn Văn Thắng",
    "-days",
    "1",
    "-out",
    bmp,
  ]);
  made.bmp = { pem: await readFile(bmp, "utf8"), path: bmp };
}, 60_000);

afterAll(async () => {
  await cleanup?.();
});

function fromOpenssl(name: string): { cert: Certificate; x509: X509Certificate; text: string; path: string } {
  const entry = made[name];
  if (!entry) {
    throw new Error(`no fixture ${name}`);
  }
  return {
    cert: parseCertificate(entry.pem),
    x509: new X509Certificate(entry.pem),
    text: openssl(["x509", "-in", entry.path, "-noout", "-text"]),
    path: entry.path,
  };
}

describe("parseCertificate on certificates made by openssl req -x509", () => {
  it.each([
    ["rsa", "rsa", 2048, undefined],
    ["p256", "ec", 256, "P-256"],
    ["p384", "ec", 384, "P-384"],
    ["p521", "ec", 521, "P-521"],
  ] as const)("reads the %s key and the basic fields", (name, keyType, keySize, curve) => {
    const { cert, x509 } = fromOpenssl(name);
    expect(cert.keyType).toBe(keyType);
    expect(cert.keySize).toBe(keySize);
    expect(cert.namedCurve).toBe(curve);
    expect(cert.version).toBe(3);
    expect(cert.publicKey.equals(x509.publicKey)).toBe(true);
    expect(cert.serialNumberHex).toBe(x509.serialNumber.toLowerCase().replace(/^(00)+/, ""));
    expect(cert.serialNumberHex).toBe("c0ffee0123456789");
    // The DER INTEGER keeps the sign octet a positive serial with its top bit set needs.
    expect(bytesToHex(cert.serialNumberDer)).toBe("020900c0ffee0123456789");
    expect(cert.notBefore.getTime()).toBe(new Date(x509.validFrom).getTime());
    expect(cert.notAfter.getTime()).toBe(new Date(x509.validTo).getTime());
    expect(cert.sha256).toBe(x509.fingerprint256.replace(/:/g, "").toLowerCase());
    expect(Buffer.from(cert.der).equals(x509.raw)).toBe(true);
    expect(cert.signatureAlgorithmOid).toBe(
      keyType === "rsa" ? OID.sha256WithRSAEncryption : OID.ecdsaWithSha256,
    );
    // The TBS and signature value as parsed verify under the certificate's own key.
    expect(x509.verify(cert.publicKey)).toBe(true);
    expect(Buffer.from(cert.issuerDer).equals(Buffer.from(cert.subjectDer))).toBe(true);
  });

  it("decodes Vietnamese UTF8String names exactly as OpenSSL prints them", () => {
    const { cert, path } = fromOpenssl("rsa");
    const subject = openssl(["x509", "-in", path, "-noout", "-subject", "-nameopt", NAMEOPT]).trim();
    expect(`subject=${cert.subject.text}`).toBe(subject);
    expect(cert.subject.commonName).toBe("Trần Thị Bích Ngọc");
    expect(cert.subject.organization).toBe("Sở Tài chính tỉnh Tây Ninh");
    expect(cert.subject.title).toBe("Phó Giám đốc");
    expect(cert.subject.organCode).toBe("000.00.11.H53");
    expect(cert.subject.country).toBe("VN");
    expect(cert.subject.attributes.map((a) => a.oid)).toEqual([
      OID.countryName,
      OID.organizationName,
      OID.organizationIdentifier,
      OID.title,
      OID.commonName,
    ]);
  });

  it("decodes BMPString names", () => {
    const { cert, path } = fromOpenssl("bmp");
    expect(openssl(["asn1parse", "-in", path])).toContain("BMPSTRING");
    expect(cert.subject.commonName).toBe("Nguyễn Văn Thắng");
    expect(cert.subject.organization).toBe("Ủy ban nhân dân tỉnh Tây Ninh");
    const subject = openssl(["x509", "-in", path, "-noout", "-subject", "-nameopt", NAMEOPT]).trim();
    expect(`subject=${cert.subject.text}`).toBe(subject);
  });

  it("reads the extensions OpenSSL wrote", () => {
    const { cert, text, x509 } = fromOpenssl("p256");
    expect(cert.isCa).toBe(true);
    expect(cert.pathLength).toBe(2);
    expect(cert.keyUsage).toEqual(["digitalSignature", "nonRepudiation", "keyCertSign", "cRLSign"]);
    expect(cert.extendedKeyUsage).toEqual([OID.clientAuth, OID.emailProtection, OID.documentSigning]);
    expect(cert.crlDistributionPoints).toEqual([
      "http://crl.example.vn/a.crl",
      "http://crl2.example.vn/b.crl",
    ]);
    expect(cert.ocspUrls).toEqual(["http://ocsp.example.vn"]);
    expect(cert.caIssuerUrls).toEqual(["http://ca.example.vn/ca.cer"]);
    expect(cert.certificatePolicies).toEqual(["1.3.6.1.4.1.99999.1.2"]);
    const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(text)?.[1];
    expect(ski).toBeDefined();
    expect(cert.subjectKeyIdentifier).toBe(ski?.replace(/:/g, "").toLowerCase());
    // Self-signed: OpenSSL writes AKI = SKI.
    expect(cert.authorityKeyIdentifier).toBe(cert.subjectKeyIdentifier);
    expect(x509.ca).toBe(cert.isCa);
    const critical = cert.extensions.filter((e) => e.critical).map((e) => e.oid);
    expect(critical.sort()).toEqual([OID.basicConstraints, OID.keyUsage].sort());
  });
});

describe("extension edge cases", () => {
  function certWith(extensions: readonly string[]): Certificate {
    const pem = openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      join(dir, "p256.key"),
      "-subj",
      "/CN=edge",
      "-days",
      "1",
      // Suppress the default extensions of openssl.cnf so that absence can be tested.
      "-config",
      "/dev/null",
      ...extensions.flatMap((ext) => ["-addext", ext]),
    ]);
    return parseCertificate(pem);
  }

  it("reads a two-octet keyUsage (decipherOnly is bit 8)", () => {
    const cert = certWith(["keyUsage=keyAgreement,decipherOnly"]);
    expect(cert.keyUsage).toEqual(["keyAgreement", "decipherOnly"]);
  });

  it("reports absent extensions as undefined or empty", () => {
    const cert = certWith([]);
    expect(cert.extensions.map((e) => e.oid)).not.toContain(OID.keyUsage);
    expect(cert.keyUsage).toBeUndefined();
    expect(cert.extendedKeyUsage).toEqual([]);
    expect(cert.crlDistributionPoints).toEqual([]);
    expect(cert.ocspUrls).toEqual([]);
    expect(cert.isCa).toBe(false);
    expect(cert.pathLength).toBeUndefined();
    expect("pathLength" in cert).toBe(false);
  });

  it("reads basicConstraints CA:FALSE and an AKI given with issuer and serial", () => {
    const cert = certWith(["basicConstraints=CA:FALSE", "authorityKeyIdentifier=keyid:always,issuer:always"]);
    expect(cert.isCa).toBe(false);
    expect(cert.authorityKeyIdentifier).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe("parseCertificate on the generated test PKI", () => {
  it("matches node's X509Certificate for every certificate", async () => {
    const pki = await testPki();
    for (const issued of [
      pki.root,
      pki.intermediate,
      pki.person,
      pki.organisation,
      pki.tsa,
      pki.ocspResponder,
    ]) {
      const cert = issued.certificate;
      const x509 = new X509Certificate(Buffer.from(cert.der));
      expect(cert.subject.text.split(", ").reverse().join("\n")).toBe(x509.subject);
      expect(cert.issuer.text.split(", ").reverse().join("\n")).toBe(x509.issuer);
      expect(cert.isCa).toBe(x509.ca);
      expect(cert.serialNumberHex).toBe(x509.serialNumber.toLowerCase());
    }
    expect(pki.person.certificate.keyUsage).toEqual(["digitalSignature", "nonRepudiation"]);
    expect(pki.person.certificate.isCa).toBe(false);
    expect(pki.person.certificate.authorityKeyIdentifier).toBe(
      pki.intermediate.certificate.subjectKeyIdentifier,
    );
    expect(pki.intermediate.certificate.pathLength).toBe(0);
    expect(pki.root.certificate.pathLength).toBeUndefined();
    expect(pki.tsa.certificate.extendedKeyUsage).toEqual([OID.timeStamping]);
    expect(pki.tsa.certificate.extensions.find((e) => e.oid === OID.extKeyUsage)?.critical).toBe(true);
  });
});

describe("input forms", () => {
  it("accepts DER, PEM text, PEM bytes and bare base64", async () => {
    const pki = await testPki();
    const { der, sha256 } = pki.person.certificate;
    const pem = toPem(der);
    expect(parseCertificate(der).sha256).toBe(sha256);
    expect(parseCertificate(pem).sha256).toBe(sha256);
    expect(parseCertificate(new TextEncoder().encode(`junk before\n${pem}`)).sha256).toBe(sha256);
    expect(parseCertificate(Buffer.from(der).toString("base64")).sha256).toBe(sha256);
  });

  it("toPem writes 64-character lines that OpenSSL reads back", async () => {
    const pki = await testPki();
    const pem = toPem(pki.person.certificate.der);
    const lines = pem.trim().split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines.at(-1)).toBe("-----END CERTIFICATE-----");
    expect(lines.slice(1, -2).every((line) => line.length === 64)).toBe(true);
    const result = runOpenssl(["x509", "-noout", "-fingerprint", "-sha256"], pem);
    expect(result.stdout.replace(/.*=/, "").replace(/:/g, "").trim().toLowerCase()).toBe(
      pki.person.certificate.sha256,
    );
  });

  it("parseCertificates returns every certificate of a bundle in order and skips other blocks", async () => {
    const pki = await testPki();
    const bundle = [
      pki.person.certPem,
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
      pki.intermediate.certPem,
      pki.root.certPem,
    ].join("");
    expect(parseCertificates(bundle).map((c) => c.sha256)).toEqual([
      pki.person.certificate.sha256,
      pki.intermediate.certificate.sha256,
      pki.root.certificate.sha256,
    ]);
    expect(parseCertificates("no certificates here")).toEqual([]);
  });
});

describe("malformed input", () => {
  it.each([
    ["garbage bytes", Uint8Array.from([1, 2, 3, 4, 5])],
    ["an empty buffer", new Uint8Array(0)],
    ["a bare SEQUENCE", Uint8Array.from([0x30, 0x00])],
    ["text that is neither PEM nor base64", "this is not a certificate!"],
    ["a PEM block of garbage", "-----BEGIN CERTIFICATE-----\nAAECAwQ=\n-----END CERTIFICATE-----\n"],
  ])("rejects %s with CERT_MALFORMED", (_, input) => {
    expect(() => parseCertificate(input)).toThrow(expect.objectContaining({ code: "CERT_MALFORMED" }));
  });

  it("rejects a truncated, an extended and a bit-flipped certificate", async () => {
    const pki = await testPki();
    const der = pki.person.certificate.der;
    expect(() => parseCertificate(der.subarray(0, der.length - 10))).toThrow(
      expect.objectContaining({ code: "CERT_MALFORMED" }),
    );
    expect(() => parseCertificate(Uint8Array.of(...der, 0))).toThrow(
      expect.objectContaining({ code: "CERT_MALFORMED" }),
    );
    // Corrupt the outer SEQUENCE tag of the TBSCertificate.
    const flipped = Uint8Array.from(der);
    flipped[4] = 0x31;
    expect(() => parseCertificate(flipped)).toThrow(expect.objectContaining({ code: "CERT_MALFORMED" }));
  });

  it("rejects a certificate with an Ed25519 key with CERT_MALFORMED naming the key type", async () => {
    const { dir: work, cleanup: removeWork } = await tempDir();
    try {
      const key = join(work, "ed.key");
      openssl(["genpkey", "-algorithm", "ED25519", "-out", key]);
      const pem = openssl(["req", "-x509", "-new", "-key", key, "-subj", "/CN=ed", "-days", "1"]);
      expect(() => parseCertificate(pem)).toThrow(
        expect.objectContaining({ code: "CERT_MALFORMED", detail: expect.stringContaining("ed25519") }),
      );
    } finally {
      await removeWork();
    }
  });
});
