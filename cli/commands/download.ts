/**
 * `lienthong download <id> [-o file]`: fetches a letter's PDF through its short-lived download
 * URL and keeps it only when its SHA-256 is the one the exchange registered for the letter
 * (exit 1 and nothing written otherwise).
 */
import { basename } from "node:path";
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  downloadBytes,
  formatBytes,
  ok,
  output,
  RemoteFailure,
  runRemote,
} from "../api-client.ts";
import { type Command, onePositional, parseCommandArgs, writeAtomically } from "../common.ts";

const USAGE = `lienthong download — save a letter's PDF, checked against its SHA-256

Usage: lienthong download <letterId> [-o <file>] [options]

Options:
  -o, --out <file>    where to save it (default: the letter's file name, in this directory)
${CONNECTION_HELP}

Examples:
  lienthong download 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e
  lienthong download 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e -o letter.pdf --json`;

const OPTIONS = { ...CONNECTION_OPTIONS, out: { type: "string", short: "o" } } as const;

async function download(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const id = onePositional(args.positionals, USAGE, "letter id");
  const { api } = connect(args.values);
  const letter = await ok(api.GET("/v1/letters/{id}", { params: { path: { id } } }));
  if (!letter.download) {
    throw new RemoteFailure("DOWNLOAD_UNAVAILABLE", `letter ${id} has no file to download (${letter.state})`);
  }
  // The name the sender gave, never a path of theirs.
  const out = args.values.out ?? (basename(letter.file.name) || `${id}.pdf`);
  const { bytes, sha256 } = await downloadBytes(letter.download.url, `download ${letter.file.name}`);
  if (sha256 !== letter.file.sha256) {
    throw new RemoteFailure(
      "DOWNLOAD_CHECKSUM_MISMATCH",
      `the downloaded file's SHA-256 ${sha256} is not the letter's ${letter.file.sha256}: nothing saved`,
    );
  }
  await writeAtomically(out, bytes);
  output(
    args.values.json,
    { letterId: id, file: out, size: bytes.length, sha256 },
    () => `saved ${out} (${formatBytes(bytes.length)}, SHA-256 ${sha256} verified)`,
  );
  return 0;
}

export const command: Command = {
  summary: "download a letter's PDF, checked against its SHA-256",
  run: (argv) => runRemote("download", argv, () => download(argv)),
};
