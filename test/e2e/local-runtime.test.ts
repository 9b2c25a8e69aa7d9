import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_ORGANS } from "../../devkit/demo-organs.ts";
import { LienthongClient, type SentLetter } from "../../local/api-client.ts";
import { demoKeyOf } from "../../local/bootstrap.ts";
import { freePort } from "../../local/emulators/ports.ts";

const dataDir = mkdtempSync(join(tmpdir(), "lienthong-e2e-"));
const running: ChildProcess[] = [];

afterAll(() => {
  for (const child of running) {
    child.kill("SIGKILL");
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` as a user runs it (tsx local/start.ts), until it prints that it is running. */
async function start(port: number, crlPort: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "local/start.ts",
      "--port",
      String(port),
      "--data-dir",
      dataDir,
      "--crl-port",
      String(crlPort),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LOG_LEVEL: "silent" } },
  );
  running.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 90_000;
  while (!output.includes("Lienthong is running")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGINT");
  return exited;
}

const javaProcessesFor = (dir: string): string[] => {
  try {
    return execFileSync("pgrep", ["-f", `DynamoDBLocal.jar.*${dir}`], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

describe("npm start", () => {
  it("runs the README demo, stops cleanly on Ctrl-C, and keeps the letter across a restart", async () => {
    const port = await freePort();
    const crlPort = await freePort();
    const first = await start(port, crlPort);
    expect(first.output()).toMatch(/000\.00\.11\.H53\s+Sở Tài chính tỉnh Tây Ninh\s+lt_stc_/);

    const demo = execFileSync(
      process.execPath,
      ["--import", "tsx", "local/demo.ts", "--url", `http://127.0.0.1:${port}`, "--data-dir", dataDir],
      { encoding: "utf8" },
    );
    const letterId = /Letter id: (\S+)/.exec(demo)?.[1];
    expect(letterId, demo).toBeDefined();
    expect(demo).toMatch(/verification: TOTAL_PASSED/);
    expect(demo).toMatch(/Sở Nội vụ tỉnh Tây Ninh inbox: has it, status 01, signatures TOTAL_PASSED/);
    expect(demo).toMatch(/000\.00\.11\.H53 {2}status 03/);
    expect(demo).toMatch(/000\.00\.12\.H53 {2}status 01/);

    expect(javaProcessesFor(dataDir)).toHaveLength(1);
    expect(await stop(first.child)).toBe(0);
    expect(javaProcessesFor(dataDir)).toEqual([]);

    const second = await start(port, crlPort);
    const key = demoKeyOf(join(dataDir, "demo-keys.json"), DEMO_ORGANS[0]!.code, "integration");
    const sender = new LienthongClient(`http://127.0.0.1:${port}`, key);
    const letter = await sender.call<SentLetter>("GET", `/v1/letters/${letterId}`);
    expect(letter.deliveries.map((d) => [d.organCode, d.status])).toEqual([
      ["000.00.11.H53", "03"],
      ["000.00.12.H53", "01"],
    ]);
    const download = await fetch(letter.download!.url);
    expect(download.status).toBe(200);
    expect(await stop(second.child)).toBe(0);
    expect(javaProcessesFor(dataDir)).toEqual([]);
  });
});
