/**
 * What every `lienthong` command shares: the one-line error report (code, English and Vietnamese
 * message from shared/errors/codes.ts, never a stack trace), the exit code derived from the
 * code's HTTP status, strict argument parsing with `-h/--help`, reading inputs and writing
 * outputs atomically. Input a command cannot use is thrown as {@link UsageError} and reported
 * as VALIDATION_FAILED (exit 2) by {@link runCommand}.
 */
// Synchronous file calls throughout: a command has nothing else to do meanwhile, and node:fs/promises
// alone takes a few milliseconds to load, a tenth of what `lienthong verify` may take in all.
import {
  accessSync,
  closeSync,
  constants,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { ERROR_CODES, type ErrorCode, isExchangeError } from "../shared/errors/index.ts";

/** A `lienthong` subcommand (cli/main.ts loads each module only when called). */
export interface Command {
  readonly summary: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/** Arguments or input files a command cannot use: VALIDATION_FAILED, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Prints `lienthong <command>: CODE: English / Vietnamese (detail)` on stderr and returns the exit
 * code: 2 for unusable input or arguments (status below 500), 1 for a failing service (TSA,
 * signer, network) or an internal error.
 *
 * @example
 * return fail("verify", "TRUST_ANCHORS_MISSING", "give --trust <pem>");
 */
export function fail(command: string, code: ErrorCode, detail?: string): number {
  const info = ERROR_CODES[code];
  console.error(`lienthong ${command}: ${code}: ${info.en} / ${info.vi}${detail ? ` (${detail})` : ""}`);
  return info.status >= 500 ? 1 : 2;
}

/** Reports anything thrown by a command: its ExchangeError code, VALIDATION_FAILED for a {@link UsageError}, INTERNAL otherwise. */
export function failWith(command: string, error: unknown): number {
  if (isExchangeError(error)) {
    return fail(command, error.code, error.detail);
  }
  if (error instanceof UsageError) {
    return fail(command, "VALIDATION_FAILED", error.message);
  }
  return fail(command, "INTERNAL", error instanceof Error ? error.message : String(error));
}

/**
 * Runs a command body and turns whatever it throws into a one-line report and an exit code.
 *
 * @example
 * export const command: Command = { summary, run: (argv) => runCommand("sign", () => sign(argv)) };
 */
export async function runCommand(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    return failWith(command, error);
  }
}

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;
type CommandConfig<T extends OptionsConfig> = {
  args: string[];
  options: T & { help: { type: "boolean"; short: "h" } };
  strict: true;
  allowPositionals: true;
};

/** What {@link parseCommandArgs} returns: node's typed `parseArgs` result (with `help`). */
export type CommandArgs<T extends OptionsConfig> = ReturnType<typeof parseArgs<CommandConfig<T>>>;

/**
 * Strict `node:util` parseArgs with positionals and `-h/--help` added. Prints `usage` and
 * returns undefined when help was asked for; throws {@link UsageError} on an unknown option or a
 * missing option value.
 *
 * @example
 * const args = parseCommandArgs(argv, { out: { type: "string", short: "o" } }, USAGE);
 * if (!args) { return 0; }
 */
export function parseCommandArgs<const T extends OptionsConfig>(
  argv: readonly string[],
  options: T,
  usage: string,
): CommandArgs<T> | undefined {
  let parsed: CommandArgs<T>;
  try {
    parsed = parseArgs<CommandConfig<T>>({
      args: [...argv],
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    return undefined;
  }
  return parsed;
}

/**
 * The one positional argument a command takes; otherwise prints `usage` on stderr and throws
 * {@link UsageError} ("expected exactly one <what>, got N").
 */
export function onePositional(positionals: readonly string[], usage: string, what: string): string {
  const [first, ...extra] = positionals;
  if (first === undefined || first === "" || extra.length > 0) {
    console.error(usage);
    throw new UsageError(`expected exactly one ${what}, got ${positionals.length}`);
  }
  return first;
}

/** `value` as a positive integer, or undefined when not given; throws {@link UsageError} otherwise. */
export function positiveInteger(value: string | undefined, option: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    throw new UsageError(`${option}: expected a positive integer, got '${value}'`);
  }
  return number;
}

function describe(what: string | undefined, path: string): string {
  return what ? `${what} '${path}'` : `'${path}'`;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/**
 * Reads a whole input file; throws {@link UsageError} naming the file when it cannot be read.
 *
 * @example
 * const p12 = await readInput(values.p12, "PKCS#12");
 */
export async function readInput(path: string, what?: string): Promise<Uint8Array> {
  try {
    // fs.promises.readFile would also read a large file in many thread-pool round trips
    // (measured: ~15 ms more for 20 MB).
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new UsageError(`cannot read ${describe(what, path)}: ${errorCode(error)}`);
  }
}

/** Checks that a file to be streamed (never held whole) is a readable regular file; throws {@link UsageError}. */
export async function assertReadableFile(path: string, what?: string): Promise<void> {
  try {
    if (!statSync(path).isFile()) {
      throw new UsageError(`cannot read ${describe(what, path)}: not a file`);
    }
    accessSync(path, constants.R_OK);
  } catch (error) {
    if (error instanceof UsageError) {
      throw error;
    }
    throw new UsageError(`cannot read ${describe(what, path)}: ${errorCode(error)}`);
  }
}

/**
 * Writes `bytes` beside `path` and renames, so that a reader never sees half a file and a failure
 * leaves nothing behind. Throws {@link UsageError} when the file cannot be written.
 *
 * @example
 * await writeAtomically(values.out, signedPdf);
 */
export async function writeAtomically(
  path: string,
  bytes: Uint8Array | readonly Uint8Array[],
): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    // Synchronous, and parts (a signed PDF is the input plus its update) written as they are, uncopied.
    const fd = openSync(temporary, "w");
    try {
      for (const part of bytes instanceof Uint8Array ? [bytes] : bytes) {
        writeFileSync(fd, part);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new UsageError(`cannot write '${path}': ${errorCode(error)}`);
  }
}
