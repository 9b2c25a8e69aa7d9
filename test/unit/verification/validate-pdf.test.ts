import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashByteRange } from "../../../shared/pdf/byte-range.ts";
import { insertSignaturePlaceholder } from "../../../shared/pdf/insert-signature-placeholder.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { embedSignatureContents } from "../../../shared/pdf/signature-placeholder.ts";
import { parseCrl } from "../../../shared/pki/crl.ts";
import { httpFetcher } from "../../../shared/pki/revocation.ts";
import { signedRevisionBytes } from "../../../shared/verification/report.ts";
import { summarise } from "../../../shared/verification/summary.ts";
import { parsePdfDate, validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { sealImage, signatureImage } from "../../support/images.ts";
import { freePort, type RunningServer, startOcspResponder } from "../../support/ocsp.ts";
import { makeLibreOfficePdf, toXrefStreamPdf } from "../../support/pdf.ts";
import { type IssuedCert, type TestPki, testPki, untrustedCert } from "../../support/pki.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";
import { indexOf, ORGAN, offlineOptions, signWith, unsignedLetter } from "./helpers.ts";

let pki: TestPki;
let single: Uint8Array;
let countersigned: Uint8Array;

beforeAll(async () => {
  pki = await testPki();
  single = await signWith([pki.person]);
  // Sealed on top of `single` itself: two separate signings could fall in different seconds (/M).
  countersigned = await signWith([pki.organisation], { pdf: single });
});

describe("correctly signed letters pass (no false alarms)", () => {
  it("passes a letter signed once, covering the whole file", async () => {
    const report = await validatePdf(single, offlineOptions(pki, { expectedOrganCode: ORGAN }));
    expect(report.verdict).toBe("TOTAL_PASSED");
    const [signature] = report.signatures;
    expect(signature).toMatchObject({
      indication: "TOTAL_PASSED",
      kind: "pdf-signature",
      subFilter: "ETSI.CAdES.detached",
      coverage: "whole-file",
      modification: "none",
      revocation: { source: "crl", status: "good" },
      signer: { name: pki.person.certificate.subject.commonName, organCode: ORGAN },
    });
    expect(signature?.subIndication).toBeUndefined();
    expect(signature?.chain.map((c) => c.sha256)).toEqual([
      pki.person.certificate.sha256,
      pki.intermediate.certificate.sha256,
      pki.root.certificate.sha256,
    ]);
    expect(signature?.checks.every((check) => check.status !== "failed")).toBe(true);
    expect(report.document).toMatchObject({ kind: "pdf", size: single.length, revisions: 2 });
    expect(Object.isFrozen(report) && Object.isFrozen(report.signatures[0])).toBe(true);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("passes a letter signed by the person and then sealed by the organisation", async () => {
    const report = await validatePdf(countersigned, offlineOptions(pki, { expectedOrganCode: ORGAN }));
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures.map((s) => s.indication)).toEqual(["TOTAL_PASSED", "TOTAL_PASSED"]);
    expect(report.signatures[0]).toMatchObject({
      coverage: "revision",
      modification: "signatures-and-validation-data",
    });
    expect(report.signatures[1]).toMatchObject({ coverage: "whole-file", modification: "none" });
  });

  it("offers exactly the bytes the first signer signed, which verify on their own", async () => {
    const report = await validatePdf(countersigned, offlineOptions(pki));
    const signed = signedRevisionBytes(report, countersigned, 0)!;
    expect(signed.length).toBe(report.signatures[0]!.signedRevision!.length);
    expect(signed.length).toBeLessThan(countersigned.length);
    expect(Buffer.compare(signed, single.subarray(0, signed.length))).toBe(0);
    const alone = await validatePdf(signed, offlineOptions(pki));
    expect(alone.verdict).toBe("TOTAL_PASSED");
    expect(alone.signatures[0]?.coverage).toBe("whole-file");
  });

  it("passes visible signer + seal appearances, and xref-stream and LibreOffice letters, signed twice", async () => {
    const appearances = [
      {
        kind: "signer",
        image: signatureImage(),
        title: "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        signerName: "Trần Thị Bích Ngọc",
      },
      { kind: "seal", image: sealImage() },
    ] as const;
    const variants = {
      visible: await signWith([pki.person, pki.organisation], { appearances }),
      xrefStream: await signWith([pki.person, pki.organisation], {
        pdf: await toXrefStreamPdf(await unsignedLetter()),
        appearances,
      }),
      libreOffice: await signWith([pki.person, pki.organisation], { pdf: await makeLibreOfficePdf() }),
      stamped: await signWith([pki.organisation], {
        appearances: [{ kind: "stamp", lines: ["Số: 2491/STC-BCTC"] }],
      }),
    };
    for (const [name, pdf] of Object.entries(variants)) {
      const report = await validatePdf(pdf, offlineOptions(pki, { expectedOrganCode: ORGAN }));
      expect({
        name,
        verdict: report.verdict,
        modifications: report.signatures.map((s) => s.modification),
      }).toMatchObject({
        name,
        verdict: "TOTAL_PASSED",
      });
    }
    // The seal paints over page 1 after the person signed: the report says who, where.
    const visible = await validatePdf(variants.visible, offlineOptions(pki, { expectedOrganCode: ORGAN }));
    const [first, second] = visible.signatures;
    expect(first?.paintedAfter).toEqual([
      expect.objectContaining({ kind: "signature", page: 1, by: 1, fieldName: second?.fieldName }),
    ]);
    const [x1, y1, x2, y2] = first!.paintedAfter[0]!.rect;
    expect(x2 - x1).toBeGreaterThan(10);
    expect(y2 - y1).toBeGreaterThan(10);
    expect(second?.paintedAfter).toEqual([]);
    expect(first?.changes.every((change) => change.verdict === "allowed")).toBe(true);
    expect(first?.changes.map((change) => change.code)).toContain("SIGNATURE_FIELD_ADDED");
    expect(summarise(visible, "en")).toMatch(
      /Signature 2 \(.+\) shows a signature image on page 1, area \[\d+ \d+ \d+ \d+\]/,
    );
    expect(summarise(visible, "vi")).toContain("hiển thị hình chữ ký tại trang 1");
  });

  it("reads the claimed signing time from /M", () => {
    expect(parsePdfDate("D:20240305140211+07'00'")?.toISOString()).toBe("2024-03-05T07:02:11.000Z");
    expect(parsePdfDate("D:20240305070211Z")?.toISOString()).toBe("2024-03-05T07:02:11.000Z");
    expect(parsePdfDate("yesterday")).toBeUndefined();
  });
});

describe("certificate problems give the right sub-indication", () => {
  it("expired signer → TOTAL_FAILED EXPIRED", async () => {
    const expired = await pki.issue({ preset: "expired" });
    const report = await validatePdf(await signWith([expired]), offlineOptions(pki));
    expect(report.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "EXPIRED" });
    expect(report.verdict).toBe("TOTAL_FAILED");
  });

  it("not yet valid signer → TOTAL_FAILED NOT_YET_VALID", async () => {
    const future = await pki.issue({ preset: "not-yet-valid" });
    const report = await validatePdf(await signWith([future]), offlineOptions(pki));
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "NOT_YET_VALID",
    });
  });

  it("revoked on the CA's CRL → TOTAL_FAILED REVOKED with time and reason", async () => {
    const report = await validatePdf(await signWith([pki.revoked]), offlineOptions(pki));
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "REVOKED",
      revocation: {
        source: "crl",
        status: "revoked",
        reason: "keyCompromise",
        at: pki.revokedAt.toISOString(),
      },
    });
  });

  it("untrusted root → INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND", async () => {
    const foreign = await untrustedCert();
    const report = await validatePdf(await signWith([foreign]), offlineOptions(pki));
    expect(report.signatures[0]).toMatchObject({
      indication: "INDETERMINATE",
      subIndication: "NO_CERTIFICATE_CHAIN_FOUND",
    });
    // The digest and the signature value are still good: only trust is missing.
    const checks = Object.fromEntries(report.signatures[0]!.checks.map((c) => [c.name, c.status]));
    expect(checks["message-digest"]).toBe("passed");
    expect(checks["signature-value"]).toBe("passed");
  });

  it("a key not meant for signing → INDETERMINATE CHAIN_CONSTRAINTS_FAILURE", async () => {
    const wrong = await pki.issue({ preset: "wrong-key-usage" });
    const report = await validatePdf(await signWith([wrong]), offlineOptions(pki));
    expect(report.signatures[0]).toMatchObject({
      indication: "INDETERMINATE",
      subIndication: "CHAIN_CONSTRAINTS_FAILURE",
    });
    expect(report.signatures[0]!.checks.find((c) => c.name === "key-usage")?.code).toBe(
      "KEY_USAGE_NOT_FOR_SIGNING",
    );
  });

  it("a signer of another organ → INDETERMINATE SIG_CONSTRAINTS_FAILURE, unless the directory binds it", async () => {
    const other = await pki.issue({ preset: "other-organ" });
    const pdf = await signWith([other]);
    const report = await validatePdf(pdf, offlineOptions(pki, { expectedOrganCode: ORGAN }));
    expect(report.signatures[0]).toMatchObject({
      indication: "INDETERMINATE",
      subIndication: "SIG_CONSTRAINTS_FAILURE",
    });
    expect(report.signatures[0]!.checks.find((c) => c.name === "organ-binding")?.code).toBe(
      "SIGNER_NOT_BOUND_TO_ORGAN",
    );
    const bound = await validatePdf(
      pdf,
      offlineOptions(pki, {
        expectedOrganCode: ORGAN,
        organDirectory: {
          isBound: async (organ, certificate) =>
            organ === ORGAN && certificate.sha256 === other.certificate.sha256,
        },
      }),
    );
    expect(bound.verdict).toBe("TOTAL_PASSED");
    // Without a claimed sender, the organ is not checked.
    expect((await validatePdf(pdf, offlineOptions(pki))).verdict).toBe("TOTAL_PASSED");
  });
});

