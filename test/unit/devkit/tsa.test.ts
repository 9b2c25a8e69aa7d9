import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTimeStampRequest, parseTimeStampResponse } from "../../../shared/cms/timestamp.ts";
import { HttpTsa } from "../../../shared/signing/http-tsa.ts";
import { sha256 } from "../../support/hash.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";

let tsa: TestTsa;

beforeAll(async () => {
  tsa = await startTestTsa();
});

afterAll(async () => {
  await tsa?.close();
});

describe("local TSA", () => {
  it("answers concurrent queries with distinct serial numbers", async () => {
    const { parseTimestampToken } = await import("../../../shared/cms/timestamp.ts");
    const before = tsa.server.issued();
    const tokens = await Promise.all(
      Array.from({ length: 6 }, (_, i) => tsa.client.timestamp(sha256(`query ${i}`), "sha256")),
    );
    const serials = new Set(tokens.map((token) => parseTimestampToken(token).serialNumberHex));
    expect(serials.size).toBe(6);
    expect(tsa.server.issued() - before).toBe(6);
  });

  it("answers a query for sha384 and sha512 imprints", async () => {
    const { createHash } = await import("node:crypto");
    for (const hash of ["sha384", "sha512"] as const) {
      const imprint = new Uint8Array(createHash(hash).update("x").digest());
      await expect(tsa.client.timestamp(imprint, hash)).resolves.toBeInstanceOf(Uint8Array);
    }
  });

  it("speaks the RFC 3161 HTTP transport: POST only, garbage rejected with a PKIStatus", async () => {
    expect((await fetch(tsa.url)).status).toBe(405);
    // OpenSSL answers a malformed query with status rejection (2, badDataFormat), not an HTTP error.
    const garbage = await fetch(tsa.url, { method: "POST", body: "not a query" });
    expect(garbage.status).toBe(200);
    const rejected = parseTimeStampResponse(new Uint8Array(await garbage.arrayBuffer()));
    expect(rejected.status).toBe(2);
    expect(rejected.token).toBeUndefined();
    const query = buildTimeStampRequest({ messageImprint: sha256("q"), hashAlgorithm: "sha256" });
    const response = await fetch(tsa.url, {
      method: "POST",
      headers: { "content-type": "application/timestamp-query" },
      body: query,
    });
    expect(response.headers.get("content-type")).toBe("application/timestamp-reply");
    const parsed = parseTimeStampResponse(new Uint8Array(await response.arrayBuffer()));
    expect(parsed.status).toBe(0);
    expect(parsed.token).toBeDefined();
  });

  it("is gone after close()", async () => {
    const other = await startTestTsa();
    await other.close();
    await expect(
      new HttpTsa({ url: other.url, timeoutMs: 2000 }).timestamp(sha256("x"), "sha256"),
    ).rejects.toMatchObject({
      code: "TSA_UNAVAILABLE",
    });
  });
});
