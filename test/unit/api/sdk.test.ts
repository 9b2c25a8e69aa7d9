import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSdkSchema, SDK_SCHEMA_PATH } from "../../../local/generate-sdk.ts";
import { createLienthongClient, LienthongError, ok } from "../../../sdk/index.ts";
import { REPO_ROOT } from "../../support/lambda-bundles.ts";
import { tempDir } from "../../support/temp-dir.ts";

/** The typed SDK (sdk/): its generated types are current, compile against a usage, and refusals are typed errors. */

describe("sdk/schema.d.ts", () => {
  it("is what `npm run sdk:generate` makes from the current OpenAPI document", async () => {
    const dir = await tempDir("lienthong-sdk-");
    try {
      const fresh = await dir.file("schema.d.ts", await generateSdkSchema());
      const committed = await readFile(join(REPO_ROOT, SDK_SCHEMA_PATH), "utf8");
      expect(
        committed === (await readFile(fresh, "utf8")),
        `${SDK_SCHEMA_PATH} is stale: the API changed since it was generated. Run \`npm run sdk:generate\` ` +
          "(or `npx tsx local/generate-sdk.ts`) and commit the result.",
      ).toBe(true);
    } finally {
      await dir.cleanup();
    }
  }, 60_000);

  it("types a usage of the client: the fixture compiles, and each misuse in it is refused", async () => {
    const dir = await tempDir("lienthong-sdk-tsc-");
    try {
      const tsconfig = await dir.file(
        "tsconfig.json",
        JSON.stringify({
          extends: join(REPO_ROOT, "tsconfig.json"),
          // Type packages resolve from the tsconfig's folder: point it back at the repository's.
          compilerOptions: { typeRoots: [join(REPO_ROOT, "node_modules", "@types")] },
          include: [],
          files: [join(REPO_ROOT, "test/unit/api/fixtures/sdk-usage.ts")],
        }),
      );
      const tsc = join(REPO_ROOT, "node_modules", ".bin", "tsc");
      const result = await promisify(execFile)(tsc, ["--noEmit", "-p", tsconfig], { cwd: REPO_ROOT }).then(
        () => ({ code: 0, output: "" }),
        (error: { code: number; stdout: string; stderr: string }) => ({
          code: error.code,
          output: error.stdout + error.stderr,
        }),
      );
      // An accepted misuse shows up as an unused @ts-expect-error (TS2578).
      expect(result.output).toBe("");
      expect(result.code).toBe(0);
    } finally {
      await dir.cleanup();
    }
  }, 120_000);
});

describe("createLienthongClient", () => {
  let server: Server;
  let url: string;
  const seen: { authorization?: string; path?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ authorization: req.headers.authorization, path: req.url });
      if (req.url?.startsWith("/v1/inbox")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ items: [] }));
      } else if (req.url === "/v1/letters/gone") {
        res.writeHead(404, { "content-type": "application/problem+json; charset=utf-8" });
        res.end(
          JSON.stringify({
            type: "urn:problem:LETTER_NOT_FOUND",
            code: "LETTER_NOT_FOUND",
            status: 404,
            title: "No such letter, or it is not addressed to your organ.",
            messages: { en: "No such letter.", vi: "Không tìm thấy văn bản." },
            instance: "req-123",
          }),
        );
      } else {
        res.writeHead(503, { "content-type": "application/json" });
        res.end('{"message":"Service Unavailable"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends the key as a bearer token and returns the answer", async () => {
    const api = createLienthongClient({ url, key: "lt_secret" });
    const page = await ok(api.GET("/v1/inbox", { params: { query: { limit: "5" } } }));
    expect(page.items).toEqual([]);
    expect(seen.at(-1)).toEqual({ authorization: "Bearer lt_secret", path: "/v1/inbox?limit=5" });
  });

  it("rejects a refusal with a LienthongError carrying the code, message and request id", async () => {
    const api = createLienthongClient({ url, key: "k" });
    const error = await api.GET("/v1/letters/{id}", { params: { path: { id: "gone" } } }).catch((e) => e);
    expect(error).toBeInstanceOf(LienthongError);
    expect(error).toMatchObject({ code: "LETTER_NOT_FOUND", status: 404, requestId: "req-123" });
    expect((error as Error).message).toBe(
      "LETTER_NOT_FOUND: No such letter, or it is not addressed to your organ.",
    );
  });

  it("rejects an answer that is not a problem document as UNEXPECTED_RESPONSE", async () => {
    const api = createLienthongClient({ url, key: "k" });
    const error = await api.GET("/v1/outbox").catch((e) => e);
    expect(error).toMatchObject({ code: "UNEXPECTED_RESPONSE", status: 503, requestId: undefined });
    expect((error as Error).message).toContain("Service Unavailable");
  });
});
