/**
 * The time-stamping port (RFC 3161). `HttpTsa` in shared/cms/timestamp.ts is the network adapter;
 * tests use the local OpenSSL-backed TSA in local/tsa.ts through it.
 */
import type { HashAlgorithm } from "../cms/algorithms.ts";

/**
 * A time-stamping authority.
 *
 * @example
 * const tsa = new HttpTsa({ url: "http://localhost:3180/tsa" });
 * const token = await tsa.timestamp(sha256(signatureValue), "sha256");
 */
export interface Tsa {
  /**
   * Returns a DER TimeStampToken (a ContentInfo with SignedData over a TSTInfo, RFC 3161 §2.4.2)
   * whose messageImprint is `messageImprint` under `hashAlgorithm`.
   */
  timestamp(messageImprint: Uint8Array, hashAlgorithm: HashAlgorithm): Promise<Uint8Array>;
}
