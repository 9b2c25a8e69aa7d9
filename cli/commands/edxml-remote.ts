/**
 * `lienthong edxml export|import`: the exchange's edXML routes (QCVN 102:2016 packages), beside
 * the offline `edxml inspect` of cli/commands/edxml.ts, which loads this module for these verbs.
 *   export <id> [-o file]                 GET /v1/letters/{id}/edxml (the letter package)
 *   export <id> --status [--to <organ>]   GET /v1/letters/{id}/status.edxml (a copy's status package)
 *   import <file.edxml>                   POST /v1/edxml (sends the letter, or records the status, as the caller)
 */
import { basename } from "node:path";
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  ok,
  output,
  RemoteFailure,
  runRemote,
} from "../api-client.ts";
import { onePositional, parseCommandArgs, readInput, writeAtomically } from "../common.ts";

const USAGE = `lienthong edxml export|import — edXML packages through the exchange

Usage:
  lienthong edxml export <letterId> [-o <file.edxml>]
  lienthong edxml export <letterId> --status [--to <organ code>] [-o <file.edxml>]
  lienthong edxml import <file.edxml>

'export' writes the letter package (or with --status a copy's status package: the sender names the
copy with --to, a recipient gets its own) to -o, or to stdout. 'import' sends a letter package as
your organ (its From must be your organ), or records the status a status package carries, and
prints the result with the warnings the clerk should see.

Options:
  -o, --out <file>    (export) where to write the package (default: stdout)
  --status            (export) the status package instead of the letter package
  --to <code>         (export --status) the recipient whose copy
${CONNECTION_HELP}

Examples:
  lienthong edxml export 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e -o cong-van.edxml
  lienthong edxml export 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e --status --to 000.00.11.H53
  lienthong edxml import received/edoc_new.edxml --json`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  out: { type: "string", short: "o" },
  status: { type: "boolean" },
  to: { type: "string" },
} as const;

async function exportPackage(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const id = onePositional(args.positionals, USAGE, "letter id");
  const { api } = connect(args.values);
  const xml = args.values.status
    ? await ok(
        api.GET("/v1/letters/{id}/status.edxml", {
          params: { path: { id }, query: args.values.to ? { to: args.values.to } : {} },
          parseAs: "text",
        }),
      )
    : await ok(api.GET("/v1/letters/{id}/edxml", { params: { path: { id } }, parseAs: "text" }));
  if (!args.values.out) {
    // The package itself is the machine output, with or without --json.
    process.stdout.write(xml);
    return 0;
  }
  const bytes = new TextEncoder().encode(xml);
  await writeAtomically(args.values.out, bytes);
  output(
    args.values.json,
    { letterId: id, file: args.values.out, size: bytes.length },
    () => `saved ${args.values.out} (${bytes.length} bytes)`,
  );
  return 0;
}

async function importPackage(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const path = onePositional(args.positionals, USAGE, "edXML file");
  const bytes = await readInput(path, "edXML package");
  const { api } = connect(args.values);
  const imported = await ok(
    api.POST("/v1/edxml", {
      body: new TextDecoder().decode(bytes),
      bodySerializer: (body: string) => body,
      headers: { "content-type": "application/xml" },
    }),
  );
  if (imported.kind === "letter" && !imported.letter) {
    throw new RemoteFailure(
      "UNEXPECTED_RESPONSE",
      `the exchange imported ${basename(path)} but returned no letter`,
    );
  }
  output(args.values.json, imported, () =>
    [
      imported.kind === "letter"
        ? `${imported.created === false ? "already sent as" : "sent"} letter ${imported.letter?.id} to ${imported.letter?.recipients.join(", ")}`
        : `recorded status ${imported.copy?.status} ${imported.copy?.statusLabel.en ?? ""} of ${imported.copy?.organCode}`,
      ...(imported.attachments ?? []).map((a) => `attachment ${a.name} (${a.contentType}): ${a.imported}`),
      ...imported.warnings.map((w) => `warning ${w.code}: ${w.detail}`),
    ].join("\n"),
  );
  return 0;
}

/** Runs `edxml export|import …` with the exchange commands' errors and exit codes. */
export function edxmlRemote(verb: "export" | "import", argv: readonly string[]): Promise<number> {
  return runRemote(`edxml ${verb}`, argv, () =>
    verb === "export" ? exportPackage(argv) : importPackage(argv),
  );
}
