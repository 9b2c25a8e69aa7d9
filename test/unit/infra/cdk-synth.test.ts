import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../../functions/routes.ts";
import { REPO_ROOT } from "../../../infra/profile.ts";
import { STREAM_FUNCTION_COUNT } from "../../../infra/stream-consumer.ts";
import { tempFolder } from "./helpers.ts";

const run = promisify(execFile);

let outdir: { path: string; remove: () => Promise<void> };
let exitCode: number;
let output: string;

beforeAll(async () => {
  // Act once: the real CLI path (cdk.json → `npx tsx infra/app.ts`), offline, into a temp folder so
  // that a concurrent `cdk.out` is left alone.
  outdir = await tempFolder("lienthong-cdk-cli-");
  try {
    const result = await run("npx", ["cdk", "synth", "--quiet", "--output", outdir.path], {
      cwd: REPO_ROOT,
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true", CDK_DISABLE_VERSION_CHECK: "true" },
      timeout: 170_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    exitCode = 0;
    output = result.stdout + result.stderr;
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    exitCode = typeof failure.code === "number" ? failure.code : -1;
    output = `${failure.stdout ?? ""}${failure.stderr ?? ""}`;
  }
}, 180_000);

afterAll(async () => {
  await outdir?.remove();
});

describe("npx cdk synth", () => {
  it("exits 0 without cdk-nag findings", () => {
    expect(output).not.toMatch(/AwsSolutions-/);
    expect(exitCode, output.slice(-2000)).toBe(0);
  });

  it("writes the dev stack template with one function per route", async () => {
    const files = await readdir(outdir.path);
    expect(files.filter((file) => file.endsWith(".template.json"))).toEqual(["LienthongDev.template.json"]);

    const template = JSON.parse(await readFile(join(outdir.path, "LienthongDev.template.json"), "utf8")) as {
      Resources: Record<string, { Type: string }>;
    };
    const functions = Object.values(template.Resources).filter(
      (resource) => resource.Type === "AWS::Lambda::Function",
    );
    expect(functions).toHaveLength(ROUTES.length + STREAM_FUNCTION_COUNT);
  });

  it("leaves an empty validation report", async () => {
    const report = JSON.parse(await readFile(join(outdir.path, "validation-report.json"), "utf8")) as {
      pluginReports: unknown[];
    };

    expect(report.pluginReports).toEqual([]);
  });
});
