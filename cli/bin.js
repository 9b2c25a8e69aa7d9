#!/usr/bin/env node
// The `lienthong` command. Runs the esbuild bundles in dist/cli (made by `npm run build`, which
// `npm ci` runs through `prepare`) while none of the source files a bundle was built from has
// changed since (dist/cli/inputs.json lists them, a few dozen stat calls): a bundled, lazily
// loaded CLI starts several times faster than TypeScript compiled on the fly. Otherwise it runs
// the sources through tsx, so it is never stale. `verify` has a bundle of its own (cli/build.js),
// compiled with a V8 code cache; every other command goes through cli/main.ts.
//
// Built-ins through process.getBuiltinModule rather than `import`: this file is an ES module (the
// package's type), and each imported built-in costs an ES module facade over all its exports.
const { readFileSync, renameSync, statSync, writeFileSync } = process.getBuiltinModule("node:fs");
const { dirname, join } = process.getBuiltinModule("node:path");
const { fileURLToPath, pathToFileURL } = process.getBuiltinModule("node:url");

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The path of `name` in dist/cli when that bundle is fresh, else undefined. */
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
  return fresh ? join(root, "dist", "cli", name) : undefined;
}

/**
 * Loads the CommonJS bundle `file` the way require() would, but compiled with a V8 code cache kept
 * beside it: Node 20 has no compile cache for modules, and compiling the verifier's functions as
 * they are first called is about a quarter of a small letter's `lienthong verify`. V8 checks a
 * cache only against the source's length, so the cache is named by the source's hash (and V8's
 * version); it is written after the first run, atomically, and not at all where dist/ is read-only.
 */
function requireWithCodeCache(file) {
  const { Script } = process.getBuiltinModule("node:vm");
  const { createRequire } = process.getBuiltinModule("node:module");
  const { createHash } = process.getBuiltinModule("node:crypto");
  const source = readFileSync(file, "utf8");
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 32);
  const cacheFile = `${file}.${hash}.${process.versions.v8}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} };
  script
    .runInThisContext()
    .call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const saveCache = () => {
    if (cachedData !== undefined && !script.cachedDataRejected) {
      return;
    }
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {
      // no cache where it cannot be written: the next run compiles again
    }
  };
  return { exports: module.exports, saveCache };
}

const argv = process.argv.slice(2);
const verify = argv[0] === "verify" ? freshBundle("verify/verify.cjs") : undefined;
if (verify) {
  const { exports, saveCache } = requireWithCodeCache(verify);
  process.exitCode = await exports.command.run(argv.slice(1));
  // After the run, so that the cache holds the functions the run compiled, not only the top level.
  saveCache();
} else {
  const bundle = freshBundle("main.js");
  let main;
  if (bundle) {
    ({ main } = await import(pathToFileURL(bundle).href));
  } else {
    const { register } = await import("tsx/esm/api");
    register();
    ({ main } = await import(pathToFileURL(join(root, "cli", "main.ts")).href));
  }
  process.exitCode = await main(argv);
}
