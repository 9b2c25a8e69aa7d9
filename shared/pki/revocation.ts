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
 * The default fetcher: http(s) GET or POST with one deadline for the whole exchange (connection,
 * redirects, body), following up to {@link MAX_REDIRECTS} redirects as `fetch` does. Other schemes
 * (ldap:) are refused. Written on node:http rather than the global `fetch`, whose implementation
 * (undici) takes longer to load than the whole verification of a letter, in every CLI run that asks
 * a responder.
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
      const deadline = AbortSignal.timeout(timeoutMs);
      let location = url;
      let payload = body;
      for (let hop = 0; ; hop++) {
        const answer = await request(location, payload, deadline, maxBytes).catch((cause: unknown) => {
          if (cause instanceof ExchangeError) {
            throw cause;
          }
          throw new ExchangeError("REVOCATION_UNAVAILABLE", {
            detail: `no answer from ${url} within ${timeoutMs} ms`,
            cause,
          });
        });
        if (answer.redirect !== undefined && hop < MAX_REDIRECTS) {
          const next = new URL(answer.redirect, location).href;
          if (!/^https?:\/\//i.test(next)) {
            throw new ExchangeError("REVOCATION_UNAVAILABLE", {
              detail: `${url} redirects to '${next}', not an http(s) URL`,
            });
          }
          // As fetch does: 303, and 301/302 after a POST, continue with a GET (RFC 9110 §15.4).
          if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && payload)) {
            payload = undefined;
          }
          location = next;
          continue;
        }
        if (answer.status < 200 || answer.status > 299) {
          throw new ExchangeError("REVOCATION_UNAVAILABLE", {
            detail: `expected HTTP 2xx from ${url}, got ${answer.status}`,
          });
        }
        return answer.bytes;
      }
    },
  };
}

const MAX_REDIRECTS = 20;

/** One HTTP exchange: the status and, for a redirect, its Location; else the body (at most `maxBytes`). */
async function request(
  url: string,
  body: Uint8Array | undefined,
  signal: AbortSignal,
  maxBytes: number,
): Promise<{ status: number; redirect?: string; bytes: Uint8Array }> {
  const { request: send } = url.toLowerCase().startsWith("https:")
    ? await import("node:https")
    : await import("node:http");
  return new Promise((resolve, reject) => {
    const outgoing = send(url, {
      method: body ? "POST" : "GET",
      signal,
      headers: body
        ? { "content-type": "application/ocsp-request", "content-length": String(body.length) }
        : {},
    });
    outgoing.on("error", reject);
    outgoing.on("response", (incoming) => {
      const status = incoming.statusCode ?? 0;
      const redirect = incoming.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && redirect) {
        incoming.resume();
        resolve({ status, redirect, bytes: new Uint8Array(0) });
        return;
      }
      const chunks: Buffer[] = [];
      let length = 0;
      incoming.on("data", (chunk: Buffer) => {
        length += chunk.length;
        if (length > maxBytes) {
          incoming.destroy();
          reject(
            new ExchangeError("REVOCATION_UNAVAILABLE", {
              detail: `answer from ${url} is more than the ${maxBytes} bytes allowed`,
            }),
          );
          return;
        }
        chunks.push(chunk);
      });
      incoming.on("error", reject);
      incoming.on("end", () => resolve({ status, bytes: new Uint8Array(Buffer.concat(chunks, length)) }));
      incoming.on("close", () => {
        if (!incoming.complete) {
          reject(new Error("the connection closed before the answer was complete"));
        }
      });
    });
    outgoing.end(body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined);
  });
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
  /** nextUpdate of the CRL or OCSP response that decided, when it has one. */
  readonly nextUpdate?: Date;
  /** Where the answer came from (URL), when remote. */
  readonly url?: string;
  /** Why sources were not usable, or why the best answer was not fresh enough (for the report). */
  readonly problems: readonly string[];
}

