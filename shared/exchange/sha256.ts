import { createHash } from "node:crypto";

/** Lowercase hex SHA-256: how the exchange names and checks files. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
