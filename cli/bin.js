#!/usr/bin/env node
// The `lienthong` command. Runs the esbuild bundles in dist/cli (made by `npm run build`, which
// `npm ci` runs through `prepare`) while none of the source files a bundle was built from has
// changed since (dist/cli/inputs.json lists them, a few dozen stat calls): a bundled, lazily
// loaded CLI starts several times faster than TypeScript compiled on the fly. Otherwise it runs
// the sources through tsx, so it is never stale. `verify` has a bundle of its own (cli/build.js);
// every other command goes through cli/main.ts.
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The URL of `name` in dist/cli when that bundle is fresh, else undefined. */
function freshBundle(name) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, "dist", "cli", "inputs.json"), "utf8"));
  } catch {
    return undefined;
  }
  const inputs = manifest.bundles?.[name];
  if (typeof manifest.started !== "number" || !Array.isArray(inputs) || inputs.length === 0) {
    return undefined;
  }
  const fresh = inputs.every((path) => {
    const stats = statSync(join(root, path), { throwIfNoEntry: false });
    return stats !== undefined && stats.mtimeMs <= manifest.started;
  });
  return fresh ? pathToFileURL(join(root, "dist", "cli", name)).href : undefined;
}

const argv = process.argv.slice(2);
const verify = argv[0] === "verify" ? freshBundle("verify/verify.js") : undefined;
if (verify) {
  const { command } = await import(verify);
  process.exitCode = await command.run(argv.slice(1));
} else {
  const bundle = freshBundle("main.js");
  let main;
  if (bundle) {
    ({ main } = await import(bundle));
  } else {
    const { register } = await import("tsx/esm/api");
    register();
    ({ main } = await import(pathToFileURL(join(root, "cli", "main.ts")).href));
  }
  process.exitCode = await main(argv);
}
