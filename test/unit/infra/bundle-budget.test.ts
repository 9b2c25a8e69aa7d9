import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BuiltBundle,
  buildRouteBundles,
  bundleBudget,
  LIGHT_ROUTES,
} from "../../support/lambda-bundles.ts";
import { tempFolder } from "./helpers.ts";

/**
 * What each Lambda bundle is made of, built with the CDK app's own esbuild options (issue 9: cold
 * starts). Sizes are deterministic for a given tree and lockfile, so they are asserted; times are
 * not (bench/cold-start.ts prints them against a floor).
 */

/** Packages of PDF writing, fonts, CMS building and KMS signing: no light route may contain them. */
const HEAVY_PACKAGES = ["pdf-lib", "@pdf-lib/", "node-forge", "pako", "@aws-sdk/client-kms"];

/** The PDF reader, the CMS parser and checker, chain building and the verifier proper. */
const VERIFIER_MODULES = [
  "shared/verification/validate-pdf.ts",
  "shared/verification/validate-signed-data.ts",
  "shared/verification/byte-range-rules.ts",
  "shared/cms/parse.ts",
  "shared/cms/verify.ts",
  "shared/pdf/lexer.ts",
  "shared/pdf/signatures.ts",
  "shared/pki/certificate.ts",
  "shared/pki/trust.ts",
];

/**
 * What light routes may still hold of shared/{pdf,cms,pki,asn1,verification}: the summary of a
 * stored verification report (the exchange's letter views) and the module-level constants its
 * imports leave after tree shaking. The verifier itself is several hundred KB.
 */
const CORE_CRYPTO_PDF_ALLOWANCE = 40 * 1024;

const packageOf = (input: string): string | undefined =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];

function heavyPackages(bundle: BuiltBundle): string[] {
  const found = new Set<string>();
  for (const input of bundle.inputs) {
    const name = packageOf(input);
    if (
      name &&
      HEAVY_PACKAGES.some((heavy) => (heavy.endsWith("/") ? name.startsWith(heavy) : name === heavy))
    ) {
      found.add(name);
    }
  }
  return [...found].sort();
}

/** Routes that sign a PDF, drawing the Decree 30 appearance (issue 9: ≤ 1.5 MB each). */
const SIGNING_ROUTES = ["sign-letter", "prepare-signature", "complete-signature"];

/** The appearance's own font embedding (shared/pdf/appearance/truetype.ts), in place of a PDF library. */
const FONT_MODULES = ["shared/pdf/appearance/truetype.ts", "shared/pdf/appearance/embedded-font.ts"];

const hasPdfLibrary = (bundle: BuiltBundle): string[] =>
  heavyPackages(bundle).filter((name) => name === "pdf-lib" || name.startsWith("@pdf-lib/"));

let bundles: Map<string, BuiltBundle>;
let removeOutdir: () => Promise<void>;

beforeAll(async () => {
  const outdir = await tempFolder("lienthong-bundles-");
  removeOutdir = outdir.remove;
  bundles = await buildRouteBundles(outdir.path, {
    names: [...LIGHT_ROUTES, "send-letter", "verify-letter", ...SIGNING_ROUTES, "verify-document"],
  });
}, 120_000);

afterAll(async () => {
  await removeOutdir?.();
});

describe("routes that touch no PDF and no crypto", () => {
  it.each(LIGHT_ROUTES)("%s bundles no PDF, CMS or verification code", (name) => {
    const bundle = bundles.get(name)!;

    expect(heavyPackages(bundle)).toEqual([]);
    expect(bundle.inputs.filter((input) => VERIFIER_MODULES.includes(input))).toEqual([]);
    expect(bundle.inputs.filter((input) => input.startsWith("shared/signing/"))).toEqual([]);
    expect(bundle.inputs).not.toContain("shared/exchange/letter-signing.ts");
  });

  it.each(LIGHT_ROUTES)("%s stays within its size budget", (name) => {
    expect(bundles.get(name)!.bytes).toBeLessThanOrEqual(bundleBudget(name).maxBytes);
  });

  it("inbox, outbox and statuses do not even load the S3 client", () => {
    for (const name of ["list-inbox", "list-outbox", "set-status"]) {
      const packages = bundles.get(name)!.inputs.map(packageOf);
      expect(packages, name).not.toContain("@aws-sdk/client-s3");
      expect(packages, name).not.toContain("@aws-sdk/s3-request-presigner");
    }
  });

  it("routes that only hand out presigned URLs sign them without the S3 client (s3-presign.ts)", () => {
    for (const name of ["get-letter", "create-letter", "replace-file"]) {
      const bundle = bundles.get(name)!;
      expect(bundle.inputs.map(packageOf), name).not.toContain("@aws-sdk/client-s3");
      expect(bundle.inputs, name).toContain("shared/storage/s3-presign.ts");
    }
    // The one light route that reads the bucket (the stored report) has the client: the check can fail.
    expect(bundles.get("get-verification")!.inputs.map(packageOf)).toContain("@aws-sdk/client-s3");
  });

  it("validate with zod/mini: no classic zod, no JSON Schema generator, no OpenAPI contracts", () => {
    for (const name of LIGHT_ROUTES) {
      const inputs = bundles.get(name)!.inputs;
      expect(
        inputs.filter(
          (input) =>
            input.includes("zod/v4/classic/") ||
            /zod\/v4\/core\/(to-json-schema|json-schema)/.test(input) ||
            /^functions\/(contracts|openapi)\.ts$/.test(input) ||
            input === "shared/http/response-schemas.ts",
        ),
        name,
      ).toEqual([]);
    }
    // The check can fail: a route that validates a body bundles zod's core.
    expect(bundles.get("create-letter")!.inputs).toContain("node_modules/zod/v4/core/schemas.js");
  });

  it("keep zod's locales out (they come with `import { z }`, not with `import * as z`)", () => {
    for (const name of LIGHT_ROUTES) {
      expect(
        bundles
          .get(name)!
          .inputs.filter((input) => input.includes("zod/v4/locales/") && !input.endsWith("/en.js")),
        name,
      ).toEqual([]);
    }
  });
});