export interface CheckRevocationOptions {
  /** Current time: CRLs and OCSP answers must be current at it (thisUpdate ≤ now ≤ nextUpdate). */
  readonly now: Date;
  /** CRLs given by the caller (e.g. `--crl`): source "crl". */
  readonly crls?: readonly Crl[];
  /** CRLs found in the document (CMS `crls`, PDF /DSS): source "embedded-crl". */
  readonly embeddedCrls?: readonly Crl[];
  /** When absent, no remote source is asked (offline). */
  readonly fetcher?: RevocationFetcher;
  /** Cache for fetched CRLs; default a process-wide cache. */
  readonly crlCache?: CrlCache;
  /** Verified OCSP answers to reuse ({@link OcspCache}); absent: every check asks the responder. */
  readonly ocspCache?: OcspCache;
  /** Ask OCSP before fetching CRLs, default true. */
  readonly preferOcsp?: boolean;
  /**
   * The best-signature-time (ETSI EN 319 102-1 §5.6.2.1): the genTime of a valid signature
   * timestamp. Data issued at or after it show the certificate was not revoked while the signature
   * was made; a later revocation does not concern a signature proven to exist before it.
   */
  readonly bestSignatureTime?: Date;
  /** The time the signature is judged at, default `now`: without a best-signature-time the data must be fresh for it. */
  readonly validationTime?: Date;
  /**
   * Maximum accepted freshness (ETSI EN 319 102-1 §5.2.5.4) in ms: how long before the validation
   * time "good" data may have been issued. Default: each answer's own interval (nextUpdate −
   * thisUpdate, i.e. it must still be within its validity; 24 h for answers without nextUpdate).
   */
  readonly maxAgeMs?: number;
}

/** Process-wide cache of fetched CRLs (a warm Lambda keeps it between invocations). */
export const defaultCrlCache: CrlCache = new CrlCache();

/**
 * Verified OCSP answers for reuse (RFC 5019 §6: an answer is cacheable until its nextUpdate), so
 * that letters signed with one certificate do not each cost a request to the responder. An answer
 * is reused only for the same responder, certificate and issuer, by their DER digests (a look-alike
 * or re-signed certificate is another entry), while it is current (before its nextUpdate) and for
 * at most `maxAgeMs` (default 5 minutes, as long as the exchange keeps its trust anchors) after it
 * was fetched: a revocation the responder publishes reaches verdicts within that time. A reused
 * answer is judged for freshness like a new one.
 */
export class OcspCache {
  readonly #entries = new Map<string, { readonly answer: Answer; readonly until: number }>();
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;

  constructor(options: { readonly maxAgeMs?: number; readonly maxEntries?: number } = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 300_000;
    this.#maxEntries = options.maxEntries ?? 1024;
  }

  static keyOf(url: string, certificate: Certificate, issuer: Certificate): string {
    return `${certificate.sha256} ${issuer.sha256} ${url}`;
  }

  get(key: string, at: Date): Answer | undefined {
    const entry = this.#entries.get(key);
    if (entry && at.getTime() < entry.until) {
      return entry.answer;
    }
    this.#entries.delete(key);
    return undefined;
  }

  put(key: string, answer: Answer, at: Date): void {
    const until = Math.min(
      at.getTime() + this.#maxAgeMs,
      answer.nextUpdate?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    if (until <= at.getTime()) {
      return;
    }
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) {
        this.#entries.delete(oldest);
      }
    }
    this.#entries.set(key, { answer: { ...answer, problems: [] }, until });
  }
}

/** Freshness of answers without nextUpdate (checkOcspResponse's default age for OCSP, too). */
const DEFAULT_INTERVAL_MS = 86_400_000;

/** A verified answer of one source (status good or revoked) before freshness is judged. */
interface Answer extends RevocationStatus {
  readonly status: "good" | "revoked";
  readonly thisUpdate: Date;
}

