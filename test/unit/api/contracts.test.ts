import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { CONTRACTS, contractOf } from "../../../functions/contracts.ts";
import { pathParameterNames } from "../../../functions/openapi.ts";
import { handlerEntry, ROUTES } from "../../../functions/routes.ts";
import type { ApiHandlerOptions } from "../../../shared/http/index.ts";
import { scanImports } from "../../support/architecture.ts";
import { REPO_ROOT } from "../../support/lambda-bundles.ts";

/**
 * The route contracts (functions/contracts.ts) against the routes and their handlers: every route
 * has one, and its request schemas are the very objects the handler validates with (caught from
 * the handler's `apiHandler` call), so the OpenAPI document cannot describe a request the API
 * does not accept.
 */

type Options = ApiHandlerOptions<never, never>;
const captured = vi.hoisted(() => ({ options: [] as unknown[] }));

vi.mock(import("../../../shared/http/index.ts"), async (original) => {
  const real = await original();
  return {
    ...real,
    apiHandler: ((options: unknown, logic: never) => {
      captured.options.push(options);
      return real.apiHandler(options as never, logic);
    }) as typeof real.apiHandler,
  };
});

/** The options a route's handler module passed to `apiHandler` when it was first imported. */
const optionsByRoute = new Map<string, Options | undefined>();
async function handlerOptions(name: string): Promise<Options | undefined> {
  if (!optionsByRoute.has(name)) {
    const before = captured.options.length;
    await import(`../../../functions/${name}/handler.ts`);
    optionsByRoute.set(name, captured.options.slice(before).at(-1) as Options | undefined);
  }
  return optionsByRoute.get(name);
}

describe("route contracts", () => {
  it("exist for every route in ROUTES, and only for routes", () => {
    const missing = ROUTES.filter((route) => !contractOf(route.name)).map((route) => route.name);
    expect(missing, `add these routes to functions/contracts.ts: ${missing.join(", ")}`).toEqual([]);
    const names = new Set(ROUTES.map((route) => route.name));
    expect(Object.keys(CONTRACTS).filter((name) => !names.has(name))).toEqual([]);
  });

  it("name exactly the path parameters of their route", () => {
    for (const route of ROUTES) {
      const contract = contractOf(route.name);
      const declared = Object.keys(contract?.path?.shape ?? {}).sort();
      expect(declared, route.name).toEqual(pathParameterNames(route.path).sort());
    }
  });

  it.each(ROUTES.map((route) => route.name))(
    "%s: the handler validates with the contract's own schema objects",
    async (name) => {
      const options = await handlerOptions(name);
      const contract = contractOf(name);
      expect(options, `${name}'s handler calls apiHandler`).toBeDefined();
      expect(contract).toBeDefined();
      // Identity, not likeness: one object, so one source of truth.
      expect(options?.body === contract?.body, `${name}: body schema`).toBe(true);
      expect(options?.query === contract?.query, `${name}: query schema`).toBe(true);
      expect(options?.rawBody?.contentTypes ?? null).toEqual(contract?.rawBody?.contentTypes ?? null);
    },
  );

  it("catch a handler whose schema is not its contract's (the check can fail)", async () => {
    const options = await handlerOptions("list-inbox");
    expect(options?.query === contractOf("list-inbox")?.query).toBe(true);
    expect(options?.query === contractOf("set-status")?.body).toBe(false);
    expect(options?.body === contractOf("create-letter")?.body).toBe(false);
  });

  it("give examples that their own schemas accept", () => {
    let checked = 0;
    for (const [name, contract] of Object.entries(CONTRACTS)) {
      const examples = (contract as { examples?: { body?: unknown; response?: unknown } }).examples;
      const body = (contract as { body?: { safeParse(value: unknown): { success: boolean } } }).body;
      if (examples?.body !== undefined && body) {
        expect(body.safeParse(examples.body).success, `${name}: body example`).toBe(true);
        checked++;
      }
      if (examples?.response !== undefined) {
        expect(contract.response.safeParse(examples.response).success, `${name}: response example`).toBe(
          true,
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });
});

/** Modules only the document needs: no handler may reach them (they would grow every bundle). */
const DOCUMENT_MODULES = [
  "functions/contracts.ts",
  "functions/openapi.ts",
  "functions/api-reference.ts",
  "shared/http/response-schemas.ts",
];

/** The repository files a module reaches through relative imports (static and dynamic). */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length) {
    const file = pending.pop() as string;
    if (seen.has(file)) {
      continue;
    }
    seen.add(file);
    for (const ref of scanImports(readFileSync(join(REPO_ROOT, file), "utf8"))) {
      if (ref.specifier.startsWith(".")) {
        pending.push(relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), ref.specifier)));
      }
    }
  }
  return seen;
}

describe("the document's modules", () => {
  it.each(ROUTES.map((route) => route.name))("are not imported by the %s handler", (name) => {
    const route = ROUTES.find((candidate) => candidate.name === name)!;
    const files = reachable(handlerEntry(route));
    expect(files.size).toBeGreaterThan(3);
    expect(DOCUMENT_MODULES.filter((module) => files.has(module))).toEqual([]);
  });
});
