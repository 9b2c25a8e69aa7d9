// Bundles the CLI into dist/cli with esbuild: one small entry chunk and one chunk per command,
// loaded on demand (see cli/main.ts). Also writes dist/cli/inputs.json, the source files the bundle
// was made of and when: cli/bin.js runs the bundle only while none of them has changed since.
//
// Files are written only when new or changed, each through a temporary file and a rename: a
// `lienthong` process started meanwhile (a test, a benchmark) never reads a half-written chunk.
// Chunk names are content hashes, so an old chunk is never rewritten; stale ones are left behind.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli");
const started = Date.now();

const result = await build({
  absWorkingDir: root,
  entryPoints: ["cli/main.ts"],
  outdir,
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

for (const file of result.outputFiles) {
  writeAtomically(file.path, Buffer.from(file.contents));
}
const inputs = Object.keys(result.metafile.inputs)
  .filter((path) => !path.includes("node_modules/"))
  .map((path) => relative(root, resolve(root, path)))
  .sort();
// Last: a bundle is only ever announced once all of its files are in place.
writeAtomically(
  join(outdir, "inputs.json"),
  Buffer.from(`${JSON.stringify({ started, inputs }, null, 1)}\n`),
);
