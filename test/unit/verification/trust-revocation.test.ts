import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrl, issueCertificate } from "../../../devkit/pki.ts";
import { buildChain, isSignedBy, verifySignatureValue } from "../../../shared/pki/chain.ts";
import { type Crl, CrlCache, checkCrl, parseCrl } from "../../../shared/pki/crl.ts";
import {
  buildOcspRequest,
  checkOcspResponse,
  parseOcspResponse,
  publicKeyHash,
} from "../../../shared/pki/ocsp.ts";
import {
  checkRevocation,
  httpFetcher,
  OcspCache,
  type RevocationFetcher,
} from "../../../shared/pki/revocation.ts";
import { loadTrustAnchors, trustAnchorsFrom } from "../../../shared/pki/trust.ts";
import { freePort, type RunningServer, startFileServer, startOcspResponder } from "../../support/ocsp.ts";
import { runOpenssl } from "../../support/openssl.ts";
import { type IssuedCert, type TestPki, testPki, untrustedCert } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";

const NOW = new Date("2026-06-01T00:00:00Z");

let pki: TestPki;
let ocspGood: IssuedCert;
let ocspRevoked: IssuedCert;
let ocsp: RunningServer;
const OCSP_REVOKED_AT = new Date("2026-01-15T10:00:00Z");

beforeAll(async () => {
  pki = await testPki();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  ocspGood = await pki.issue({ ocspUrl: url, crlUrl: "http://127.0.0.1:9/none.crl" });
  ocspRevoked = await pki.issue({ ocspUrl: url, crlUrl: "http://127.0.0.1:9/none.crl" });
  ocsp = await startOcspResponder({
    caPem: pki.intermediate.certPem,
    responderCertPem: pki.ocspResponder.certPem,
    responderKeyPem: pki.ocspResponder.keyPem,
    entries: [
      { certificate: ocspGood.certificate },
      { certificate: ocspRevoked.certificate, revokedAt: OCSP_REVOKED_AT, reason: "keyCompromise" },
    ],
    port,
  });
});

afterAll(async () => {
  await ocsp?.close();
});

describe("trust anchors and chain building", () => {
  it("builds person → intermediate → root and checks each signature", () => {
    const anchors = trustAnchorsFrom([pki.root.certificate]);
    const result = buildChain(pki.person.certificate, {
      anchors,
      pool: [pki.intermediate.certificate],
      at: NOW,
    });
    expect(result.status).toBe("valid");
    expect(result.path.map((c) => c.sha256)).toEqual([
      pki.person.certificate.sha256,
      pki.intermediate.certificate.sha256,
      pki.root.certificate.sha256,
    ]);
    expect(isSignedBy(pki.person.certificate, pki.intermediate.certificate)).toBe(true);
    expect(isSignedBy(pki.person.certificate, pki.root.certificate)).toBe(false);
  });

  it("loads anchors from PEM and rejects an empty bundle", () => {
    const anchors = loadTrustAnchors(pki.root.certPem);
    expect(anchors.isAnchor(pki.root.certificate)).toBe(true);
    expect(anchors.isAnchor(pki.intermediate.certificate)).toBe(false);
    expect(() => loadTrustAnchors("no certificates here")).toThrow(
      expect.objectContaining({ code: "TRUST_ANCHORS_MISSING" }),
    );
  });

  it("finds no chain without the intermediate or from another root", async () => {
    const anchors = trustAnchorsFrom([pki.root.certificate]);
    expect(buildChain(pki.person.certificate, { anchors, pool: [], at: NOW }).status).toBe("no-chain");
    const foreign = await untrustedCert();
    const result = buildChain(foreign.certificate, { anchors, pool: foreign.chain, at: NOW });
    expect(result.status).toBe("no-chain");
    expect(result.problems[0]?.code).toBe("NO_PATH_TO_TRUST_ANCHOR");
  });

  it("rejects a path through an issuer that is not a CA (RFC 5280 §6.1.4 (k))", async () => {
    const anchors = trustAnchorsFrom([pki.root.certificate]);
    // The person's own key issues a certificate: a valid signature, but the person is no CA.
    const fake = await issueCertificate(pki.person, {
      subject: { commonName: "Issued by a leaf", organCode: "000.00.11.H53" },
      notBefore: new Date("2024-01-01T00:00:00Z"),
      notAfter: new Date("2030-01-01T00:00:00Z"),
    });
    const result = buildChain(fake.certificate, {
      anchors,
      pool: [pki.person.certificate, pki.intermediate.certificate],
      at: NOW,
    });
    expect(result.status).toBe("constraints-failure");
    expect(result.problems.map((p) => p.code)).toContain("ISSUER_NOT_CA");
  });

  it("reports expired and not-yet-valid certificates at the validation time", async () => {
    const anchors = trustAnchorsFrom([pki.root.certificate]);
    const expired = await pki.issue({ preset: "expired" });
    const future = await pki.issue({ preset: "not-yet-valid" });
    const pool = [pki.intermediate.certificate];
    expect(buildChain(expired.certificate, { anchors, pool, at: NOW }).status).toBe("expired");
    expect(buildChain(future.certificate, { anchors, pool, at: NOW }).status).toBe("not-yet-valid");
    expect(
      buildChain(expired.certificate, { anchors, pool, at: new Date("2021-01-01T00:00:00Z") }).status,
    ).toBe("valid");
  });

  it("verifies signature values with node:crypto and says false for garbage", () => {
    const cert = pki.person.certificate;
    expect(
      verifySignatureValue(
        cert.tbsDer,
        cert.signatureAlgorithmOid,
        cert.signatureValue,
        pki.intermediate.certificate.publicKey,
      ),
    ).toBe(true);
    const flipped = new Uint8Array(cert.signatureValue);
    flipped[10] = (flipped[10]! ^ 0xff) & 0xff;
    expect(
      verifySignatureValue(
        cert.tbsDer,
        cert.signatureAlgorithmOid,
        flipped,
        pki.intermediate.certificate.publicKey,
      ),
    ).toBe(false);
    expect(
      verifySignatureValue(
        cert.tbsDer,
        "1.2.3.4",
        cert.signatureValue,
        pki.intermediate.certificate.publicKey,
      ),
    ).toBe(false);
  });
});

