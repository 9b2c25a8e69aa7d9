import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * One local runtime per data directory: two DynamoDB Locals on one SQLite file, or two s3rvers on one
 * folder, would corrupt each other. The lock is a file holding the owner's PID, created exclusively;
 * a lock whose PID no longer runs is stale (its owner was killed) and is taken over.
 */
export interface DataDirLock {
  readonly file: string;
  release(): void;
}

export const LOCK_FILE = "lienthong.lock";

/** Whether `pid` runs, and (where /proc tells) runs node: after a reboot the pid may be someone else's. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") {
      return false;
    }
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("node");
  } catch {
    return true; // no /proc: trust the pid
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      return {
        file,
        release: () => {
          // Only our own lock: a stale one taken over by another runtime is not ours to remove.
          if (readOwner(file) === process.pid) {
            rmSync(file, { force: true });
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw error;
      }
    }
    const owner = readOwner(file);
    if (owner !== undefined && owner !== process.pid && isRunning(owner)) {
      throw new Error(
        `the data directory ${dataDir} is in use by another Lienthong runtime (process ${owner}). ` +
          "Stop that one first, or give this one its own directory with --data-dir.",
      );
    }
    rmSync(file, { force: true }); // stale: its owner is gone
  }
  throw new Error(`could not lock the data directory ${dataDir} (${file} keeps coming back)`);
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
