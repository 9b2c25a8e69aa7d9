/**
 * The timestamp authority of a deployment (`cdk deploy -c tsaUrl=https://…`): TSA_URL reaches the
 * seal and signing functions, and only them; without the context no function has it; anything but
 * an https URL fails synthesis with a message naming the option. Stacks are built without
 * bundling (the code is not under test here), cdk-nag included.
 */

import { Template } from "aws-cdk-lib/assertions";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../../functions/routes.ts";
import { SEAL_ROUTE } from "../../../infra/audit-seal.ts";
import { type CreateAppOptions, createApp } from "../../../infra/create-app.ts";
import { checkTsaUrl, TIMESTAMPING_ROUTES } from "../../../infra/lienthong-stack.ts";
import { logicalIdOf, tempFolder } from "./helpers.ts";

const TSA = "https://tsa.example.gov.vn/tsr";
/** The timestamping routes and a few that must not get the variable (one of each kind of key use). */
const CHECKED = ["list-inbox", "get-receipt", "verify-audit", "send-letter"];
const routes = ROUTES.filter((route) => TIMESTAMPING_ROUTES.has(route.name) || CHECKED.includes(route.name));
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
});

/** The TSA_URL of every route function of a stack synthesised with this extra context. */
async function tsaUrls(
  context: Record<string, unknown>,
  options: Partial<CreateAppOptions> = {},
): Promise<Map<string, unknown>> {
  const outdir = await tempFolder("lienthong-infra-tsa-");
  cleanups.push(outdir.remove);
  const { app, stack } = createApp({
    profile: "dev",
    outdir: outdir.path,
    routes,
    context: { "aws:cdk:bundling-stacks": [], ...context },
    ...options,
  });
  app.synth();
  const functions = Template.fromStack(stack).findResources("AWS::Lambda::Function");
  const urls = new Map<string, unknown>();
  for (const [name, routeFunction] of stack.functions) {
    const resource = functions[logicalIdOf(routeFunction.function, stack)]!;
    const variables = (resource.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
    urls.set(name, variables.TSA_URL);
  }
  return urls;
}

describe("CDK context tsaUrl", () => {
  it("sets TSA_URL on the seal and signing functions, and on no other", async () => {
    const urls = await tsaUrls({ tsaUrl: TSA });

    expect(urls.size).toBe(routes.length);
    for (const [name, url] of urls) {
      expect({ name, url }).toEqual({ name, url: TIMESTAMPING_ROUTES.has(name) ? TSA : undefined });
    }
    expect(urls.get(SEAL_ROUTE)).toBe(TSA);
    expect(urls.get("sign-letter")).toBe(TSA);
  });

  it("leaves TSA_URL out of every function when it is not given", async () => {
    const urls = await tsaUrls({});

    expect([...urls.values()].every((url) => url === undefined)).toBe(true);
  });

  it("gives way to the tsaUrl option", async () => {
    const urls = await tsaUrls({ tsaUrl: TSA }, { tsaUrl: "https://other.example.vn/" });

    expect(urls.get(SEAL_ROUTE)).toBe("https://other.example.vn/");
  });

  it("fails synthesis on anything but an https URL without credentials", async () => {
    for (const value of [
      "http://tsa.example.gov.vn/tsr",
      "tsa.example.gov.vn",
      "https://u:p@tsa.example.vn/",
    ]) {
      await expect(tsaUrls({ tsaUrl: value })).rejects.toThrow(/tsaUrl .*https:\/\/ URL/);
    }
    await expect(tsaUrls({ tsaUrl: 42 })).rejects.toThrow(/CDK context "tsaUrl" to be a string/);
  });

  it("accepts https URLs as they are; refuses them as http or with credentials", () => {
    const httpsUrl = fc
      .webUrl({ validSchemes: ["https"], withQueryParameters: true, withFragments: true })
      .filter((value) => !new URL(value).username && !new URL(value).password);
    fc.assert(
      fc.property(httpsUrl, fc.stringMatching(/^[a-z0-9]{1,8}$/), (value, user) => {
        expect(checkTsaUrl(value)).toBe(value);
        expect(() => checkTsaUrl(value.replace(/^https:/, "http:"))).toThrow(/tsaUrl/);
        expect(() => checkTsaUrl(value.replace(/^https:\/\//, `https://${user}:x@`))).toThrow(/tsaUrl/);
        expect(() => checkTsaUrl(value.replace(/^https:\/\//, ""))).toThrow(/tsaUrl/);
      }),
    );
  });
});