describe("revocation sources", () => {
  let ocsp: RunningServer;
  let good: IssuedCert;
  let revoked: IssuedCert;

  beforeAll(async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    good = await pki.issue({ ocspUrl: url });
    revoked = await pki.issue({ ocspUrl: url });
    ocsp = await startOcspResponder({
      caPem: pki.intermediate.certPem,
      responderCertPem: pki.ocspResponder.certPem,
      responderKeyPem: pki.ocspResponder.keyPem,
      entries: [
        { certificate: good.certificate },
        {
          certificate: revoked.certificate,
          revokedAt: new Date("2026-01-02T03:04:05Z"),
          reason: "keyCompromise",
        },
      ],
      port,
    });
  });

  afterAll(async () => {
    await ocsp?.close();
  });

  it("asks the real OCSP responder: good passes, revoked → REVOKED (source ocsp)", async () => {
    const online = (extra = {}) => ({
      trustAnchors: [pki.root.certificate],
      // The intermediate itself is checked against the root's CRL (given); the leaf goes to OCSP.
      crls: [pki.rootCrl],
      fetcher: httpFetcher({ timeoutMs: 5000 }),
      ...extra,
    });
    const passed = await validatePdf(await signWith([good]), online());
    expect(passed.verdict).toBe("TOTAL_PASSED");
    expect(passed.signatures[0]?.revocation).toMatchObject({ source: "ocsp", status: "good" });
    const failed = await validatePdf(await signWith([revoked]), online());
    expect(failed.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "REVOKED",
      revocation: { source: "ocsp", status: "revoked", at: "2026-01-02T03:04:05.000Z" },
    });
  });

  it("unreachable CRL and OCSP → INDETERMINATE TRY_LATER; 'prefer' and 'off' let it pass", async () => {
    const closed = await freePort();
    const lost = await pki.issue({
      ocspUrl: `http://127.0.0.1:${closed}`,
      crlUrl: `http://127.0.0.1:${closed}/ca.crl`,
    });
    const pdf = await signWith([lost]);
    const base = {
      trustAnchors: [pki.root.certificate],
      crls: [pki.rootCrl],
      fetcher: httpFetcher({ timeoutMs: 2000 }),
    };
    const report = await validatePdf(pdf, base);
    expect(report.signatures[0]).toMatchObject({
      indication: "INDETERMINATE",
      subIndication: "TRY_LATER",
      revocation: { status: "unknown" },
    });
    expect((await validatePdf(pdf, { ...base, revocation: "prefer" })).verdict).toBe("TOTAL_PASSED");
    const off = await validatePdf(pdf, { ...base, revocation: "off" });
    expect(off.verdict).toBe("TOTAL_PASSED");
    expect(off.signatures[0]!.checks.find((c) => c.name === "revocation")?.status).toBe("skipped");
  });

  it("offline without CRLs → TRY_LATER; offline with the CAs' CRLs → TOTAL_PASSED", async () => {
    const without = await validatePdf(single, { trustAnchors: [pki.root.certificate], offline: true });
    expect(without.signatures[0]).toMatchObject({ indication: "INDETERMINATE", subIndication: "TRY_LATER" });
    const withCrls = await validatePdf(single, {
      trustAnchors: pki.root.certPem,
      crls: [parseCrl(pki.intermediateCrl), pki.rootCrl],
      offline: true,
    });
    expect(withCrls.verdict).toBe("TOTAL_PASSED");
  });

  it("a CRL that is not current at the validation time is not enough → TRY_LATER", async () => {
    // thisUpdate 2025-01-01 is after this validation time: the CRL cannot speak for it.
    const early = await validatePdf(
      single,
      offlineOptions(pki, { validationTime: new Date("2024-06-01T00:00:00Z") }),
    );
    expect(early.signatures[0]).toMatchObject({ indication: "INDETERMINATE", subIndication: "TRY_LATER" });
  });
});

