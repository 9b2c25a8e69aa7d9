import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bytesToHex,
  children,
  decodeDer,
  encodeInteger,
  encodeOid,
  encodeSequence,
  encodeSetOf,
  encodeUtf8String,
  TAG,
} from "../../../shared/asn1/der.ts";
import { OID } from "../../../shared/asn1/oids.ts";
import { parseCertificate } from "../../../shared/pki/certificate.ts";
import { encodeName, parseName } from "../../../shared/pki/name.ts";
import { runOpenssl } from "../../support/openssl.ts";
import { tempDir } from "../../support/temp-dir.ts";

let dir: string;
let cleanup: () => Promise<void>;
let keyPath: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("lienthong-pki-"));
  keyPath = join(dir, "key.pem");
  expect(
    runOpenssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyPath])
      .status,
  ).toBe(0);
});

afterAll(async () => {
  await cleanup?.();
});

async function opensslCert(subject: string): Promise<{ text: string; pem: string }> {
  const out = join(dir, "cert.pem");
  const made = runOpenssl([
    "req",
    "-x509",
    "-new",
    "-key",
    keyPath,
    "-utf8",
    "-multivalue-rdn",
    "-subj",
    subject,
    "-days",
    "1",
    "-out",
    out,
  ]);
  expect(made.stderr).toBe("");
  const text = runOpenssl([
    "x509",
    "-in",
    out,
    "-noout",
    "-subject",
    "-nameopt",
    "esc_2253,utf8,dn_rev,sep_comma_plus_space,sname",
  ]).stdout;
  return { text: text.trim().replace(/^subject=/, ""), pem: await readFile(out, "utf8") };
}

describe("parseName text", () => {
  it("escapes special characters, leading '#'/space and a trailing space as OpenSSL does", async () => {
    const { text, pem } = await opensslCert('/C=VN/O=A, B; C <d> "e" \\\\ f=g/CN=#Lê  /title= lead');
    const cert = parseCertificate(pem);
    expect(cert.subject.text).toBe(text);
    expect(cert.subject.organization).toBe('A, B; C <d> "e" \\ f=g');
    expect(cert.subject.commonName).toBe("#Lê  ");
  });

  it("joins multi-valued RDNs with '+' (RFC 4514) in OpenSSL's order", async () => {
    const { text, pem } = await opensslCert("/C=VN/OU=Phòng Tổng hợp+CN=Văn thư/O=Sở Nội vụ");
    const cert = parseCertificate(pem);
    // OpenSSL's sep_comma_plus_space writes " + ", RFC 4514 writes "+".
    expect(cert.subject.text).toBe(text.replace(/ \+ /g, "+"));
    expect(cert.subject.organizationalUnit).toBe("Phòng Tổng hợp");
    expect(cert.subject.commonName).toBe("Văn thư");
  });

  it("shows a non-string attribute value as '#' + hex instead of failing", () => {
    const integer = encodeInteger(42);
    const name = encodeSequence(
      encodeSetOf(encodeSequence(encodeOid("1.2.3.4"), integer)),
      encodeSetOf(encodeSequence(encodeOid(OID.commonName), encodeUtf8String("y"))),
    );
    const parsed = parseName(name);
    expect(parsed.attributes[0]).toEqual({ oid: "1.2.3.4", value: `#${bytesToHex(integer)}` });
    expect(parsed.text).toBe(`CN=y, 1.2.3.4=#${bytesToHex(integer)}`);
  });

  it("rejects a Name that is not a SEQUENCE OF SET", () => {
    expect(() => parseName(encodeSequence(encodeSequence()))).toThrow(/RelativeDistinguishedName/);
  });
});

describe("encodeName", () => {
  it("writes C as PrintableString, the rest as UTF8String, general to specific", () => {
    const der = encodeName({
      commonName: "Trần Thị Bích Ngọc",
      title: "Phó Giám đốc",
      organization: "Sở Tài chính tỉnh Tây Ninh",
      organizationalUnit: "Văn phòng",
      organCode: "000.00.11.H53",
      locality: "Tây Ninh",
      province: "Tây Ninh",
    });
    const values = children(decodeDer(der)).map((rdn) => children(children(rdn)[0]!)[1]!.tag);
    expect(values[0]).toBe(TAG.PRINTABLE_STRING);
    expect(values.slice(1).every((tag) => tag === TAG.UTF8_STRING)).toBe(true);
    const parsed = parseName(der);
    expect(parsed.attributes.map((a) => a.shortName)).toEqual([
      "C",
      "ST",
      "L",
      "O",
      "OU",
      "organizationIdentifier",
      "title",
      "CN",
    ]);
    expect(parsed.organCode).toBe("000.00.11.H53");
    expect(parsed.country).toBe("VN");
    // OpenSSL decodes the same UTF-8 text from the DER.
    const printed = runOpenssl(["asn1parse", "-inform", "DER"], der);
    expect(printed.status).toBe(0);
    expect(printed.stdout).toContain("UTF8STRING        :Trần Thị Bích Ngọc");
  });

  it("omits empty optional fields", () => {
    const parsed = parseName(encodeName({ commonName: "Lê Hoàng Phúc", organization: "", country: "VN" }));
    expect(parsed.attributes.map((a) => a.shortName)).toEqual(["C", "CN"]);
    expect(parsed.organization).toBeUndefined();
    expect("organization" in parsed).toBe(false);
  });
});
