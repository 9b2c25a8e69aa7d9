/**
 * Revocation status of one certificate: from CRLs the caller supplies, CRLs embedded in the signed
 * document, OCSP (RFC 6960) and CRLs fetched from the certificate's distribution points (RFC 5280
 * §4.2.1.13). Remote sources sit behind the `RevocationFetcher` port. A source that cannot be reached or
 * whose answer cannot be trusted gives status "unknown" (ETSI EN 319 102-1 TRY_LATER), never "good".
 */
import { ExchangeError } from "../errors/index.ts";
import type { Certificate } from "./certificate.ts";
import { type Crl, CrlCache, checkCrl, parseCrl } from "./crl.ts";
import { buildOcspRequest, checkOcspResponse, parseOcspResponse } from "./ocsp.ts";

/**
 * The port to the network. `body` present: an OCSP POST (`application/ocsp-request`); absent: a GET.
 * Resolves to the response body; rejects (any error) when the source is unreachable or answers non-2xx.
 */
export interface RevocationFetcher {
  fetch(url: string, body?: Uint8Array): Promise<Uint8Array>;
}

export interface HttpFetcherOptions {
  /** Per request, default 5,000 ms. */
  readonly timeoutMs?: number;
  /** Largest body accepted, default 32 MiB (national CRLs are large). */
  readonly maxBytes?: number;
}

/**
 * The default fetcher: global `fetch` over http(s) with a timeout. Other schemes (ldap:) are refused.
 *
 * @example
 * const fetcher = httpFetcher({ timeoutMs: 3000 });
 */
export function httpFetcher(options: HttpFetcherOptions = {}): RevocationFetcher {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  return {
    async fetch(url: string, body?: Uint8Array): Promise<Uint8Array> {
      if (!/^https?:\/\//i.test(url)) {
        throw new ExchangeError("REVOCATION_UNAVAILABLE", {
          detail: `expected an http(s) URL, got '${url}'`,
        });
      }
      const response = await fetch(url, {
        method: body ? "POST" : "GET",
        signal: AbortSignal.timeout(timeoutMs),
        ...(body ? { body: Buffer.from(body), headers: { "content-type": "application/ocsp-request" } } : {}),
      }).catch((cause: unknown) => {
        throw new ExchangeError("REVOCATION_UNAVAILABLE", {
          detail: `no answer from ${url} within ${timeoutMs} ms`,
          cause,
        });
      });
      if (!response.ok) {
        throw new ExchangeError("REVOCATION_UNAVAILABLE", {
          detail: `expected HTTP 2xx from ${url}, got ${response.status}`,
        });
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length > maxBytes) {
        throw new ExchangeError("REVOCATION_UNAVAILABLE", {
          detail: `answer from ${url} is ${bytes.length} bytes, more than the ${maxBytes} allowed`,
        });
      }
      return bytes;
    },
  };
}

export type RevocationSource = "crl" | "ocsp" | "embedded-crl" | "none";

export interface RevocationStatus {
  readonly source: RevocationSource;
  readonly status: "good" | "revoked" | "unknown";
  /** Revocation time, when revoked. */
  readonly revokedAt?: Date;
  /** RFC 5280 §5.3.1 reason name, when given. */
  readonly reason?: string;
  /** thisUpdate of the CRL or OCSP response that decided. */
  readonly thisUpdate?: Date;
  /** Where the answer came from (URL), when remote. */
  readonly url?: string;
  /** Why sources were not usable (for the report). */
  readonly problems: readonly string[];
}

export interface CheckRevocationOptions {
  /** Current time: CRLs and OCSP answers must be current at it. */
  readonly now: Date;
  /** CRLs given by the caller (e.g. `--crl`): source "crl". */
  readonly crls?: readonly Crl[];
  /** CRLs found in the document (CMS `crls`, PDF /DSS): source "embedded-crl". */
  readonly embeddedCrls?: readonly Crl[];
  /** When absent, no remote source is asked (offline). */
  readonly fetcher?: RevocationFetcher;
  /** Cache for fetched CRLs; default a process-wide cache. */
  readonly crlCache?: CrlCache;
  /** Ask OCSP before fetching CRLs, default true. */
  readonly preferOcsp?: boolean;
}

/** Process-wide cache of fetched CRLs (a warm Lambda keeps it between invocations). */
export const defaultCrlCache: CrlCache = new CrlCache();

