/**
 * `validateDetached`: a detached CAdES / CMS signature (.p7s, RFC 5652 with external content) over any
 * file, e.g. an appendix that is not a PDF. The content may be a stream: it is hashed in one pass with
 * the signature's digest algorithm (and SHA-256 for the report), never held whole.
 */
import { createHash, type Hash } from "node:crypto";
import { type ParsedSignedData, parseSignedData } from "../cms/parse.ts";
import { resolveOptions, type ValidationOptions } from "./options.ts";
import { Outcome } from "./outcome.ts";
import { deepFreeze, type SignatureReport, type ValidationReport } from "./report.ts";
import { validateSignedData } from "./validate-signed-data.ts";

const STREAM_HASHES = new Set(["sha256", "sha384", "sha512"]);

async function hashContent(
  content: Uint8Array | AsyncIterable<Uint8Array>,
  algorithms: readonly string[],
): Promise<{ digests: Map<string, Uint8Array>; size: number }> {
  const hashes = new Map<string, Hash>();
  for (const algorithm of new Set(["sha256", ...algorithms])) {
    hashes.set(algorithm, createHash(algorithm));
  }
  let size = 0;
  const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
    content instanceof Uint8Array ? [content] : content;
  for await (const chunk of chunks) {
    size += chunk.length;
    for (const hash of hashes.values()) {
      hash.update(chunk);
    }
  }
  const digests = new Map<string, Uint8Array>();
  for (const [algorithm, hash] of hashes) {
    digests.set(algorithm, new Uint8Array(hash.digest()));
  }
  return { digests, size };
}

/**
 * Validates a detached CMS signature over `content` (bytes or a stream such as `fs.createReadStream`).
 * Throws only for unusable options; a broken .p7s gives a report with FORMAT_FAILURE.
 *
 * @example
 * const report = await validateDetached(createReadStream("phu-luc.xlsx"), p7s, { trustAnchors: rootPem });
 */
export async function validateDetached(
  content: Uint8Array | AsyncIterable<Uint8Array>,
  p7s: Uint8Array,
  options: ValidationOptions,
): Promise<ValidationReport> {
  const context = resolveOptions(options);
  let parsed: ParsedSignedData | undefined;
  try {
    parsed = parseSignedData(p7s);
  } catch {
    parsed = undefined; // reported by validateSignedData below
  }
  const algorithms = (parsed?.signerInfos ?? [])
    .map((info) => info.digestAlgorithm)
    .filter((algorithm) => STREAM_HASHES.has(algorithm));
  const { digests, size } = await hashContent(content, algorithms);
  const outcome = new Outcome();
  const result = await validateSignedData(
    {
      cms: p7s,
      contentDigest: (hash) => {
        const value = digests.get(hash);
        if (!value) {
          throw new Error(`content was not hashed with ${hash}`);
        }
        return value;
      },
      // CAdES-B requires the reference; plain CMS from other tools may lack it: a mismatch still fails.
      requireSigningCertificateV2: false,
    },
    context,
    outcome,
  );
  outcome.skipped("modifications", "NOT_APPLICABLE", "a detached signature covers exactly the given file");
  const { indication, subIndication } = outcome.result();
  const signature: SignatureReport = {
    index: 0,
    kind: "detached",
    indication,
    ...(subIndication ? { subIndication } : {}),
    checks: outcome.checks,
    ...(result.hashAlgorithm ? { hashAlgorithm: result.hashAlgorithm } : {}),
    ...(result.signer ? { signer: result.signer } : {}),
    chain: result.chain,
    ...(result.cmsSigningTime ? { claimedSigningTime: result.cmsSigningTime.toISOString() } : {}),
    ...(result.provenSigningTime ? { provenSigningTime: result.provenSigningTime.toISOString() } : {}),
    ...(result.timestamp ? { timestamp: result.timestamp } : {}),
    revocation: result.revocation,
    coverage: "whole-file",
    modification: "none",
    changes: [],
    paintedAfter: [],
  };
  return deepFreeze({
    verdict: indication,
    validationTime: context.validationTime.toISOString(),
    document: {
      kind: "detached",
      sha256: Buffer.from(digests.get("sha256")!).toString("hex"),
      size,
      revisions: 1,
    },
    policy: {
      revocation: context.revocation,
      ...(context.expectedOrganCode ? { expectedOrganCode: context.expectedOrganCode } : {}),
    },
    problems: [],
    signatures: [signature],
  });
}
