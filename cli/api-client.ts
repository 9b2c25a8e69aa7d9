/**
 * What the `lienthong` commands that talk to an exchange share: the connection options
 * (`--url`, `--key`, `--profile`, `--json`), the typed SDK client (sdk/index.ts), one-line
 * errors and exit codes, tables, and the presigned transfers with a progress display.
 *
 * Exit codes of these commands:
 *   0  done
 *   1  the exchange refused or failed the request (the problem's code; its request id quoted),
 *      or a check failed (a download whose SHA-256 is not the letter's)
 *   2  unusable arguments or a local file that cannot be read or written
 *   3  the exchange cannot be reached (connection refused, unknown host, timeout)
 *
 * With `--json`, stdout holds exactly one JSON document: the answer, or `{"error": {…}}`.
 * Messages meant for people (progress, errors) go to stderr.
 */
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { createLienthongClient, type LienthongClient, LienthongError, ok as okAnswer } from "../sdk/index.ts";
import { ERROR_CODES, isExchangeError } from "../shared/errors/index.ts";
import { UsageError } from "./common.ts";
import { type Connection, resolveConnection } from "./profiles.ts";

export { LienthongError };
export const ok = okAnswer;

/** Options every remote command takes (spread into its parseCommandArgs options). */
export const CONNECTION_OPTIONS = {
  url: { type: "string" },
  key: { type: "string" },
  profile: { type: "string" },
  json: { type: "boolean" },
} as const;

/** The options' help lines, shared by every remote command's usage text. */
export const CONNECTION_HELP = `Connection (first found wins: flag, --profile, environment, default profile):
  --url <url>         the exchange's API (else LIENTHONG_URL)
  --key <key>         an API key (else LIENTHONG_KEY)
  --profile <name>    a profile saved by 'lienthong login' (else LIENTHONG_PROFILE, else the default)
  --json              machine output on stdout (one JSON document), nothing else there
  -h, --help          show this help

Exit status: 0 ok, 1 refused or failed by the exchange, 2 usage or local error, 3 exchange unreachable.`;

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

