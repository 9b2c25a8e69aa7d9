/**
 * Extended key usage of the signer (RFC 5280 §4.2.1.12): a certificate with the extension must name
 * a signing purpose of the policy (options.ts DEFAULT_SIGNER_EXTENDED_KEY_USAGES); other purposes
 * are an X.509 validation constraint failure (ETSI EN 319 102-1 §5.2.6: INDETERMINATE /
 * CHAIN_CONSTRAINTS_FAILURE), even when everything else, organ binding included, holds.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OID } from "../../../shared/asn1/oids.ts";
import { digest } from "../../../shared/cms/algorithms.ts";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import type { OrganDirectory, ValidationOptions } from "../../../shared/verification/options.ts";
import { resolveOptions } from "../../../shared/verification/options.ts";
import { validateTimestampToken } from "../../../shared/verification/timestamp-validation.ts";
import { validateDetached } from "../../../shared/verification/validate-detached.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { type IssuedCert, type TestPki, testPki } from "../../support/pki.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";
import { makeTimestampToken, signDetached } from "../cms/fixtures.ts";
import { ORGAN, signWith } from "./helpers.ts";

const MS_DOCUMENT_SIGNING = "1.3.6.1.4.1.311.10.3.12";
const ADOBE_AUTHENTIC_DOCUMENTS = "1.2.840.113583.1.1.5";
const ANY_EKU = "2.5.29.37.0";

let pki: TestPki;
const content = randomBytes(1500);
/** Binds every certificate to the test organ: organ binding holds whatever the certificate says. */
const bindsAll: OrganDirectory = { isBound: () => true };

beforeAll(async () => {
  pki = await testPki();
});

function options(extra: Partial<ValidationOptions> = {}): ValidationOptions {
  return {
    trustAnchors: [pki.root.certificate],
    crls: [pki.rootCrl, pki.intermediateCrl],
    offline: true,
    expectedOrganCode: ORGAN,
    organDirectory: bindsAll,
    ...extra,
  };
}

async function validate(signer: IssuedCert, extra: Partial<ValidationOptions> = {}) {
  const report = await validateDetached(content, await signDetached(signer, content), options(extra));
  return report.signatures[0]!;
}

