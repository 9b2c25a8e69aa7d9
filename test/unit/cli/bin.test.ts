/**
 * cli/bin.js as a user runs it: the bundles of cli/build.js, `verify` compiled with a V8 code cache
 * that must never change what it answers, and the sources through tsx once a bundle is stale.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpusSigners, signAll } from "../../support/attacks.ts";
import { makeLetterPdf } from "../../support/pdf.ts";
import { testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";

const execute = promisify(execFile);
const ROOT = join(import.meta.dirname, "../../..");
const BIN = join(ROOT, "cli/bin.js");
const VERIFY_DIR = join(ROOT, "dist/cli/verify");

let dir: string;
let cleanup: () => Promise<void>;
let args: (file: string) => string[];

/** Exit code and JSON report of `lienthong verify … --json`, the validation time blanked out. */
async function verify(file: string): Promise<{ code: number; report: Record<string, unknown> }> {
  const { code, stdout } = await execute(process.execPath, [BIN, "verify", ...args(file), "--json"], {
    cwd: ROOT,
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
  const { validationTime } = JSON.parse(stdout) as { validationTime: string };
  return { code, report: JSON.parse(stdout.replaceAll(validationTime, "<validation time>")) };
}

const caches = (): string[] => readdirSync(VERIFY_DIR).filter((name) => name.endsWith(".v8cache"));

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("lienthong-bin-"));
  const pki = await testPki();
  const signers = await corpusSigners(pki);
  const letter = await signAll(await makeLetterPdf({ pages: 1 }), [signers.person, signers.organisation]);
  await writeFile(join(dir, "good.pdf"), letter);
  const broken = new Uint8Array(letter);
  const at = Math.floor(letter.length / 3); // inside the signed bytes
  broken[at] = (broken[at] ?? 0) ^ 0x01;
  await writeFile(join(dir, "changed.pdf"), broken);
  await writeFile(join(dir, "root.pem"), pki.root.certPem);
  await writeFile(join(dir, "root.crl"), pki.rootCrl);
  await writeFile(join(dir, "intermediate.crl"), pki.intermediateCrl);
  args = (file) => [
    join(dir, file),
    "--trust",
    join(dir, "root.pem"),
    "--crl",
    join(dir, "root.crl"),
    "--crl",
    join(dir, "intermediate.crl"),
    "--offline",
  ];
  await execute(process.execPath, [join(ROOT, "cli/build.js")], { cwd: ROOT });
  for (const name of caches()) {
    rmSync(join(VERIFY_DIR, name), { force: true }); // so that the first run compiles without
  }
}, 120_000);

afterAll(async () => {
  await cleanup();
});

describe("lienthong verify through cli/bin.js", () => {
  it("answers the same with and without its code cache, and writes the cache once", async () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "dist/cli/inputs.json"), "utf8")) as {
      bundles: Record<string, string[]>;
    };
    expect(manifest.bundles["verify/verify.cjs"]).toContain("shared/verification/validate-pdf.ts");
    const first = { good: await verify("good.pdf"), changed: await verify("changed.pdf") };
    expect(first.good.code).toBe(0);
    expect(first.good.report.verdict).toBe("TOTAL_PASSED");
    expect(first.changed.code).toBe(1);
    expect(first.changed.report.verdict).toBe("TOTAL_FAILED");
    expect(caches().length).toBeGreaterThan(0);
    const written = caches();
    const second = { good: await verify("good.pdf"), changed: await verify("changed.pdf") };
    expect(second).toEqual(first);
    expect(caches()).toEqual(written);
  });
});