function fromCrls(
  crls: readonly Crl[],
  source: "crl" | "embedded-crl",
  certificate: Certificate,
  issuer: Certificate,
  now: Date,
  problems: string[],
): Answer[] {
  const answers: Answer[] = [];
  for (const crl of crls) {
    const check = checkCrl(crl, certificate, issuer, now);
    if (check.problems.includes("issuer-mismatch")) {
      continue; // another CA's CRL
    }
    if (check.problems.includes("signature-invalid")) {
      problems.push(`${source}: a CRL naming ${issuer.subject.text} does not verify with its key`);
      continue;
    }
    const times = { thisUpdate: crl.thisUpdate, ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate } : {}) };
    if (check.entry) {
      // A verified revocation entry is a fact even in an outdated CRL.
      answers.push({
        source,
        status: "revoked",
        revokedAt: check.entry.revocationDate,
        ...(check.entry.reason ? { reason: check.entry.reason } : {}),
        ...times,
        problems,
      });
    } else if (check.usable) {
      answers.push({ source, status: "good", ...times, problems });
    } else {
      problems.push(
        `${source}: CRL of ${issuer.subject.text} (thisUpdate ${crl.thisUpdate.toISOString()}) not usable: ${check.problems.join(", ")}`,
      );
    }
  }
  return answers;
}

