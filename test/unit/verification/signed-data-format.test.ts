/**
 * Format checking of the CMS (ETSI EN 319 102-1 §5.2.2) on real producers' output: BER from
 * poppler/NSS, adbe.pkcs7.detached without signed attributes (verified, noted as not PAdES
 * baseline), incomplete signed attributes, and a container that cannot be read at all — each with
 * its own code, none reported as if the letter had been changed.
 */
import { execFile } from "node:child_process";
import { sign as cryptoSign, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BER, children, encodeSetOf, readElement } from "../../../shared/asn1/der.ts";
import { digest } from "../../../shared/cms/algorithms.ts";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import { assembleSignedData } from "../../../shared/cms/signed-data.ts";
import { hashByteRange } from "../../../shared/pdf/byte-range.ts";
import { insertSignaturePlaceholder } from "../../../shared/pdf/insert-signature-placeholder.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { embedSignatureContents } from "../../../shared/pdf/signature-placeholder.ts";
import { resolveOptions, type ValidationOptions } from "../../../shared/verification/options.ts";
import { Outcome } from "../../../shared/verification/outcome.ts";
import { validateDetached } from "../../../shared/verification/validate-detached.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { validateSignedData } from "../../../shared/verification/validate-signed-data.ts";
import { opensslCmsSign } from "../../support/openssl.ts";
import { makeNssDb } from "../../support/pdf.ts";
import { type IssuedCert, type TestPki, testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";
import { signDetached } from "../cms/fixtures.ts";
import { ORGAN, offlineOptions, unsignedLetter } from "./helpers.ts";

const run = promisify(execFile);

let pki: TestPki;
let temp: TempDir;
let ecSigner: IssuedCert;

beforeAll(async () => {
  pki = await testPki();
  temp = await tempDir("lienthong-format-");
  ecSigner = await pki.issue({ keyType: "ec-p256" });
});

afterAll(async () => {
  await temp?.cleanup();
});

function options(extra: Partial<ValidationOptions> = {}): ValidationOptions {
  return offlineOptions(pki, { expectedOrganCode: ORGAN, ...extra });
}

/** The bytes a /ByteRange covers. */
function signedBytes(pdf: Uint8Array, range: readonly number[]): Uint8Array {
  const [a, b, c, d] = range as [number, number, number, number];
  return Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
}

/** The unsigned letter with a signature field of `subFilter` whose /Contents is `sign(signed bytes)`. */
async function letterSignedWith(
  subFilter: "adbe.pkcs7.detached" | "ETSI.CAdES.detached",
  sign: (content: Uint8Array) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const placeholder = await insertSignaturePlaceholder(await unsignedLetter(), {
    contentsBytes: 16_000,
    subFilter,
  });
  const cms = await sign(signedBytes(placeholder.bytes, placeholder.byteRange));
  const bytes = new Uint8Array(placeholder.bytes);
  embedSignatureContents(bytes, placeholder.contentsStart, placeholder.contentsEnd, cms);
  return bytes;
}

describe("adbe.pkcs7.detached without signed attributes (RFC 5652 §5.4)", () => {
  const noattr = (issued: IssuedCert, name: string) => (content: Uint8Array) =>
    opensslCmsSign(temp, issued, content, name, ["-noattr"]);

  it("verifies the signature over the content digest and notes it is not PAdES baseline", async () => {
    for (const [name, issued] of [
      ["rsa", pki.person],
      ["ecdsa", ecSigner],
    ] as const) {
      const pdf = await letterSignedWith("adbe.pkcs7.detached", noattr(issued, `noattr-${name}`));
      const report = await validatePdf(pdf, options());
      expect(report.verdict, name).toBe("TOTAL_PASSED");
      const checks = report.signatures[0]!.checks;
      expect(checks.find((c) => c.code === "NOT_PADES_BASELINE")).toMatchObject({
        name: "cms-structure",
        status: "passed",
      });
      expect(checks.find((c) => c.name === "signature-value")?.status).toBe("passed");
    }
  });

  it("a changed letter under such a signature is a digest mismatch (HASH_FAILURE) under a valid signature", async () => {
    const pdf = await letterSignedWith("adbe.pkcs7.detached", noattr(pki.person, "noattr-changed"));
    // One byte inside the first stream's data (the structure stays readable).
    const changed = new Uint8Array(pdf);
    const at = Buffer.from(pdf).indexOf("stream\n") + 60;
    changed[at] = (changed[at]! ^ 0x20) & 0xff;
    const report = await validatePdf(changed, options());
    expect(report.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "HASH_FAILURE" });
    const checks = report.signatures[0]!.checks;
    expect(checks.find((c) => c.name === "message-digest")?.code).toBe("DIGEST_MISMATCH");
    expect(checks.find((c) => c.name === "signature-value")?.status).toBe("passed");
    // The same through validateSignedData over other content; over the right content it passes.
    const content = randomBytes(100);
    const cms = await opensslCmsSign(temp, pki.person, content, "noattr-key", ["-noattr"]);
    const outcome = new Outcome();
    await validateSignedData(
      { cms, contentDigest: (h) => digest(h, randomBytes(100)), requireSigningCertificateV2: false },
      resolveOptions(options()),
      outcome,
    );
    expect(outcome.result()).toEqual({ indication: "TOTAL_FAILED", subIndication: "HASH_FAILURE" });
    const right = new Outcome();
    await validateSignedData(
      { cms, contentDigest: (h) => digest(h, content), requireSigningCertificateV2: false },
      resolveOptions(options()),
      right,
    );
    expect(right.result()).toEqual({ indication: "TOTAL_PASSED" });
  });

  it("ETSI.CAdES.detached still requires signed attributes and signing-certificate-v2", async () => {
    const pdf = await letterSignedWith("ETSI.CAdES.detached", noattr(pki.person, "noattr-cades"));
    const report = await validatePdf(pdf, options());
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
    });
    expect(report.signatures[0]!.checks.find((c) => c.status === "failed")?.code).toBe(
      "NO_SIGNED_ATTRIBUTES",
    );
    // With signed attributes but no ESS reference (openssl's default attributes): CAdES refuses too.
    const essLess = await letterSignedWith("ETSI.CAdES.detached", (content) =>
      opensslCmsSign(temp, pki.person, content, "no-ess"),
    );
    const refused = await validatePdf(essLess, options());
    expect(refused.signatures[0]!.checks.find((c) => c.status === "failed")?.code).toBe(
      "ESS_CERT_ID_MISSING",
    );
  });
});

