/**
 * Revocation data carried by the signature itself (CMS revocationInfoChoices, PDF /DSS) against
 * what the CA publishes now: a CRL issued before the signer was revoked must not prove "good"
 * when the distribution point or the OCSP responder says revoked, and stale data alone gives
 * INDETERMINATE / TRY_LATER (ETSI EN 319 102-1 §5.2.5), never TOTAL_PASSED.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrl } from "../../../devkit/pki.ts";
import { digest } from "../../../shared/cms/algorithms.ts";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import { CrlCache, parseCrl } from "../../../shared/pki/crl.ts";
import { httpFetcher, type RevocationFetcher } from "../../../shared/pki/revocation.ts";
import type { ValidationOptions } from "../../../shared/verification/options.ts";
import { resolveOptions } from "../../../shared/verification/options.ts";
import { Outcome } from "../../../shared/verification/outcome.ts";
import { validateDetached } from "../../../shared/verification/validate-detached.ts";
import { validateSignedData } from "../../../shared/verification/validate-signed-data.ts";
import { freePort, type RunningServer, startOcspResponder } from "../../support/ocsp.ts";
import { type IssuedCert, type TestPki, testPki } from "../../support/pki.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";
import { signDetached, signDetachedWithArchivedCrls, withEmbeddedCrls } from "../cms/fixtures.ts";

const DAY = 86_400_000;
const DP = "http://crl.test/issuing-ca.crl";
const content = randomBytes(2000);

let pki: TestPki;
let signer: IssuedCert;
const now = Date.now();
const revokedAt = new Date(now - 10 * DAY);
let staleCrl: Uint8Array;
let expiredCrl: Uint8Array;
let freshCrl: Uint8Array;
let currentRevokedCrl: Uint8Array;

function crl(
  thisUpdate: number,
  nextUpdate: number,
  revoked: readonly IssuedCert[],
  crlNumber: number,
): Uint8Array {
  return createCrl(pki.intermediate, {
    revoked: revoked.map((r) => ({
      serialNumberHex: r.certificate.serialNumberHex,
      revokedAt,
      reason: "keyCompromise" as const,
    })),
    thisUpdate: new Date(thisUpdate),
    nextUpdate: new Date(nextUpdate),
    crlNumber,
  });
}

/** CRLs from memory at their URLs; everything else (OCSP, other DPs) passes to `next` or is unreachable. */
function fetcherOf(files: Readonly<Record<string, Uint8Array>>, next?: RevocationFetcher): RevocationFetcher {
  return {
    async fetch(url, body) {
      const file = body ? undefined : files[url];
      if (file) {
        return file;
      }
      if (next && body) {
        return next.fetch(url, body);
      }
      throw new Error(`${url} unreachable`);
    },
  };
}

beforeAll(async () => {
  pki = await testPki();
  signer = await pki.issue({ crlUrl: DP, ocspUrl: undefined });
  // Issued before the revocation, still within its validity.
  staleCrl = crl(now - 30 * DAY, now + 30 * DAY, [], 1);
  expiredCrl = crl(now - 60 * DAY, now - 30 * DAY, [], 2);
  freshCrl = crl(now - 3_600_000, now + 7 * DAY, [], 3);
  currentRevokedCrl = crl(now - 3_600_000, now + 7 * DAY, [signer], 4);
});

function options(extra: Partial<ValidationOptions> = {}): ValidationOptions {
  return {
    trustAnchors: [pki.root.certificate],
    // The issuing CA itself is decided by the root's CRL.
    crls: [pki.rootCrl],
    // A cache per validation: the tests serve different CRLs at the same URL.
    crlCache: new CrlCache(),
    ...extra,
  };
}

async function signedWithCrls(crls: readonly Uint8Array[]): Promise<Uint8Array> {
  return withEmbeddedCrls(await signDetached(signer, content), crls);
}

describe("CRLs embedded in the CMS against the distribution point", () => {
  it("an embedded stale CRL does not hide the revocation the current CRL shows → REVOKED", async () => {
    const report = await validateDetached(
      content,
      await signedWithCrls([staleCrl]),
      options({ fetcher: fetcherOf({ [DP]: currentRevokedCrl }) }),
    );
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "REVOKED",
      revocation: {
        source: "crl",
        status: "revoked",
        at: revokedAt.toISOString().replace(/\.\d+Z$/, ".000Z"),
      },
    });
  });

  it("the same stale CRL from the PDF's DSS or from the caller loses to the current CRL too", async () => {
    const cms = await signDetached(signer, content);
    const fetcher = fetcherOf({ [DP]: currentRevokedCrl });
    const outcome = new Outcome();
    await validateSignedData(
      {
        cms,
        contentDigest: (hash) => digest(hash, content),
        requireSigningCertificateV2: true,
        documentCrls: [parseCrl(staleCrl)],
      },
      resolveOptions(options({ fetcher })),
      outcome,
    );
    expect(outcome.result()).toEqual({ indication: "TOTAL_FAILED", subIndication: "REVOKED" });
    const supplied = await validateDetached(
      content,
      cms,
      options({ fetcher, crls: [pki.rootCrl, staleCrl] }),
    );
    expect(supplied.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "REVOKED" });
  });

  it("offline, only a stale embedded CRL → INDETERMINATE TRY_LATER, never passed", async () => {
    const expired = await validateDetached(
      content,
      await signedWithCrls([expiredCrl]),
      options({ offline: true }),
    );
    expect(expired.signatures[0]).toMatchObject({ indication: "INDETERMINATE", subIndication: "TRY_LATER" });
    // Within its validity, but older than the policy's maximum accepted freshness.
    const tooOld = await validateDetached(
      content,
      await signedWithCrls([staleCrl]),
      options({ offline: true, revocationMaxAgeMs: 7 * DAY }),
    );
    expect(tooOld.signatures[0]).toMatchObject({
      indication: "INDETERMINATE",
      subIndication: "TRY_LATER",
      revocation: { status: "unknown" },
    });
    expect(tooOld.signatures[0]!.checks.find((c) => c.name === "revocation")?.detail).toMatch(/stale/);
  });

  it("offline, a fresh embedded CRL → TOTAL_PASSED from the embedded CRL", async () => {
    const report = await validateDetached(
      content,
      await signedWithCrls([freshCrl]),
      options({ offline: true }),
    );
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures[0]?.revocation).toMatchObject({ source: "embedded-crl", status: "good" });
  });

  it("online, the freshest answer is taken: the current CRL over the embedded one", async () => {
    const report = await validateDetached(
      content,
      await signedWithCrls([staleCrl]),
      options({ fetcher: fetcherOf({ [DP]: freshCrl }) }),
    );
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures[0]?.revocation).toMatchObject({ source: "crl", status: "good" });
  });
});

