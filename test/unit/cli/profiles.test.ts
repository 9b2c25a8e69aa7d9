/**
 * cli/profiles.ts: where profiles live ($XDG_CONFIG_HOME or ~/.config), the modes that keep a key
 * private (file 0600, directory 0700, whatever the umask or an earlier directory's mode), and
 * which URL and key a command uses when flags, --profile, the environment and the file disagree.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../../cli/common.ts";
import {
  configDir,
  profilesPath,
  readProfiles,
  resolveConnection,
  saveProfile,
} from "../../../cli/profiles.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";

let temp: TempDir;
let env: Record<string, string>;

beforeEach(async () => {
  temp = await tempDir("lienthong-profiles-");
  env = { HOME: join(temp.dir, "home"), XDG_CONFIG_HOME: join(temp.dir, "xdg") };
});

afterEach(async () => {
  await temp.cleanup();
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe("profile storage", () => {
  it("lives in $XDG_CONFIG_HOME/lienthong, else ~/.config/lienthong (a relative XDG_CONFIG_HOME is ignored)", () => {
    expect(configDir(env)).toBe(join(temp.dir, "xdg", "lienthong"));
    expect(configDir({ HOME: env["HOME"] })).toBe(join(temp.dir, "home", ".config", "lienthong"));
    expect(configDir({ HOME: env["HOME"], XDG_CONFIG_HOME: "relative/dir" })).toBe(
      join(temp.dir, "home", ".config", "lienthong"),
    );
  });

  it("writes the file 0600 in a 0700 directory, even under a permissive umask or over a wider directory", () => {
    const previous = process.umask(0o000);
    try {
      saveProfile("a", { url: "http://127.0.0.1:3000", key: "lt_a" }, { env });
      expect(mode(configDir(env))).toBe(0o700);
      expect(mode(profilesPath(env))).toBe(0o600);
      chmodSync(configDir(env), 0o755);
      chmodSync(profilesPath(env), 0o644);
      saveProfile("b", { url: "http://127.0.0.1:3001", key: "lt_b" }, { env });
      expect(mode(configDir(env))).toBe(0o700);
      expect(mode(profilesPath(env))).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it("keeps every profile; the first saved is the default until another is made default", () => {
    saveProfile("a", { url: "http://a", key: "ka" }, { env });
    saveProfile("b", { url: "http://b", key: "kb" }, { env });
    expect(readProfiles(env)).toEqual({
      default: "a",
      profiles: { a: { url: "http://a", key: "ka" }, b: { url: "http://b", key: "kb" } },
    });
    saveProfile("b", { url: "http://b2", key: "kb2" }, { env, makeDefault: true });
    expect(readProfiles(env).default).toBe("b");
    expect(readProfiles(env).profiles["b"]).toEqual({ url: "http://b2", key: "kb2" });
  });

  it("refuses a damaged file and a bad profile name with a usage error, never overwriting the file", () => {
    mkdirSync(configDir(env), { recursive: true });
    writeFileSync(profilesPath(env), "{not json");
    expect(() => readProfiles(env)).toThrow(UsageError);
    expect(() => saveProfile("a", { url: "http://a", key: "k" }, { env })).toThrow(/not a profiles file/);
    expect(readFileSync(profilesPath(env), "utf8")).toBe("{not json");
    expect(() =>
      saveProfile("../etc", { url: "http://a", key: "k" }, { env: { XDG_CONFIG_HOME: join(temp.dir, "x") } }),
    ).toThrow(/profile name/);
  });
});

describe("which connection a command uses", () => {
  beforeEach(() => {
    saveProfile("main", { url: "http://main", key: "k-main" }, { env });
    saveProfile("other", { url: "http://other", key: "k-other" }, { env });
  });

  it("takes the default profile when nothing else is given", () => {
    expect(resolveConnection({}, env)).toMatchObject({
      url: "http://main",
      key: "k-main",
      source: "profile 'main'",
    });
  });

  it("LIENTHONG_PROFILE picks a profile; LIENTHONG_URL/KEY beat it field by field", () => {
    expect(resolveConnection({}, { ...env, LIENTHONG_PROFILE: "other" })).toMatchObject({
      url: "http://other",
      key: "k-other",
    });
    expect(
      resolveConnection({}, { ...env, LIENTHONG_PROFILE: "other", LIENTHONG_KEY: "k-env" }),
    ).toMatchObject({
      url: "http://other",
      key: "k-env",
      source: "profile 'other' and LIENTHONG_KEY",
    });
  });

  it("--profile beats the environment; --url/--key beat everything", () => {
    const all = { ...env, LIENTHONG_URL: "http://env", LIENTHONG_KEY: "k-env", LIENTHONG_PROFILE: "main" };
    expect(resolveConnection({}, all)).toMatchObject({ url: "http://env", key: "k-env" });
    expect(resolveConnection({ profile: "other" }, all)).toMatchObject({
      url: "http://other",
      key: "k-other",
    });
    expect(resolveConnection({ profile: "other", key: "k-flag" }, all)).toMatchObject({
      url: "http://other",
      key: "k-flag",
    });
    expect(resolveConnection({ url: "http://flag", key: "k-flag" }, all)).toMatchObject({
      url: "http://flag",
      key: "k-flag",
      source: "--url and --key",
    });
  });

  it("names an unknown profile and the known ones; asks for login when there is nothing at all", () => {
    expect(() => resolveConnection({ profile: "nobody" }, env)).toThrow(
      /no profile 'nobody' \(--profile\).*known: main, other/,
    );
    expect(() => resolveConnection({}, { ...env, LIENTHONG_PROFILE: "nobody" })).toThrow(/LIENTHONG_PROFILE/);
    expect(() => resolveConnection({}, { XDG_CONFIG_HOME: join(temp.dir, "empty") })).toThrow(
      /lienthong login/,
    );
  });

  it("obeys the precedence for every combination of sources (property)", () => {
    const maybe = (value: string) => fc.option(fc.constant(value), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          url: maybe("http://flag"),
          key: maybe("k-flag"),
          profile: fc.option(fc.constantFrom("main", "other"), { nil: undefined }),
        }),
        fc.record({
          LIENTHONG_URL: maybe("http://env"),
          LIENTHONG_KEY: maybe("k-env"),
          LIENTHONG_PROFILE: fc.option(fc.constantFrom("main", "other"), { nil: undefined }),
        }),
        (flags, variables) => {
          const withEnv = { ...env, ...Object.fromEntries(Object.entries(variables).filter(([, v]) => v)) };
          const got = resolveConnection(flags, withEnv);
          const fileProfile = (name: string | undefined) => (name === "other" ? "other" : "main");
          const expected = (field: "url" | "key", flag: string | undefined, fromEnv: string | undefined) => {
            if (flag) return flag;
            if (flags.profile) return field === "url" ? `http://${flags.profile}` : `k-${flags.profile}`;
            if (fromEnv) return fromEnv;
            const name = fileProfile(variables.LIENTHONG_PROFILE);
            return field === "url" ? `http://${name}` : `k-${name}`;
          };
          expect(got.url).toBe(expected("url", flags.url, variables.LIENTHONG_URL));
          expect(got.key).toBe(expected("key", flags.key, variables.LIENTHONG_KEY));
        },
      ),
    );
  });
});
