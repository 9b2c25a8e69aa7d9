/**
 * Where `lienthong` keeps the exchanges it talks to: named profiles (URL and API key) in
 * `$XDG_CONFIG_HOME/lienthong/profiles.json` (else `~/.config/lienthong/profiles.json`), the file
 * 0600 and its directory 0700 because a key is a credential. `lienthong login` writes them.
 *
 * Which exchange a command calls, each of URL and key on its own, first found wins:
 *   1. `--url` / `--key` on the command line;
 *   2. the profile named by `--profile` (an explicit choice beats the environment);
 *   3. `LIENTHONG_URL` / `LIENTHONG_KEY` in the environment;
 *   4. the profile named by `LIENTHONG_PROFILE`, else the file's default profile, else `default`.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "./common.ts";

export interface Profile {
  readonly url: string;
  readonly key: string;
}

export interface ProfileFile {
  /** The profile used when none is named. */
  readonly default?: string;
  readonly profiles: Readonly<Record<string, Profile>>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `$XDG_CONFIG_HOME/lienthong`, else `~/.config/lienthong`. */
export function configDir(env: Env = process.env): string {
  const xdg = env["XDG_CONFIG_HOME"];
  return join(xdg?.startsWith("/") ? xdg : join(env["HOME"] || homedir(), ".config"), "lienthong");
}

export function profilesPath(env: Env = process.env): string {
  return join(configDir(env), "profiles.json");
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** A profile name, or a {@link UsageError}. */
export function checkProfileName(name: string): string {
  if (!NAME.test(name)) {
    throw new UsageError(`profile name '${name}': use 1-64 letters, digits, '.', '_' or '-'`);
  }
  return name;
}

/** The stored profiles; none when the file does not exist yet. */
export function readProfiles(env: Env = process.env): ProfileFile {
  const path = profilesPath(env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { profiles: {} };
    }
    throw new UsageError(`cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    const parsed = JSON.parse(text) as ProfileFile;
    if (typeof parsed !== "object" || parsed === null || typeof parsed.profiles !== "object") {
      throw new Error("no 'profiles' object");
    }
    return parsed;
  } catch (error) {
    throw new UsageError(`'${path}' is not a profiles file (${(error as Error).message}): fix or delete it`);
  }
}

/**
 * Saves `profile` under `name` (the default when there is none yet, or when `makeDefault`),
 * through a 0600 temporary file and a rename, in a 0700 directory.
 */
export function saveProfile(
  name: string,
  profile: Profile,
  options: { makeDefault?: boolean; env?: Env } = {},
): ProfileFile {
  const env = options.env ?? process.env;
  const current = readProfiles(env);
  const next: ProfileFile = {
    default: options.makeDefault || !current.default ? name : current.default,
    profiles: { ...current.profiles, [checkProfileName(name)]: { url: profile.url, key: profile.key } },
  };
  const dir = configDir(env);
  const path = profilesPath(env);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // mkdir's mode is masked by the umask and ignored for an existing directory.
    chmodSync(dir, 0o700);
    writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new UsageError(`cannot write '${path}': ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return next;
}

export interface ConnectionFlags {
  readonly url?: string | undefined;
  readonly key?: string | undefined;
  readonly profile?: string | undefined;
}

export interface Connection extends Profile {
  /** Where the URL and the key came from, for messages: "--url", "profile 'b'", "LIENTHONG_KEY"… */
  readonly source: string;
}

/** The URL and key a command uses (precedence in the module header); a {@link UsageError} when either is missing. */
export function resolveConnection(flags: ConnectionFlags, env: Env = process.env): Connection {
  if (flags.url && flags.key) {
    return { url: flags.url, key: flags.key, source: "--url and --key" };
  }
  const file = readProfiles(env);
  const named = (name: string, why: string): Profile => {
    const found = file.profiles[checkProfileName(name)];
    if (!found) {
      const known = Object.keys(file.profiles);
      throw new UsageError(
        `no profile '${name}' (${why}) in ${profilesPath(env)}${known.length ? `; known: ${known.join(", ")}` : ""}: run 'lienthong login --profile ${name} --url … --key …'`,
      );
    }
    return found;
  };
  const explicit = flags.profile ? named(flags.profile, "--profile") : undefined;
  const fallbackName = env["LIENTHONG_PROFILE"] || file.default || "default";
  const fallback = () =>
    env["LIENTHONG_PROFILE"] || file.profiles[fallbackName]
      ? named(fallbackName, env["LIENTHONG_PROFILE"] ? "LIENTHONG_PROFILE" : "the default profile")
      : undefined;
  const pick = (field: "url" | "key", variable: string): [string, string] | undefined => {
    if (flags[field]) {
      return [flags[field], `--${field}`];
    }
    if (explicit) {
      return [explicit[field], `profile '${flags.profile}'`];
    }
    const fromEnv = env[variable];
    if (fromEnv) {
      return [fromEnv, variable];
    }
    const profile = fallback();
    return profile ? [profile[field], `profile '${fallbackName}'`] : undefined;
  };
  const url = pick("url", "LIENTHONG_URL");
  const key = pick("key", "LIENTHONG_KEY");
  if (!url || !key) {
    throw new UsageError(
      "no exchange to talk to: run 'lienthong login --url <url> --key <key>', or give --url and --key (or LIENTHONG_URL and LIENTHONG_KEY)",
    );
  }
  return {
    url: url[0],
    key: key[0],
    source: url[1] === key[1] ? url[1] : `${url[1]} and ${key[1]}`,
  };
}
