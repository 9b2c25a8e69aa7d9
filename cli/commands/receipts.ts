/**
 * `lienthong receipts <id> [--recipient <code>] [--download <dir>]`: the signed receipts of a
 * letter's status changes (each an RFC 8785 JSON and its detached CAdES signature); with
 * `--download`, saves both files of each as `<recipient>-<seq>.json` / `.p7s`, which
 * `lienthong verify <file>.json --detached <file>.p7s` or `openssl cms -verify` check.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  ok,
  output,
  RemoteFailure,
  runRemote,
  table,
} from "../api-client.ts";
import { type Command, onePositional, parseCommandArgs, UsageError, writeAtomically } from "../common.ts";

const USAGE = `lienthong receipts — the signed receipts of a letter's status changes

Usage: lienthong receipts <letterId> [--recipient <code>] [--download <dir>] [options]

Options:
  --recipient <code>  only this recipient's copy
  --download <dir>    save each receipt as <recipient>-<seq>.json and its signature as .p7s
${CONNECTION_HELP}

Examples:
  lienthong receipts 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e
  lienthong receipts 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e --download receipts/
  lienthong verify receipts/000.00.11.H53-1.json --detached receipts/000.00.11.H53-1.p7s --trust root.pem`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  recipient: { type: "string" },
  download: { type: "string" },
} as const;

/** `/v1/letters/{id}/receipts/{recipient}/{file}` → its path parameters. */
function receiptPath(path: string): { id: string; recipient: string; file: string } {
  const match = /^\/v1\/letters\/([^/]+)\/receipts\/([^/]+)\/([^/]+)$/.exec(path);
  if (!match) {
    throw new RemoteFailure(
      "UNEXPECTED_RESPONSE",
      `the exchange listed a receipt at an unknown path '${path}'`,
    );
  }
  const [, id, recipient, file] = match.map((part) => decodeURIComponent(part));
  return { id: id!, recipient: recipient!, file: file! };
}

async function receipts(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const id = onePositional(args.positionals, USAGE, "letter id");
  const { values } = args;
  const { api } = connect(values);
  const list = await ok(
    api.GET("/v1/letters/{id}/receipts", {
      params: { path: { id }, query: values.recipient ? { recipient: values.recipient } : {} },
    }),
  );
  const saved: { json: string; p7s: string }[] = [];
  if (values.download !== undefined) {
    try {
      mkdirSync(values.download, { recursive: true });
    } catch (error) {
      throw new UsageError(`cannot create '${values.download}': ${(error as NodeJS.ErrnoException).code}`);
    }
    for (const entry of list.items) {
      const files = { json: "", p7s: "" };
      for (const kind of ["json", "p7s"] as const) {
        const params = receiptPath(entry[kind]);
        const { data } = await api.GET("/v1/letters/{id}/receipts/{recipient}/{file}", {
          params: { path: params },
          parseAs: "arrayBuffer",
        });
        if (!data) {
          throw new RemoteFailure("UNEXPECTED_RESPONSE", `the receipt ${entry[kind]} came without a body`);
        }
        const name = join(values.download, `${params.recipient}-${entry.seq}.${kind}`);
        await writeAtomically(name, new Uint8Array(data));
        files[kind] = name;
      }
      saved.push(files);
    }
  }
  output(values.json, { items: list.items, ...(values.download !== undefined ? { saved } : {}) }, () => {
    if (list.items.length === 0) {
      return `${id}: no receipts`;
    }
    // recipient, status, time and actingOrgan are in each entry, though the SDK's schema types only seq and the paths.
    const text = (value: unknown) => (typeof value === "string" ? value : "");
    const rows = table(
      ["RECIPIENT", "SEQ", "STATUS", "TIME", "BY", "RECEIPT"],
      list.items.map((entry) => [
        text(entry["recipient"]),
        String(entry.seq),
        `${text(entry["status"])} ${entry.statusLabel?.en ?? ""}`.trim(),
        text(entry["time"]),
        text(entry["actingOrgan"]),
        entry.json,
      ]),
    );
    return saved.length ? `${rows}\n\nsaved ${saved.length * 2} files in ${values.download}` : rows;
  });
  return 0;
}

export const command: Command = {
  summary: "list (and download) a letter's signed receipts",
  run: (argv) => runRemote("receipts", argv, () => receipts(argv)),
};
