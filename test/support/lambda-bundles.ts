/**
 * Builds the Lambda bundles the way the CDK app does (`routeBuildOptions` of
 * infra/route-function.ts, the options NodejsFunction is given), for the bundle-budget tests and
 * `bench/cold-start.ts`: one `index.mjs` per entry, with esbuild's metafile to say what went in.
 */
import { stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { handlerEntry, ROUTES } from "../../functions/routes.ts";
import { routeBuildOptions } from "../../infra/route-function.ts";

/** The routes, for benchmarks (which may not import functions/ themselves: architecture.json). */
export { ROUTES };

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** One built bundle. */
export interface BuiltBundle {
  /** Absolute path of the bundle file. */
  readonly file: string;
  /** Size of the bundle file in bytes (the source map, if any, not included). */
  readonly bytes: number;
  /** Size of the source map, 0 when none was built. */
  readonly mapBytes: number;
  /** Repository-relative paths of the files that contributed code to the bundle. */
  readonly inputs: readonly string[];
  /** Bytes each of those files contributed (after tree shaking and minification). */
  readonly inputBytes: ReadonlyMap<string, number>;
}

/**
 * Bundles `entry` (repository-relative or absolute) into `<outdir>/index.mjs`; inputs esbuild
 * tree-shook to nothing are not listed.
 */
export async function buildBundle(
  entry: string,
  outdir: string,
  options: { readonly sourceMap?: boolean } = {},
): Promise<BuiltBundle> {
  const file = join(outdir, "index.mjs");
  const result = await build({
    ...routeBuildOptions(resolve(REPO_ROOT, entry), file, { sourceMap: options.sourceMap ?? false }),
    absWorkingDir: REPO_ROOT,
    metafile: true,
    logLevel: "silent",
  });
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith("index.mjs"));
  if (!output) {
    throw new Error(`esbuild wrote no index.mjs for ${entry}`);
  }
  const inputBytes = new Map(
    Object.entries(output[1].inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path, input]) => [relative(REPO_ROOT, resolve(REPO_ROOT, path)), input.bytesInOutput]),
  );
  const mapBytes = options.sourceMap ? (await stat(`${file}.map`)).size : 0;
  return { file, bytes: (await stat(file)).size, mapBytes, inputs: [...inputBytes.keys()], inputBytes };
}

/** Builds every route's bundle (or the named ones) into `<outdir>/<route>/index.mjs`. */
export async function buildRouteBundles(
  outdir: string,
  options: { readonly sourceMap?: boolean; readonly names?: readonly string[] } = {},
): Promise<Map<string, BuiltBundle>> {
  const routes = ROUTES.filter((route) => !options.names || options.names.includes(route.name));
  const bundles = new Map<string, BuiltBundle>();
  for (const route of routes) {
    bundles.set(route.name, await buildBundle(handlerEntry(route), join(outdir, route.name), options));
  }
  return bundles;
}

/** What a route's bundle may weigh, and (benchmark only) how slow its cold start may be. */
export interface BundleBudget {
  readonly maxBytes: number;
  /** Cold start (import + one event) against the minimal DynamoDB handler, same run. */
  readonly maxRatio?: number;
}

const KB = 1024;

/** Routes that touch no PDF and no crypto: the exchange's bookkeeping over the table (and S3 URLs). */
export const LIGHT_ROUTES: readonly string[] = [
  "list-inbox",
  "list-outbox",
  "get-letter",
  "create-letter",
  "set-status",
  "get-verification",
  "replace-file",
  "peek-inbox",
  "confirm-delivery",
];

/** Issue 9's targets: light routes ≤ 700 KB and ≤ 1.3× the floor; signing and verification ≤ 1.5 MB. */
export function bundleBudget(route: string): BundleBudget {
  return LIGHT_ROUTES.includes(route) ? { maxBytes: 700 * KB, maxRatio: 1.3 } : { maxBytes: 1536 * KB };
}