describe("CRLs in an adbe-revocationInfoArchival signed attribute (Acrobat style)", () => {
  it("are embedded revocation data: stale loses to the current CRL, fresh decides offline", async () => {
    const stale = signDetachedWithArchivedCrls(signer, content, [staleCrl]);
    expect(parseSignedData(stale).signerInfos[0]!.archivedCrls).toHaveLength(1);
    const revoked = await validateDetached(
      content,
      stale,
      options({ fetcher: fetcherOf({ [DP]: currentRevokedCrl }) }),
    );
    expect(revoked.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "REVOKED" });
    const fresh = await validateDetached(
      content,
      signDetachedWithArchivedCrls(signer, content, [freshCrl]),
      options({ offline: true }),
    );
    expect(fresh.verdict).toBe("TOTAL_PASSED");
    expect(fresh.signatures[0]?.revocation).toMatchObject({ source: "embedded-crl", status: "good" });
    // Without any embedded data, offline there is no answer at all.
    const none = await validateDetached(
      content,
      await signDetached(signer, content),
      options({ offline: true }),
    );
    expect(none.signatures[0]).toMatchObject({ indication: "INDETERMINATE", subIndication: "TRY_LATER" });
  });
});

describe("CRLs embedded in the CMS against OCSP", () => {
  let ocsp: RunningServer;
  let revokedAtOcsp: IssuedCert;
  let goodAtOcsp: IssuedCert;

  beforeAll(async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    revokedAtOcsp = await pki.issue({ ocspUrl: url, crlUrl: "http://crl.test/none.crl" });
    goodAtOcsp = await pki.issue({ ocspUrl: url, crlUrl: "http://crl.test/none.crl" });
    ocsp = await startOcspResponder({
      caPem: pki.intermediate.certPem,
      responderCertPem: pki.ocspResponder.certPem,
      responderKeyPem: pki.ocspResponder.keyPem,
      entries: [
        { certificate: revokedAtOcsp.certificate, revokedAt, reason: "keyCompromise" },
        { certificate: goodAtOcsp.certificate },
      ],
      port,
    });
  });

  afterAll(async () => {
    await ocsp?.close();
  });

  /** A CMS by `issued` carrying an old CRL (issued before the revocation) that does not list it. */
  async function withOldCrl(issued: IssuedCert): Promise<Uint8Array> {
    const old = crl(now - 30 * DAY, now + 30 * DAY, [], 5);
    return withEmbeddedCrls(await signDetached(issued, content), [old]);
  }

  it("OCSP saying revoked wins over an old embedded CRL → REVOKED (source ocsp)", async () => {
    const report = await validateDetached(
      content,
      await withOldCrl(revokedAtOcsp),
      options({ fetcher: fetcherOf({}, httpFetcher({ timeoutMs: 5000 })) }),
    );
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "REVOKED",
      revocation: { source: "ocsp", status: "revoked" },
    });
  });

  it("OCSP saying good is fresher than the embedded CRL and is the answer reported", async () => {
    const report = await validateDetached(
      content,
      await withOldCrl(goodAtOcsp),
      options({ fetcher: fetcherOf({}, httpFetcher({ timeoutMs: 5000 })) }),
    );
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures[0]?.revocation).toMatchObject({ source: "ocsp", status: "good" });
  });
});

describe("with a proven signing time (signature timestamp)", () => {
  let tsa: TestTsa;

  beforeAll(async () => {
    tsa = await startTestTsa();
  });

  afterAll(async () => {
    await tsa?.close();
  });

  it("a CRL issued after the timestamp settles it offline-first: the distribution point is not asked", async () => {
    const cms = await signDetached(signer, content, { tsa: tsa.client });
    const later = Date.now() + 60_000;
    const afterSigning = crl(later - 30_000, later + 7 * DAY, [], 6);
    const asked: string[] = [];
    const fetcher: RevocationFetcher = {
      async fetch(url) {
        asked.push(url);
        throw new Error(`${url} unreachable`);
      },
    };
    const report = await validateDetached(
      content,
      withEmbeddedCrls(cms, [afterSigning]),
      options({ fetcher, now: new Date(later), validationTime: new Date(later) }),
    );
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures[0]?.provenSigningTime).toBeDefined();
    expect(report.signatures[0]?.revocation).toMatchObject({ source: "embedded-crl", status: "good" });
    expect(asked).not.toContain(DP);
  });
});
