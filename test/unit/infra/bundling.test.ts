import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Key, KeySpec, KeyUsage } from "aws-cdk-lib/aws-kms";
import { afterEach, describe, expect, it } from "vitest";
import { handlerEntry, ROUTES } from "../../../functions/routes.ts";
import { DataStore } from "../../../infra/data-store.ts";
import { profileSettings, REPO_ROOT } from "../../../infra/profile.ts";
import {
  RouteFunction,
  routeBuildOptions,
  routeBundling,
  SOURCE_MAPS_CONTEXT,
} from "../../../infra/route-function.ts";
import { logicalIdOf, tempFolder } from "./helpers.ts";

/** One route's function in a stack of its own (bundling one handler, not thirteen). */
async function synthOne(context: Record<string, unknown>) {
  const outdir = await tempFolder("lienthong-infra-bundling-");
  cleanups.push(outdir.remove);
  const app = new App({ outdir: outdir.path, context });
  const stack = new Stack(app, "BundlingTest");
  const store = new DataStore(stack, "Data", { settings: profileSettings("dev"), webOrigins: [] });
  const signingKey = new Key(stack, "SigningKey", {
    keySpec: KeySpec.RSA_2048,
    keyUsage: KeyUsage.SIGN_VERIFY,
  });
  const route = ROUTES.find((candidate) => candidate.name === "set-status")!;
  const routeFunction = new RouteFunction(stack, "SetStatus", {
    route,
    entry: join(REPO_ROOT, handlerEntry(route)),
    settings: profileSettings("dev"),
    targets: {
      table: store.table,
      bucket: store.bucket,
      bucketKey: store.bucketKey,
      signingKey,
      objectLock: false,
    },
    objectLockRetentionDays: 3650,
    sendPolicy: "require-total-passed",
  });
  const assembly = app.synth();
  const fn = Template.fromStack(stack).findResources("AWS::Lambda::Function")[
    logicalIdOf(routeFunction.function, stack)
  ]!.Properties as { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } };
  const assetDir = join(assembly.directory, `asset.${fn.Code.S3Key.replace(/\.zip$/, "")}`);
  return { variables: fn.Environment.Variables, files: await readdir(assetDir) };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe("source maps", () => {
  it("are left out of the asset by default, and Node is not asked to use them", async () => {
    const { variables, files } = await synthOne({});

    expect(files).toContain("index.mjs");
    expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
    expect(variables.NODE_OPTIONS).toBeUndefined();
  });

  it(`ship with -c ${SOURCE_MAPS_CONTEXT}=true, with --enable-source-maps`, async () => {
    const { variables, files } = await synthOne({ [SOURCE_MAPS_CONTEXT]: "true" });

    expect(files).toEqual(expect.arrayContaining(["index.mjs", "index.mjs.map"]));
    expect(variables.NODE_OPTIONS).toBe("--enable-source-maps");
  });

  it("refuse a context value that is neither true nor false", async () => {
    await expect(synthOne({ [SOURCE_MAPS_CONTEXT]: "yes" })).rejects.toThrow(/sourceMaps.*true or false/);
  });
});

describe("the one set of bundle options", () => {
  it("gives CDK and esbuild the same settings, maps on or off", () => {
    for (const sourceMap of [false, true]) {
      const cdk = routeBundling({ sourceMap });
      const esbuild = routeBuildOptions("/x/handler.ts", "/out/index.mjs", { sourceMap });

      expect(cdk.target).toBe(esbuild.target);
      expect(cdk.minify).toBe(esbuild.minify);
      expect(String(cdk.format)).toBe(esbuild.format);
      expect(cdk.mainFields).toEqual(esbuild.mainFields);
      expect(cdk.banner).toBe(esbuild.banner?.js);
      expect(cdk.externalModules).toEqual(esbuild.external);
      expect(cdk.esbuildArgs).toEqual({ "--charset": esbuild.charset });
      expect(cdk.sourceMap).toBe(sourceMap);
      expect(esbuild.sourcemap ?? false).toBe(sourceMap);
      // Maps, when there are any, name the files without embedding their sources.
      expect(cdk.sourcesContent ?? true).toBe(!sourceMap);
      expect(esbuild.sourcesContent ?? true).toBe(!sourceMap);
    }
  });
});