describe("timestamps (PAdES B-T)", () => {
  let tsa: TestTsa;

  beforeAll(async () => {
    tsa = await startTestTsa();
  });

  afterAll(async () => {
    await tsa?.close();
  });

  it("proves the signing time with a valid signature timestamp", async () => {
    const pdf = await signWith([pki.person], { tsa: tsa.client });
    const before = Date.now();
    const report = await validatePdf(pdf, offlineOptions(pki));
    expect(report.verdict).toBe("TOTAL_PASSED");
    const signature = report.signatures[0]!;
    expect(signature.timestamp?.valid).toBe(true);
    expect(Math.abs(new Date(signature.provenSigningTime!).getTime() - before)).toBeLessThan(120_000);
    expect(signature.checks.find((c) => c.name === "timestamp")?.code).toBe("TIMESTAMP_VALID");
  });

  it("validates a document timestamp (ETSI.RFC3161) added after the signature", async () => {
    const placeholder = await insertSignaturePlaceholder(single, {
      contentsBytes: 12_000,
      subFilter: "ETSI.RFC3161",
    });
    const imprint = hashByteRange(placeholder.bytes, placeholder.byteRange, "sha256");
    const token = await tsa.client.timestamp(imprint, "sha256");
    const stamped = new Uint8Array(placeholder.bytes);
    embedSignatureContents(stamped, placeholder.contentsStart, placeholder.contentsEnd, token);
    const report = await validatePdf(stamped, offlineOptions(pki));
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures.map((s) => s.kind)).toEqual(["pdf-signature", "document-timestamp"]);
    expect(report.signatures[1]).toMatchObject({ indication: "TOTAL_PASSED", timestamp: { valid: true } });
    expect(report.signatures[1]?.provenSigningTime).toBeDefined();
    // A token over other data does not pass.
    const wrong = new Uint8Array(placeholder.bytes);
    embedSignatureContents(
      wrong,
      placeholder.contentsStart,
      placeholder.contentsEnd,
      await tsa.client.timestamp(new Uint8Array(32), "sha256"),
    );
    const bad = await validatePdf(wrong, offlineOptions(pki));
    expect(bad.signatures[1]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "HASH_FAILURE" });
    // A document timestamp alone is no signature.
    const onlyStamp = await insertSignaturePlaceholder(await unsignedLetter(), {
      contentsBytes: 12_000,
      subFilter: "ETSI.RFC3161",
    });
    const onlyBytes = new Uint8Array(onlyStamp.bytes);
    embedSignatureContents(
      onlyBytes,
      onlyStamp.contentsStart,
      onlyStamp.contentsEnd,
      await tsa.client.timestamp(hashByteRange(onlyStamp.bytes, onlyStamp.byteRange, "sha256"), "sha256"),
    );
    const alone = await validatePdf(onlyBytes, offlineOptions(pki));
    expect(alone.signatures[0]?.indication).toBe("TOTAL_PASSED");
    expect(alone.verdict).toBe("TOTAL_FAILED");
    expect(alone.problems.map((p) => p.code)).toContain("NO_SIGNATURE");
  });

  it("a timestamp after the revocation does not save a revoked signer", async () => {
    const report = await validatePdf(await signWith([pki.revoked], { tsa: tsa.client }), offlineOptions(pki));
    expect(report.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "REVOKED" });
  });

  it("an untrusted TSA gives no proof and the signature is not TOTAL_PASSED", async () => {
    const foreign = await untrustedCert();
    const report = await validatePdf(await signWith([pki.person], { tsa: tsa.client }), {
      ...offlineOptions(pki),
      trustAnchors: [pki.root.certificate, foreign.chain[0]!],
    });
    expect(report.verdict).toBe("TOTAL_PASSED");
    // Same letter, but trusting only a root that did not issue the TSA certificate.
    const strict = await validatePdf(await signWith([foreign], { tsa: tsa.client }), {
      trustAnchors: [foreign.chain[0]!],
      crls: [pki.intermediateCrl],
      offline: true,
      revocation: "off",
    });
    expect(strict.signatures[0]!.checks.find((c) => c.name === "timestamp")?.code).toBe(
      "TIMESTAMP_TSA_UNTRUSTED",
    );
    expect(strict.verdict).not.toBe("TOTAL_PASSED");
  });
});