describe("signer extended key usage", () => {
  it("refuses a TSA, an OCSP responder and TLS-only certificates as signers, organ binding satisfied", async () => {
    const serverOnly = await pki.issue({ extendedKeyUsage: [OID.serverAuth] });
    const clientOnly = await pki.issue({ extendedKeyUsage: [OID.clientAuth] });
    const codeSigning = await pki.issue({ extendedKeyUsage: [OID.codeSigning] });
    const tlsBoth = await pki.issue({ extendedKeyUsage: [OID.serverAuth, OID.clientAuth] });
    for (const [name, signer] of [
      ["TSA (timeStamping)", pki.tsa],
      ["OCSP responder (OCSPSigning)", pki.ocspResponder],
      ["TLS server only", serverOnly],
      ["TLS client only", clientOnly],
      ["code signing", codeSigning],
      ["TLS server + client", tlsBoth],
    ] as const) {
      const signature = await validate(signer);
      expect(signature, name).toMatchObject({
        indication: "INDETERMINATE",
        subIndication: "CHAIN_CONSTRAINTS_FAILURE",
      });
      const failed = signature.checks.filter((c) => c.status === "failed");
      // The EKU is the only problem: crypto, chain, revocation and organ binding all hold.
      expect(
        failed.map((c) => c.code),
        name,
      ).toEqual(["EXTENDED_KEY_USAGE_NOT_FOR_SIGNING"]);
      expect(failed[0]?.detail).toMatch(/CHAIN_CONSTRAINTS|ETSI EN 319 102-1 §5\.2\.6/);
      expect(signature.checks.find((c) => c.name === "organ-binding")?.status).toBe("passed");
    }
  });

  it("accepts document signing, Microsoft and Adobe document signing, e-mail protection, any purpose and no EKU", async () => {
    for (const [name, ekus] of [
      ["id-kp-documentSigning", [OID.documentSigning]],
      ["Microsoft document signing", [MS_DOCUMENT_SIGNING]],
      ["Adobe authentic documents", [ADOBE_AUTHENTIC_DOCUMENTS]],
      ["emailProtection", [OID.emailProtection]],
      ["anyExtendedKeyUsage", [ANY_EKU]],
      [
        "clientAuth + emailProtection (a typical personal signing certificate)",
        [OID.clientAuth, OID.emailProtection],
      ],
    ] as const) {
      const signer = await pki.issue({ extendedKeyUsage: ekus });
      const signature = await validate(signer);
      expect(signature.indication, name).toBe("TOTAL_PASSED");
      expect(signature.checks.find((c) => c.name === "key-usage")).toMatchObject({
        status: "passed",
        code: "KEY_USAGE_ALLOWS_SIGNING",
      });
    }
    const noEku = await validate(pki.person);
    expect(noEku.indication).toBe("TOTAL_PASSED");
    expect(noEku.checks.find((c) => c.name === "key-usage")?.detail).toContain(
      "no extendedKeyUsage extension",
    );
  });

  it("takes the accepted purposes from the options (one list, with a default)", async () => {
    const emailOnly = await pki.issue({ extendedKeyUsage: [OID.emailProtection] });
    expect((await validate(emailOnly)).indication).toBe("TOTAL_PASSED");
    const strict = await validate(emailOnly, { signerExtendedKeyUsages: [OID.documentSigning] });
    expect(strict).toMatchObject({ indication: "INDETERMINATE", subIndication: "CHAIN_CONSTRAINTS_FAILURE" });
    const serverOnly = await pki.issue({ extendedKeyUsage: [OID.serverAuth] });
    expect((await validate(serverOnly, { signerExtendedKeyUsages: [OID.serverAuth] })).indication).toBe(
      "TOTAL_PASSED",
    );
    expect(resolveOptions(options()).signerExtendedKeyUsages).toEqual([
      OID.documentSigning,
      MS_DOCUMENT_SIGNING,
      ADOBE_AUTHENTIC_DOCUMENTS,
      OID.emailProtection,
      ANY_EKU,
    ]);
  });

  it("refuses a PDF letter signed with the TSA's key, too", async () => {
    const report = await validatePdf(await signWith([pki.tsa]), options());
    expect(report.signatures[0]).toMatchObject({
      indication: "INDETERMINATE",
      subIndication: "CHAIN_CONSTRAINTS_FAILURE",
    });
    expect(report.signatures[0]!.checks.find((c) => c.name === "key-usage")?.code).toBe(
      "EXTENDED_KEY_USAGE_NOT_FOR_SIGNING",
    );
  });
});

describe("TSA extended key usage (RFC 3161 §2.3)", () => {
  let tsa: TestTsa;

  beforeAll(async () => {
    tsa = await startTestTsa();
  });

  afterAll(async () => {
    await tsa?.close();
  });

  it("accepts tokens of a timeStamping TSA and refuses tokens by certificates without timeStamping", async () => {
    const cms = await signDetached(pki.person, content, { tsa: tsa.client });
    const info = parseSignedData(cms).signerInfos[0]!;
    const context = resolveOptions(options());
    const imprint = (hash: string) => digest(hash, info.signature);
    const stamp = digest("sha256", info.signature);
    // A real TSA (OpenSSL) and a token made in test code by the TSA certificate: both valid.
    expect((await validateTimestampToken(info.timestampTokens[0]!, imprint, context)).code).toBe(
      "TIMESTAMP_VALID",
    );
    const byTsa = makeTimestampToken(pki.tsa, stamp, new Date());
    expect(await validateTimestampToken(byTsa, imprint, context)).toMatchObject({ valid: true });
    // The same token made by certificates that are not TSAs: correctly signed, but not authorised.
    const emailOnly = await pki.issue({ extendedKeyUsage: [OID.emailProtection] });
    for (const [name, signer] of [
      ["a person certificate without EKU", pki.person],
      ["an e-mail protection certificate", emailOnly],
      ["the OCSP responder", pki.ocspResponder],
    ] as const) {
      const token = makeTimestampToken(signer, stamp, new Date());
      expect(await validateTimestampToken(token, imprint, context), name).toMatchObject({
        valid: false,
        code: "TIMESTAMP_TSA_NOT_AUTHORISED",
      });
    }
  });
});
