/**
 * Cold-start benchmark of the Lambda bundles (issue 9): `npm run bench:cold [-- --runs 15]
 * [--source-maps] [--routes list-inbox,set-status]`. Not part of the test suite.
 *
 * Each route's bundle is built as the CDK app builds it (`routeBuildOptions` of
 * infra/route-function.ts, through test/support/lambda-bundles.ts), and so is the floor: a handler
 * bundling only `@aws-sdk/client-dynamodb` (bench/minimal-dynamodb-handler.ts). Every sample is a
 * fresh `node` process that imports one bundle and answers one API Gateway v2 event; runs are
 * interleaved (every bundle once per round, rotating the order) so that load from other processes
 * spreads over all of them.
 *
 * The event carries an unknown API key, so each route makes exactly the floor's one DynamoDB
 * GetItem (the key lookup) and answers 401. DynamoDB is a stub on 127.0.0.1 in this process
 * answering every call with `{}` (no item): both do the same HTTP round trip and parsing, without
 * a Java process competing for the CPU. "cold ms" is import + first answer measured inside the
 * child (Node's own start excluded, it is the same for all), "cpu ms" the child's CPU time over the
 * same span (steadier when other processes load the machine), "process ms" spawn to exit.
 *
 * `--source-maps` builds with maps and runs with `--enable-source-maps`, as the stack did before
 * maps were made opt-in.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type BuiltBundle,
  buildBundle,
  buildRouteBundles,
  bundleBudget,
  REPO_ROOT,
  ROUTES,
} from "../test/support/lambda-bundles.ts";

const FLOOR = "minimal-dynamodb";

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const runs = Number(option("runs") ?? 15);
const sourceMaps = process.argv.includes("--source-maps");
const names = option("routes")?.split(",");

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** An API Gateway v2 event for `name`'s route, with an API key no table knows. */
function eventFor(name: string): unknown {
  const route = ROUTES.find((candidate) => candidate.name === name);
  const method = route?.method ?? "GET";
  const id = "0b7e8f3c-1d2a-4c5b-9e6f-7a8b9c0d1e2f";
  const path = (route?.path ?? "/").replace("{id}", id);
  return {
    version: "2.0",
    routeKey: `${method} ${route?.path ?? "/"}`,
    rawPath: path,
    rawQueryString: "",
    headers: { authorization: "Bearer bench-unknown-key", "content-type": "application/json" },
    ...(route?.path.includes("{id}") ? { pathParameters: { id } } : {}),
    ...(method === "GET" ? {} : { body: "{}" }),
    isBase64Encoded: false,
    requestContext: {
      http: { method, path, sourceIp: "192.0.2.1" },
      requestId: "bench",
      routeKey: `${method} ${route?.path ?? "/"}`,
      stage: "$default",
      timeEpoch: 0,
    },
  };
}

const CHILD = `
const t0 = performance.now();
const c0 = process.cpuUsage();
const { handler } = await import(process.env.BENCH_BUNDLE);
const result = await handler(JSON.parse(process.env.BENCH_EVENT), { awsRequestId: "bench", getRemainingTimeInMillis: () => 10000 });
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
process.stdout.write("\\n" + JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, status: result.statusCode }) + "\\n", () => process.exit(0));`;

interface Sample {
  readonly ms: number;
  /** CPU time (user + system) of the same span: steadier than wall time on a loaded machine. */
  readonly cpuMs: number;
  readonly processMs: number;
  readonly status: number;
}

function sample(bundle: BuiltBundle, name: string, endpoint: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [...(sourceMaps ? ["--enable-source-maps"] : []), "--input-type=module", "-e", CHILD],
      {
        env: {
          PATH: process.env["PATH"],
          TABLE_NAME: "bench",
          BUCKET_NAME: "bench",
          AWS_REGION: "ap-southeast-1",
          DYNAMODB_ENDPOINT: endpoint,
          S3_ENDPOINT: endpoint,
          LOG_LEVEL: "silent",
          BENCH_BUNDLE: pathToFileURL(bundle.file).href,
          BENCH_EVENT: JSON.stringify(eventFor(name)),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const processMs = performance.now() - started;
      const last = out.trim().split("\n").at(-1) ?? "";
      try {
        const { ms, cpuMs, status } = JSON.parse(last) as { ms: number; cpuMs: number; status: number };
        resolve({ ms, cpuMs, processMs, status });
      } catch {
        reject(new Error(`${name}: child exited ${code}: ${err.slice(0, 2000) || out.slice(0, 2000)}`));
      }
    });
  });
}

