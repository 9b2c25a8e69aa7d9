/**
 * Page cursors, sealed: a cursor carries DynamoDB's LastEvaluatedKey (which spells out the
 * table's key layout) encrypted and authenticated with AES-256-GCM, bound to the listing it was
 * issued for: the index, the partition and the listing's query (date range and filters). A client
 * can neither read it nor forge or alter one, and a cursor used on any other listing — another
 * organ's, the outbox with an inbox cursor, the same inbox with another range or filter, whose key
 * condition the position may lie outside or whose meaning it would change — fails authentication.
 * Hand-written on node:crypto because it is twelve lines of AEAD, not a format a library would own.
 *
 * Layout: `base64url(iv[12] ‖ ciphertext ‖ tag[16])`; additional data
 * `<index>|<partition>|<canonical JSON of the query>` (keys sorted, absent values left out).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { ExchangeError } from "../errors/index.ts";

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A sealed cursor longer than this is refused before decoding (DynamoDB keys are ≤ 2 KB each). */
const MAX_CURSOR_CHARS = 6000;

/**
 * Without a configured secret, one random key per process: cursors then work within one process
 * (the local runtime serves every route from one) and are refused, never misread, elsewhere.
 */
const processKey = randomBytes(32);

/** Seals and opens the cursors of one ledger. */
export class PageCursors {
  private readonly key: Buffer;

  /** @param secret `CURSOR_SECRET` (≥ 32 characters); the AES key is derived from it with HKDF-SHA256. */
  constructor(secret?: string) {
    this.key = secret
      ? Buffer.from(hkdfSync("sha256", secret, "lienthong", "page-cursor v1", 32))
      : processKey;
  }

  /** @param query what selects the listing's items besides the partition: `{}` for none. */
  seal(key: Record<string, unknown>, index: string, partition: string, query: ListingQuery = {}): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(additionalData(index, partition, query));
    const body = Buffer.concat([cipher.update(JSON.stringify(key), "utf8"), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url");
  }

  /** The key sealed in `cursor` for exactly this listing; INVALID_CURSOR for anything else. */
  open(cursor: string, index: string, partition: string, query: ListingQuery = {}): Record<string, unknown> {
    const raw = cursor.length <= MAX_CURSOR_CHARS && /^[A-Za-z0-9_-]+$/.test(cursor) ? cursor : "";
    const bytes = Buffer.from(raw, "base64url");
    if (bytes.length <= IV_BYTES + TAG_BYTES) {
      throw invalid("it is not a cursor this exchange issued (malformed or truncated)");
    }
    let plain: string;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(additionalData(index, partition, query));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      plain = Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      throw invalid(
        "it was altered, issued for another listing, organ, date range or filter, or by an exchange with another secret",
      );
    }
    const key: unknown = JSON.parse(plain);
    if (typeof key !== "object" || key === null || Array.isArray(key)) {
      throw invalid("its content is not a page position");
    }
    return key as Record<string, unknown>;
  }
}

/** A listing's query as the cursor binds it: plain values, compared by their canonical JSON. */
export type ListingQuery = { readonly [name: string]: QueryValue | undefined };
type QueryValue = string | number | boolean | readonly (string | number)[];

function additionalData(index: string, partition: string, query: ListingQuery): Buffer {
  const canonical = Object.keys(query)
    .filter((name) => query[name] !== undefined)
    .sort()
    .map((name) => [name, query[name]]);
  return Buffer.from(`${index}|${partition}|${JSON.stringify(canonical)}`, "utf8");
}

function invalid(why: string): ExchangeError {
  return new ExchangeError("INVALID_CURSOR", {
    detail: `the cursor cannot be used: ${why}; pass back the nextCursor of the previous page unchanged`,
  });
}

/**
 * The local runtime's cursor secret: read from `path`, or made (random, mode 0600) on first use, so
 * that cursors survive a restart on the same data directory and no two data directories share one.
 */
export function localCursorSecret(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw error;
    }
  }
  const secret = randomBytes(32).toString("base64url");
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      return readFileSync(path, "utf8").trim(); // made meanwhile by another process
    }
    throw error;
  }
  return secret;
}

/**
 * The start key inside an authentic cursor: exactly the keys a page of `index` ends with. The seal
 * already binds it to its listing; this guards against a cursor sealed by an older key layout.
 */
export function startKeyOf(key: Record<string, unknown>, index: string): Record<string, string> {
  const names = ["PK", "SK", `${index}PK`, `${index}SK`];
  const valid =
    Object.keys(key).length === names.length &&
    names.every((name) => typeof key[name] === "string" && (key[name] as string).length > 0);
  if (!valid) {
    throw new ExchangeError("INVALID_CURSOR", {
      detail: "the cursor holds no page position of this listing",
    });
  }
  return key as Record<string, string>;
}
