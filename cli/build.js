// Bundles the CLI into dist/cli with esbuild: one small entry chunk and one chunk per command,
// loaded on demand (see cli/main.ts).
import { build } from "esbuild";

await build({
  entryPoints: ["cli/main.ts"],
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  sourcemap: true,
  logLevel: "warning",
  // Bundled CommonJS packages (node-forge) still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __lt_cr } from 'node:module'; const require = __lt_cr(import.meta.url);",
  },
});
