/**
 * The architecture of architecture.json holds: no forbidden arrow, no arrow the file does not
 * declare, no cycle between parts; and no Lambda bundle contains the dev kit (from esbuild's
 * metafile, like test/unit/cms/verification-imports.test.ts keeps node-forge off the verify path).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import {
  type ArchitectureSpec,
  checkArchitecture,
  partOf,
  readSources,
  type SourceFile,
  scanImports,
} from "../support/architecture.ts";

const root = join(import.meta.dirname, "../..");
const spec = JSON.parse(readFileSync(join(root, "architecture.json"), "utf8")) as ArchitectureSpec;

describe("architecture.json", () => {
  it("gives every part, allowed and forbidden arrow a reason, and names only declared parts", () => {
    const names = new Set(spec.parts.map((part) => part.name));
    expect(names.size).toBe(spec.parts.length);
    for (const part of spec.parts) {
      expect(part.what, part.name).toBeTruthy();
    }
    for (const arrow of spec.allowed) {
      expect(arrow.reason, arrow.from).toBeTruthy();
      expect([arrow.from, ...arrow.to].filter((name) => !names.has(name))).toEqual([]);
    }
    const isPattern = (name: string) =>
      name.startsWith("npm:") ||
      names.has(name) ||
      [...names].some((n) => name.endsWith("*") && n.startsWith(name.slice(0, -1)));
    for (const arrow of spec.forbidden) {
      expect(arrow.reason).toBeTruthy();
      expect([...arrow.from, ...arrow.to].filter((name) => !isPattern(name))).toEqual([]);
    }
  });

  it("holds for every import of the repository", () => {
    const files = readSources(root, spec);
    expect(files.length).toBeGreaterThan(200);
    const result = checkArchitecture(spec, files);
    expect(
      result.forbidden.map(({ edge, reason }) => `${edge.from} -> ${edge.to} (${edge.example}): ${reason}`),
    ).toEqual([]);
    expect(result.undeclared.map((edge) => `${edge.from} -> ${edge.to} (${edge.example})`)).toEqual([]);
    expect(result.cycles).toEqual([]);
    expect(result.unmapped).toEqual([]);
  });
});

describe("the architecture check can fail", () => {
  const file = (path: string, source: string): SourceFile => ({ path, source });
  const base = [
    file("shared/cms/ports.ts", 'import type { Certificate } from "../pki/certificate.ts";\n'),
    file("shared/pki/certificate.ts", 'import { readElement } from "../asn1/der.ts";\n'),
    file("shared/asn1/der.ts", "export const TAG = {};\n"),
  ];

  it("passes the clean synthetic tree", () => {
    const result = checkArchitecture(spec, base);
    expect(result.forbidden).toEqual([]);
    expect(result.undeclared).toEqual([]);
    expect(result.cycles).toEqual([]);
  });

  it("on a forbidden import (the core importing the dev kit, crypto code importing an AWS SDK)", () => {
    const result = checkArchitecture(spec, [
      ...base,
      file("shared/pki/trust.ts", 'import { createDemoPki } from "../../devkit/pki.ts";\n'),
      file("shared/cms/kms.ts", 'const sdk = await import("@aws-sdk/client-kms");\n'),
      file("devkit/pki.ts", "export const createDemoPki = 1;\n"),
    ]);
    expect(result.forbidden.map(({ edge }) => `${edge.from} -> ${edge.to}`).sort()).toEqual([
      "shared/cms -> npm:@aws-sdk/client-kms",
      "shared/pki -> devkit",
    ]);
  });

  it("on a cycle between packages", () => {
    const result = checkArchitecture(spec, [
      ...base,
      file("shared/pki/sign.ts", 'import type { Signer } from "../cms/ports.ts";\n'),
    ]);
    expect(result.cycles).toEqual([["shared/cms", "shared/pki"]]);
    expect(result.undeclared.map((edge) => `${edge.from} -> ${edge.to}`)).toEqual([
      "shared/pki -> shared/cms",
    ]);
  });

  it("on an arrow the file does not declare", () => {
    const result = checkArchitecture(spec, [
      ...base,
      file("shared/pdf/reader.ts", 'export { TAG } from "../asn1/der.ts";\n'),
    ]);
    expect(result.undeclared.map((edge) => `${edge.from} -> ${edge.to}`)).toEqual([
      "shared/pdf -> shared/asn1",
    ]);
  });
});

describe("the import scanner", () => {
  it("finds static, re-export, side-effect, type-only and dynamic imports", () => {
    const source = [
      'import a from "./a.ts";',
      'import type { B } from "./b.ts";',
      'import {\n  c,\n  d,\n} from "./c.ts";',
      'import "./side-effect.ts";',
      'export * from "./e.ts";',
      'export { f } from "./f.ts";',
      'const g = await import("./g.ts");',
      "const h = () => import(\n  './h.ts'\n);",
    ].join("\n");
    expect(scanImports(source).map((ref) => `${ref.dynamic ? "dynamic " : ""}${ref.specifier}`)).toEqual([
      "./a.ts",
      "./b.ts",
      "./c.ts",
      "./side-effect.ts",
      "./e.ts",
      "./f.ts",
      "dynamic ./g.ts",
      "dynamic ./h.ts",
    ]);
  });

  it("ignores imports in comments, strings, templates and regular expressions", () => {
    const source = [
      '/** @example import { x } from "../x.ts"; */',
      '// import y from "./y.ts";',
      "const s = \"import z from './z.ts'\";",
      // a template literal with a placeholder (written with "$" + "{" to keep this a plain string)
      'const t = `import w from "./w.ts" $' + '{1 + 1} import("./v.ts")`;',
      'const r = /import u from "\\.\\/u"/;',
      "const list = Array.from(items);",
      'import real from "./real.ts";',
    ].join("\n");
    expect(scanImports(source).map((ref) => ref.specifier)).toEqual(["./real.ts"]);
  });
});

/** The repository files an esbuild bundle of `entries` is made of, per output. */
async function bundledInputs(entries: readonly string[]): Promise<Map<string, string[]>> {
  const result = await build({
    entryPoints: entries.map((entry) => join(root, entry)),
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    outdir: join(root, ".cache/architecture-bundles"),
    logLevel: "silent",
  });
  const out = new Map<string, string[]>();
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint) {
      out.set(relative(root, join(process.cwd(), meta.entryPoint)), Object.keys(meta.inputs));
    }
    void output;
  }
  return out;
}

describe("no Lambda bundle contains the dev kit", () => {
  const handlers = readdirSync(join(root, "functions"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `functions/${entry.name}/handler.ts`);

  it("checks every handler", async () => {
    expect(handlers.length).toBeGreaterThan(10);
    const bundles = await bundledInputs(handlers);
    expect(bundles.size).toBe(handlers.length);
    for (const [entry, inputs] of bundles) {
      const devkit = inputs.filter(
        (input) => partOf(spec, relative(root, join(process.cwd(), input))) === "devkit",
      );
      expect(devkit, entry).toEqual([]);
    }
  });

  it("while the local runtime's bundle does (the check can fail)", async () => {
    const bundles = await bundledInputs(["local/exchange.ts"]);
    const inputs = [...bundles.values()][0]!;
    expect(
      inputs.some((input) => partOf(spec, relative(root, join(process.cwd(), input))) === "devkit"),
    ).toBe(true);
  });
});
