/** `lienthong status <id> <code> [--reason …]`: records the caller organ's status of its copy (a clerk's key). */
import { STATUS_CODES } from "../../shared/exchange/status.ts";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, ok, output, runRemote } from "../api-client.ts";
import { type Command, parseCommandArgs, UsageError } from "../common.ts";

const CODES = [...STATUS_CODES, "15", "16"] as const;
type Code = (typeof CODES)[number];

const USAGE = `lienthong status — record your organ's status of a letter it received

Usage: lienthong status <letterId> <code> [--reason <text>] [options]

Codes (QCVN 102:2016): 02 refused, 03 accepted and registered, 04 assigned, 05 being processed,
06 finished; 15 agree / 16 refuse a recall or update the sender asked for.

Options:
  --reason <text>     why (expected with 02 and 16)
${CONNECTION_HELP}

Examples:
  lienthong status 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e 03
  lienthong status 3f1c2a4e-8b7d-4c6a-9e1f-2d3b4a5c6d7e 02 --reason "Sai thẩm quyền"`;

const OPTIONS = { ...CONNECTION_OPTIONS, reason: { type: "string" } } as const;

async function status(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const [id, code, ...extra] = args.positionals;
  if (!id || !code || extra.length > 0) {
    throw new UsageError(`expected <letterId> <code>, got ${args.positionals.length} arguments`);
  }
  if (!(CODES as readonly string[]).includes(code)) {
    throw new UsageError(`status '${code}': expected one of ${CODES.join(", ")}`);
  }
  const { api } = connect(args.values);
  const reason = args.values.reason;
  const copy = await ok(
    api.POST("/v1/letters/{id}/status", {
      params: { path: { id } },
      body: { status: code as Code, ...(reason ? { reason } : {}) },
    }),
  );
  output(
    args.values.json,
    copy,
    () => `${id}: ${copy.organCode} is now ${copy.status} ${copy.statusLabel.en}`,
  );
  return 0;
}

export const command: Command = {
  summary: "record your organ's status of a received letter",
  run: (argv) => runRemote("status", argv, () => status(argv)),
};
