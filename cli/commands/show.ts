/** `lienthong show <id>`: a letter's metadata, verification and the status of each copy. */
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  formatBytes,
  ok,
  output,
  runRemote,
  table,
} from "../api-client.ts";
import { type Command, onePositional, parseCommandArgs } from "../common.ts";

const USAGE = `lienthong show — a letter, its verification and the status of each copy

Usage: lienthong show <letterId> [options]

${CONNECTION_HELP}

Examples:
  lienthong show 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e
  lienthong show 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e --json | jq .deliveries`;

async function show(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, CONNECTION_OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const id = onePositional(args.positionals, USAGE, "letter id");
  const { api } = connect(args.values);
  const letter = await ok(api.GET("/v1/letters/{id}", { params: { path: { id } } }));
  output(args.values.json, letter, () => {
    const v = letter.verification;
    return [
      `letter    ${letter.id} (${letter.state})`,
      `number    ${letter.code.number}/${letter.code.notation}`,
      `type      ${letter.documentType}`,
      `subject   ${letter.subject}`,
      `from      ${letter.sender}`,
      `to        ${letter.recipients.join(", ")}`,
      `file      ${letter.file.name}, ${formatBytes(letter.file.size)}, SHA-256 ${letter.file.sha256}`,
      `created   ${letter.createdAt}${letter.sentAt ? `, sent ${letter.sentAt}` : ""}`,
      ...(letter.dueDate ? [`due       ${letter.dueDate}`] : []),
      ...(letter.responseFor ? [`answers   ${letter.responseFor}`] : []),
      v
        ? `verdict   ${v.verdict} (${v.summary.en}; checked ${v.checkedAt}${v.policy ? `, policy ${v.policy}` : ""})`
        : "verdict   not verified",
      ...(v?.signatures ?? []).map(
        (s) =>
          `  signed  ${s.name ?? "?"}${s.organCode ? ` (${s.organCode})` : ""}: ${s.indication}${s.subIndication ? `/${s.subIndication}` : ""}`,
      ),
      ...(letter.attachments ?? []).map(
        (a) =>
          `attached  ${a.name}, ${formatBytes(a.size)}${a.signature ? ` (signed in ${a.signature.name})` : ""}: ${a.verification?.verdict ?? "not verified"}`,
      ),
      "",
      table(
        ["RECIPIENT", "STATUS", "UPDATED", "REASON"],
        letter.deliveries.map((d) => [
          d.organCode,
          `${d.status} ${d.statusLabel.en}`,
          d.updatedAt,
          d.reason ?? "",
        ]),
      ),
    ].join("\n");
  });
  return 0;
}

export const command: Command = {
  summary: "show a letter and the status of each copy",
  run: (argv) => runRemote("show", argv, () => show(argv)),
};
