/**
 * External tools as independent references: a non-throwing process runner (async, and a
 * synchronous `openssl` one for fixture building), `openssl cms -sign` / `-verify` / `-print`,
 * and self-signed certificates for key types the test PKI does not make.
 */
import { execFile, spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { toPem } from "../../shared/pki/certificate.ts";
import type { IssuedCert } from "./pki.ts";
import type { TempDir } from "./temp-dir.ts";

/** Exit code and output of an async tool run. */
export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command (no shell) with optional stdin; resolves with its exit code instead of
 * rejecting, so tests can assert on failures too. Output is read as latin1 (binary-safe).
 *
 * @example
 * const { code } = await runTool("openssl", ["ts", "-verify", ...args]);
 */
export function runTool(file: string, args: readonly string[], input?: Uint8Array): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      [...args],
      { maxBuffer: 64 * 1024 * 1024, encoding: "latin1" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input) {
      child.stdin?.end(input);
    }
  });
}

/** The outcome of a synchronous `openssl` run: exit status and text output. */
export interface OpensslResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the system `openssl` synchronously with arguments (no shell) and optional stdin; never
 * throws on a non-zero exit. For building fixtures outside async code; prefer {@link runTool}
 * while a test server runs in the same process.
 *
 * @example
 * const { status, stdout } = runOpenssl(["verify", "-CAfile", root, leaf]);
 */
export function runOpenssl(args: readonly string[], input?: Uint8Array | string): OpensslResult {
  const result = spawnSync("openssl", [...args], { input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw result.error;
  }
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * `openssl cms -verify` of a detached DER signature against a content file and a CA file
 * (exit 0: good; 4: bad signature). OpenSSL 3.0 does not check the ESS certificate hash.
 */
export function opensslVerifyDetached(
  p7s: string,
  content: string,
  caFile: string,
  extra: readonly string[] = [],
): Promise<ToolResult> {
  return runTool("openssl", [
    "cms",
    "-verify",
    "-binary",
    "-inform",
    "DER",
    "-in",
    p7s,
    "-content",
    content,
    "-CAfile",
    caFile,
    "-purpose",
    "any",
    "-out",
    "/dev/null",
    ...extra,
  ]);
}

/** `openssl cms -cmsout -print` text of a DER signature file. */
export async function opensslPrint(p7s: string): Promise<string> {
  const result = await runTool("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", p7s]);
  if (result.code !== 0) {
    throw new Error(`openssl cms -print failed: ${result.stderr}`);
  }
  return result.stdout;
}

/** Throws with openssl's stderr unless the run succeeded. */
function assertSucceeded(result: ToolResult, what: string): void {
  if (result.code !== 0) {
    throw new Error(`${what} exited with ${result.code}: ${result.stderr}`);
  }
}

/**
 * `openssl cms -sign` of `data` by `signer` with its chain (a CMS from a foreign producer), DER,
 * detached unless `extra` says otherwise (`-nodetach`, `-stream`, `-noattr` …). Files are written
 * into `temp` under `name`.
 *
 * @example
 * const cms = await opensslCmsSign(temp, pki.person, content, "ber", ["-stream", "-nodetach"]);
 */
export async function opensslCmsSign(
  temp: TempDir,
  signer: Pick<IssuedCert, "certPem" | "keyPem" | "chain">,
  data: Uint8Array,
  name: string,
  extra: readonly string[] = [],
): Promise<Uint8Array> {
  const dataFile = await temp.file(`${name}.data`, data);
  const certFile = await temp.file(`${name}.pem`, signer.certPem);
  const keyFile = await temp.file(`${name}.key.pem`, signer.keyPem);
  const chainFile = await temp.file(`${name}.chain.pem`, signer.chain.map((c) => toPem(c.der)).join(""));
  const outFile = join(temp.dir, `${name}.p7s`);
  const result = await runTool("openssl", [
    "cms",
    "-sign",
    "-binary",
    "-md",
    "sha256",
    "-in",
    dataFile,
    "-signer",
    certFile,
    "-inkey",
    keyFile,
    "-certfile",
    chainFile,
    "-outform",
    "DER",
    "-out",
    outFile,
    ...extra,
  ]);
  assertSucceeded(result, "openssl cms -sign");
  return new Uint8Array(await readFile(outFile));
}

/** A self-signed certificate made by OpenSSL, as PEM text and as files in the temporary directory. */
export interface SelfSigned {
  readonly keyPem: string;
  readonly certPem: string;
  readonly keyFile: string;
  readonly certFile: string;
}

/**
 * `openssl req -x509` with `newkey` (e.g. `["-newkey", "ed25519"]`), CN=`name`, valid 2 days:
 * for key types the test PKI does not make.
 *
 * @example
 * const { certPem } = await opensslSelfSigned(temp, "ed", ["-newkey", "ed25519"]);
 */
export async function opensslSelfSigned(
  temp: TempDir,
  name: string,
  newkey: readonly string[],
): Promise<SelfSigned> {
  const keyFile = join(temp.dir, `${name}.key.pem`);
  const certFile = join(temp.dir, `${name}.pem`);
  const result = await runTool("openssl", [
    "req",
    "-x509",
    ...newkey,
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-subj",
    `/CN=${name}`,
    "-days",
    "2",
  ]);
  assertSucceeded(result, "openssl req -x509");
  return {
    keyPem: await readFile(keyFile, "utf8"),
    certPem: await readFile(certFile, "utf8"),
    keyFile,
    certFile,
  };
}
