// Bundles the CLI with esbuild: dist/cli/main.js (one small entry chunk and one chunk per command,
// loaded on demand, see cli/main.ts) and dist/cli/verify/verify.cjs, `lienthong verify` on its own:
// the command run most, whose start is most of its time.
// Also writes dist/cli/inputs.json, the source files each bundle was made of and when the build
// started: cli/bin.js runs a bundle only while none of its inputs has changed since.
//
// Files are written only when new or changed, each through a temporary file and a rename: a
// `lienthong` process started meanwhile (a test, a benchmark) never reads a half-written chunk.
// Chunk names are content hashes, so an old chunk is never rewritten; stale ones are left behind.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli");
const started = Date.now();

const COMMON = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node20",
  minify: true,
  sourcemap: true,
  metafile: true,
  write: false,
  logLevel: "warning",
};

/** Every command but verify: one small entry chunk and one chunk per command, loaded on demand. */
const main = () =>
  build({
    ...COMMON,
    entryPoints: ["cli/main.ts"],
    outdir,
    splitting: true,
    format: "esm",
    // Bundled CommonJS packages (node-forge) still call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __lt_cr } from 'node:module'; const require = __lt_cr(import.meta.url);",
    },
  });

/**
 * `lienthong verify` as one CommonJS file with no dynamic import() left (its lazy parts become
 * lazily run code of the same file), so that cli/bin.js can compile it with a V8 code cache
 * (vm.Script cachedData; Node 20 has no module compile cache).
 */
const verify = () =>
  build({
    ...COMMON,
    entryPoints: ["cli/commands/verify.ts"],
    outfile: join(outdir, "verify", "verify.cjs"),
    format: "cjs",
    supported: { "dynamic-import": false },
  });

function writeAtomically(path, contents) {
  let current;
  try {
    current = readFileSync(path);
  } catch {
    current = undefined;
  }
  if (current?.equals(contents)) {
    return false;
  }
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
  return true;
}

const bundles = { "main.js": await main(), "verify/verify.cjs": await verify() };
const inputs = {};
for (const [name, result] of Object.entries(bundles)) {
  for (const file of result.outputFiles) {
    if (writeAtomically(file.path, Buffer.from(file.contents)) && file.path.endsWith(".cjs")) {
      // Code caches of the previous bundle (cli/bin.js names them by the bundle's hash) are dead.
      const directory = dirname(file.path);
      for (const entry of readdirSync(directory)) {
        if (entry.endsWith(".v8cache")) {
          rmSync(join(directory, entry), { force: true });
        }
      }
    }
  }
  inputs[name] = Object.keys(result.metafile.inputs)
    .filter((path) => !path.includes("node_modules/"))
    .map((path) => relative(root, resolve(root, path)))
    .sort();
}
// Last: a bundle is only ever announced once all of its files are in place.
writeAtomically(
  join(outdir, "inputs.json"),
  Buffer.from(`${JSON.stringify({ started, bundles: inputs }, null, 1)}\n`),
);
// main.js dated by this build even when unchanged: bench/costly.ts still judges by its date.
const now = new Date();
utimesSync(join(outdir, "main.js"), now, now);
