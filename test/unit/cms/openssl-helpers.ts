/**
 * Helpers for cross-checking CMS output with OpenSSL in the CMS and signing tests
 * (not a test file itself).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; resolves with its exit code instead of rejecting. */
export function runTool(file: string, args: readonly string[], input?: Uint8Array): Promise<RunResult> {
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

/** A temporary directory removed by `dispose()`. */
export interface TempDir {
  readonly path: string;
  file(name: string, content: Uint8Array | string): Promise<string>;
  dispose(): Promise<void>;
}

export async function tempDir(prefix = "lienthong-cms-"): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    async file(name, content) {
      const target = join(path, name);
      await writeFile(target, content);
      return target;
    },
    dispose: () => rm(path, { recursive: true, force: true }),
  };
}

/** `openssl cms -verify` of a detached DER signature against a content file and a root CA file. */
export function opensslVerifyDetached(
  p7s: string,
  content: string,
  caFile: string,
  extra: readonly string[] = [],
): Promise<RunResult> {
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

/** `openssl cms -cmsout -print` text. */
export async function opensslPrint(p7s: string): Promise<string> {
  const result = await runTool("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", p7s]);
  if (result.code !== 0) {
    throw new Error(`openssl cms -print failed: ${result.stderr}`);
  }
  return result.stdout;
}

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

export function hashOf(algorithm: string, data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(data).digest());
}
