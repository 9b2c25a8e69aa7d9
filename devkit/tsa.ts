/**
 * A local RFC 3161 time-stamping authority for development and tests: a small node:http server
 * that hands each query to `openssl ts -reply` (RFC 3161 §3.4 HTTP transport). The TSA
 * certificate must carry the critical EKU id-kp-timeStamping (RFC 3161 §2.3; OpenSSL checks it).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Options of {@link startLocalTsa}. */
export interface LocalTsaOptions {
  /** TCP port; default 0 (a free port). */
  readonly port?: number;
  /** Interface to bind; default 127.0.0.1. */
  readonly host?: string;
  /** The TSA certificate (PEM). */
  readonly certPem: string;
  /** Its private key (unencrypted PEM). */
  readonly keyPem: string;
  /** Issuer certificates to include in tokens (PEM bundle); default none. */
  readonly chainPem?: string;
  /** Where config, keys and the serial file live; default a new temporary directory, removed on close. */
  readonly workDir?: string;
  /** TSA policy OID; default 1.3.6.1.4.1.99999.1.1 (a private-arc placeholder). */
  readonly policyOid?: string;
  /** The openssl binary; default "openssl". */
  readonly openssl?: string;
}

/** A running local TSA. */
export interface LocalTsa {
  /** The endpoint, e.g. http://127.0.0.1:43121/ */
  readonly url: string;
  /** Number of timestamps issued so far. */
  readonly issued: () => number;
  close(): Promise<void>;
}

/** Largest accepted query; real ones are about 60–100 bytes. */
const MAX_QUERY_BYTES = 16 * 1024;

/**
 * Starts the TSA. Requests are answered one at a time (the serial file is not safe for
 * concurrent `openssl ts` runs).
 *
 * @example
 * const tsa = await startLocalTsa({ certPem, keyPem, chainPem });
 * const cms = await createCmsSignature({ contentDigest, signer, tsa: new HttpTsa({ url: tsa.url }) });
 * await tsa.close();
 */
export async function startLocalTsa(options: LocalTsaOptions): Promise<LocalTsa> {
  const ownDir = options.workDir === undefined;
  const dir = options.workDir ?? (await mkdtemp(join(tmpdir(), "lienthong-tsa-")));
  await mkdir(dir, { recursive: true });
  const files = {
    config: join(dir, "tsa.cnf"),
    cert: join(dir, "tsa.pem"),
    key: join(dir, "tsa.key.pem"),
    chain: join(dir, "chain.pem"),
    serial: join(dir, "tsaserial"),
  };
  await writeFile(files.cert, options.certPem);
  await writeFile(files.key, options.keyPem, { mode: 0o600 });
  await writeFile(files.chain, options.chainPem ?? "");
  // A kept work directory keeps its serial counter: serial numbers must stay unique (RFC 3161 §2.4.2).
  if (!existsSync(files.serial)) {
    await writeFile(files.serial, "01\n");
  }
  await writeFile(files.config, opensslConfig(files.serial, options.policyOid ?? "1.3.6.1.4.1.99999.1.1"));
  const openssl = options.openssl ?? "openssl";
  let count = 0;
  let sequence = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const reply = async (query: Uint8Array): Promise<Uint8Array> => {
    const id = ++sequence;
    const queryFile = join(dir, `query-${id}.tsq`);
    const replyFile = join(dir, `reply-${id}.tsr`);
    await writeFile(queryFile, query);
    try {
      const args = ["ts", "-reply", "-config", files.config, "-queryfile", queryFile];
      args.push("-signer", files.cert, "-inkey", files.key, "-out", replyFile);
      if (options.chainPem) {
        args.push("-chain", files.chain);
      }
      await run(openssl, args);
      count++;
      return new Uint8Array(await readFile(replyFile));
    } finally {
      await rm(queryFile, { force: true });
      await rm(replyFile, { force: true });
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== "POST") {
      response.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const query = await readBody(request);
    if (!query) {
      response.writeHead(413).end();
      return;
    }
    const answer = queue.then(() => reply(query));
    queue = answer.catch(() => undefined);
    try {
      const body = await answer;
      response.writeHead(200, {
        "content-type": "application/timestamp-reply",
        "content-length": body.length,
      });
      response.end(body);
    } catch {
      // OpenSSL answers malformed queries itself (PKIStatus rejection); this is for openssl
      // failing outright (missing binary, unreadable key): an HTTP error, as RFC 3161 §3.4 allows.
      response.writeHead(400, { "content-type": "text/plain" }).end("bad timestamp query\n");
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        response.writeHead(500).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    issued: () => count,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue;
      if (ownDir) {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

async function readBody(request: IncomingMessage): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_QUERY_BYTES) {
      return undefined;
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** The [tsa] section of openssl.cnf (see `man openssl-ts`, "CONFIGURATION FILE OPTIONS"). */
function opensslConfig(serialFile: string, policyOid: string): string {
  return `# Generated by lienthong devkit/tsa.ts
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
serial = ${serialFile}
crypto_device = builtin
signer_digest = sha256
default_policy = ${policyOid}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;
}
