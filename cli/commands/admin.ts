/**
 * `lienthong admin organs|keys|certs|trust|policy <verb>`: the exchange's administration routes
 * (functions/routes.ts, `/v1/admin/…`, an admin key) and the organ directory, from the shell.
 * One table of verbs, each a thin call of the typed SDK and a short human rendering.
 */
import { readFileSync } from "node:fs";
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
import { type Command, parseCommandArgs, positiveInteger, UsageError } from "../common.ts";

const USAGE = `lienthong admin — administer the exchange (an admin key; the directory for any key)

Usage: lienthong admin <area> <verb> [arguments] [options]

Organs:
  organs list [--search <text>] [--all]        the directory (code, name, status)
  organs add <code> --name <name> [--alias <a>…] [--parent <code>] [--email …] [--phone …] [--address …]
  organs update <code> [--name …] [--alias <a>…] [--parent …] [--email …] [--phone …] [--address …]
  organs deactivate <code>
  organs merge <code> --into <successor code>
API keys:
  keys list <organ code>
  keys create <organ code> --role clerk|integration|admin   (the secret is shown once)
  keys rotate <key id> [--grace-hours <n>]
  keys revoke <key id>
Certificates bound to an organ:
  certs list <organ code>
  certs bind <organ code> <cert.pem>
  certs unbind <organ code> <sha256>
Trust anchors:
  trust list
  trust add <root.pem>
  trust remove <sha256>
Webhook dead-letter queue:
  webhooks dead [--organ <code>] [--limit <n>]  messages that exhausted their retries
  webhooks redeliver <webhook id>              back in the outbox, due now, with the same webhook-id
Send policy:
  policy get
  policy set --verdicts require-total-passed|allow-indeterminate|record-only
             [--require-person-signature] [--require-final-organ-signature] [--organ <code>]
  policy clear --organ <code>                  a pilot organ back to the deployment's policy
${CONNECTION_HELP}

Examples:
  lienthong admin organs list --search "tài chính"
  lienthong admin organs add 000.00.31.H53 --name "Sở Xây dựng" --alias SXD
  lienthong admin keys create 000.00.31.H53 --role integration --json
  lienthong admin trust add demo-root.pem
  lienthong admin policy set --verdicts allow-indeterminate --organ 000.00.31.H53`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  search: { type: "string" },
  all: { type: "boolean" },
  limit: { type: "string" },
  name: { type: "string" },
  alias: { type: "string", multiple: true },
  parent: { type: "string" },
  email: { type: "string" },
  phone: { type: "string" },
  address: { type: "string" },
  into: { type: "string" },
  role: { type: "string" },
  "grace-hours": { type: "string" },
  organ: { type: "string" },
  verdicts: { type: "string" },
  "require-person-signature": { type: "boolean" },
  "require-final-organ-signature": { type: "boolean" },
} as const;

type Values = NonNullable<ReturnType<typeof parseCommandArgs<typeof OPTIONS>>>["values"];

interface Verb {
  /** Positional arguments after `<area> <verb>`. */
  readonly args: readonly string[];
  run(remote: Remote, args: readonly string[], values: Values): Promise<{ value: unknown; text: string }>;
}

const ROLES = ["clerk", "integration", "admin"] as const;
const VERDICTS = ["require-total-passed", "allow-indeterminate", "record-only"] as const;

