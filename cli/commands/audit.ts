/**
 * `lienthong audit verify <letterId>`: asks the exchange (the admin route
 * `GET /v1/admin/audit/letters/{id}`) to recompute the letter's chains against the daily seal and
 * the stored heads, and prints OK or names each changed, removed, reordered or inserted event.
 * The exchange and key come from --url/--key or LIENTHONG_URL/LIENTHONG_KEY (an admin key).
 */
import { ERROR_CODES, type ErrorCode } from "../../shared/errors/codes.ts";
import { type Command, fail, onePositional, parseCommandArgs, runCommand, UsageError } from "../common.ts";

const USAGE = `lienthong audit — check a letter's audit chain on the exchange

Usage: lienthong audit verify <letterId> [options]

Options:
  --url <url>   the exchange's API (default: $LIENTHONG_URL)
  --key <key>   an admin API key (default: $LIENTHONG_KEY)
  --json        print the exchange's JSON report
  -h, --help    show this help

Exit status: 0 every chain verifies, 1 an event was changed, removed, reordered or inserted (or
the exchange failed), 2 unusable arguments or a refused request.`;

const OPTIONS = {
  url: { type: "string" },
  key: { type: "string" },
  json: { type: "boolean" },
} as const;

interface ChainAudit {
  readonly chain: string;
  readonly ok: boolean;
  readonly count: number;
  readonly sealed?: { readonly day: string; readonly seq: number };
  readonly problem?: {
    readonly kind: string;
    readonly detail: string;
    readonly seq?: number;
    readonly index?: number;
    readonly event?: {
      readonly seq: number;
      readonly type: string;
      readonly at: string;
      readonly actor: string;
    };
  };
}

interface AuditReport {
  readonly letterId: string;
  readonly ok: boolean;
  readonly chains: readonly ChainAudit[];
}

async function auditCommand(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const { values, positionals } = args;
  const [verb, ...rest] = positionals;
  if (verb !== "verify") {
    throw new UsageError(`expected 'lienthong audit verify <letterId>'\n\n${USAGE}`);
  }
  const letterId = onePositional(rest, USAGE, "letter id");
  const url = values.url ?? process.env["LIENTHONG_URL"];
  const key = values.key ?? process.env["LIENTHONG_KEY"];
  if (!url || !key) {
    throw new UsageError("give --url and --key (or set LIENTHONG_URL and LIENTHONG_KEY)");
  }
  const response = await fetch(new URL(`/v1/admin/audit/letters/${encodeURIComponent(letterId)}`, url), {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = (await response.json().catch(() => undefined)) as
    | (AuditReport & { code?: string; detail?: string })
    | undefined;
  if (!response.ok || !body) {
    const code = body?.code && Object.hasOwn(ERROR_CODES, body.code) ? (body.code as ErrorCode) : "INTERNAL";
    return fail("audit", code, body?.detail ?? `HTTP ${response.status}`);
  }
  if (values.json) {
    console.log(JSON.stringify(body, null, 2));
  } else {
    for (const chain of body.chains) {
      console.log(
        chain.ok ? `OK      ${describe(chain)}` : `BROKEN  ${describe(chain)}\n        ${problemLine(chain)}`,
      );
    }
    console.log(
      body.ok ? `OK: letter ${body.letterId}: every chain verifies` : `FAILED: letter ${body.letterId}`,
    );
  }
  return body.ok ? 0 : 1;
}

function describe(chain: ChainAudit): string {
  const sealed = chain.sealed
    ? `, sealed ${chain.sealed.day} at seq ${chain.sealed.seq}`
    : ", not sealed yet";
  return `${chain.chain} (${chain.count} events${sealed})`;
}

/** "CHANGED: event seq 1 (delivery.status at …, by …): detail" */
function problemLine(chain: ChainAudit): string {
  const problem = chain.problem!;
  const event = problem.event;
  const where = event
    ? `event seq ${event.seq} (${event.type} at ${event.at}, by ${event.actor})`
    : problem.seq !== undefined
      ? `event seq ${problem.seq}`
      : "the chain";
  return `${problem.kind}: ${where}: ${problem.detail}`;
}

export const command: Command = {
  summary: "check a letter's audit chain against the daily seal (audit verify)",
  run: (argv) => runCommand("audit", () => auditCommand(argv)),
};