describe("letters that are not signed or were altered", () => {
  it("an unsigned letter is TOTAL_FAILED with NO_SIGNATURE", async () => {
    const report = await validatePdf(await unsignedLetter(), offlineOptions(pki));
    expect(report.verdict).toBe("TOTAL_FAILED");
    expect(report.signatures).toHaveLength(0);
    expect(report.problems.map((p) => p.code)).toContain("NO_SIGNATURE");
  });

  it("one changed byte of the signed content → TOTAL_FAILED HASH_FAILURE", async () => {
    const tampered = new Uint8Array(single); // a copy (signPdf may return a Buffer, whose slice is a view)
    const at = indexOf(tampered, "/MediaBox");
    tampered[at + 2] = tampered[at + 2]! ^ 0x20; // /MediaBox → /MEdiaBox: still a readable PDF
    const report = await validatePdf(tampered, offlineOptions(pki));
    expect(report.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "HASH_FAILURE" });
  });

  it("a changed signature value → TOTAL_FAILED SIG_CRYPTO_FAILURE", async () => {
    const pdf = readPdf(single);
    const signature = pdf.signatures()[0]!;
    const tampered = new Uint8Array(single); // a copy (signPdf may return a Buffer, whose slice is a view)
    // The RSA signature value is the last big OCTET STRING before the zero padding; flip hex digits near its end.
    const contents = signature.contents!;
    let end = contents.length;
    while (end > 0 && contents[end - 1] === 0) {
      end--;
    }
    const hexAt = signature.contentsOffsets!.start + 1 + (end - 10) * 2;
    tampered[hexAt] = tampered[hexAt] === 0x30 ? 0x31 : 0x30;
    const report = await validatePdf(tampered, offlineOptions(pki));
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "SIG_CRYPTO_FAILURE",
    });
  });
});
