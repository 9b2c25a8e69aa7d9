/**
 * Verification benchmark: Lienthong's verifier against poppler's `pdfsig` on the same generated,
 * counter-signed letters (person + organisation, RSA-2048, the test PKI). Run with
 * `npx tsx bench/verify.ts` (not part of the test suite); prints one table with ratios and targets.
 *
 * (a) whole process, as a user runs it: `node cli/bin.js verify <file> --trust root.pem --crl
 *     root.crl --crl intermediate.crl --json` (the esbuild bundle, rebuilt with `node cli/build.js`
 *     whenever another helper's edit made it stale, so that a run never goes to tsx) against a bare
 *     `node -e 0` on the one-page letter (target ≤ 1.2×) and against `pdfsig -nssdir sql:<db>
 *     <file>` (an NSS db trusting the same root, with the same CRLs) on the 20 MB letter (target
 *     ≤ 1.0×); medians of {@link RUNS} rounds after one warm-up round, the commands interleaved
 *     within each round so that a change in the machine's load hits them all alike. Beside them,
 *     the floor of the 20 MB target (bare Node reading the file and taking one SHA-256 of it, less
 *     than any verification does) and, where valgrind is installed, the instructions executed by
 *     the one-page verification and by `node -e 0` (callgrind, every thread): a count that the
 *     machine's load does not move, unlike times;
 * (b) in-process `validatePdf` throughput, warm: letters/s on the one-page letter (target ≥ 1,000),
 *     MB/s on the 20 MB one; the median of {@link RUNS} windows of about 0.3 s each, with letters per
 *     second of CPU time beside (less sensitive to other processes on a shared machine);
 * (c) peak RSS of a child process (`node cli/bin.js verify`) on a 200 MB letter, its VmHWM read
 *     from /proc/self/status at the child's exit (a hook injected with `--import`); pdfsig's peak
 *     polled from /proc/<pid>/status VmHWM for comparison; target ≤ 1.5× the file size.
 *
 * The big letters are a pdf-lib letter padded with an incompressible image stream before signing,
 * written under os.tmpdir() and deleted at the end.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { validatePdf } from "../shared/verification/validate-pdf.ts";
import { corpusSigners, signAll } from "../test/support/attacks.ts";
import { makeLetterPdf, makeNssDb } from "../test/support/pdf.ts";
import { testPki } from "../test/support/pki.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MB = 1024 * 1024;
const RUNS = 11;
/** `node -e` reading the file named by its argument and taking one SHA-256 of it: the 20 MB floor. */
const FLOOR =
  "require('node:crypto').createHash('sha256').update(require('node:fs').readFileSync(process.argv[1])).digest()";

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

