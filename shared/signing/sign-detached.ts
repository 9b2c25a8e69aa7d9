/**
 * Detached CAdES signatures (.p7s) over files of any size: the content is hashed as a stream in
 * constant memory, and only its digest reaches the CMS code (ETSI EN 319 122-1, RFC 5652 §5.2).
 */
import { createHash } from "node:crypto";
import type { HashAlgorithm } from "../cms/algorithms.ts";
import { createCmsSignature } from "../cms/create-cms-signature.ts";
import type { Signer, Tsa } from "../cms/ports.ts";
import { ExchangeError } from "../errors/index.ts";

/** Options of {@link signDetached}. */
export interface SignDetachedOptions {
  readonly signer: Signer;
  /** Adds a signature timestamp (CAdES-T); a TSA failure yields an error and no signature. */
  readonly tsa?: Tsa;
  /** Default "sha256". */
  readonly hashAlgorithm?: HashAlgorithm;
}

/** A byte stream: any async iterable of chunks, e.g. `fs.createReadStream(path)`. */
export type ByteStream = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

/**
 * Digest of a byte stream, read chunk by chunk (constant memory).
 *
 * @example
 * const digest = await hashStream(fs.createReadStream("big.zip"), "sha256");
 */
export async function hashStream(
  input: ByteStream,
  hashAlgorithm: HashAlgorithm = "sha256",
): Promise<Uint8Array> {
  const hash = createHash(hashAlgorithm);
  for await (const chunk of input as AsyncIterable<Uint8Array | string>) {
    if (typeof chunk === "string") {
      // Text chunks would be hashed after a charset conversion: not the file's bytes.
      throw new ExchangeError("VALIDATION_FAILED", {
        detail: "expected a byte stream, got text chunks (open the stream without an encoding)",
      });
    }
    hash.update(chunk);
  }
  return new Uint8Array(hash.digest());
}

/**
 * Signs a stream of bytes with a detached CAdES-BES (or -T with `tsa`) signature and returns
 * the DER ContentInfo (.p7s).
 *
 * @example
 * const p7s = await signDetached(fs.createReadStream("appendix.xlsx"), { signer, tsa });
 * await fs.promises.writeFile("appendix.xlsx.p7s", p7s);
 */
export async function signDetached(input: ByteStream, options: SignDetachedOptions): Promise<Uint8Array> {
  const hashAlgorithm = options.hashAlgorithm ?? "sha256";
  const contentDigest = await hashStream(input, hashAlgorithm);
  return createCmsSignature({
    contentDigest,
    hashAlgorithm,
    signer: options.signer,
    ...(options.tsa ? { tsa: options.tsa } : {}),
  });
}
