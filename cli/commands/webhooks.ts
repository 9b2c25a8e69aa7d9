/**
 * `lienthong webhooks add|list|test|remove`: an organ's webhook endpoints (`/v1/webhooks`,
 * Standard Webhooks signatures with the secret `add` shows once). An admin names the organ with
 * `--organ`; an organ's own key leaves it out.
 */
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  ok,
  output,
  type Remote,
  runRemote,
  table,
} from "../api-client.ts";
import { type Command, parseCommandArgs, UsageError } from "../common.ts";

const EVENTS = ["letter.received", "status.changed", "recall.requested", "receipt.issued"] as const;
type Event = (typeof EVENTS)[number];

const USAGE = `lienthong webhooks — the endpoints the exchange calls when something happens to your letters

Usage:
  lienthong webhooks add --url <https://…> [--event <type>…] [--organ <code>]
  lienthong webhooks list [--organ <code>]
  lienthong webhooks test <endpoint id>
  lienthong webhooks remove <endpoint id>

Events (default: all): ${EVENTS.join(", ")}.
Each call is signed by the Standard Webhooks specification (webhook-id, webhook-timestamp,
webhook-signature) with the endpoint's secret, which 'add' prints once; retried with backoff for
a day, then parked where an admin can redeliver it (lienthong admin webhooks dead|redeliver).

'test' sends one signed webhook.test call now and exits 1 unless the receiver took it (2xx).

Options:
  --url <url>         (add) where to deliver: https, or http to loopback on a local exchange
  --event <type>      (add) an event to deliver; repeat for more
  --organ <code>      the organ (an admin key); an organ's own key leaves it out
${CONNECTION_HELP.replace("  --url <url>         the exchange's API (else LIENTHONG_URL)\n", "  --api <url>         the exchange's API (else LIENTHONG_URL; --url is the endpoint's here)\n")}

Examples:
  lienthong webhooks add --url https://edoc.example.vn/lienthong/hook --event letter.received
  lienthong webhooks list --json
  lienthong webhooks test ep_0123456789abcdef01234567`;

// --url names the endpoint here, so the exchange's URL is --api.
const { url: _exchangeUrl, ...CONNECTION_WITHOUT_URL } = CONNECTION_OPTIONS;
const OPTIONS = {
  ...CONNECTION_WITHOUT_URL,
  api: { type: "string" },
  url: { type: "string" },
  event: { type: "string", multiple: true },
  organ: { type: "string" },
} as const;

type Values = NonNullable<ReturnType<typeof parseCommandArgs<typeof OPTIONS>>>["values"];
type Endpoint = {
  id: string;
  organ: string;
  url: string;
  events: readonly string[];
  enabled: boolean;
  disabledReason?: string;
  createdAt: string;
};

const endpointRows = (items: readonly Endpoint[]) =>
  table(
    ["ID", "ORGAN", "URL", "EVENTS", "STATE"],
    items.map((e) => [
      e.id,
      e.organ,
      e.url,
      e.events.join(","),
      e.enabled ? "enabled" : `disabled${e.disabledReason ? ` (${e.disabledReason})` : ""}`,
    ]),
  );

const VERBS: Record<
  string,
  (remote: Remote, args: readonly string[], values: Values) => Promise<{ value: unknown; text: string }>
> = {
  async add({ api }, args, values) {
    noArgs("add", args);
    if (!values.url) {
      throw new UsageError("give --url <endpoint URL>");
    }
    const events = values.event ?? [...EVENTS];
    const unknown = events.filter((event) => !(EVENTS as readonly string[]).includes(event));
    if (unknown.length > 0) {
      throw new UsageError(`unknown event ${unknown.join(", ")}: expected ${EVENTS.join(", ")}`);
    }
    const created = await ok(
      api.POST("/v1/webhooks", {
        body: {
          url: values.url,
          events: events as Event[],
          ...(values.organ ? { organ: values.organ } : {}),
        },
      }),
    );
    return {
      value: created,
      text: `registered ${created.id} for ${created.organ}: ${created.url} (${created.events.join(", ")})\nsecret (shown once, give it to the receiver): ${created.secret}`,
    };
  },
  async list({ api }, args, values) {
    noArgs("list", args);
    const list = await ok(
      api.GET("/v1/webhooks", { params: { query: values.organ ? { organ: values.organ } : {} } }),
    );
    return { value: list, text: list.items.length ? endpointRows(list.items) : "no webhook endpoints" };
  },
  async test({ api }, args) {
    const id = oneId("test", args);
    const result = await ok(api.POST("/v1/webhooks/{id}/test", { params: { path: { id } } }));
    return {
      value: result,
      text: `${id}: ${result.outcome}${result.status ? ` (HTTP ${result.status})` : ""}${result.error ? `: ${result.error}` : ""}; webhook-id ${result.webhookId}`,
    };
  },
  async remove({ api }, args) {
    const id = oneId("remove", args);
    const removed = await ok(api.DELETE("/v1/webhooks/{id}", { params: { path: { id } } }));
    return { value: removed, text: `removed ${id}` };
  },
};

function noArgs(verb: string, args: readonly string[]): void {
  if (args.length > 0) {
    throw new UsageError(`webhooks ${verb} takes no arguments, got '${args[0]}'`);
  }
}

function oneId(verb: string, args: readonly string[]): string {
  const [id, ...extra] = args;
  if (!id || extra.length > 0) {
    throw new UsageError(`webhooks ${verb} takes one endpoint id`);
  }
  return id;
}

/** The test's outcome decides the exit code: a receiver that did not take it is a failed check. */
async function webhooks(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!parsed) {
    return 0;
  }
  const { values, positionals } = parsed;
  const [verb, ...args] = positionals;
  const run = verb ? VERBS[verb] : undefined;
  if (!run) {
    throw new UsageError(`expected a verb: ${Object.keys(VERBS).join(", ")} (see lienthong webhooks --help)`);
  }
  const remote = connect({
    ...(values.api ? { url: values.api } : {}),
    ...(values.key ? { key: values.key } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
  });
  const result = await run(remote, args, values);
  output(values.json, result.value, () => result.text);
  const outcome = (result.value as { outcome?: unknown }).outcome;
  return verb === "test" && outcome !== "delivered" ? 1 : 0;
}

export const command: Command = {
  summary: "register, list, test and remove webhook endpoints",
  run: (argv) => runRemote("webhooks", argv, () => webhooks(argv), "api"),
};