function pem(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read certificate '${path}': ${(error as NodeJS.ErrnoException).code}`);
  }
}

function organFields(values: Values) {
  const contact = {
    ...(values.email ? { email: values.email } : {}),
    ...(values.phone ? { phone: values.phone } : {}),
    ...(values.address ? { address: values.address } : {}),
  };
  return {
    ...(values.alias ? { aliases: values.alias } : {}),
    ...(values.parent ? { parent: values.parent } : {}),
    ...(Object.keys(contact).length ? { contact } : {}),
  };
}

type Organ = { code: string; name: string; status: string; successor?: string };
const organText = (organ: Organ) =>
  `${organ.code} ${organ.name} (${organ.status}${organ.successor ? ` → ${organ.successor}` : ""})`;

type Key = {
  id: string;
  prefix?: string;
  organCode: string;
  role: string;
  createdAt?: string;
  lastUsedAt?: string;
  validUntil?: string;
  revokedAt?: string;
};
const keyRows = (keys: readonly Key[]) =>
  table(
    ["ID", "PREFIX", "ROLE", "CREATED", "LAST USED", "STATE"],
    keys.map((key) => [
      key.id,
      key.prefix ?? "",
      key.role,
      key.createdAt ?? "",
      key.lastUsedAt ?? "never",
      key.revokedAt ? `revoked ${key.revokedAt}` : key.validUntil ? `valid until ${key.validUntil}` : "live",
    ]),
  );

type Policy = { verdicts: string; requirePersonSignature: boolean; requireFinalOrganSignature: boolean };
const policyText = (policy: { deployment?: Policy; organs: Record<string, Policy> }) => {
  const line = (who: string, p: Policy) =>
    `${who}: ${p.verdicts}${p.requirePersonSignature ? ", person signature required" : ""}${p.requireFinalOrganSignature ? ", final organ signature required" : ""}`;
  return [
    policy.deployment ? line("deployment", policy.deployment) : "deployment: the built-in default",
    ...Object.entries(policy.organs).map(([code, p]) => line(code, p)),
  ].join("\n");
};

const VERBS: Record<string, Record<string, Verb>> = {
  organs: {
    list: {
      args: [],
      async run({ api }, _args, values) {
        const limit = positiveInteger(values.limit, "--limit");
        const items: Organ[] = [];
        let cursor: string | undefined;
        do {
          const page = await ok(
            api.GET("/v1/organs", {
              params: {
                query: {
                  ...(values.search ? { q: values.search } : {}),
                  ...(limit ? { limit: String(limit) } : {}),
                  ...(cursor ? { cursor } : {}),
                },
              },
            }),
          );
          items.push(...page.items);
          cursor = page.nextCursor;
        } while (values.all && cursor);
        return {
          value: { items, ...(cursor ? { nextCursor: cursor } : {}) },
          text: table(
            ["CODE", "NAME", "STATUS"],
            items.map((o) => [o.code, o.name, o.successor ? `${o.status} → ${o.successor}` : o.status]),
          ),
        };
      },
    },
    add: {
      args: ["code"],
      async run({ api }, [code], values) {
        if (!values.name) {
          throw new UsageError("give --name");
        }
        const organ = await ok(
          api.POST("/v1/admin/organs", { body: { code: code!, name: values.name, ...organFields(values) } }),
        );
        return { value: organ, text: `added ${organText(organ)}` };
      },
    },
    update: {
      args: ["code"],
      async run({ api }, [code], values) {
        const organ = await ok(
          api.PUT("/v1/admin/organs/{code}", {
            params: { path: { code: code! } },
            body: { ...(values.name ? { name: values.name } : {}), ...organFields(values) },
          }),
        );
        return { value: organ, text: `updated ${organText(organ)}` };
      },
    },
    deactivate: {
      args: ["code"],
      async run({ api }, [code]) {
        const organ = await ok(
          api.POST("/v1/admin/organs/{code}/deactivate", { params: { path: { code: code! } } }),
        );
        return { value: organ, text: `deactivated ${organText(organ)}` };
      },
    },
    merge: {
      args: ["code"],
      async run({ api }, [code], values) {
        if (!values.into) {
          throw new UsageError("give --into <successor code>");
        }
        const organ = await ok(
          api.POST("/v1/admin/organs/{code}/merge", {
            params: { path: { code: code! } },
            body: { successor: values.into },
          }),
        );
        return { value: organ, text: `merged ${organText(organ)}` };
      },
    },
  },
  keys: {
    list: {
      args: ["organ code"],
      async run({ api }, [code]) {
        const keys = await ok(api.GET("/v1/admin/organs/{code}/keys", { params: { path: { code: code! } } }));
        return { value: keys, text: keys.items.length ? keyRows(keys.items) : `${code}: no API keys` };
      },
    },
    create: {
      args: ["organ code"],
      async run({ api }, [code], values) {
        const role = values.role;
        if (!role || !(ROLES as readonly string[]).includes(role)) {
          throw new UsageError(`give --role ${ROLES.join("|")}`);
        }
        const created = await ok(
          api.POST("/v1/admin/organs/{code}/keys", {
            params: { path: { code: code! } },
            body: { role: role as (typeof ROLES)[number] },
          }),
        );
        return {
          value: created,
          text: `created ${created.key.role} key ${created.key.id} for ${created.key.organCode}\nsecret (shown once, keep it safe): ${created.secret}`,
        };
      },
    },
    rotate: {
      args: ["key id"],
      async run({ api }, [id], values) {
        const grace = values["grace-hours"];
        if (grace !== undefined && !/^\d{1,4}$/.test(grace)) {
          throw new UsageError(`--grace-hours: expected whole hours, got '${grace}'`);
        }
        const rotated = await ok(
          api.POST("/v1/admin/keys/{id}/rotate", {
            params: { path: { id: id! } },
            body: grace !== undefined ? { graceHours: Number(grace) } : {},
          }),
        );
        return {
          value: rotated,
          text: `new key ${rotated.key.id}; ${rotated.previous.id} stays valid until ${rotated.previous.validUntil}\nsecret (shown once, keep it safe): ${rotated.secret}`,
        };
      },
    },
    revoke: {
      args: ["key id"],
      async run({ api }, [id]) {
        const key = await ok(api.DELETE("/v1/admin/keys/{id}", { params: { path: { id: id! } } }));
        return { value: key, text: `revoked ${key.id} (${key.role} key of ${key.organCode})` };
      },
    },
  },
  certs: {
    list: {
      args: ["organ code"],
      async run({ api }, [code]) {
        const certs = await ok(
          api.GET("/v1/admin/organs/{code}/certificates", { params: { path: { code: code! } } }),
        );
        return {
          value: certs,
          text: certs.items.length
            ? certs.items.map((c) => c.sha256).join("\n")
            : `${code}: no certificates bound`,
        };
      },
    },
    bind: {
      args: ["organ code", "cert.pem"],
      async run({ api }, [code, file]) {
        const bound = await ok(
          api.POST("/v1/admin/organs/{code}/certificates", {
            params: { path: { code: code! } },
            body: { pem: pem(file!) },
          }),
        );
        return { value: bound, text: `bound ${bound.sha256} to ${code}` };
      },
    },
    unbind: {
      args: ["organ code", "sha256"],
      async run({ api }, [code, sha256]) {
        const done = await ok(
          api.DELETE("/v1/admin/organs/{code}/certificates/{sha256}", {
            params: { path: { code: code!, sha256: sha256! } },
          }),
        );
        return { value: done, text: `unbound ${done.unbound} from ${code}` };
      },
    },
  },
  trust: {
    list: {
      args: [],
      async run({ api }) {
        const anchors = await ok(api.GET("/v1/admin/trust-anchors", {}));
        return {
          value: anchors,
          text: anchors.items.length ? anchors.items.map((a) => a.sha256).join("\n") : "no trust anchors",
        };
      },
    },
    add: {
      args: ["root.pem"],
      async run({ api }, [file]) {
        const added = await ok(api.POST("/v1/admin/trust-anchors", { body: { pem: pem(file!) } }));
        return { value: added, text: `trusted ${added.sha256}` };
      },
    },
    remove: {
      args: ["sha256"],
      async run({ api }, [sha256]) {
        const removed = await ok(
          api.DELETE("/v1/admin/trust-anchors/{sha256}", { params: { path: { sha256: sha256! } } }),
        );
        return { value: removed, text: `no longer trusted: ${removed.removed}` };
      },
    },
  },
  webhooks: {
    dead: {
      args: [],
      async run({ api }, _args, values) {
        const limit = positiveInteger(values.limit, "--limit");
        const dead = await ok(
          api.GET("/v1/admin/webhooks/dead", {
            params: {
              query: {
                ...(values.organ ? { organ: values.organ } : {}),
                ...(limit ? { limit: String(limit) } : {}),
              },
            },
          }),
        );
        return {
          value: dead,
          text: dead.items.length
            ? table(
                ["WEBHOOK ID", "ORGAN", "TYPE", "ATTEMPTS", "DEAD SINCE", "LAST"],
                dead.items.map((m) => [
                  m.webhookId,
                  m.organ,
                  m.type,
                  String(m.attempts),
                  m.deadAt ?? "",
                  m.lastStatus ? `HTTP ${m.lastStatus}` : (m.lastError ?? ""),
                ]),
              )
            : "the dead-letter queue is empty",
        };
      },
    },
    redeliver: {
      args: ["webhook id"],
      async run({ api }, [webhookId]) {
        const message = await ok(
          api.POST("/v1/admin/webhooks/dead/{webhookId}/redeliver", {
            params: { path: { webhookId: webhookId! } },
          }),
        );
        return {
          value: message,
          text: `${message.webhookId} (${message.type} for ${message.organ}) is due again`,
        };
      },
    },
  },
  policy: {
    get: {
      args: [],
      async run({ api }) {
        const policy = await ok(api.GET("/v1/admin/send-policy", {}));
        return { value: policy, text: policyText(policy) };
      },
    },
    set: {
      args: [],
      async run({ api }, _args, values) {
        const verdicts = values.verdicts;
        if (!verdicts || !(VERDICTS as readonly string[]).includes(verdicts)) {
          throw new UsageError(`give --verdicts ${VERDICTS.join("|")}`);
        }
        const policy = await ok(
          api.PUT("/v1/admin/send-policy", {
            body: {
              ...(values.organ ? { organCode: values.organ } : {}),
              policy: {
                verdicts: verdicts as (typeof VERDICTS)[number],
                requirePersonSignature: values["require-person-signature"] === true,
                requireFinalOrganSignature: values["require-final-organ-signature"] === true,
              },
            },
          }),
        );
        return { value: policy, text: policyText(policy) };
      },
    },
    clear: {
      args: [],
      async run({ api }, _args, values) {
        if (!values.organ) {
          throw new UsageError("give --organ <code>: the deployment's policy can be changed, not cleared");
        }
        const policy = await ok(
          api.PUT("/v1/admin/send-policy", { body: { organCode: values.organ, policy: null } }),
        );
        return { value: policy, text: policyText(policy) };
      },
    },
  },
};

async function admin(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!parsed) {
    return 0;
  }
  const { values, positionals } = parsed;
  const [area, verbName, ...args] = positionals;
  const verbs = area ? VERBS[area] : undefined;
  if (!verbs) {
    throw new UsageError(`expected an area: ${Object.keys(VERBS).join(", ")} (see lienthong admin --help)`);
  }
  const verb = verbName ? verbs[verbName] : undefined;
  if (!verb) {
    throw new UsageError(`admin ${area}: expected a verb: ${Object.keys(verbs).join(", ")}`);
  }
  if (args.length !== verb.args.length || args.some((arg) => arg === "")) {
    const wanted = verb.args.map((name) => `<${name}>`).join(" ");
    throw new UsageError(`admin ${area} ${verbName} takes ${wanted || "no arguments"}, got ${args.length}`);
  }
  const result = await verb.run(connect(values), args, values);
  output(values.json, result.value, () => result.text);
  return 0;
}

export const command: Command = {
  summary: "administer organs, API keys, certificates, trust anchors and the send policy",
  run: (argv) => runRemote("admin", argv, () => admin(argv)),
};
