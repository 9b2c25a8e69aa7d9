/** Digests for expected values, computed with node:crypto directly (not through shared/cms). */
import { createHash } from "node:crypto";

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array | string): Uint8Array {
  return hashOf("sha256", data);
}

/** `algorithm` (a node:crypto hash name) of `data`. */
export function hashOf(algorithm: string, data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(data).digest());
}
