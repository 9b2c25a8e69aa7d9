import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../../shared/config.ts";
import { isExchangeError } from "../../../shared/errors/index.ts";
import { localCursorSecret, PageCursors } from "../../../shared/storage/page-cursor.ts";
import { tempDir } from "../../support/temp-dir.ts";

const SECRET = "s".repeat(40);
const KEY = {
  PK: "DOC#6f1c2c7e-0000-4000-8000-000000000001",
  SK: "TO#000.00.11.H53",
  GSI1PK: "INBOX#000.00.11.H53",
  GSI1SK: "2026-01-01T00:00:00.000Z#6f1c2c7e-0000-4000-8000-000000000001",
};

function refusal(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!isExchangeError(error, "INVALID_CURSOR")) {
      throw error;
    }
    return error.detail ?? "";
  }
}

describe("sealed page cursors", () => {
  const cursors = new PageCursors(SECRET);
  const cursor = cursors.seal(KEY, "GSI1", KEY.GSI1PK);

  it("give back the key they sealed, and show none of it", () => {
    expect(cursors.open(cursor, "GSI1", KEY.GSI1PK)).toEqual(KEY);
    expect(new PageCursors(SECRET).open(cursor, "GSI1", KEY.GSI1PK)).toEqual(KEY); // another instance, same secret
    const decoded = Buffer.from(cursor, "base64url").toString("latin1");
    for (const part of ["DOC#", "INBOX#", "GSI1", "000.00.11.H53", "2026-01-01"]) {
      expect(decoded).not.toContain(part);
    }
    expect(cursor).not.toBe(cursors.seal(KEY, "GSI1", KEY.GSI1PK)); // a fresh IV each time
  });

  it("refuse every altered cursor with a detail (property over byte flips and truncations)", () => {
    const bytes = Buffer.from(cursor, "base64url");
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, mask) => {
          const altered = Buffer.from(bytes);
          altered[at] = (altered[at] ?? 0) ^ mask;
          const detail = refusal(() => cursors.open(altered.toString("base64url"), "GSI1", KEY.GSI1PK));
          expect(detail).toMatch(/altered/);
        },
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (length) => {
        const cut = bytes.subarray(0, length).toString("base64url");
        expect(refusal(() => cursors.open(cut, "GSI1", KEY.GSI1PK))).toBeTypeOf("string");
      }),
    );
  });

  it("refuse forged strings, another partition, another index and another secret", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (forged) => {
        expect(refusal(() => cursors.open(forged, "GSI1", KEY.GSI1PK))).toBeTypeOf("string");
      }),
    );
    const readable = Buffer.from(JSON.stringify(KEY)).toString("base64url");
    expect(refusal(() => cursors.open(readable, "GSI1", KEY.GSI1PK))).toBeTypeOf("string");
    expect(refusal(() => cursors.open(cursor, "GSI1", "INBOX#000.00.12.H53"))).toBeTypeOf("string");
    expect(refusal(() => cursors.open(cursor, "GSI2", KEY.GSI1PK))).toBeTypeOf("string");
    expect(refusal(() => new PageCursors("t".repeat(40)).open(cursor, "GSI1", KEY.GSI1PK))).toBeTypeOf(
      "string",
    );
    expect(refusal(() => cursors.open("A".repeat(7000), "GSI1", KEY.GSI1PK))).toBeTypeOf("string");
  });
});

describe("the cursor secret", () => {
  const env = { TABLE_NAME: "t", BUCKET_NAME: "b" };

  it("is read from CURSOR_SECRET, at least 32 characters", () => {
    expect(readConfig({ ...env, CURSOR_SECRET: SECRET }).cursorSecret).toBe(SECRET);
    expect(readConfig(env).cursorSecret).toBeUndefined();
    expect(() => readConfig({ ...env, CURSOR_SECRET: "short" })).toThrowError(/CURSOR_SECRET.*32/);
  });

  it("is made once per local data directory, private, and kept across restarts", async () => {
    const [da, db] = [await tempDir(), await tempDir()];
    const [a, b] = [da.dir, db.dir];
    const first = localCursorSecret(join(a, "cursor-secret"));
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(localCursorSecret(join(a, "cursor-secret"))).toBe(first);
    expect(localCursorSecret(join(b, "cursor-secret"))).not.toBe(first);
    expect(existsSync(join(a, "cursor-secret")) && statSync(join(a, "cursor-secret")).mode & 0o077).toBe(0);
    await Promise.all([da.cleanup(), db.cleanup()]);
  });
});
