import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { command } from "../../../cli/commands/sign-detached.ts";
import { opensslVerifyDetached } from "../../support/openssl.ts";
import { testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";

let temp: TempDir;
let tsa: TestTsa;
let p12File: string;
let password: string;
let rootFile: string;
let contentFile: string;
let errors: string[];
let logs: string[];

beforeAll(async () => {
  const pki = await testPki();
  temp = await tempDir();
  tsa = await startTestTsa();
  p12File = await temp.file("signer.p12", pki.person.p12);
  password = pki.person.p12Password;
  rootFile = await temp.file("root.pem", pki.root.certPem);
  contentFile = await temp.file("appendix.xlsx", randomBytes(300_000));
});

afterAll(async () => {
  await tsa?.close();
  await temp?.cleanup();
});

/** Runs the command in-process, capturing what it prints. */
async function run(args: readonly string[]): Promise<number> {
  errors = [];
  logs = [];
  vi.spyOn(console, "error").mockImplementation((...parts: unknown[]) => void errors.push(parts.join(" ")));
  vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => void logs.push(parts.join(" ")));
  return command.run(args);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("lienthong sign-detached", () => {
  it("prints help with --help (exit 0)", async () => {
    expect(await run(["--help"])).toBe(0);
    expect(logs.join("\n")).toContain("Usage: lienthong sign-detached");
  });

  it("writes <file>.p7s with a timestamp; openssl verifies it", async () => {
    const out = `${temp.dir}/signed.p7s`;
    const code = await run([
      contentFile,
      "-o",
      out,
      "--p12",
      p12File,
      "--password",
      password,
      "--tsa",
      tsa.url,
    ]);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    expect(logs.join("\n")).toContain("timestamped");
    const result = await opensslVerifyDetached(out, contentFile, rootFile);
    expect(result.code, result.stderr).toBe(0);
  });

  it("defaults the output name and reads the password from the environment", async () => {
    vi.stubEnv("LIENTHONG_P12_PASSWORD", password);
    try {
      expect(await run([contentFile, "--p12", p12File])).toBe(0);
      expect(existsSync(`${contentFile}.p7s`)).toBe(true);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it.each([
    ["no file", () => ["--p12", p12File, "--password", password], "VALIDATION_FAILED"],
    ["an unknown option", () => [contentFile, "--bogus"], "VALIDATION_FAILED"],
    [
      "a missing file",
      () => [`${temp.dir}/nope.pdf`, "--p12", p12File, "--password", password],
      "VALIDATION_FAILED",
    ],
    [
      "a wrong password",
      () => [contentFile, "--p12", p12File, "--password", "wrong", "-o", `${temp.dir}/x.p7s`],
      "KEY_MALFORMED",
    ],
    [
      "a bad --hash",
      () => [contentFile, "--p12", p12File, "--password", password, "--hash", "md5"],
      "VALIDATION_FAILED",
    ],
  ])("exits 2 with one clear line for %s", async (_name, args, code) => {
    expect(await run(args())).toBe(2);
    const line = errors.at(-1) ?? "";
    expect(line).toContain(code);
    expect(line).toMatch(/ \/ .*[ạ-ỹ]/u); // the Vietnamese message follows the English one
    expect(line).not.toContain("    at ");
  });

  it("exits 1 with TSA_UNAVAILABLE and writes nothing when the TSA is down", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const out = `${temp.dir}/never.p7s`;
    const code = await run([contentFile, "-o", out, "--p12", p12File, "--password", password, "--tsa", url]);
    expect(code).toBe(1);
    expect(errors.join("\n")).toContain("TSA_UNAVAILABLE");
    expect(existsSync(out)).toBe(false);
  });
});
