#!/usr/bin/env node
// The `lienthong` command. Runs the esbuild bundle in dist/cli (made by `npm run build`, which
// `npm ci` runs through `prepare`) when it is at least as new as the sources: a bundled, lazily
// loaded CLI starts several times faster than TypeScript compiled on the fly. Otherwise (sources
// changed since the last build) it runs the sources through tsx, so it is never stale.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "dist", "cli", "main.js");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith(".ts")) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function bundleIsFresh() {
  if (!existsSync(bundle)) {
    return false;
  }
  const built = statSync(bundle).mtimeMs;
  return ["cli", "shared"].every((dir) => newestSource(join(root, dir)) <= built);
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(pathToFileURL(join(root, "cli", "main.ts")).href));
}
process.exitCode = await main(process.argv.slice(2));
