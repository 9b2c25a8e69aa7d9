#!/usr/bin/env node
// The `lienthong` command. Runs the esbuild bundle in dist/cli (made by `npm run build`, which
// `npm ci` runs through `prepare`) while none of the source files it was built from has changed
// since (dist/cli/inputs.json lists them): a bundled, lazily loaded CLI starts several times
// faster than TypeScript compiled on the fly. Otherwise it runs the sources through tsx, so it is
// never stale. Only the bundle's own inputs are looked at (a few dozen stat calls), not every
// source file of the checkout.
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function bundleIsFresh() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, "dist", "cli", "inputs.json"), "utf8"));
  } catch {
    return false;
  }
  const { started, inputs } = manifest;
  if (typeof started !== "number" || !Array.isArray(inputs) || inputs.length === 0) {
    return false;
  }
  return inputs.every((path) => {
    const stats = statSync(join(root, path), { throwIfNoEntry: false });
    return stats !== undefined && stats.mtimeMs <= started;
  });
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(pathToFileURL(join(root, "dist", "cli", "main.js")).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(pathToFileURL(join(root, "cli", "main.ts")).href));
}
process.exitCode = await main(process.argv.slice(2));
