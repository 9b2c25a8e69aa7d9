/**
 * `lienthong login --url <url> --key <key> [--profile <name>]`: checks the key against the
 * exchange (a directory search every role may make) and only then saves it as a profile
 * (cli/profiles.ts: 0600 file in a 0700 directory).
 */

import { CONNECTION_HELP, connect, output, runRemote } from "../api-client.ts";
import { type Command, parseCommandArgs, UsageError } from "../common.ts";
import { checkProfileName, profilesPath, saveProfile } from "../profiles.ts";

const USAGE = `lienthong login — check an API key against an exchange and save it as a profile

Usage: lienthong login --url <url> --key <key> [--profile <name>] [--default]

Options:
  --profile <name>    save under this name (default: $LIENTHONG_PROFILE, else 'default')
  --default           make this profile the default one (the first saved profile always is)
${CONNECTION_HELP}

Examples:
  lienthong login --url https://api.lienthong.example.vn --key lt_live_…
  lienthong login --profile so-tai-chinh --url http://127.0.0.1:3000 --key "$KEY" --default
  LIENTHONG_PROFILE=so-tai-chinh lienthong inbox`;

const OPTIONS = {
  url: { type: "string" },
  key: { type: "string" },
  profile: { type: "string" },
  json: { type: "boolean" },
  default: { type: "boolean" },
} as const;

async function login(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const { values, positionals } = args;
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`);
  }
  if (!values.url || !values.key) {
    throw new UsageError("give both --url and --key");
  }
  const name = checkProfileName(values.profile ?? (process.env["LIENTHONG_PROFILE"] || "default"));
  const url = values.url.replace(/\/+$/, "");
  const { api } = connect({ url, key: values.key });
  // Any role may search the directory: a 401 here means the key is wrong, whatever its role.
  await api.GET("/v1/organs", { params: { query: { limit: "1" } } });
  const saved = saveProfile(name, { url, key: values.key }, { makeDefault: values.default === true });
  output(
    values.json,
    { profile: name, url, default: saved.default === name, file: profilesPath() },
    () =>
      `logged in to ${url}: saved as profile '${name}'${saved.default === name ? " (the default)" : ""} in ${profilesPath()}`,
  );
  return 0;
}

export const command: Command = {
  summary: "check an API key and save it as a profile",
  run: (argv) => runRemote("login", argv, () => login(argv)),
};