/** A DynamoDB endpoint on loopback that answers every call "no item". */
async function startStub(): Promise<{ endpoint: string; calls: () => number; close: () => Promise<void> }> {
  let calls = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      calls++;
      response.writeHead(200, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "bench" });
      response.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(0);

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!.toFixed(2);
  const outdir = await mkdtemp(join(tmpdir(), "lienthong-cold-"));
  const stub = await startStub();
  try {
    const bundles = await buildRouteBundles(outdir, { sourceMap: sourceMaps, ...(names ? { names } : {}) });
    const floor = await buildBundle(
      join(REPO_ROOT, "bench/minimal-dynamodb-handler.ts"),
      join(outdir, FLOOR),
      {
        sourceMap: sourceMaps,
      },
    );
    const all: [string, BuiltBundle][] = [[FLOOR, floor], ...bundles];
    const samples = new Map<string, Sample[]>(all.map(([name]) => [name, []]));
    for (let round = 0; round < runs; round++) {
      for (let i = 0; i < all.length; i++) {
        const [name, bundle] = all[(i + round) % all.length]!;
        const result = await sample(bundle, name, stub.endpoint);
        if (result.status !== 401) {
          throw new Error(`${name} answered ${result.status}, expected 401 (unknown API key)`);
        }
        samples.get(name)!.push(result);
      }
    }
    const floorMs = median(samples.get(FLOOR)!.map((s) => s.ms));
    const floorCpuMs = median(samples.get(FLOOR)!.map((s) => s.cpuMs));
    console.log(
      `cold start: ${runs} fresh processes per bundle, interleaved; DynamoDB = loopback stub (one GetItem each, ` +
        `${stub.calls()} calls); source maps ${sourceMaps ? "on (--enable-source-maps)" : "off"}; node ${process.version}; ` +
        `load average ${loadBefore} before, ${loadavg()[0]!.toFixed(2)} after (${availableParallelism()} CPUs)`,
    );
    const header = [
      "route",
      "bundle KB",
      "map KB",
      "cold ms",
      "ratio",
      "cpu ms",
      "cpu ratio",
      "process ms",
      "target",
      "result",
    ];
    const rows: string[][] = [];
    let failures = 0;
    for (const [name, bundle] of all) {
      const ms = median(samples.get(name)!.map((s) => s.ms));
      const cpuMs = median(samples.get(name)!.map((s) => s.cpuMs));
      const processMs = median(samples.get(name)!.map((s) => s.processMs));
      const ratio = ms / floorMs;
      let target = "floor";
      let result = "";
      if (name !== FLOOR) {
        const budget = bundleBudget(name);
        target = `≤${kb(budget.maxBytes)} KB${budget.maxRatio ? `, ≤${budget.maxRatio}×` : ""}`;
        const pass = bundle.bytes <= budget.maxBytes && (!budget.maxRatio || ratio <= budget.maxRatio);
        result = pass ? "pass" : "FAIL";
        failures += pass ? 0 : 1;
      }
      rows.push([
        name,
        kb(bundle.bytes),
        bundle.mapBytes ? kb(bundle.mapBytes) : "-",
        ms.toFixed(1),
        `${ratio.toFixed(2)}×`,
        cpuMs.toFixed(1),
        `${(cpuMs / floorCpuMs).toFixed(2)}×`,
        processMs.toFixed(1),
        target,
        result,
      ]);
    }
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => row[column]!.length)),
    );
    const line = (cells: readonly string[]) =>
      cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ");
    console.log(line(header));
    for (const row of rows) {
      console.log(line(row));
    }
    console.log(
      `${failures === 0 ? "all targets met" : `${failures} route(s) miss a target`} (KB = 1024 bytes)`,
    );
  } finally {
    await stub.close();
    await rm(outdir, { recursive: true, force: true });
  }
}

await main();