/** The exchange could not be reached (no answer at all). */
export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach the exchange at ${url} (${reason}): is the URL right and the exchange running?`);
    this.name = "UnreachableError";
  }
}

/** A failure the exchange's answer shows outside a problem document: a presigned transfer, a hash check. */
export class RemoteFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "RemoteFailure";
  }
}

export interface Remote {
  readonly api: LienthongClient;
  readonly connection: Connection;
}

/** The SDK client for the connection the flags, environment and profiles name. */
export function connect(values: { url?: string; key?: string; profile?: string }): Remote {
  const connection = resolveConnection(values);
  let base: URL;
  try {
    base = new URL(connection.url);
  } catch {
    throw new UsageError(`'${connection.url}' (from ${connection.source}) is not a URL`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new UsageError(`'${connection.url}' (from ${connection.source}): expected an http(s) URL`);
  }
  return { api: createLienthongClient({ url: connection.url, key: connection.key }), connection };
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** The network reason of a failed fetch (`fetch failed` wraps it in `cause`), or undefined. */
export function networkReason(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof TypeError && error.message === "fetch failed") {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message ? cause.message : "fetch failed";
  }
  return undefined;
}

export interface ErrorReport {
  readonly code: string;
  readonly message: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly exit: number;
}

/** What went wrong, as one line and an exit code. */
export function describeError(error: unknown, url?: string): ErrorReport {
  if (error instanceof LienthongError) {
    const problem = error.problem;
    const hint =
      error.status === 401
        ? `the API key was refused${url ? ` by ${url}` : ""}: check --key or run 'lienthong login'`
        : (problem?.detail ?? problem?.title ?? error.message);
    return {
      code: error.code,
      status: error.status,
      message: `${hint}${problem ? "" : ` (HTTP ${error.status})`}`,
      ...(error.requestId ? { requestId: error.requestId } : {}),
      exit: EXIT.refused,
    };
  }
  if (error instanceof UnreachableError) {
    return { code: "UNREACHABLE", message: error.message, exit: EXIT.unreachable };
  }
  const reason = networkReason(error);
  if (reason) {
    return {
      code: "UNREACHABLE",
      message: new UnreachableError(url ?? "?", reason).message,
      exit: EXIT.unreachable,
    };
  }
  if (error instanceof RemoteFailure) {
    return { code: error.code, message: error.message, exit: EXIT.refused };
  }
  if (error instanceof UsageError) {
    return { code: "USAGE", message: error.message, exit: EXIT.usage };
  }
  if (isExchangeError(error)) {
    const info = ERROR_CODES[error.code];
    return {
      code: error.code,
      message: error.detail ? `${info.en} (${error.detail})` : info.en,
      exit: info.status >= 500 ? EXIT.refused : EXIT.usage,
    };
  }
  return {
    code: "INTERNAL",
    message: error instanceof Error ? error.message : String(error),
    exit: EXIT.usage,
  };
}

/** `lienthong <command>: CODE: message (request id …)`. */
export function errorLine(command: string, report: ErrorReport): string {
  const status = report.status ? ` (HTTP ${report.status})` : "";
  const id = report.requestId ? ` [request id ${report.requestId}]` : "";
  return `lienthong ${command}: ${report.code}${status}: ${report.message}${id}`;
}

/**
 * Runs a remote command's body: prints its error as one line on stderr (and as `{"error": …}` on
 * stdout with --json) and returns the exit code.
 */
export async function runRemote(
  command: string,
  argv: readonly string[],
  body: () => Promise<number>,
  /** The option naming the exchange's URL (`api` where `--url` means something else). */
  urlOption = "url",
): Promise<number> {
  let url: string | undefined;
  try {
    return await body();
  } catch (error) {
    try {
      url = resolveConnection(flagsOf(argv, urlOption)).url;
    } catch {
      url = undefined;
    }
    const report = describeError(error, url);
    console.error(errorLine(command, report));
    if (argv.includes("--json")) {
      const { exit: _exit, ...rest } = report;
      process.stdout.write(`${JSON.stringify({ error: rest })}\n`);
    }
    return report.exit;
  }
}

/** --url/--key/--profile as given, read loosely (for the error line's URL only). */
function flagsOf(
  argv: readonly string[],
  urlOption: string,
): { url?: string; key?: string; profile?: string } {
  const value = (name: string) => {
    const index = argv.indexOf(`--${name}`);
    const inline = argv.find((arg) => arg.startsWith(`--${name}=`));
    return inline ? inline.slice(name.length + 3) : index >= 0 ? argv[index + 1] : undefined;
  };
  const flags: { url?: string; key?: string; profile?: string } = {};
  for (const name of ["url", "key", "profile"] as const) {
    const found = value(name === "url" ? urlOption : name);
    if (found !== undefined) {
      flags[name] = found;
    }
  }
  return flags;
}

/** Prints `value` as JSON (with --json) or the human text. */
export function output(json: boolean | undefined, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** A plain-text table: columns as wide as their widest cell. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...rows.map((row) => (row[index] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Shortens `text` to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Bytes as KB/MB for people. */
export function formatBytes(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Progress of a transfer on stderr: a bar redrawn in place on a terminal, else a plain line at
 * each quarter (logs and CI keep a few lines, not thousands of carriage returns).
 */
export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY === true;
  let lastQuarter = -1;
  return {
    update(done: number): void {
      const fraction = total === 0 ? 1 : Math.min(1, done / total);
      if (tty) {
        const width = 30;
        const filled = Math.round(fraction * width);
        stream.write(
          `\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.floor(fraction * 100)
            .toString()
            .padStart(3)}% ${formatBytes(done)}/${formatBytes(total)}`,
        );
        return;
      }
      const quarter = Math.floor(fraction * 4);
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        stream.write(`${label}: ${quarter * 25}% (${done} of ${total} bytes)\n`);
      }
    },
    end(): void {
      if (tty) {
        stream.write("\n");
      }
    },
  };
}

export interface PresignedUpload {
  readonly method: "PUT";
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * PUTs a file to a presigned URL, streamed from disk with its Content-Length (S3 refuses chunked
 * uploads; fetch would send a stream chunked), showing progress. node:http because fetch reports
 * no upload progress.
 */
export async function uploadFile(upload: PresignedUpload, path: string, label: string): Promise<void> {
  const size = statSync(path).size;
  const target = new URL(upload.url);
  const http = target.protocol === "https:" ? await import("node:https") : await import("node:http");
  const bar = progress(label, size);
  bar.update(0);
  await new Promise<void>((resolve, reject) => {
    const request = http.request(
      target,
      { method: "PUT", headers: { ...upload.headers, "content-length": String(size) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve();
          } else {
            reject(
              new RemoteFailure(
                "UPLOAD_FAILED",
                `${label}: refused by the storage (HTTP ${status}): ${Buffer.concat(chunks).toString("utf8").slice(0, 200)}`,
              ),
            );
          }
        });
      },
    );
    request.on("error", (error) => {
      const reason = networkReason(error);
      reject(reason ? new UnreachableError(target.origin, reason) : error);
    });
    let sent = 0;
    const file = createReadStream(path);
    file.on("data", (chunk) => {
      sent += chunk.length;
      bar.update(sent);
    });
    file.on("error", reject);
    file.pipe(request);
  });
  bar.end();
}

/** GETs a presigned URL's bytes with progress; their SHA-256 alongside. */
export async function downloadBytes(
  url: string,
  label: string,
): Promise<{ bytes: Uint8Array; sha256: string }> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new UnreachableError(new URL(url).origin, networkReason(error) ?? (error as Error).message);
  }
  if (!response.ok || !response.body) {
    throw new RemoteFailure("DOWNLOAD_FAILED", `${label}: refused by the storage (HTTP ${response.status})`);
  }
  const total = Number(response.headers.get("content-length") ?? 0);
  const bar = progress(label, total);
  const hash = createHash("sha256");
  const chunks: Uint8Array[] = [];
  let done = 0;
  for await (const chunk of response.body) {
    chunks.push(chunk);
    hash.update(chunk);
    done += chunk.length;
    if (total > 0) {
      bar.update(done);
    }
  }
  bar.end();
  return { bytes: Buffer.concat(chunks), sha256: hash.digest("hex") };
}

/** A file's SHA-256 and size, read in a stream. */
export async function fileDigest(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest("hex") };
}
