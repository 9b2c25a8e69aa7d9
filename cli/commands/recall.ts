/** `lienthong recall <id> --reason …`: the sender asks every recipient for a letter back (status 13). */
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, ok, output, runRemote } from "../api-client.ts";
import { type Command, onePositional, parseCommandArgs, UsageError } from "../common.ts";

const USAGE = `lienthong recall — ask the recipients of a letter you sent to give it back

Usage: lienthong recall <letterId> --reason <text> [--update] [options]

Options:
  --reason <text>     why (required); the recipients see it
  --update            ask in order to send a corrected version (purpose 'update'), not to withdraw it
${CONNECTION_HELP}

Examples:
  lienthong recall 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e --reason "Sai sót số ký hiệu"`;

const OPTIONS = { ...CONNECTION_OPTIONS, reason: { type: "string" }, update: { type: "boolean" } } as const;

async function recall(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const id = onePositional(args.positionals, USAGE, "letter id");
  if (!args.values.reason) {
    throw new UsageError("give --reason");
  }
  const { api } = connect(args.values);
  const answer = await ok(
    api.POST("/v1/letters/{id}/recall", {
      params: { path: { id } },
      body: { reason: args.values.reason, purpose: args.values.update ? "update" : "recall" },
    }),
  );
  output(
    args.values.json,
    answer,
    () =>
      `${id}: ${answer.recall.purpose} requested at ${answer.recall.at} from ${answer.copies.length} recipient(s); each answers 15 (agree) or 16 (refuse)`,
  );
  return 0;
}

export const command: Command = {
  summary: "ask the recipients for a sent letter back",
  run: (argv) => runRemote("recall", argv, () => recall(argv)),
};