describe("CRLs (RFC 5280 §5)", () => {
  it("parses the intermediate CRL with the revoked serial, time and reason", () => {
    const crl = parseCrl(pki.intermediateCrl);
    const entry = crl.revoked.get(pki.revoked.certificate.serialNumberHex);
    expect(entry?.revocationDate.toISOString()).toBe(pki.revokedAt.toISOString());
    expect(entry?.reason).toBe("keyCompromise");
    expect(crl.revoked.has(pki.person.certificate.serialNumberHex)).toBe(false);
    expect(crl.nextUpdate?.getTime()).toBeGreaterThan(NOW.getTime());
  });

  it("agrees with openssl on the CRL's content", () => {
    const text = runOpenssl(["crl", "-inform", "DER", "-noout", "-text"], pki.intermediateCrl).stdout;
    expect(text.toUpperCase()).toContain(pki.revoked.certificate.serialNumberHex.toUpperCase());
  });

  it("checks the issuer's signature, the issuer name and freshness", () => {
    const crl = parseCrl(pki.intermediateCrl);
    const good = checkCrl(crl, pki.person.certificate, pki.intermediate.certificate, NOW);
    expect(good).toMatchObject({ usable: true, problems: [] });
    expect(good.entry).toBeUndefined();
    expect(checkCrl(crl, pki.revoked.certificate, pki.intermediate.certificate, NOW).entry?.reason).toBe(
      "keyCompromise",
    );
    // The root's CRL says nothing about the person.
    expect(
      checkCrl(parseCrl(pki.rootCrl), pki.person.certificate, pki.intermediate.certificate, NOW).problems,
    ).toEqual(["issuer-mismatch"]);
    expect(
      checkCrl(crl, pki.person.certificate, pki.intermediate.certificate, new Date("2045-06-01T00:00:00Z"))
        .problems,
    ).toContain("stale");
    expect(
      checkCrl(crl, pki.person.certificate, pki.intermediate.certificate, new Date("2024-06-01T00:00:00Z"))
        .problems,
    ).toContain("not-yet-valid");
  });

  it("rejects a CRL whose signed part was altered", () => {
    const bytes = new Uint8Array(pki.intermediateCrl);
    const parsed = parseCrl(bytes);
    // Flip a byte of the revoked serial inside tbsCertList.
    const serialHex = pki.revoked.certificate.serialNumberHex;
    const at = Buffer.from(bytes).indexOf(Buffer.from(serialHex, "hex"));
    expect(at).toBeGreaterThan(0);
    bytes[at + 1] = (bytes[at + 1]! ^ 0x01) & 0xff;
    const tampered = parseCrl(bytes);
    expect(tampered.revoked.size).toBe(parsed.revoked.size);
    expect(checkCrl(tampered, pki.person.certificate, pki.intermediate.certificate, NOW).problems).toEqual([
      "signature-invalid",
    ]);
  });

  it("throws CRL_MALFORMED for garbage, never a raw error", () => {
    expect(() => parseCrl(new Uint8Array([0x30, 0x05, 0x01]))).toThrow(
      expect.objectContaining({ code: "CRL_MALFORMED" }),
    );
    expect(() => parseCrl("not a crl")).toThrow(expect.objectContaining({ code: "CRL_MALFORMED" }));
  });

  it("caches by URL until nextUpdate", () => {
    const cache = new CrlCache();
    const crl = parseCrl(pki.intermediateCrl);
    cache.put("http://ca/x.crl", crl, NOW);
    expect(cache.get("http://ca/x.crl", NOW)).toBe(crl);
    expect(cache.get("http://ca/x.crl", new Date(crl.nextUpdate!.getTime() + 1000))).toBeUndefined();
    expect(cache.get("http://ca/x.crl", NOW)).toBeUndefined();
  });
});

