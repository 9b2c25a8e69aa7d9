/** The default revocation fetcher (node:http): what `fetch` did, on a loopback server. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpFetcher } from "../../../shared/pki/revocation.ts";

const seen: { method: string; path: string; type?: string; body: string }[] = [];
let base = "";
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const path = request.url ?? "";
    seen.push({
      method: request.method ?? "",
      path,
      ...(request.headers["content-type"] ? { type: request.headers["content-type"] } : {}),
      body: Buffer.concat(chunks).toString("latin1"),
    });
    if (path === "/crl") {
      response.end(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]));
    } else if (path === "/moved") {
      response.writeHead(301, { location: "/crl" }).end();
    } else if (path === "/see-other") {
      response.writeHead(303, { location: `${base}/crl` }).end();
    } else if (path === "/temporary") {
      response.writeHead(307, { location: "/echo" }).end();
    } else if (path === "/echo") {
      response.end(Buffer.concat(chunks));
    } else if (path === "/loop") {
      response.writeHead(302, { location: "/loop" }).end();
    } else if (path === "/ldap") {
      response.writeHead(302, { location: "ldap://example.vn/cn=ca" }).end();
    } else if (path === "/big") {
      response.end(Buffer.alloc(64 * 1024));
    } else if (path === "/slow") {
      setTimeout(() => response.end("late"), 2_000);
    } else {
      response.writeHead(404).end("no");
    }
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const code = { code: "REVOCATION_UNAVAILABLE" };

describe("httpFetcher", () => {
  it("GETs a CRL and POSTs an OCSP request with its content type", async () => {
    expect(await httpFetcher().fetch(`${base}/crl`)).toEqual(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]));
    const echoed = await httpFetcher().fetch(`${base}/echo`, new Uint8Array([1, 2, 3]));
    expect(echoed).toEqual(new Uint8Array([1, 2, 3]));
    expect(seen.at(-1)).toEqual({
      method: "POST",
      path: "/echo",
      type: "application/ocsp-request",
      body: "\u0001\u0002\u0003",
    });
  });

  it("follows redirects as fetch does: 307 keeps the POST, 301 after a POST and 303 become GETs", async () => {
    expect(await httpFetcher().fetch(`${base}/moved`)).toHaveLength(5);
    expect(await httpFetcher().fetch(`${base}/temporary`, new Uint8Array([9]))).toEqual(new Uint8Array([9]));
    await httpFetcher().fetch(`${base}/see-other`, new Uint8Array([7]));
    expect(seen.at(-1)).toMatchObject({ method: "GET", path: "/crl", body: "" });
    await httpFetcher().fetch(`${base}/moved`, new Uint8Array([7]));
    expect(seen.at(-1)).toMatchObject({ method: "GET", path: "/crl" });
  });

  it("refuses endless redirects, redirects off http(s), other schemes, non-2xx answers", async () => {
    await expect(httpFetcher().fetch(`${base}/loop`)).rejects.toMatchObject({
      ...code,
      detail: expect.stringContaining("got 302"),
    });
    await expect(httpFetcher().fetch(`${base}/ldap`)).rejects.toMatchObject({
      ...code,
      detail: expect.stringContaining("not an http(s) URL"),
    });
    await expect(httpFetcher().fetch("ldap://example.vn/cn=ca")).rejects.toMatchObject(code);
    await expect(httpFetcher().fetch(`${base}/missing`)).rejects.toMatchObject({
      ...code,
      detail: expect.stringContaining("got 404"),
    });
  });

  it("refuses an answer larger than allowed, and one that takes longer than the deadline", async () => {
    await expect(httpFetcher({ maxBytes: 1000 }).fetch(`${base}/big`)).rejects.toMatchObject({
      ...code,
      detail: expect.stringContaining("more than the 1000 bytes"),
    });
    expect(await httpFetcher({ maxBytes: 64 * 1024 }).fetch(`${base}/big`)).toHaveLength(64 * 1024);
    await expect(httpFetcher({ timeoutMs: 200 }).fetch(`${base}/slow`)).rejects.toMatchObject({
      ...code,
      detail: expect.stringContaining("within 200 ms"),
    });
  });

  it("says a closed port is unreachable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(httpFetcher().fetch(`http://127.0.0.1:${port}/x.crl`)).rejects.toMatchObject(code);
  });
});