function fromCrls(
  crls: readonly Crl[],
  source: "crl" | "embedded-crl",
  certificate: Certificate,
  issuer: Certificate,
  now: Date,
  problems: string[],
): RevocationStatus | undefined {
  let good: RevocationStatus | undefined;
  for (const crl of crls) {
    const check = checkCrl(crl, certificate, issuer, now);
    if (check.problems.includes("issuer-mismatch")) {
      continue; // another CA's CRL
    }
    if (check.problems.includes("signature-invalid")) {
      problems.push(`${source}: a CRL naming ${issuer.subject.text} does not verify with its key`);
      continue;
    }
    if (check.entry) {
      // A verified revocation entry is a fact even in an outdated CRL.
      return {
        source,
        status: "revoked",
        revokedAt: check.entry.revocationDate,
        ...(check.entry.reason ? { reason: check.entry.reason } : {}),
        thisUpdate: crl.thisUpdate,
        problems,
      };
    }
    if (check.usable) {
      good ??= { source, status: "good", thisUpdate: crl.thisUpdate, problems };
    } else {
      problems.push(
        `${source}: CRL of ${issuer.subject.text} (thisUpdate ${crl.thisUpdate.toISOString()}) not usable: ${check.problems.join(", ")}`,
      );
    }
  }
  return good;
}

async function fromOcsp(
  certificate: Certificate,
  issuer: Certificate,
  options: CheckRevocationOptions,
  fetcher: RevocationFetcher,
  problems: string[],
): Promise<RevocationStatus | undefined> {
  for (const url of certificate.ocspUrls) {
    try {
      const request = buildOcspRequest(certificate, issuer);
      const answer = await fetcher.fetch(url, request.der);
      const check = checkOcspResponse(parseOcspResponse(answer), certificate, issuer, {
        now: options.now,
        ...(request.nonce ? { nonce: request.nonce } : {}),
      });
      if (check.status === "unknown") {
        problems.push(
          `ocsp ${url}: ${check.problems.join("; ") || "responder does not know the certificate"}`,
        );
        continue;
      }
      return {
        source: "ocsp",
        status: check.status,
        ...(check.revocationTime ? { revokedAt: check.revocationTime } : {}),
        ...(check.reason ? { reason: check.reason } : {}),
        ...(check.thisUpdate ? { thisUpdate: check.thisUpdate } : {}),
        url,
        problems,
      };
    } catch (error) {
      problems.push(`ocsp ${url}: ${(error as Error).message}`);
    }
  }
  return undefined;
}

async function fromDistributionPoints(
  certificate: Certificate,
  issuer: Certificate,
  options: CheckRevocationOptions,
  fetcher: RevocationFetcher,
  problems: string[],
): Promise<RevocationStatus | undefined> {
  const cache = options.crlCache ?? defaultCrlCache;
  for (const url of certificate.crlDistributionPoints) {
    try {
      let crl = cache.get(url, options.now);
      if (!crl) {
        crl = parseCrl(await fetcher.fetch(url));
        cache.put(url, crl, options.now);
      }
      const local: string[] = [];
      const result = fromCrls([crl], "crl", certificate, issuer, options.now, local);
      if (result) {
        return { ...result, url, problems };
      }
      problems.push(
        ...(local.length > 0
          ? local.map((p) => `${url}: ${p}`)
          : [`crl ${url}: not issued by ${issuer.subject.text}`]),
      );
    } catch (error) {
      problems.push(`crl ${url}: ${(error as Error).message}`);
    }
  }
  return undefined;
}

/**
 * The revocation status of `certificate`, asking in order: caller CRLs, embedded CRLs, then (with a
 * fetcher) OCSP and the CRL distribution points (or CRLs first with `preferOcsp: false`). The first
 * trustworthy answer wins; "revoked" from any verified CRL wins at once.
 *
 * @example
 * const status = await checkRevocation(leaf, intermediate, { now: new Date(), crls, fetcher: httpFetcher() });
 * if (status.status === "unknown") { ... TRY_LATER }
 */
export async function checkRevocation(
  certificate: Certificate,
  issuer: Certificate,
  options: CheckRevocationOptions,
): Promise<RevocationStatus> {
  const problems: string[] = [];
  const supplied = fromCrls(options.crls ?? [], "crl", certificate, issuer, options.now, problems);
  if (supplied?.status === "revoked") {
    return supplied;
  }
  const embedded = fromCrls(
    options.embeddedCrls ?? [],
    "embedded-crl",
    certificate,
    issuer,
    options.now,
    problems,
  );
  if (embedded?.status === "revoked") {
    return embedded;
  }
  if (supplied) {
    return supplied;
  }
  if (embedded) {
    return embedded;
  }
  const fetcher = options.fetcher;
  if (fetcher) {
    const order =
      options.preferOcsp === false ? [fromDistributionPoints, fromOcsp] : [fromOcsp, fromDistributionPoints];
    for (const source of order) {
      const result = await source(certificate, issuer, options, fetcher, problems);
      if (result) {
        return result;
      }
    }
  } else if (certificate.ocspUrls.length + certificate.crlDistributionPoints.length > 0) {
    problems.push("offline: OCSP and CRL distribution points were not asked");
  }
  if (certificate.ocspUrls.length + certificate.crlDistributionPoints.length === 0 && problems.length === 0) {
    problems.push("the certificate names no OCSP responder or CRL distribution point, and no CRL was given");
  }
  return { source: "none", status: "unknown", problems };
}