describe("signed attributes RFC 5652 §5.3 requires", () => {
  /** Our CMS over `content` with the signed attributes rebuilt by `edit` and signed again. */
  async function reSigned(
    content: Uint8Array,
    edit: (attributes: Uint8Array[]) => Uint8Array[],
  ): Promise<Uint8Array> {
    const original = await signDetached(pki.person, content);
    const der = parseSignedData(original).signerInfos[0]!.signedAttributesDer!;
    const attributes = children(readElement(der, 0, BER), BER).map((a) => a.bytes.slice());
    const signedAttributes = encodeSetOf(...edit(attributes));
    return assembleSignedData({
      hashAlgorithm: "sha256",
      certificate: pki.person.certificate,
      chain: pki.person.chain,
      signedAttributes,
      signature: cryptoSign("sha256", signedAttributes, pki.person.privateKey),
    });
  }

  it("a missing message-digest is a format failure, not a changed letter", async () => {
    const content = randomBytes(300);
    const messageDigestOid = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04]);
    const cms = await reSigned(content, (list) =>
      list.filter((a) => Buffer.from(a).indexOf(messageDigestOid) !== 2),
    );
    const report = await validateDetached(content, cms, options());
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
    });
    const failed = report.signatures[0]!.checks.find((c) => c.status === "failed");
    expect(failed).toMatchObject({ code: "SIGNED_ATTRIBUTES_INCOMPLETE" });
    expect(failed?.detail).toContain("message-digest");
  });

  it("reports an unreadable CMS as unreadable (CMS_UNREADABLE), not as a changed letter", async () => {
    const report = await validateDetached(randomBytes(10), Uint8Array.of(0x30, 0x80, 0x06, 0x09, 1, 2, 3), {
      trustAnchors: [pki.root.certificate],
      offline: true,
    });
    const check = report.signatures[0]!.checks.find((c) => c.name === "cms-structure");
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
    });
    expect(check).toMatchObject({ status: "failed", code: "CMS_UNREADABLE" });
    expect(check?.detail).toMatch(/signature container .* could not be read/);
    expect(check?.detail).not.toMatch(/chang|modif|alter/i);
  });
});

describe("a letter signed by poppler (pdfsig -add-signature, NSS: BER indefinite lengths)", () => {
  let popplerPdf: Uint8Array;

  beforeAll(async () => {
    // pdfsig of poppler 22.12: -nssdir, -nick, -digest; the signer's PKCS#12 imported with pk12util.
    const db = await makeNssDb(temp.dir, pki.root.certPem, pki.intermediate.certPem);
    const p12 = await temp.file("signer.p12", pki.person.p12);
    await run("pk12util", ["-i", p12, "-d", db, "-W", pki.person.p12Password]);
    const input = await temp.file("letter.pdf", await unsignedLetter());
    const output = join(temp.dir, "letter-poppler.pdf");
    await run("pdfsig", [
      "-add-signature",
      "-nssdir",
      db,
      "-nick",
      pki.person.certificate.subject.commonName!,
      "-digest",
      "SHA256",
      "-reason",
      "Ký số văn bản",
      input,
      output,
    ]);
    popplerPdf = new Uint8Array(await readFile(output));
  }, 60_000);

  it("writes BER: the CMS has indefinite lengths", () => {
    const signature = readPdf(popplerPdf).signatures()[0]!;
    expect(signature.subFilter).toBe("adbe.pkcs7.detached");
    expect(signature.contents![1]).toBe(0x80);
    expect(readElement(signature.contents!, 0, BER).indefinite).toBe(true);
  });

  it("the CMS validates over its byte ranges: TOTAL_PASSED with the organ bound", async () => {
    const signature = readPdf(popplerPdf).signatures()[0]!;
    const outcome = new Outcome();
    const result = await validateSignedData(
      {
        cms: signature.contents!,
        contentDigest: (hash) => hashByteRange(popplerPdf, signature.byteRange!, hash),
        requireSigningCertificateV2: false,
      },
      resolveOptions(options()),
      outcome,
    );
    expect(outcome.result()).toEqual({ indication: "TOTAL_PASSED" });
    expect(result.signer?.organCode).toBe(ORGAN);
    expect(outcome.checks.filter((c) => c.status === "failed")).toEqual([]);
  });

  it("validatePdf gives the poppler letter TOTAL_PASSED, and a changed copy HASH_FAILURE", async () => {
    const report = await validatePdf(popplerPdf, options());
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_PASSED",
      subFilter: "adbe.pkcs7.detached",
      signer: { organCode: ORGAN },
    });
    // One byte inside the first stream's data (the structure stays readable).
    const changed = new Uint8Array(popplerPdf);
    const at = Buffer.from(popplerPdf).indexOf("stream\n") + 60;
    changed[at] = (changed[at]! ^ 0x20) & 0xff;
    expect((await validatePdf(changed, options())).signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "HASH_FAILURE",
    });
  });
});