describe("OCSP against a real openssl responder (RFC 6960)", () => {
  it("builds a request openssl can read, with SHA-1 CertID and a nonce", async () => {
    const request = buildOcspRequest(ocspGood.certificate, pki.intermediate.certificate);
    const { dir, cleanup } = await tempDir();
    let text: string;
    try {
      await writeFile(join(dir, "request.der"), request.der);
      text = runOpenssl(["ocsp", "-reqin", join(dir, "request.der"), "-req_text"]).stdout;
    } finally {
      await cleanup();
    }
    expect(text).toContain("Hash Algorithm: sha1");
    expect(text.toUpperCase()).toContain(ocspGood.certificate.serialNumberHex.toUpperCase());
    expect(text).toContain("OCSP Nonce");
    expect(text.toUpperCase()).toContain(
      Buffer.from(publicKeyHash(pki.intermediate.certificate)).toString("hex").toUpperCase(),
    );
  });

  it("gets good for a valid certificate and revoked (with time and reason) for a revoked one", async () => {
    const fetcher = httpFetcher({ timeoutMs: 5000 });
    const good = await checkRevocation(ocspGood.certificate, pki.intermediate.certificate, {
      now: new Date(),
      fetcher,
    });
    expect(good).toMatchObject({ source: "ocsp", status: "good" });
    const revoked = await checkRevocation(ocspRevoked.certificate, pki.intermediate.certificate, {
      now: new Date(),
      fetcher,
    });
    expect(revoked).toMatchObject({ source: "ocsp", status: "revoked", reason: "keyCompromise" });
    expect(revoked.revokedAt?.toISOString()).toBe(OCSP_REVOKED_AT.toISOString());
  });

  it("reuses a verified answer from an OcspCache for that certificate and issuer only, for its lifetime", async () => {
    let fetches = 0;
    let failNext = false;
    const http = httpFetcher({ timeoutMs: 5000 });
    const fetcher: RevocationFetcher = {
      fetch: (url, body) => {
        fetches += body ? 1 : 0; // OCSP requests (a CRL is a GET)
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error("responder down"));
        }
        return http.fetch(url, body);
      },
    };
    const cache = new OcspCache({ maxAgeMs: 60_000 });
    const at = (ms: number) => new Date(Date.now() + ms);
    const check = (certificate: typeof ocspGood.certificate, issuer = pki.intermediate.certificate, ms = 0) =>
      checkRevocation(certificate, issuer, { now: at(ms), fetcher, ocspCache: cache, preferOcsp: true });

    // A failure is not kept: the next check asks again.
    failNext = true;
    expect((await check(ocspGood.certificate)).status).not.toBe("good");
    expect(await check(ocspGood.certificate)).toMatchObject({ source: "ocsp", status: "good" });
    const asked = fetches;
    expect(await check(ocspGood.certificate, pki.intermediate.certificate, 30_000)).toMatchObject({
      source: "ocsp",
      status: "good",
    });
    expect(fetches).toBe(asked); // answered from the cache
    // A revocation is kept too, and never answers for another certificate.
    expect((await check(ocspRevoked.certificate)).status).toBe("revoked");
    expect((await check(ocspRevoked.certificate)).status).toBe("revoked");
    expect(fetches).toBe(asked + 1);
    // Another issuer (the same certificate claimed under another CA) is another question.
    const stranger = await untrustedCert();
    expect((await check(ocspGood.certificate, stranger.certificate)).status).not.toBe("good");
    expect(fetches).toBe(asked + 2);
    // Past its age the answer is asked for again.
    await check(ocspGood.certificate, pki.intermediate.certificate, 61_000);
    expect(fetches).toBe(asked + 3);
    // Without a cache every check asks.
    await checkRevocation(ocspGood.certificate, pki.intermediate.certificate, { now: new Date(), fetcher });
    await checkRevocation(ocspGood.certificate, pki.intermediate.certificate, { now: new Date(), fetcher });
    expect(fetches).toBe(asked + 5);
  });

  it("rejects a replayed answer (nonce mismatch) and an answer about another issuer", async () => {
    const request = buildOcspRequest(ocspGood.certificate, pki.intermediate.certificate);
    const answer = await httpFetcher().fetch(ocsp.url, request.der);
    const response = parseOcspResponse(answer);
    const ok = checkOcspResponse(response, ocspGood.certificate, pki.intermediate.certificate, {
      now: new Date(),
      nonce: request.nonce!,
    });
    expect(ok.status).toBe("good");
    expect(ok.responder?.sha256).toBe(pki.ocspResponder.certificate.sha256);
    const replay = checkOcspResponse(response, ocspGood.certificate, pki.intermediate.certificate, {
      now: new Date(),
      nonce: new Uint8Array(16),
    });
    expect(replay.status).toBe("unknown");
    expect(replay.problems.join()).toContain("nonce");
    // The same answer presented for a certificate of another CA: the responder is not authorised for it.
    const foreign = await untrustedCert();
    const wrong = checkOcspResponse(response, foreign.certificate, foreign.chain[0]!, { now: new Date() });
    expect(wrong.status).toBe("unknown");
  });

  it("treats an unreachable responder and distribution point as unknown, never good", async () => {
    const closed = await freePort();
    const lost = await pki.issue({
      ocspUrl: `http://127.0.0.1:${closed}`,
      crlUrl: `http://127.0.0.1:${closed}/x.crl`,
    });
    const status = await checkRevocation(lost.certificate, pki.intermediate.certificate, {
      now: new Date(),
      fetcher: httpFetcher({ timeoutMs: 2000 }),
    });
    expect(status).toMatchObject({ source: "none", status: "unknown" });
    expect(status.problems.length).toBe(2);
  });

  it("throws OCSP_MALFORMED for garbage", () => {
    expect(() => parseOcspResponse(new Uint8Array([1, 2, 3]))).toThrow(
      expect.objectContaining({ code: "OCSP_MALFORMED" }),
    );
  });
});

