/**
 * Bounded-cost benchmark (issue 7): how long the verifier takes on the costly files of
 * test/support/costly.ts, against poppler's `pdfsig` on the same files in the same run. Run with
 * `npm run bench:costly` (not part of the test suite); prints one table.
 *
 * Files: (a) a one-page signed letter followed by 9,500 empty incremental updates; (b) a 200-page
 * signed letter followed by 6,000 updates re-emitting a page each; and the same two shapes with as
 * many updates as the revision limit (`MAX_REVISIONS`) lets through, which must verify. Per file,
 * after one warm-up, the median of 5 runs of:
 * - `validatePdf` in this process, from the bytes to the report (or to the refusal it throws);
 * - `node cli/bin.js verify <file> --trust … --crl … --json`, the whole process, when the CLI
 *   bundle in dist/ is fresh (`npm run build`; otherwise the CLI would run through tsx and the
 *   figure would measure the compiler, so it is skipped);
 * - `pdfsig -nssdir sql:<db> <file>`, the whole process (an NSS db trusting the same root, with the
 *   same CRLs); `node -e 0` is printed beside it, as process start is slow in this sandbox.
 * Ratios are ours / pdfsig. Target: verified in under 2 s, or refused with a clear code in under 1 s.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isExchangeError } from "../shared/errors/index.ts";
import { MAX_REVISIONS } from "../shared/pdf/read-pdf.ts";
import { validatePdf } from "../shared/verification/validate-pdf.ts";
import { corpusSigners } from "../test/support/attacks.ts";
import { type CostlyFile, manyEmptyUpdates, manyPagesManyUpdates } from "../test/support/costly.ts";
import { makeNssDb } from "../test/support/pdf.ts";
import { testPki } from "../test/support/pki.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RUNS = 5;
const MB = 1024 * 1024;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number | undefined, digits = 1): string =>
  n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : "n/a";

/** Median wall time (ms) of `RUNS` runs after one warm-up, and the last run's result. */
async function measure<T>(run: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  let result = await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    result = await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: median(times), result };
}

/** One child process; its exit status and stdout (any status is accepted: pdfsig exits 0 for broken signatures). */
function child(command: string, args: readonly string[]): { status: number | null; stdout: string } {
  const result = spawnSync(command, args, { encoding: "utf8", cwd: ROOT, maxBuffer: 64 * MB });
  if (result.error) {
    throw result.error;
  }
  return { status: result.status, stdout: result.stdout };
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith(".ts")) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** Whether cli/bin.js would run the esbuild bundle (as it decides itself), not the sources through tsx. */
function cliBundleIsFresh(): boolean {
  const bundle = join(ROOT, "dist", "cli", "main.js");
  if (!existsSync(bundle)) {
    return false;
  }
  const built = statSync(bundle).mtimeMs;
  return ["cli", "shared"].every((dir) => newestSource(join(ROOT, dir)) <= built);
}

interface Row {
  readonly label: string;
  readonly size: number;
  readonly outcome: string;
  readonly oursMs: number;
  readonly cliMs?: number;
  readonly cliOutcome?: string;
  readonly pdfsigMs: number;
  readonly pdfsigOutcome: string;
  readonly target: string;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "lienthong-bench-costly-"));
  try {
    console.log("Preparing: test PKI, costly files, NSS database …");
    const pki = await testPki();
    const { person } = await corpusSigners(pki);
    // The two costly files, and their twins at the revision limit (which must verify, not be refused).
    const atLimit = MAX_REVISIONS - 2;
    const files: CostlyFile[] = [
      await manyEmptyUpdates(person),
      await manyPagesManyUpdates(person),
      await manyEmptyUpdates(person, atLimit),
      await manyPagesManyUpdates(person, 200, atLimit),
    ];
    const rootPem = join(dir, "root.pem");
    const rootCrl = join(dir, "root.crl");
    const intermediateCrl = join(dir, "intermediate.crl");
    await writeFile(rootPem, pki.root.certPem);
    await writeFile(rootCrl, pki.rootCrl);
    await writeFile(intermediateCrl, pki.intermediateCrl);
    const nss = await makeNssDb(dir, pki.root.certPem, pki.intermediate.certPem, [
      pki.rootCrl,
      pki.intermediateCrl,
    ]);
    const options = {
      trustAnchors: [pki.root.certificate],
      crls: [pki.rootCrl, pki.intermediateCrl],
      offline: true,
    };
    const cli = cliBundleIsFresh();
    const nodeStart = await measure(() => child(process.execPath, ["-e", "0"]));

    const rows: Row[] = [];
    for (const [i, file] of files.entries()) {
      const path = join(dir, `costly-${i}.pdf`);
      await writeFile(path, file.bytes);
      const ours = await measure(async () => {
        try {
          const report = await validatePdf(file.bytes, options);
          const codes = report.problems.map((problem) => problem.code);
          return { verified: report.verdict === "TOTAL_PASSED", text: [report.verdict, ...codes].join(" ") };
        } catch (error) {
          return { verified: false, text: `refused ${isExchangeError(error) ? error.code : String(error)}` };
        }
      });
      const cliRun = cli
        ? await measure(() =>
            child(process.execPath, [
              "cli/bin.js",
              "verify",
              path,
              "--trust",
              rootPem,
              "--crl",
              rootCrl,
              "--crl",
              intermediateCrl,
              "--json",
            ]),
          )
        : undefined;
      const cliVerdict = cliRun ? /"verdict"\s*:\s*"([A-Z_]+)"/.exec(cliRun.result.stdout)?.[1] : undefined;
      const pdfsig = await measure(() => child("pdfsig", ["-nssdir", nss, path]));
      const valid = (pdfsig.result.stdout.match(/Signature is Valid\./g) ?? []).length;
      const limit = ours.result.verified ? 2000 : 1000;
      rows.push({
        label: file.label,
        size: file.bytes.length,
        outcome: ours.result.text,
        oursMs: ours.ms,
        ...(cliRun ? { cliMs: cliRun.ms, cliOutcome: cliVerdict ?? `exit ${cliRun.result.status}` } : {}),
        pdfsigMs: pdfsig.ms,
        pdfsigOutcome: `${valid} valid`,
        target: `${ours.result.verified ? "verified" : "refused"} < ${limit / 1000} s: ${ours.ms < limit ? "met" : "MISSED"}`,
      });
    }

    console.log(`\nMedians of ${RUNS} runs after one warm-up (ms). node -e 0: ${fmt(nodeStart.ms)} ms.`);
    if (!cli) {
      console.log("CLI column skipped: the dist/ bundle is older than the sources (run `npm run build`).");
    }
    console.log(
      "| file | size | ours (validatePdf) | outcome | CLI process | CLI verdict | pdfsig process | pdfsig | ours/pdfsig | CLI/pdfsig | target |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|---|");
    for (const row of rows) {
      console.log(
        `| ${row.label} | ${fmt(row.size / MB, 2)} MB | ${fmt(row.oursMs)} | ${row.outcome} | ${fmt(row.cliMs)} | ${row.cliOutcome ?? "n/a"} | ` +
          `${fmt(row.pdfsigMs)} | ${row.pdfsigOutcome} | ${fmt(row.oursMs / row.pdfsigMs, 2)}× | ` +
          `${row.cliMs === undefined ? "n/a" : `${fmt(row.cliMs / row.pdfsigMs, 2)}×`} | ${row.target} |`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
