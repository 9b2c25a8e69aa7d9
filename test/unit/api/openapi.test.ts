import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { apiDocsResponse, apiReferenceHtml } from "../../../functions/api-reference.ts";
import { contractOf } from "../../../functions/contracts.ts";
import { errorStatuses, jsonSchemaOf, openApiDocument } from "../../../functions/openapi.ts";
import { ROUTES } from "../../../functions/routes.ts";
import { ERROR_CODES } from "../../../shared/errors/index.ts";
import { rolesAllowed } from "../../../shared/exchange/roles.ts";

/** The OpenAPI document (functions/openapi.ts): valid OpenAPI 3.1, every route, every error code. */

type Operation = {
  operationId: string;
  description: string;
  parameters?: { name: string; in: string; required: boolean; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
};

const document = openApiDocument();
const operationOf = (route: (typeof ROUTES)[number]) =>
  document.paths[route.path]?.[route.method.toLowerCase()] as Operation | undefined;

describe("the OpenAPI document", () => {
  it("passes an OpenAPI 3.1 validator", async () => {
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document["openapi"]).toMatch(/^3\.1\./);
  });

  it("the validator refuses a broken document (the check can fail)", async () => {
    const broken = structuredClone(document) as Record<string, unknown>;
    delete broken["info"];
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it("has every route of ROUTES, with unique operation ids", () => {
    const missing = ROUTES.filter((route) => !operationOf(route)).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    const ids = ROUTES.map((route) => operationOf(route)?.operationId);
    expect(new Set(ids).size).toBe(ROUTES.length);
    const operations = Object.values(document.paths).flatMap((item) => Object.keys(item));
    expect(operations.length).toBe(ROUTES.length);
  });

  it("says, route by route, which roles may call it, and asks for a bearer API key", () => {
    for (const route of ROUTES) {
      const roles = rolesAllowed(route.action);
      expect(operationOf(route)?.description, route.name).toContain(
        `**Roles:** ${roles.join(", ") || "none"}`,
      );
    }
    expect(document["security"]).toEqual([{ apiKey: [] }]);
    expect(document["components"]).toMatchObject({
      securitySchemes: { apiKey: { type: "http", scheme: "bearer" } },
    });
  });

  it("describes bodies and queries with the JSON Schema of the handlers' zod schemas", () => {
    for (const route of ROUTES) {
      const contract = contractOf(route.name);
      const operation = operationOf(route)!;
      if (contract?.body) {
        expect(operation.requestBody?.content["application/json"]?.schema, route.name).toEqual(
          jsonSchemaOf(contract.body),
        );
      }
      const query = contract?.query ? (jsonSchemaOf(contract.query)["properties"] as object) : {};
      const queryParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === "query");
      expect(queryParameters.map((parameter) => parameter.name).sort(), route.name).toEqual(
        Object.keys(query).sort(),
      );
      const pathParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === "path");
      expect(pathParameters.every((parameter) => parameter.required)).toBe(true);
      expect(
        pathParameters.map((parameter) => `{${parameter.name}}`).every((p) => route.path.includes(p)),
      ).toBe(true);
    }
    const createLetter = operationOf(ROUTES.find((route) => route.name === "create-letter")!)!;
    expect(createLetter.requestBody?.content["application/json"]?.schema).toMatchObject({
      type: "object",
      additionalProperties: false,
      required: expect.arrayContaining(["code", "subject", "recipients", "file"]),
    });
  });

  it("gives every route a problem+json response for every error status, with that status's codes", () => {
    const statuses = errorStatuses();
    const schemas = (document["components"] as { schemas: Record<string, { allOf: unknown[] }> }).schemas;
    const covered = new Set<string>();
    for (const [status, codes] of statuses) {
      expect(schemas[`Problem${status}`]?.allOf[1]).toMatchObject({
        properties: { code: { enum: codes }, status: { const: status } },
      });
      for (const code of codes) {
        expect(ERROR_CODES[code].status).toBe(status);
        covered.add(code);
      }
    }
    expect([...covered].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const route of ROUTES) {
      const responses = operationOf(route)!.responses;
      for (const status of statuses.keys()) {
        expect(responses[String(status)]?.$ref, `${route.name} ${status}`).toBe(
          `#/components/responses/Problem${status}`,
        );
      }
      const contract = contractOf(route.name);
      if (contract) {
        expect(responses[String(contract.successStatus)]?.content?.["application/json"]).toBeDefined();
      }
    }
  });

  it("is served as /openapi.json and as a self-contained reference page at /docs", () => {
    const json = apiDocsResponse("GET", "/openapi.json")!;
    expect(json.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(json.body)).toEqual(document);
    const page = apiDocsResponse("GET", "/docs")!;
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    for (const route of ROUTES) {
      expect(page.body).toContain(`<code>${route.method} ${route.path}</code>`);
    }
    // Nothing is fetched from anywhere: no script, no external stylesheet, image or font.
    expect(page.body).not.toMatch(/<script|<link|<img|@import|url\(|src=/i);
    expect(page.body).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(apiDocsResponse("POST", "/docs")).toBeUndefined();
    expect(apiDocsResponse("GET", "/v1/inbox")).toBeUndefined();
  });

  it("escapes what it shows on the page", () => {
    const html = apiReferenceHtml({
      info: { title: "<script>alert(1)</script>", version: "1" },
      paths: { "/x": { get: { summary: '"><img src=x>', responses: {} } } },
    });
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;");
  });
});
