/**
 * Long runs of the rendering-oracle fuzzer (test/support/fuzz-mutators.ts, test/support/render-oracle.ts):
 * structure-aware mutations of signed letters, `validatePdf` on each, and poppler's rendering and
 * text compared with every signature's signed revision whenever the verdict is TOTAL_PASSED.
 * Not part of the test suite (which runs 2,000 cases in test/oracle/render-oracle.test.ts).
 *
 *   npm run bench:oracle                     # 20,000 cases from a random seed
 *   npm run bench:oracle -- 50000            # N cases
 *   npm run bench:oracle -- --seed 123 --count 1   # replay one case
 *   options: --concurrency C (cases in flight, default 3), --tools T (poppler/qpdf processes at
 *   once, default 2), --dpi D (default 30), --out DIR (where failing files go; default a new
 *   temporary directory)
 *
 * Prints progress, then the counts and every failure class with its seeds, the differences and
 * the files; exits 1 when the oracle found a difference (or something crashed).
 */
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ValidationOptions } from "../shared/verification/options.ts";
import { validatePdf } from "../shared/verification/validate-pdf.ts";
import { corpusSigners } from "../test/support/attacks.ts";
import { buildFuzzBases, formatFuzzSummary, runOracleFuzz } from "../test/support/fuzz-mutators.ts";
import { testPki } from "../test/support/pki.ts";
import { setToolConcurrency } from "../test/support/render-oracle.ts";
import { startTestTsa } from "../test/support/tsa.ts";

function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--")) {
      args.set(arg.slice(2), argv[i + 1] ?? "");
      i++;
    } else {
      args.set("count", arg);
    }
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const count = Number(args.get("count") ?? 20_000);
const seed = Number(args.get("seed") ?? Math.floor(Math.random() * 2 ** 31));
const concurrency = Number(args.get("concurrency") ?? 3);
const dpi = Number(args.get("dpi") ?? 30);
setToolConcurrency(Number(args.get("tools") ?? 2));
if (!Number.isSafeInteger(count) || count <= 0 || !Number.isSafeInteger(seed)) {
  console.error(
    "usage: bench/oracle-fuzz.ts [N] [--seed S] [--count N] [--concurrency C] [--tools T] [--dpi D] [--out DIR]",
  );
  process.exit(2);
}
const out = args.get("out") ?? (await mkdtemp(join(tmpdir(), "lienthong-oracle-fuzz-")));
await mkdir(out, { recursive: true });

const pki = await testPki();
const signers = await corpusSigners(pki);
const tsa = await startTestTsa();
const options: ValidationOptions = {
  trustAnchors: [pki.root.certificate],
  crls: [pki.rootCrl, pki.intermediateCrl],
  offline: true,
};
try {
  const bases = await buildFuzzBases(signers, tsa.client);
  console.log(
    `oracle fuzz: ${count} cases from seed ${seed}, ${bases.length} bases, ${dpi} dpi, failing files in ${out}`,
  );
  const started = Date.now();
  const stats = await runOracleFuzz({
    first: seed,
    count,
    context: { bases, signers, tsa: tsa.client },
    validate: (bytes) => validatePdf(bytes, options),
    concurrency,
    failureDir: out,
    oracle: { dpi },
    onCase: (done) => {
      if (done % 500 === 0) {
        const rate = (done / ((Date.now() - started) / 1000)).toFixed(1);
        console.log(`  ${done}/${count} (${rate} cases/s)`);
      }
    },
  });
  console.log(formatFuzzSummary(stats));
  if (stats.failures.length > 0) {
    console.log(`failing seeds: ${stats.failures.map((f) => f.seed).join(" ")}`);
  }
  process.exitCode = stats.failures.length > 0 || stats.crashes.length > 0 ? 1 : 0;
} finally {
  await tsa.close();
}
