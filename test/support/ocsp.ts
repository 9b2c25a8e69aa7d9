/**
 * A real OCSP responder for tests: `openssl ocsp -index … -port …` over an index.txt built from
 * certificates, plus a tiny HTTP server for CRLs. Everything lives under a temporary directory that
 * `close()` removes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { Certificate } from "../../shared/pki/certificate.ts";
import { tempDir } from "./temp-dir.ts";

export interface OcspEntry {
  readonly certificate: Certificate;
  /** When set, the certificate is listed as revoked at this time. */
  readonly revokedAt?: Date;
  /** RFC 5280 reason name, e.g. "keyCompromise". */
  readonly reason?: string;
}

export interface OcspResponderOptions {
  /** PEM of the CA whose certificates the responder answers for. */
  readonly caPem: string;
  /** PEM certificate and key of the responder (id-kp-OCSPSigning, issued by the CA). */
  readonly responderCertPem: string;
  readonly responderKeyPem: string;
  readonly entries: readonly OcspEntry[];
  /** Port to listen on (e.g. one already written into test certificates); default a free one. */
  readonly port?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (released again before it is returned). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** openssl's index.txt time form, YYMMDDHHMMSSZ. */
function indexTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
}

/** One line of openssl's CA database (apps/ca.c): status, expiry, revocation[,reason], serial, file, subject. */
export function indexLine(entry: OcspEntry): string {
  const { certificate } = entry;
  const serial = certificate.serialNumberHex.toUpperCase().padStart(2, "0");
  const subject = `/CN=${certificate.subject.commonName ?? "test"}`;
  if (entry.revokedAt) {
    const revocation = indexTime(entry.revokedAt) + (entry.reason ? `,${entry.reason}` : "");
    return ["R", indexTime(certificate.notAfter), revocation, serial, "unknown", subject].join("\t");
  }
  return ["V", indexTime(certificate.notAfter), "", serial, "unknown", subject].join("\t");
}

/**
 * Waits for openssl's "waiting for OCSP client connections" line. (An HTTP probe would not do: openssl
 * 3.0's responder exits after a malformed request.)
 */
async function waitForReady(child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (stderr().includes("waiting for OCSP client connections")) {
      return;
    }
    if (child.exitCode !== null) {
      throw new Error(`openssl ocsp exited with ${child.exitCode}: ${stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`openssl ocsp did not start within 10 s: ${stderr()}`);
}

/**
 * Starts `openssl ocsp` as a responder on a free port; answers until `close()`. Send it only
 * well-formed OCSP requests: openssl 3.0's responder exits on a malformed one.
 *
 * @example
 * const ocsp = await startOcspResponder({ caPem, responderCertPem, responderKeyPem, entries: [{ certificate }] });
 * try { ... ocsp.url ... } finally { await ocsp.close(); }
 */
export async function startOcspResponder(options: OcspResponderOptions): Promise<RunningServer> {
  const { dir, file, cleanup } = await tempDir("lienthong-ocsp-");
  await file("index.txt", `${options.entries.map(indexLine).join("\n")}\n`);
  await file("ca.pem", options.caPem);
  await file("ocsp.pem", options.responderCertPem);
  await file("ocsp.key.pem", options.responderKeyPem);
  const port = options.port ?? (await freePort());
  const child = spawn(
    "openssl",
    [
      "ocsp",
      "-index",
      "index.txt",
      "-port",
      String(port),
      "-rsigner",
      "ocsp.pem",
      "-rkey",
      "ocsp.key.pem",
      "-CA",
      "ca.pem",
      "-ndays",
      "1",
    ],
    { cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    await waitForReady(child, () => stderr);
  } catch (error) {
    child.kill();
    await cleanup();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close(): Promise<void> {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill();
        await exited;
      }
      await cleanup();
    },
  };
}

/**
 * Serves fixed bodies by path over HTTP (e.g. CRLs at their distribution-point paths) and counts requests.
 *
 * @example
 * const server = await startFileServer({ "/intermediate.crl": crlDer });
 */
export async function startFileServer(
  files: Readonly<Record<string, Uint8Array>>,
): Promise<RunningServer & { readonly hits: ReadonlyMap<string, number> }> {
  const hits = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = files[path];
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/pkix-crl" }).end(Buffer.from(body));
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
