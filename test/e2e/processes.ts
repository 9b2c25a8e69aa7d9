/**
 * What a process tree is doing, read from /proc (Linux): its processes and the TCP sockets they
 * listen on. For the local runtime's e2e tests: which servers it runs, on which addresses, and
 * whether anything of it is left after it was told to stop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** Clock ticks since boot: with the pid, names one process even after the pid is reused. */
  readonly startTime: string;
  readonly command: string;
}

export interface ListeningSocket {
  readonly pid: number;
  readonly address: string;
  readonly port: number;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may contain spaces: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    return { pid, ppid: Number(fields[1]), startTime: fields[19] ?? "", command };
  } catch {
    return undefined; // exited meanwhile
  }
}

function allProcesses(): ProcessInfo[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined && info.command !== "");
}

/** `pid` and all its descendants, now. */
export function processTree(pid: number): ProcessInfo[] {
  const all = allProcesses();
  const tree = all.filter((info) => info.pid === pid);
  for (let i = 0; i < tree.length; i++) {
    tree.push(...all.filter((info) => info.ppid === tree[i]!.pid));
  }
  return tree;
}

/** Whether that very process (same pid, same start time) still runs; a zombie counts as gone. */
export function stillRunning(info: ProcessInfo): boolean {
  try {
    const stat = readFileSync(`/proc/${info.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] === info.startTime && fields[0] !== "Z";
  } catch {
    return false;
  }
}

/** /proc/net/tcp's hex address: IPv4 in host (little-endian) order, IPv6 as four such words. */
export function decodeProcAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)),
  );
  if (bytes.length === 4) {
    return bytes.join(".");
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join(".")}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  }
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped into IPv6. */
export function isLoopback(address: string): boolean {
  return /^(::ffff:)?127\./.test(address) || address === "::1";
}

/** The TCP sockets in LISTEN state held by the given processes (tcp and tcp6 of their namespace). */
export function listeningSockets(pids: readonly number[]): ListeningSocket[] {
  const owners = new Map<string, number>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) {
          owners.set(inode, pid);
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  const sockets: ListeningSocket[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").trim().split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1] ?? "", fields[3], fields[9] ?? ""];
      const pid = owners.get(inode);
      if (state === "0A" && pid !== undefined) {
        const [address, port] = local.split(":");
        sockets.push({
          pid,
          address: decodeProcAddress(address ?? ""),
          port: Number.parseInt(port ?? "", 16),
        });
      }
    }
  }
  return sockets;
}

/** Polls `condition` every 100 ms; rejects with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILL to the whole process group of `child` (started `detached`), if it is still there. */
export function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) {
      process.kill(-child.pid, "SIGKILL");
    }
  } catch {
    // already gone
  }
}

/**
 * `npm start` (as `node --import tsx local/start.ts`) in its own process group on `dataDir`, until
 * it prints that it is running; the child is pushed to `running` at once so that the caller's
 * `afterAll` can kill it whatever happens. Returns it and the DynamoDB endpoint it printed.
 */
export async function startRuntimeGroup(options: {
  readonly port: number;
  readonly crlPort: number;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly running: ChildProcess[];
}): Promise<{ child: ChildProcess; dynamodb: string }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "local/start.ts",
      "--port",
      String(options.port),
      "--data-dir",
      options.dataDir,
      "--crl-port",
      String(options.crlPort),
    ],
    { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, ...options.env } },
  );
  options.running.push(child);
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const deadline = Date.now() + 90_000;
  while (!output.includes("Lienthong is running")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const dynamodb = /DynamoDB\s+(http:\/\/\S+)/.exec(output)?.[1];
  if (!dynamodb) {
    throw new Error(`npm start printed no DynamoDB endpoint:\n${output}`);
  }
  return { child, dynamodb };
}