describe("CRL distribution points and caller CRLs", () => {
  it("fetches the CRL from the distribution point once and serves it from the cache", async () => {
    const server = await startFileServer({ "/intermediate.crl": pki.intermediateCrl });
    try {
      const cert = await pki.issue({ crlUrl: `${server.url}/intermediate.crl` });
      const revokedCert = pki.revoked.certificate;
      const cache = new CrlCache();
      const options = { now: NOW, fetcher: httpFetcher(), crlCache: cache, preferOcsp: false } as const;
      expect(await checkRevocation(cert.certificate, pki.intermediate.certificate, options)).toMatchObject({
        source: "crl",
        status: "good",
      });
      expect(await checkRevocation(cert.certificate, pki.intermediate.certificate, options)).toMatchObject({
        status: "good",
      });
      expect(server.hits.get("/intermediate.crl")).toBe(1);
      // The revoked certificate's CRL URL is the demo default; a fetcher that maps it to our server.
      const mapped: RevocationFetcher = {
        fetch: (_url, body) => httpFetcher().fetch(`${server.url}/intermediate.crl`, body),
      };
      const revoked = await checkRevocation(revokedCert, pki.intermediate.certificate, {
        now: NOW,
        fetcher: mapped,
        crlCache: new CrlCache(),
        preferOcsp: false,
      });
      expect(revoked).toMatchObject({ source: "crl", status: "revoked", reason: "keyCompromise" });
    } finally {
      await server.close();
    }
  });

  it("decides offline from caller CRLs, and says unknown offline without them", async () => {
    const crls = [parseCrl(pki.intermediateCrl)];
    expect(
      await checkRevocation(pki.person.certificate, pki.intermediate.certificate, { now: NOW, crls }),
    ).toMatchObject({
      source: "crl",
      status: "good",
    });
    expect(
      await checkRevocation(pki.revoked.certificate, pki.intermediate.certificate, { now: NOW, crls }),
    ).toMatchObject({
      status: "revoked",
    });
    expect(
      await checkRevocation(pki.person.certificate, pki.intermediate.certificate, {
        now: NOW,
        embeddedCrls: crls,
      }),
    ).toMatchObject({ source: "embedded-crl", status: "good" });
    const offline = await checkRevocation(pki.person.certificate, pki.intermediate.certificate, { now: NOW });
    expect(offline).toMatchObject({ source: "none", status: "unknown" });
  });
});

