/**
 * The verification path (CMS parsing and checks, timestamp tokens, PDF and detached validation,
 * `lienthong verify`) must not load node-forge: about 300 KB of bundle and ~20 ms of start-up
 * that `lienthong verify` would pay for nothing. Only the SignedData builder uses forge.asn1.
 */
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");

/** The node_modules packages an entry point pulls in, static and dynamic imports included. */
async function packagesOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
  });
  const packages = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) {
      packages.add(match[1]);
    }
  }
  return [...packages];
}

describe("the verification path does not load node-forge", () => {
  it.each([
    "shared/cms/parse.ts",
    "shared/cms/verify.ts",
    "shared/cms/timestamp.ts",
    "shared/verification/validate-pdf.ts",
    "shared/verification/validate-detached.ts",
    "cli/commands/verify.ts",
  ])("%s", async (entry) => {
    expect(await packagesOf(entry)).not.toContain("node-forge");
  });

  it("while the SignedData builder does (the check can fail)", async () => {
    expect(await packagesOf("shared/cms/signed-data.ts")).toContain("node-forge");
  });
});
