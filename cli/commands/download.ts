/**
 * `lienthong download <id> [-o file]`: fetches a letter's PDF through its short-lived download
 * URL and keeps it only when its SHA-256 is the one the exchange registered for the letter
 * (exit 1 and nothing written otherwise).
 */
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
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
import { type Command, onePositional, parseCommandArgs, UsageError, writeAtomically } from "../common.ts";

const USAGE = `lienthong download — save a letter's PDF, checked against its SHA-256

Usage: lienthong download <letterId> [-o <file>] [options]

Options:
  -o, --out <file>    where to save it (default: the letter's file name, in this directory)
  --attachments <dir> also save its appendices (and their .p7s signatures) there, each checked
${CONNECTION_HELP}

Examples:
  lienthong download 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e
  lienthong download 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e -o letter.pdf --json
  lienthong download 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e --attachments phu-luc/`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  out: { type: "string", short: "o" },
  attachments: { type: "string" },
} as const;

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
  const main = await checkedDownload(letter.download.url, letter.file.name, letter.file.sha256);
  // Every file is fetched and checked before any is written: a bad one leaves nothing behind.
  const extra: { path: string; bytes: Uint8Array; sha256: string }[] = [];
  if (args.values.attachments !== undefined) {
    const dir = args.values.attachments;
    for (const a of letter.attachments ?? []) {
      if (!a.download) {
        throw new RemoteFailure("DOWNLOAD_UNAVAILABLE", `the attachment ${a.name} has no download`);
      }
      const file = await checkedDownload(a.download.url, a.name, a.sha256);
      extra.push({ path: join(dir, basename(a.name)), ...file });
      if (a.signature && a.signatureDownload) {
        const p7s = await checkedDownload(a.signatureDownload.url, a.signature.name, a.signature.sha256);
        extra.push({ path: join(dir, basename(a.signature.name)), ...p7s });
      }
    }
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new UsageError(`cannot create '${dir}': ${(error as NodeJS.ErrnoException).code}`);
    }
  }
  await writeAtomically(out, main.bytes);
  for (const file of extra) {
    await writeAtomically(file.path, file.bytes);
  }
  const files = [
    { file: out, size: main.bytes.length, sha256: main.sha256 },
    ...extra.map((f) => ({ file: f.path, size: f.bytes.length, sha256: f.sha256 })),
  ];
  output(
    args.values.json,
    { letterId: id, file: out, size: main.bytes.length, sha256: main.sha256, files },
    () =>
      files.map((f) => `saved ${f.file} (${formatBytes(f.size)}, SHA-256 ${f.sha256} verified)`).join("\n"),
  );
  return 0;
}

/** A presigned download's bytes, refused unless their SHA-256 is `expected`. */
async function checkedDownload(url: string, name: string, expected: string) {
  const { bytes, sha256 } = await downloadBytes(url, `download ${name}`);
  if (sha256 !== expected) {
    throw new RemoteFailure(
      "DOWNLOAD_CHECKSUM_MISMATCH",
      `the downloaded file's SHA-256 ${sha256} is not the letter's ${expected}: nothing saved`,
    );
  }
  return { bytes, sha256 };
}

export const command: Command = {
  summary: "download a letter's PDF, checked against its SHA-256",
  run: (argv) => runRemote("download", argv, () => download(argv)),
};