async function fromOcsp(
  certificate: Certificate,
  issuer: Certificate,
  options: CheckRevocationOptions,
  fetcher: RevocationFetcher,
  problems: string[],
): Promise<Answer | undefined> {
  for (const url of certificate.ocspUrls) {
    const key = OcspCache.keyOf(url, certificate, issuer);
    const cached = options.ocspCache?.get(key, options.now);
    if (cached) {
      return { ...cached, problems };
    }
    try {
      const request = buildOcspRequest(certificate, issuer);
      const answer = await fetcher.fetch(url, request.der);
      const check = checkOcspResponse(parseOcspResponse(answer), certificate, issuer, {
        now: options.now,
        ...(request.nonce ? { nonce: request.nonce } : {}),
      });
      if (check.status === "unknown" || !check.thisUpdate) {
        problems.push(
          `ocsp ${url}: ${check.problems.join("; ") || "responder does not know the certificate"}`,
        );
        continue;
      }
      const verified: Answer = {
        source: "ocsp",
        status: check.status,
        ...(check.revocationTime ? { revokedAt: check.revocationTime } : {}),
        ...(check.reason ? { reason: check.reason } : {}),
        thisUpdate: check.thisUpdate,
        ...(check.nextUpdate ? { nextUpdate: check.nextUpdate } : {}),
        url,
        problems,
      };
      options.ocspCache?.put(key, verified, options.now);
      return verified;
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
): Promise<Answer | undefined> {
  const cache = options.crlCache ?? defaultCrlCache;
  for (const url of certificate.crlDistributionPoints) {
    try {
      let crl = cache.get(url, options.now);
      if (!crl) {
        crl = parseCrl(await fetcher.fetch(url));
        cache.put(url, crl, options.now);
      }
      const local: string[] = [];
      const [result] = fromCrls([crl], "crl", certificate, issuer, options.now, local);
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

/** The answer with the latest thisUpdate (the first of equals, so sources keep their order). */
function freshest(answers: readonly Answer[]): Answer | undefined {
  let best: Answer | undefined;
  for (const answer of answers) {
    if (!best || answer.thisUpdate.getTime() > best.thisUpdate.getTime()) {
      best = answer;
    }
  }
  return best;
}

/**
 * The decision over all answers: a revocation is a fact (RFC 5280 §5.3.1), except certificateHold,
 * which a later "good" answer lifts (removeFromCRL); otherwise the freshest "good" answer, if any.
 */
function decide(answers: readonly Answer[]): Answer | undefined {
  const good = freshest(answers.filter((a) => a.status === "good"));
  const revoked = answers.filter(
    (a) =>
      a.status === "revoked" &&
      !(a.reason === "certificateHold" && good && good.thisUpdate.getTime() > a.thisUpdate.getTime()),
  );
  return revoked[0] ?? good;
}

interface Freshness {
  /** Issued at or after the time that matters (best-signature-time, else validation time). */
  readonly issuedAfter: boolean;
  readonly fresh: boolean;
  readonly why: string;
}

/** ETSI EN 319 102-1 §5.2.5 (revocation freshness checker), with the §5.6.2.1 best-signature-time. */
function freshness(answer: Answer, options: CheckRevocationOptions): Freshness {
  const validationTime = options.validationTime ?? options.now;
  const decisive = options.bestSignatureTime ?? validationTime;
  const label = options.bestSignatureTime ? "the proven signing time" : "the validation time";
  const issued = answer.thisUpdate.getTime();
  if (issued >= decisive.getTime()) {
    return {
      issuedAfter: true,
      fresh: true,
      why: `issued ${answer.thisUpdate.toISOString()}, after ${label} ${decisive.toISOString()}`,
    };
  }
  const interval =
    options.maxAgeMs ?? (answer.nextUpdate ? answer.nextUpdate.getTime() - issued : DEFAULT_INTERVAL_MS);
  const age = validationTime.getTime() - issued;
  const fresh = age <= interval;
  return {
    issuedAfter: false,
    fresh,
    why: fresh
      ? `issued ${answer.thisUpdate.toISOString()}, within the accepted freshness of ${Math.round(interval / 1000)} s before the validation time ${validationTime.toISOString()}`
      : `issued ${answer.thisUpdate.toISOString()}, before ${label} ${decisive.toISOString()} and more than ${Math.round(interval / 1000)} s before the validation time ${validationTime.toISOString()} (stale)`,
  };
}

/**
 * The revocation status of `certificate`, with the freshness rules of ETSI EN 319 102-1 §5.2.5:
 *
 * 1. Offline sources first: caller CRLs, then embedded CRLs. Every verified answer is kept.
 * 2. A "good" answer issued at or after the best-signature-time (or, without one, the validation
 *    time) settles it without the network. Otherwise, with a fetcher, OCSP and the CRL distribution
 *    points are asked as well (CRLs first with `preferOcsp: false`): fresh online data is preferred
 *    when it can be had.
 * 3. Over all answers: a verified revocation wins (a lifted certificateHold excepted); otherwise the
 *    freshest "good" answer counts, and only when it is fresh — issued after the best-signature-time,
 *    or within the maximum accepted freshness before the validation time. Stale data alone gives
 *    "unknown" (TRY_LATER), never "good".
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
  const answers = [
    ...fromCrls(options.crls ?? [], "crl", certificate, issuer, options.now, problems),
    ...fromCrls(options.embeddedCrls ?? [], "embedded-crl", certificate, issuer, options.now, problems),
  ];
  const offline = decide(answers);
  const settled =
    offline !== undefined &&
    (offline.status === "revoked"
      ? offline.reason !== "certificateHold"
      : freshness(offline, options).issuedAfter);
  const fetcher = options.fetcher;
  const remote = certificate.ocspUrls.length + certificate.crlDistributionPoints.length > 0;
  if (!settled && fetcher) {
    const order =
      options.preferOcsp === false ? [fromDistributionPoints, fromOcsp] : [fromOcsp, fromDistributionPoints];
    for (const source of order) {
      const result = await source(certificate, issuer, options, fetcher, problems);
      if (result) {
        answers.push(result);
        break;
      }
    }
  } else if (!settled && remote) {
    problems.push("offline: OCSP and CRL distribution points were not asked");
  }
  const decided = decide(answers);
  if (decided?.status === "revoked") {
    return { ...decided, problems };
  }
  if (decided) {
    const judged = freshness(decided, options);
    if (judged.fresh) {
      return { ...decided, problems };
    }
    problems.push(
      `${decided.source}${decided.url ? ` ${decided.url}` : ""}: the freshest "good" answer was ${judged.why}`,
    );
  }
  if (!remote && problems.length === 0) {
    problems.push("the certificate names no OCSP responder or CRL distribution point, and no CRL was given");
  }
  return { source: "none", status: "unknown", problems };
}
