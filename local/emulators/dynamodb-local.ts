import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, waitForPort } from "./ports.ts";

/**
 * AWS's DynamoDB Local (a Java program). Its jar ships inside the npm package
 * amplify-dynamodb-simulator; we fetch that one tarball with `npm pack` (integrity-checked by npm)
 * into a git-ignored cache, instead of installing the package and its 280 dependencies.
 */
const PACKAGE = "amplify-dynamodb-simulator@2.9.30";

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** True when it listens on 127.0.0.1 only; false when it had to be started on every interface. */
  readonly loopbackOnly: boolean;
  /** Settles when the process ends by itself (not through `stop()`), with how it ended. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Where the jar is cached. */
  readonly cacheDir: string;
  /** Persist tables here; in memory when absent. */
  readonly dataDir?: string;
  readonly port?: number;
}

export function ensureDynamoDbLocal(cacheDir: string): string {
  const home = join(cacheDir, "dynamodb-local");
  const jar = join(home, "DynamoDBLocal.jar");
  if (existsSync(jar)) {
    return home;
  }
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, "download-"));
  try {
    const tarball = execFileSync("npm", ["pack", PACKAGE, "--pack-destination", work, "--silent"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    })
      .trim()
      .split("\n")
      .pop();
    if (!tarball) {
      throw new Error(`npm pack ${PACKAGE} printed no file name`);
    }
    execFileSync("tar", ["-xzf", join(work, tarball), "-C", work, "package/emulator"]);
    rmSync(home, { recursive: true, force: true });
    renameSync(join(work, "package", "emulator"), home);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return home;
}

export function checkJava(): void {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
  } catch {
    throw new Error(
      "DynamoDB Local needs Java 17 or newer, and `java` was not found on the PATH.\n" +
        "Install it (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`) and try again.",
    );
  }
}

/** The launcher that binds DynamoDB Local to loopback and exits with its parent (see the file). */
const LAUNCHER = fileURLToPath(new URL("./LoopbackDynamoDbLocal.java", import.meta.url));

let sourceLauncherSupported: boolean | undefined;

/**
 * Whether this Java runs a `.java` file directly (JEP 330): it needs the jdk.compiler module, which
 * Debian's openjdk-17-jre-headless ships but some other JREs do not.
 */
function canRunSourceFiles(): boolean {
  if (sourceLauncherSupported === undefined) {
    try {
      const modules = execFileSync("java", ["--list-modules"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      sourceLauncherSupported = /^jdk\.compiler@/m.test(modules);
    } catch {
      sourceLauncherSupported = false;
    }
  }
  return sourceLauncherSupported;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  checkJava();
  const home = ensureDynamoDbLocal(options.cacheDir);
  const port = options.port ?? (await freePort());
  const storage = options.dataDir ? ["-dbPath", options.dataDir] : ["-inMemory"];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
  }
  const loopbackOnly = canRunSourceFiles();
  const jar = join(home, "DynamoDBLocal.jar");
  // Without the launcher, DynamoDB Local listens on every interface (it has no bind option).
  const main = loopbackOnly ? ["-cp", jar, LAUNCHER] : ["-jar", jar];
  const child: ChildProcess = spawn(
    "java",
    [
      `-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`,
      "-Xmx512m",
      // One collector thread: on a small machine G1's concurrent threads take cores from the
      // exchange itself (bench:exchange: about 15% less of DynamoDB Local's CPU per letter).
      "-XX:+UseSerialGC",
      ...main,
      "-sharedDb",
      "-disableTelemetry",
      "-port",
      String(port),
      ...storage,
    ],
    // stdin is the launcher's lifeline: it exits when this process's end of the pipe closes.
    // DynamoDB Local writes a metadata file into its working directory: keep that out of the repository.
    { stdio: ["pipe", "ignore", "pipe"], cwd: options.dataDir ?? home },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  // Nothing is ever written: an EPIPE after the child died must not crash this process.
  child.stdin?.on("error", () => undefined);
  let stopping = false;
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => {
      if (!stopping) {
        resolve(signal ? `killed by ${signal}` : `exit code ${code}`);
      }
    });
  });
  const stopOnExit = () => child.kill("SIGKILL");
  process.once("exit", stopOnExit);
  try {
    await waitForPort(port, 30_000, () => child.exitCode === null && child.signalCode === null);
  } catch (error) {
    stopping = true;
    child.kill("SIGKILL");
    process.removeListener("exit", stopOnExit);
    throw new Error(`DynamoDB Local did not start: ${(error as Error).message}\n${stderr}`);
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    loopbackOnly,
    exited,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        process.removeListener("exit", stopOnExit);
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const force = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
