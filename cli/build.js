// Bundles the CLI with esbuild: dist/cli/main.js (one small entry chunk and one chunk per command,
// loaded on demand, see cli/main.ts) and dist/cli/verify/verify.js, `lienthong verify` on its own:
// the command run most, whose start is most of its time (a handful of modules instead of a dozen).
// Also writes dist/cli/inputs.json, the source files each bundle was made of and when the build
// started: cli/bin.js runs a bundle only while none of its inputs has changed since.
//
// Files are written only when new or changed, each through a temporary file and a rename: a
// `lienthong` process started meanwhile (a test, a benchmark) never reads a half-written chunk.
// Chunk names are content hashes, so an old chunk is never rewritten; stale ones are left behind.
import { mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli");
const started = Date.now();

const bundle = (entry, directory) =>
  build({
    absWorkingDir: root,
    entryPoints: [entry],
    outdir: directory,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    sourcemap: true,
    metafile: true,
    write: false,
    logLevel: "warning",
    // Bundled CommonJS packages (node-forge) still call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __lt_cr } from 'node:module'; const require = __lt_cr(import.meta.url);",
    },
  });

function writeAtomically(path, contents) {
  let current;
  try {
    current = readFileSync(path);
  } catch {
    current = undefined;
  }
  if (current?.equals(contents)) {
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

const bundles = {
  "main.js": await bundle("cli/main.ts", outdir),
  "verify/verify.js": await bundle("cli/commands/verify.ts", join(outdir, "verify")),
};
const inputs = {};
for (const [name, result] of Object.entries(bundles)) {
  for (const file of result.outputFiles) {
    writeAtomically(file.path, Buffer.from(file.contents));
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