describe("revocation freshness (ETSI EN 319 102-1 §5.2.5)", () => {
  const AT = new Date("2026-06-01T00:00:00Z");
  const DAY = 86_400_000;
  const DP = "http://crl.test/intermediate.crl";
  let subject: IssuedCert;
  /** Issued before the revocation, still within its validity: "good", but stale. */
  let staleGood: Crl;
  let currentRevoked: Uint8Array;
  let currentGood: Uint8Array;

  function crl(options: {
    thisUpdate: Date;
    nextUpdate: Date;
    revokedAt?: Date;
    reason?: "keyCompromise" | "certificateHold";
    crlNumber: number;
  }): Uint8Array {
    return createCrl(pki.intermediate, {
      revoked: options.revokedAt
        ? [
            {
              serialNumberHex: subject.certificate.serialNumberHex,
              revokedAt: options.revokedAt,
              reason: options.reason ?? "keyCompromise",
            },
          ]
        : [],
      thisUpdate: options.thisUpdate,
      nextUpdate: options.nextUpdate,
      crlNumber: options.crlNumber,
    });
  }

  /** Serves CRLs from memory; OCSP and unknown URLs are unreachable. Counts requests per URL. */
  function memoryFetcher(files: Readonly<Record<string, Uint8Array>>): RevocationFetcher & {
    hits: Map<string, number>;
  } {
    const hits = new Map<string, number>();
    return {
      hits,
      async fetch(url, body) {
        hits.set(url, (hits.get(url) ?? 0) + 1);
        const file = body ? undefined : files[url];
        if (!file) {
          throw new Error(`${url} unreachable`);
        }
        return file;
      },
    };
  }

  beforeAll(async () => {
    subject = await pki.issue({ crlUrl: DP, ocspUrl: undefined });
    staleGood = parseCrl(
      crl({
        thisUpdate: new Date("2026-01-01T00:00:00Z"),
        nextUpdate: new Date("2026-12-31T00:00:00Z"),
        crlNumber: 10,
      }),
    );
    currentRevoked = crl({
      thisUpdate: new Date(AT.getTime() - DAY),
      nextUpdate: new Date(AT.getTime() + 7 * DAY),
      revokedAt: new Date("2026-05-20T00:00:00Z"),
      crlNumber: 20,
    });
    currentGood = crl({
      thisUpdate: new Date(AT.getTime() - DAY),
      nextUpdate: new Date(AT.getTime() + 7 * DAY),
      crlNumber: 21,
    });
  });

  const check = (options: Partial<Parameters<typeof checkRevocation>[2]>) =>
    checkRevocation(subject.certificate, pki.intermediate.certificate, {
      now: AT,
      crlCache: new CrlCache(),
      ...options,
    });

  it("an old embedded or supplied CRL does not hide the revocation the current CRL shows", async () => {
    const fetcher = memoryFetcher({ [DP]: currentRevoked });
    for (const given of [{ embeddedCrls: [staleGood] }, { crls: [staleGood] }]) {
      const status = await check({ ...given, fetcher });
      expect(status).toMatchObject({ source: "crl", status: "revoked", url: DP, reason: "keyCompromise" });
      expect(status.revokedAt?.toISOString()).toBe("2026-05-20T00:00:00.000Z");
    }
  });

  it("takes the freshest answer: the current CRL over the old one", async () => {
    const status = await check({ embeddedCrls: [staleGood], fetcher: memoryFetcher({ [DP]: currentGood }) });
    expect(status).toMatchObject({ source: "crl", status: "good", url: DP });
    expect(status.thisUpdate?.toISOString()).toBe(new Date(AT.getTime() - DAY).toISOString());
  });

  it("falls back to the freshest obtainable data when the network fails, if it is still fresh", async () => {
    const unreachable = memoryFetcher({});
    const status = await check({ embeddedCrls: [staleGood], fetcher: unreachable });
    expect(status).toMatchObject({ source: "embedded-crl", status: "good" });
    expect(status.problems.join()).toContain("unreachable");
    expect(unreachable.hits.get(DP)).toBe(1);
  });

  it("stale data alone is no answer: past nextUpdate, or older than the maximum accepted freshness", async () => {
    const expired = parseCrl(
      crl({
        thisUpdate: new Date("2026-01-01T00:00:00Z"),
        nextUpdate: new Date("2026-02-01T00:00:00Z"),
        crlNumber: 11,
      }),
    );
    expect(await check({ embeddedCrls: [expired] })).toMatchObject({ source: "none", status: "unknown" });
    const tooOld = await check({ embeddedCrls: [staleGood], maxAgeMs: 7 * DAY });
    expect(tooOld).toMatchObject({ source: "none", status: "unknown" });
    expect(tooOld.problems.join()).toMatch(/stale/);
    // The same CRL passes the default freshness (its own nextUpdate − thisUpdate).
    expect(await check({ embeddedCrls: [staleGood] })).toMatchObject({
      source: "embedded-crl",
      status: "good",
    });
  });

  it("data issued after the best-signature-time settle it offline; older data send it online", async () => {
    const provenAt = new Date("2026-05-01T00:00:00Z");
    const afterSigning = parseCrl(
      crl({
        thisUpdate: new Date("2026-05-02T00:00:00Z"),
        nextUpdate: new Date("2026-12-31T00:00:00Z"),
        crlNumber: 12,
      }),
    );
    const fetcher = memoryFetcher({ [DP]: currentRevoked });
    const settled = await check({ embeddedCrls: [afterSigning], fetcher, bestSignatureTime: provenAt });
    expect(settled).toMatchObject({ source: "embedded-crl", status: "good" });
    expect(fetcher.hits.size).toBe(0);
    const before = await check({ embeddedCrls: [staleGood], fetcher, bestSignatureTime: provenAt });
    expect(before).toMatchObject({ source: "crl", status: "revoked" });
    expect(fetcher.hits.get(DP)).toBe(1);
    // Issued before the proven time and older than the accepted freshness: no answer.
    const stale = await check({ embeddedCrls: [staleGood], bestSignatureTime: provenAt, maxAgeMs: 7 * DAY });
    expect(stale.status).toBe("unknown");
  });

  it("a certificateHold is lifted by a later good CRL, a revocation is not", async () => {
    const held = parseCrl(
      crl({
        thisUpdate: new Date("2026-05-10T00:00:00Z"),
        nextUpdate: new Date("2026-12-31T00:00:00Z"),
        revokedAt: new Date("2026-05-09T00:00:00Z"),
        reason: "certificateHold",
        crlNumber: 13,
      }),
    );
    expect(await check({ embeddedCrls: [held] })).toMatchObject({
      status: "revoked",
      reason: "certificateHold",
    });
    expect(await check({ embeddedCrls: [held], crls: [parseCrl(currentGood)] })).toMatchObject({
      source: "crl",
      status: "good",
    });
    const compromised = parseCrl(
      crl({
        thisUpdate: new Date("2026-05-10T00:00:00Z"),
        nextUpdate: new Date("2026-12-31T00:00:00Z"),
        revokedAt: new Date("2026-05-09T00:00:00Z"),
        crlNumber: 14,
      }),
    );
    expect(await check({ embeddedCrls: [compromised], crls: [parseCrl(currentGood)] })).toMatchObject({
      status: "revoked",
      reason: "keyCompromise",
    });
  });
});