describe("routes that verify", () => {
  it.each(["send-letter", "verify-letter"])(
    "%s has the verifier, without the signing code, within 1.5 MB",
    (name) => {
      const bundle = bundles.get(name)!;

      // The checks above can fail: the verifier's modules are there when a route needs them.
      expect(bundle.inputs).toEqual(expect.arrayContaining(VERIFIER_MODULES));
      expect(heavyPackages(bundle)).toEqual([]);
      expect(bundle.inputs.filter((input) => input.startsWith("shared/signing/"))).toEqual([]);
      expect(bundle.bytes).toBeLessThanOrEqual(bundleBudget(name).maxBytes);
    },
  );
});

describe("routes that sign", () => {
  it.each(SIGNING_ROUTES)(
    "%s draws appearances with its own font embedder, no pdf-lib or fontkit, within 1.5 MB",
    (name) => {
      const bundle = bundles.get(name)!;

      expect(bundle.inputs).toEqual(
        expect.arrayContaining([...FONT_MODULES, "shared/pdf/appearance/build-appearance.ts"]),
      );
      expect(hasPdfLibrary(bundle)).toEqual([]);
      expect(bundle.bytes).toBeLessThanOrEqual(bundleBudget(name).maxBytes);
      expect(bundle.bytes).toBeLessThanOrEqual(1536 * 1024);
    },
  );
});

describe("verify-document", () => {
  it("carries the printed report's renderer in its one file, imported on demand", async () => {
    const bundle = bundles.get("verify-document")!;
    const text = await readFile(bundle.file, "utf8");

    expect(bundle.inputs).toContain("shared/verification/report-pdf.ts");
    // The report is written with the same font embedder as the appearances, not with pdf-lib.
    expect(bundle.inputs).toEqual(expect.arrayContaining(FONT_MODULES));
    expect(hasPdfLibrary(bundle)).toEqual([]);
    // The dynamic import was bundled, not left for run time (a Lambda asset has no sources).
    expect(/import\(\s*["'][^"']*report-pdf[^"']*["']\s*\)/.test(text)).toBe(false);
  });

  it("stays within 1.5 MB", () => {
    expect(bundles.get("verify-document")!.bytes).toBeLessThanOrEqual(
      bundleBudget("verify-document").maxBytes,
    );
    expect(bundles.get("verify-document")!.bytes).toBeLessThanOrEqual(1536 * 1024);
  });
});

describe("the light routes' remaining share of the crypto and PDF core", () => {
  const coreBytes = (name: string): number =>
    [...bundles.get(name)!.inputBytes]
      .filter(([input]) => /^shared\/(pdf|cms|pki|asn1|verification|signing)\//.test(input))
      .reduce((sum, [, bytes]) => sum + bytes, 0);

  it.each(LIGHT_ROUTES)("%s: the report summary and module constants, a few KB", (name) => {
    expect(coreBytes(name)).toBeLessThanOrEqual(CORE_CRYPTO_PDF_ALLOWANCE);
  });

  it("against far more in a signing route (the measure can fail)", () => {
    expect(coreBytes("sign-letter")).toBeGreaterThan(2 * CORE_CRYPTO_PDF_ALLOWANCE);
    expect(heavyPackages(bundles.get("sign-letter")!)).toEqual(expect.arrayContaining(["node-forge"]));
  });
});
