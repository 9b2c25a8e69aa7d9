/**
 * The local runtime as an operator meets it (issue 9, items 4, 7, 8, 9, 13): every server on
 * loopback only, the OCSP responder its certificates name, one runtime per data directory,
 * DynamoDB Local supervised, nothing left running after SIGTERM or after `kill -9` of node.
 * All traffic goes to 127.0.0.1.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ORGANS } from "../../devkit/demo-organs.ts";
import { LienthongClient, type SentLetter } from "../../local/api-client.ts";
import { demoKeyOf } from "../../local/bootstrap.ts";
import { freePort } from "../../local/emulators/ports.ts";
import { makeNssDb, pdfsig } from "../support/pdf.ts";
import {
  isLoopback,
  listeningSockets,
  type ProcessInfo,
  processTree,
  stillRunning,
  waitUntil,
} from "./processes.ts";

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), "lienthong-e2e-hardening-"));
const started: ChildProcess[] = [];

/** Every process these tests saw, so that afterAll can end them even after they were orphaned. */
const seen: ProcessInfo[] = [];
const treeOf = (pid: number): ProcessInfo[] => {
  const tree = processTree(pid);
  seen.push(...tree);
  return tree;
};

afterAll(() => {
  for (const child of started) {
    if (child.pid !== undefined) {
      treeOf(child.pid);
    }
  }
  for (const info of seen.filter(stillRunning)) {
    try {
      process.kill(info.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

interface Runtime {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** `npm start` (through npm, as a user types it) or `node --import tsx local/start.ts`, with flags. */
function launch(how: "npm" | "node", args: readonly string[], env: NodeJS.ProcessEnv = {}): Runtime {
  const [command, prefix] =
    how === "npm"
      ? ["npm", ["start", "--silent", "--"]]
      : [process.execPath, ["--import", "tsx", "local/start.ts"]];
  const child = spawn(command, [...prefix, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LOG_LEVEL: "silent", ...env },
  });
  started.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function untilRunning(runtime: Runtime): Promise<void> {
  await waitUntil(
    () => runtime.output().includes("Press Ctrl-C to stop") || runtime.child.exitCode !== null,
    90_000,
    "npm start to come up",
  );
  if (!runtime.output().includes("Press Ctrl-C to stop")) {
    throw new Error(`npm start did not come up:\n${runtime.output()}`);
  }
}

const javaOf = (tree: readonly ProcessInfo[]) =>
  tree.filter((info) => /DynamoDBLocal\.jar/.test(info.command));
const portOf = (output: string, label: string) =>
  Number(new RegExp(`${label}\\s+http://127\\.0\\.0\\.1:(\\d+)`).exec(output)?.[1]);

describe("npm start, as an operator runs it", () => {
  const dataDir = join(scratch, "data");
  let runtime: Runtime;
  let port: number;
  let crlPort: number;
  let tree: ProcessInfo[];

  beforeAll(async () => {
    port = await freePort();
    crlPort = await freePort();
    runtime = launch("npm", ["--port", String(port), "--crl-port", String(crlPort), "--data-dir", dataDir]);
    await untilRunning(runtime);
    tree = treeOf(runtime.child.pid!);
  }, 120_000);

  it("prints the CRL and OCSP URLs, and the demo command with the flags its port and data dir need", () => {
    const output = runtime.output();
    expect(output).toContain(`CRLs         http://127.0.0.1:${crlPort}/root-ca.crl`);
    expect(output).toContain(`OCSP         http://127.0.0.1:${crlPort + 1}`);
    expect(output).toContain(`Try it: npm run demo -- --url http://127.0.0.1:${port} --data-dir ${dataDir}`);
  });

  it("listens on loopback addresses only, for every server of every process it runs", () => {
    const sockets = listeningSockets(tree.map((info) => info.pid));
    const output = runtime.output();
    const expected = [port, crlPort, crlPort + 1, portOf(output, "DynamoDB"), portOf(output, "S3")];
    expect(sockets.filter((socket) => !isLoopback(socket.address))).toEqual([]);
    expect(javaOf(tree)).toHaveLength(1);
    expect(sockets.some((socket) => socket.pid === javaOf(tree)[0]!.pid)).toBe(true);
    // And these are all of its servers: API, CRL, OCSP, DynamoDB Local, S3 (and the TSA).
    expect(expected.every(Number.isInteger)).toBe(true);
    expect(sockets.map((socket) => socket.port)).toEqual(expect.arrayContaining(expected));
  });

  it("runs the OCSP responder the demo certificates name: pdfsig trusts a demo organ's letter", async () => {
    const demo = await run(
      process.execPath,
      ["--import", "tsx", "local/demo.ts", "--url", `http://127.0.0.1:${port}`, "--data-dir", dataDir],
      { encoding: "utf8" },
    );
    const letterId = /Letter id: (\S+)/.exec(demo.stdout)?.[1];
    expect(letterId, demo.stdout + demo.stderr).toBeDefined();
    const key = demoKeyOf(join(dataDir, "demo-keys.json"), DEMO_ORGANS[0]!.code, "integration");
    const letter = await new LienthongClient(`http://127.0.0.1:${port}`, key).call<SentLetter>(
      "GET",
      `/v1/letters/${letterId}`,
    );
    const file = join(scratch, "letter.pdf");
    writeFileSync(file, new Uint8Array(await (await fetch(letter.download!.url)).arrayBuffer()));
    const pki = (name: string) => readFileSync(join(dataDir, "pki", name), "utf8");
    // No CRL imported: NSS has to ask the servers named in the certificates.
    const nss = await makeNssDb(scratch, pki("root-ca.pem"), pki("intermediate-ca.pem"));
    const signatures = await pdfsig(file, nss);
    expect(signatures).toHaveLength(2);
    for (const signature of signatures) {
      expect(signature.text).not.toContain("Unknown issue with Certificate");
      expect(signature.text).toContain("Certificate is Trusted.");
    }
  });

  it("answers OCSP as openssl expects: good, revoked as the CRL says, malformed requests survived", async () => {
    const pkiDir = join(dataDir, "pki");
    const manifest = JSON.parse(readFileSync(join(pkiDir, "manifest.json"), "utf8")) as {
      entries: { certificate: string; revoked: boolean }[];
    };
    const ocspUrl = `http://127.0.0.1:${crlPort + 1}`;
    const garbage = await fetch(ocspUrl, { method: "POST", body: "not an OCSP request" });
    // OCSPResponse { responseStatus malformedRequest(1) }, and the responder keeps answering.
    expect(Buffer.from(await garbage.arrayBuffer()).toString("hex")).toBe("30030a0101");
    const ask = async (certificate: string) =>
      (
        await run(
          "openssl",
          [
            "ocsp",
            "-issuer",
            "intermediate-ca.pem",
            "-cert",
            certificate,
            "-url",
            ocspUrl,
            "-CAfile",
            "ca-chain.pem",
          ],
          { cwd: pkiDir, encoding: "utf8" },
        )
      ).stdout;
    const good = manifest.entries.find((entry) => !entry.revoked)!.certificate;
    const revoked = manifest.entries.find((entry) => entry.revoked)!.certificate;
    expect(await ask(good)).toContain(`${good}: good`);
    expect(await ask(revoked)).toMatch(
      new RegExp(`${revoked}: revoked\\s+This Update: .*\\s+(Next Update: .*\\s+)?Reason: keyCompromise`),
    );
  });

  it("refuses a second runtime on the same data directory, before starting anything", async () => {
    const second = launch("node", [
      "--port",
      String(await freePort()),
      "--crl-port",
      String(await freePort()),
      "--data-dir",
      dataDir,
    ]);
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.output()).toMatch(
      /data directory .* is in use by another Lienthong runtime \(process \d+\)/,
    );
    expect(second.output()).not.toContain("starting DynamoDB Local");
    expect(javaOf(treeOf(runtime.child.pid!))).toHaveLength(1);
    // --reset must not wipe a directory in use either.
    const reset = launch("node", ["--reset", "--data-dir", dataDir]);
    expect(await reset.exited).not.toBe(0);
    expect(reset.output()).toContain("is in use by another Lienthong runtime");
    expect(existsSync(join(dataDir, "demo-keys.json"))).toBe(true);
  });

  it("notices when DynamoDB Local dies, says so, and brings it back", async () => {
    const [java] = javaOf(treeOf(runtime.child.pid!));
    process.kill(java!.pid, "SIGKILL");
    await waitUntil(
      () => runtime.output().includes("DynamoDB Local is running again"),
      60_000,
      "the runtime to restart DynamoDB Local",
    );
    expect(runtime.output()).toMatch(/DynamoDB Local stopped unexpectedly \(killed by SIGKILL\)/);
    const key = demoKeyOf(join(dataDir, "demo-keys.json"), DEMO_ORGANS[1]!.code, "integration");
    const inbox = await new LienthongClient(`http://127.0.0.1:${port}`, key).call<{ items: unknown[] }>(
      "GET",
      "/v1/inbox?limit=5",
    );
    expect(inbox.items.length).toBeGreaterThan(0); // the demo letter, from the persisted table
  });

  it("stops every process it started on SIGTERM to npm, and releases the data directory", async () => {
    const everything = treeOf(runtime.child.pid!);
    expect(everything.length).toBeGreaterThanOrEqual(3); // npm, node, java (and perhaps sh)
    runtime.child.kill("SIGTERM");
    await runtime.exited;
    await waitUntil(() => everything.every((info) => !stillRunning(info)), 20_000, "the whole tree to exit");
    expect(runtime.output()).toContain("Stopped.");
    expect(existsSync(join(dataDir, "lienthong.lock"))).toBe(false);
  });
});

describe("kill -9 of the runtime's node process", () => {
  it("takes DynamoDB Local with it, and the next start takes over the stale lock", async () => {
    const dataDir = join(scratch, "killed");
    const args = [
      "--port",
      String(await freePort()),
      "--crl-port",
      String(await freePort()),
      "--data-dir",
      dataDir,
    ];
    const first = launch("node", args);
    await untilRunning(first);
    const [java] = javaOf(treeOf(first.child.pid!));
    expect(java).toBeDefined();
    first.child.kill("SIGKILL");
    await waitUntil(() => !stillRunning(java!), 20_000, "DynamoDB Local to exit after its parent");
    expect(existsSync(join(dataDir, "lienthong.lock"))).toBe(true); // left behind, stale

    const second = launch("node", args);
    await untilRunning(second);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });
});

describe("with a Java that cannot run the loopback launcher (no jdk.compiler module)", () => {
  it("says loudly that DynamoDB Local listens on every interface", async () => {
    // A stand-in `java` that hides jdk.compiler from --list-modules, so the runtime believes it
    // must start the plain jar; it still runs the launcher in its place, so nothing is exposed here.
    const bin = join(scratch, "bin");
    const launcher = join(process.cwd(), "local/emulators/LoopbackDynamoDbLocal.java");
    const real = execFileSync("sh", ["-c", "command -v java"], { encoding: "utf8" }).trim();
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, "java"),
      `#!/bin/sh
case " $* " in *" --list-modules "*) "${real}" --list-modules | grep -v '^jdk\\.compiler@'; exit 0;; esac
jar=
for a in "$@"; do
  shift
  if [ "$a" = "-jar" ]; then set -- "$@" -cp; jar=1
  elif [ -n "$jar" ]; then set -- "$@" "$a" "${launcher}"; jar=
  else set -- "$@" "$a"; fi
done
exec "${real}" "$@"
`,
      { mode: 0o755 },
    );
    const runtime = launch(
      "node",
      [
        "--port",
        String(await freePort()),
        "--crl-port",
        String(await freePort()),
        "--data-dir",
        join(scratch, "jre"),
      ],
      { PATH: `${bin}:${process.env["PATH"]}` },
    );
    await untilRunning(runtime);
    await waitUntil(() => runtime.output().includes("!! WARNING"), 10_000, "the warning");
    expect(runtime.output()).toMatch(
      /!! WARNING: DynamoDB Local \(http:\/\/127\.0\.0\.1:\d+\) listens on EVERY network interface/,
    );
    expect(runtime.output()).toContain("jdk.compiler");
    runtime.child.kill("SIGINT");
    expect(await runtime.exited).toBe(0);
  });
});

describe("npm run demo -- --help", () => {
  it("prints the usage and exits 0", () => {
    const help = execFileSync("npm", ["run", "--silent", "demo", "--", "--help"], { encoding: "utf8" });
    expect(help).toMatch(/Usage: npm run demo -- \[options\]/);
    expect(help).toContain("--data-dir");
  });
});