/** Wall time of one child process, which must exit with `expectStatus`; returns ms and stdout. */
function runOnce(command: string, args: readonly string[], expectStatus = 0): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: "utf8", cwd: ROOT, maxBuffer: 64 * MB });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== expectStatus) {
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.status}: ${(result.stderr ?? "").slice(-800)}`,
    );
  }
  return { ms, stdout: result.stdout };
}

/**
 * Medians of interleaved runs: every round runs each command once, in order, each after `beforeEach`;
 * the first round warms the page cache, the NSS db and the bundle and is not counted.
 */
function interleavedMedians(
  commands: Readonly<Record<string, readonly [string, readonly string[]]>>,
  beforeEach: () => void,
): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let round = 0; round <= RUNS; round++) {
    for (const [name, [command, args]] of Object.entries(commands)) {
      beforeEach();
      const { ms } = runOnce(command, args);
      if (round > 0) {
        times[name]!.push(ms);
      }
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]));
}

/**
 * Instructions executed by one run of a command, all its threads (valgrind's callgrind), or
 * undefined where valgrind is missing or the run fails. V8 sizes itself to the CPU it sees, and
 * under valgrind sees another, so the count is a ratio's operand only, never a time.
 */
function instructions(command: string, args: readonly string[]): number | undefined {
  const result = spawnSync(
    "valgrind",
    ["--tool=callgrind", "--callgrind-out-file=/dev/null", "--smc-check=all-non-file", command, ...args],
    { encoding: "utf8", cwd: ROOT, maxBuffer: 64 * MB },
  );
  const collected = result.status === 0 ? /Collected : (\d+)/.exec(result.stderr ?? "") : null;
  return collected ? Number(collected[1]) : undefined;
}

/** Peak RSS (MB) of a child by polling /proc/<pid>/status VmHWM every few ms (for non-Node peers). */
function polledPeakRss(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "ignore", "ignore"] });
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) {
          peakKb = Math.max(peakKb, Number(hwm[1]));
        }
      } catch {
        // the process is gone
      }
    }, 5);
    child.on("error", reject);
    child.on("exit", () => {
      clearInterval(poll);
      resolve(peakKb / 1024);
    });
  });
}

/**
 * Peak RSS (MB) of a Node child, exactly: its VmHWM, read from /proc/self/status by an exit hook
 * injected with `--import`. (Not `process.resourceUsage().maxRSS`: Linux carries the high-water
 * mark of the forking parent across fork + exec into ru_maxrss, so a child of this big benchmark
 * process would report the parent's RSS.)
 */
function nodePeakRss(args: readonly string[]): { rssMb: number; status: number } {
  const code = `process.on("exit", () => {
    const fs = process.getBuiltinModule("node:fs");
    const match = /VmHWM:\\s+(\\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"));
    fs.writeSync(2, "\\nVMHWM_KB " + (match ? match[1] : "unknown") + "\\n");
  });`;
  const hook = `data:text/javascript,${encodeURIComponent(code)}`;
  const result = spawnSync(process.execPath, ["--import", hook, ...args], {
    encoding: "utf8",
    cwd: ROOT,
    maxBuffer: 64 * MB,
  });
  const match = /VMHWM_KB (\d+)/.exec(result.stderr);
  if (!match) {
    throw new Error(`no VmHWM from the child: ${result.stderr.slice(-800)}`);
  }
  return { rssMb: Number(match[1]) / 1024, status: result.status ?? -1 };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "lienthong-bench-verify-"));
  try {
    console.log(
      "Preparing: test PKI, letters (one page, 20 MB and 200 MB), signatures, NSS database, CLI bundle …",
    );
    const pki = await testPki();
    const signers = await corpusSigners(pki);
    const both = [signers.person, signers.organisation];
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

    const small = await signAll(await makeLetterPdf({ pages: 1 }), both);
    const smallPath = join(dir, "letter-small.pdf");
    await writeFile(smallPath, small);
    const medium = await signAll(await makeLetterPdf({ pages: 3, padToBytes: 20 * MB }), both);
    const mediumPath = join(dir, "letter-20mb.pdf");
    await writeFile(mediumPath, medium);

    // The CLI bundle must be fresh, or cli/bin.js falls back to tsx (several times slower to start).
    const build = (): void => {
      runOnce(process.execPath, ["cli/build.js"]);
    };
    // As cli/bin.js judges it: a bundle whose inputs changed since its build would run through tsx.
    const buildWhenStale = (): void => {
      const manifest = JSON.parse(readFileSync(join(ROOT, "dist/cli/inputs.json"), "utf8")) as {
        started: number;
        bundles: Record<string, string[]>;
      };
      const stale = Object.values(manifest.bundles).some((inputs) =>
        inputs.some((path) => statSync(join(ROOT, path)).mtimeMs > manifest.started),
      );
      if (stale) {
        build();
      }
    };
    build();
    const verifyArgs = (file: string): string[] => [
      "cli/bin.js",
      "verify",
      file,
      "--trust",
      rootPem,
      "--crl",
      rootCrl,
      "--crl",
      intermediateCrl,
      "--json",
    ];
    for (const path of [smallPath, mediumPath]) {
      const check = JSON.parse(runOnce(process.execPath, verifyArgs(path)).stdout) as { verdict: string };
      if (check.verdict !== "TOTAL_PASSED") {
        throw new Error(`${path} does not verify: ${check.verdict}`);
      }
    }
    const pdfsigText = runOnce("pdfsig", ["-nssdir", nss, mediumPath]).stdout;
    if ((pdfsigText.match(/Signature is Valid\./g) ?? []).length !== 2) {
      throw new Error(`pdfsig does not find both signatures valid:\n${pdfsigText}`);
    }

    // (a) whole process: bare Node, the one-page letter, the 20 MB letter, pdfsig on both
    const whole = interleavedMedians(
      {
        node: [process.execPath, ["-e", "0"]],
        small: [process.execPath, verifyArgs(smallPath)],
        pdfsigSmall: ["pdfsig", ["-nssdir", nss, smallPath]],
        medium: [process.execPath, verifyArgs(mediumPath)],
        pdfsigMedium: ["pdfsig", ["-nssdir", nss, mediumPath]],
        floorMedium: [process.execPath, ["-e", FLOOR, mediumPath]],
      },
      buildWhenStale,
    );
    const nodeMs = whole.node!;
    const smallMs = whole.small!;
    const oursMs = whole.medium!;
    const pdfsigMs = whole.pdfsigMedium!;
    const floorMs = whole.floorMedium!;
    const nodeInstructions = instructions(process.execPath, ["-e", "0"]);
    const smallInstructions = instructions(process.execPath, verifyArgs(smallPath));
    const instructionRatio =
      nodeInstructions && smallInstructions ? `${fmt(smallInstructions / nodeInstructions, 2)}×` : "n/a";
    const millions = (count: number | undefined): string =>
      count === undefined ? "no valgrind" : `${fmt(count / 1e6, 0)} M`;

    // (b) in-process throughput, warm
    const options = {
      trustAnchors: [pki.root.certificate],
      crls: [pki.rootCrl, pki.intermediateCrl],
      offline: true,
    };
    /** Rate over one window of `seconds` (at least 5 letters), after a warm-up. */
    /** Letters per second of wall time and per second of this process's CPU time (all its threads). */
    const window = async (bytes: Uint8Array, seconds: number): Promise<{ wall: number; cpu: number }> => {
      const start = process.hrtime.bigint();
      const cpuStart = process.cpuUsage();
      let files = 0;
      let elapsed = 0;
      while (elapsed < seconds * 1000 || files < 5) {
        const report = await validatePdf(bytes, options);
        if (report.verdict !== "TOTAL_PASSED") {
          throw new Error(`in-process verdict ${report.verdict}`);
        }
        files++;
        elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      }
      const cpu = process.cpuUsage(cpuStart);
      return { wall: (files * 1000) / elapsed, cpu: (files * 1e6) / (cpu.user + cpu.system) };
    };
    // The median of RUNS windows, so that a burst of load elsewhere on the machine costs one window.
    const throughput = async (
      bytes: Uint8Array,
      seconds: number,
    ): Promise<{ filesPerSecond: number; perCpuSecond: number; mbPerSecond: number }> => {
      for (let i = 0; i < 3; i++) {
        await validatePdf(bytes, options);
      }
      const rates: { wall: number; cpu: number }[] = [];
      for (let i = 0; i < RUNS; i++) {
        rates.push(await window(bytes, seconds / RUNS));
      }
      const filesPerSecond = median(rates.map((rate) => rate.wall));
      return {
        filesPerSecond,
        perCpuSecond: median(rates.map((rate) => rate.cpu)),
        mbPerSecond: (filesPerSecond * bytes.length) / MB,
      };
    };
    const smallRate = await throughput(small, 3);
    const mediumRate = await throughput(medium, 3);

    // (c) peak RSS, 200 MB, in a fresh child
    const big = await signAll(await makeLetterPdf({ pages: 1, padToBytes: 200 * MB }), both);
    const bigPath = join(dir, "letter-200mb.pdf");
    await writeFile(bigPath, big);
    const bigMb = big.length / MB;
    const ours = nodePeakRss(verifyArgs(bigPath));
    if (ours.status !== 0) {
      throw new Error(`the 200 MB letter does not verify (exit ${ours.status})`);
    }
    const pdfsigRss = await polledPeakRss("pdfsig", ["-nssdir", nss, bigPath]);

    const rows: [string, string, string, string, string][] = [
      ["measure", "Lienthong", "peer", "ratio", "target"],
      [`(a) bare \`node -e 0\`, median of ${RUNS}`, "", `${fmt(nodeMs, 0)} ms`, "", ""],
      [
        `(a) whole process, ${fmt(small.length / 1024, 0)} KB letter, vs bare node`,
        `${fmt(smallMs, 0)} ms`,
        `${fmt(nodeMs, 0)} ms`,
        `${fmt(smallMs / nodeMs, 2)}×`,
        "≤ 1.2×",
      ],
      [
        `(a) instructions (callgrind), ${fmt(small.length / 1024, 0)} KB letter, vs bare node`,
        millions(smallInstructions),
        millions(nodeInstructions),
        instructionRatio,
        "",
      ],
      [
        `(a) pdfsig, ${fmt(small.length / 1024, 0)} KB letter (for scale)`,
        "",
        `${fmt(whole.pdfsigSmall!, 0)} ms`,
        "",
        "",
      ],
      [
        `(a) whole process, ${fmt(medium.length / MB)} MB, vs pdfsig`,
        `${fmt(oursMs, 0)} ms`,
        `${fmt(pdfsigMs, 0)} ms`,
        `${fmt(oursMs / pdfsigMs, 2)}×`,
        "≤ 1.0×",
      ],
      [
        `(a) floor: bare node + read + one SHA-256, ${fmt(medium.length / MB)} MB, vs pdfsig`,
        `${fmt(floorMs, 0)} ms`,
        `${fmt(pdfsigMs, 0)} ms`,
        `${fmt(floorMs / pdfsigMs, 2)}×`,
        "",
      ],
      [
        `(b) in-process, ${fmt(small.length / 1024, 0)} KB letter, warm, median of ${RUNS}`,
        `${fmt(smallRate.filesPerSecond, 0)} letters/s (${fmt(smallRate.perCpuSecond, 0)} per CPU-second)`,
        "",
        "",
        "≥ 1,000/s",
      ],
      [
        `(b) in-process, ${fmt(medium.length / MB)} MB letter, warm, median of ${RUNS}`,
        `${fmt(mediumRate.mbPerSecond, 0)} MB/s (${fmt(mediumRate.filesPerSecond)} files/s)`,
        "",
        "",
        "",
      ],
      [
        `(c) peak RSS, ${fmt(bigMb, 0)} MB letter, fresh process`,
        `${fmt(ours.rssMb, 0)} MB (${fmt(ours.rssMb / bigMb, 2)}× file)`,
        `${fmt(pdfsigRss, 0)} MB (${fmt(pdfsigRss / bigMb, 2)}× file)`,
        `${fmt(ours.rssMb / pdfsigRss, 2)}×`,
        "≤ 1.5× the file size",
      ],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    const line = (row: readonly string[]): string =>
      `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
    console.log(`\nVerification benchmark (Node ${process.versions.node}, ${new Date().toISOString()})\n`);
    console.log(line(rows[0]!));
    console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const row of rows.slice(1)) {
      console.log(line(row));
    }
    const verdicts = [
      `(a) small letter ${smallMs / nodeMs <= 1.2 ? "meets" : "MISSES"} the 1.2× bare-node target`,
      `(a) 20 MB ${oursMs / pdfsigMs <= 1 ? "meets" : "MISSES"} the 1.0× pdfsig target`,
      `(b) ${smallRate.filesPerSecond >= 1000 ? "meets" : "MISSES"} the 1,000 letters/s target`,
      `(c) ${ours.rssMb / bigMb <= 1.5 ? "meets" : "MISSES"} the 1.5× file-size target`,
    ];
    console.log(`\n${verdicts.join("; ")}.`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
