/**
 * The one-line errors and exit codes of the exchange commands (cli/api-client.ts), against a real
 * local HTTP server that answers as the exchange would (problem+json with a request id), as a
 * broken gateway would, or not at all; and every remote command's --help has examples.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { describeError, errorLine, progress, UnreachableError } from "../../../cli/api-client.ts";
import { UsageError } from "../../../cli/common.ts";
import { main } from "../../../cli/main.ts";
import { createLienthongClient, LienthongError } from "../../../sdk/index.ts";
import { tempDir } from "../../support/temp-dir.ts";

let server: Server;
let url: string;

const problem = (status: number, code: string, detail?: string) => ({
  type: `urn:problem:${code}`,
  code,
  status,
  title: code,
  ...(detail ? { detail } : {}),
  messages: { vi: "…", en: "…" },
  instance: `req-${status}`,
});

beforeAll(async () => {
  server = createServer((request, response) => {
    const auth = request.headers.authorization;
    if (request.url === "/file/letter.pdf") {
      // The storage serves other bytes than the letter registered.
      response.writeHead(200, { "content-type": "application/pdf", "content-length": "9" }).end("%PDF-evil");
      return;
    }
    if (request.url?.startsWith("/gateway")) {
      response.writeHead(502, { "content-type": "text/html" }).end("<html>Bad Gateway</html>");
      return;
    }
    if (auth !== "Bearer good") {
      response.writeHead(401, { "content-type": "application/problem+json" });
      response.end(JSON.stringify(problem(401, "UNAUTHENTICATED")));
      return;
    }
    if (request.url === "/v1/letters/tampered") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          id: "tampered",
          state: "sent",
          file: { name: "../../letter.pdf", contentType: "application/pdf", size: 9, sha256: "0".repeat(64) },
          download: { url: `${url}/file/letter.pdf`, expiresAt: "2026-12-01T00:00:00Z" },
        }),
      );
      return;
    }
    if (request.url?.startsWith("/v1/letters/")) {
      response.writeHead(500, { "content-type": "application/problem+json" });
      response.end(JSON.stringify(problem(500, "INTERNAL")));
      return;
    }
    response.writeHead(404, { "content-type": "application/problem+json" });
    response.end(JSON.stringify(problem(404, "ROUTE_NOT_FOUND", "no such route")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => vi.restoreAllMocks());

async function thrown(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("error lines", () => {
  it("a wrong key: UNAUTHENTICATED, what to do, the request id; exit 1", async () => {
    const api = createLienthongClient({ url, key: "wrong" });
    const report = describeError(await thrown(() => api.GET("/v1/inbox", {})), url);
    expect(errorLine("inbox", report)).toBe(
      `lienthong inbox: UNAUTHENTICATED (HTTP 401): the API key was refused by ${url}: check --key or run 'lienthong login' [request id req-401]`,
    );
    expect(report.exit).toBe(1);
  });

  it("a server error: its code and the request id to quote; exit 1", async () => {
    const api = createLienthongClient({ url, key: "good" });
    const error = await thrown(() => api.GET("/v1/letters/{id}", { params: { path: { id: "x" } } }));
    expect(error).toBeInstanceOf(LienthongError);
    const report = describeError(error, url);
    expect(errorLine("show", report)).toBe(
      "lienthong show: INTERNAL (HTTP 500): INTERNAL [request id req-500]",
    );
    expect(report.exit).toBe(1);
  });

  it("an answer that is no problem document (a gateway's page): its HTTP status; exit 1", async () => {
    const api = createLienthongClient({ url: `${url}/gateway`, key: "good" });
    const report = describeError(await thrown(() => api.GET("/v1/inbox", {})), url);
    expect(report).toMatchObject({ code: "UNEXPECTED_RESPONSE", status: 502, exit: 1 });
    expect(errorLine("inbox", report)).not.toContain("request id");
  });

  it("an unreachable exchange: the URL and the network reason; exit 3", async () => {
    const closed = await new Promise<string>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(`http://127.0.0.1:${port}`));
      });
    });
    const api = createLienthongClient({ url: closed, key: "good" });
    const report = describeError(await thrown(() => api.GET("/v1/inbox", {})), closed);
    expect(errorLine("inbox", report)).toBe(
      `lienthong inbox: UNREACHABLE: cannot reach the exchange at ${closed} (ECONNREFUSED): is the URL right and the exchange running?`,
    );
    expect(report.exit).toBe(3);
    expect(describeError(new UnreachableError("http://x", "ENOTFOUND")).exit).toBe(3);
  });

  it("a missing file or bad usage: exit 2", () => {
    const report = describeError(new UsageError("cannot read letter 'a.pdf': ENOENT"));
    expect(errorLine("send", report)).toBe("lienthong send: USAGE: cannot read letter 'a.pdf': ENOENT");
    expect(report.exit).toBe(2);
  });
});

describe("through main()", () => {
  const run = async (argv: string[], env: Record<string, string | undefined> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args) => void out.push(args.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...args) => void err.push(args.join(" ")));
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const temp = await tempDir("lienthong-errors-");
    const saved = { ...process.env };
    Object.assign(
      process.env,
      { XDG_CONFIG_HOME: join(temp.dir, "config"), LIENTHONG_URL: "", LIENTHONG_KEY: "" },
      env,
    );
    try {
      const code = await main(argv);
      return { code, stdout: out.join(""), stderr: err.join("\n") };
    } finally {
      process.env = saved;
      vi.restoreAllMocks();
      await temp.cleanup();
    }
  };

  it("--json puts the error, and only it, on stdout", async () => {
    const result = await run(["inbox", "--json"], { LIENTHONG_URL: url, LIENTHONG_KEY: "wrong" });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: "UNAUTHENTICATED",
        status: 401,
        requestId: "req-401",
        message: `the API key was refused by ${url}: check --key or run 'lienthong login'`,
      },
    });
    expect(result.stderr.split("\n")).toHaveLength(1);
  });

  it("a login with a wrong key is refused (exit 1)", async () => {
    const result = await run(["login", "--url", url, "--key", "wrong"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^lienthong login: UNAUTHENTICATED/);
  });

  it("a download whose SHA-256 is not the letter's: exit 1, nothing written", async () => {
    const temp = await tempDir("lienthong-download-");
    try {
      const out = join(temp.dir, "saved.pdf");
      const result = await run(["download", "tampered", "-o", out], {
        LIENTHONG_URL: url,
        LIENTHONG_KEY: "good",
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^lienthong download: DOWNLOAD_CHECKSUM_MISMATCH: the downloaded file's SHA-256 [0-9a-f]{64} is not the letter's 0{64}: nothing saved$/,
      );
      expect(existsSync(out)).toBe(false);
    } finally {
      await temp.cleanup();
    }
  });

  it.each([
    "admin",
    "webhooks",
    "login",
    "send",
    "inbox",
    "outbox",
    "show",
    "download",
    "status",
    "recall",
    "receipts",
  ])("'%s --help' lists the connection options, the exit codes and examples", async (name) => {
    const result = await run([name, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`lienthong ${name}`);
    expect(result.stdout).toContain("Examples:");
    expect(result.stdout).toContain("3 exchange unreachable");
    expect(result.stdout).toContain("--json");
  });
});

describe("upload progress", () => {
  const sink = (isTTY: boolean) => {
    const written: string[] = [];
    const stream = {
      isTTY,
      write: (chunk: string) => written.push(chunk) > 0,
    } as unknown as NodeJS.WriteStream;
    return { stream, written };
  };

  it("redraws one bar in place on a terminal", () => {
    const { stream, written } = sink(true);
    const bar = progress("upload a.pdf", 2048, stream);
    for (const done of [0, 512, 1024, 2048]) {
      bar.update(done);
    }
    bar.end();
    expect(written.slice(0, -1).every((chunk) => chunk.startsWith("\r") && !chunk.includes("\n"))).toBe(true);
    expect(written.at(-2)).toContain("[##############################] 100% 2.0 KB/2.0 KB");
    expect(written.at(-1)).toBe("\n");
  });

  it("prints a plain line per quarter elsewhere, however many chunks", () => {
    const { stream, written } = sink(false);
    const bar = progress("upload a.pdf", 1000, stream);
    for (let done = 0; done <= 1000; done += 10) {
      bar.update(done);
    }
    bar.end();
    expect(written).toEqual(
      [0, 25, 50, 75, 100].map((p) => `upload a.pdf: ${p}% (${p * 10} of 1000 bytes)\n`),
    );
  });
});
