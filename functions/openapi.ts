import * as z from "zod"; // not `{ z }`: esbuild cannot tree-shake that binding and bundles every zod locale (~260 KB)
import { ERROR_CODES, type ErrorCode } from "../shared/errors/index.ts";
import { ACTION_DESCRIPTIONS, rolesAllowed } from "../shared/exchange/roles.ts";
import { problemSchema } from "../shared/http/response-schemas.ts";
import { contractOf, type RouteContract } from "./contracts.ts";
import { ROUTES, type RouteDefinition } from "./routes.ts";

/**
 * The OpenAPI 3.1 document of the API, built from `ROUTES` and the route contracts: every JSON
 * Schema in it is zod 4's own `z.toJSONSchema` of the schema the handler validates with (no
 * hand-written copy). Served by the local runtime at `/openapi.json`; the SDK's types
 * (`sdk/schema.d.ts`) are generated from it.
 *
 * Error responses, the rule: a route documents every HTTP status that some error code of
 * `shared/errors/codes.ts` has, each as `application/problem+json` whose `code` is one of the
 * codes of that status. Errors rise from every layer a route goes through (validation, storage,
 * the verifier…), so a narrower per-route list would be a guess nobody checks; the codes typical
 * of a route are named in its description instead.
 */

export type JsonSchema = Record<string, unknown>;
type OpenApiDocument = Record<string, unknown> & {
  readonly paths: Record<string, Record<string, Record<string, unknown>>>;
};

export const API_VERSION = "1.0.0";
const SECURITY_SCHEME = "apiKey";

/** zod → JSON Schema 2020-12 (the dialect of OpenAPI 3.1), as a request is accepted. */
export function jsonSchemaOf(schema: z.core.$ZodType): JsonSchema {
  // "input": what a client sends (defaults optional, transforms' inputs); refinements have no JSON Schema.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
}

/** The HTTP statuses of the error codes, each with its codes (in table order). */
export function errorStatuses(): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const [code, info] of Object.entries(ERROR_CODES) as [ErrorCode, { status: number }][]) {
    byStatus.set(info.status, [...(byStatus.get(info.status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

export function openApiDocument(): OpenApiDocument {
  const statuses = errorStatuses();
  const schemas: Record<string, JsonSchema> = { Problem: jsonSchemaOf(problemSchema()) };
  const responses: Record<string, unknown> = {};
  for (const [status, codes] of statuses) {
    schemas[`Problem${status}`] = {
      allOf: [
        { $ref: "#/components/schemas/Problem" },
        {
          type: "object",
          properties: { code: { type: "string", enum: codes }, status: { const: status } },
        },
      ],
    };
    responses[`Problem${status}`] = {
      description: `Refused (${status}): ${codes.join(", ")}.`,
      ...(status === 503 ? { headers: { "Retry-After": { schema: { type: "integer" } } } } : {}),
      content: { "application/problem+json": { schema: { $ref: `#/components/schemas/Problem${status}` } } },
    };
  }
  const paths: OpenApiDocument["paths"] = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(
      route,
      contractOf(route.name),
      statuses,
    );
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Lienthong API",
      version: API_VERSION,
      description:
        "The exchange of digitally signed official letters between Vietnamese public bodies. Every request " +
        "carries an organ's API key (`Authorization: Bearer <key>`); the key's role decides which routes it " +
        "may call (each operation lists its roles). Errors are RFC 9457 problem documents " +
        "(`application/problem+json`) with a stable `code`, the message in English and Vietnamese, and " +
        "the request id as `instance`.",
    },
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    security: [{ [SECURITY_SCHEME]: [] }],
    tags: [...new Set(ROUTES.map(tagOf))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: "http",
          scheme: "bearer",
          description: "An organ's API key; its role (clerk, integration, admin) limits what it may do.",
        },
      },
      schemas,
      responses,
    },
  };
}

function operation(
  route: RouteDefinition,
  contract: RouteContract | undefined,
  statuses: Map<number, ErrorCode[]>,
): Record<string, unknown> {
  const roles = rolesAllowed(route.action);
  const rolesText = `**Roles:** ${roles.length ? roles.join(", ") : "none"} (action \`${route.action}\`: ${ACTION_DESCRIPTIONS[route.action]}).`;
  const errors = contract?.typicalErrors?.length
    ? `\n\n**Typical refusals:** ${contract.typicalErrors.map((code) => `\`${code}\``).join(", ")}.`
    : "";
  const errorResponses = Object.fromEntries(
    [...statuses.keys()].map((status) => [
      String(status),
      { $ref: `#/components/responses/Problem${status}` },
    ]),
  );
  const base = {
    operationId: camelCase(route.name),
    tags: [tagOf(route)],
    "x-roles": roles,
    "x-action": route.action,
  };
  if (!contract) {
    // A route without a contract still appears (the unit test fails until it has one).
    return {
      ...base,
      summary: route.name,
      description: `No contract yet (functions/contracts.ts).\n\n${rolesText}`,
      parameters: pathParameterNames(route.path).map((name) => ({
        name,
        in: "path",
        required: true,
        schema: { type: "string" },
      })),
      responses: { default: { description: "Undocumented." }, ...errorResponses },
    };
  }
  const success: Record<string, unknown> = {
    "application/json": {
      schema: jsonSchemaOf(contract.response),
      ...(contract.examples?.response ? { example: contract.examples.response } : {}),
    },
  };
  for (const type of contract.alsoContent ?? []) {
    success[type] = { schema: { type: "string", contentMediaType: type } };
  }
  return {
    ...base,
    summary: contract.summary,
    description: `${contract.description}\n\n${rolesText}${errors}`,
    parameters: [...parameters(contract.path, "path"), ...parameters(contract.query, "query")],
    ...(contract.body || contract.rawBody ? { requestBody: requestBody(contract) } : {}),
    responses: {
      [String(contract.successStatus)]: { description: contract.summary, content: success },
      ...errorResponses,
    },
  };
}

function requestBody(contract: RouteContract): Record<string, unknown> {
  if (contract.rawBody) {
    return {
      required: true,
      content: Object.fromEntries(
        contract.rawBody.contentTypes.map((type) => [
          type,
          { schema: { type: "string", contentMediaType: type } },
        ]),
      ),
    };
  }
  return {
    required: true,
    content: {
      "application/json": {
        schema: jsonSchemaOf(contract.body as z.core.$ZodType),
        ...(contract.examples?.body ? { example: contract.examples.body } : {}),
      },
    },
  };
}

/** An object schema's members as parameters (a path parameter is always required). */
function parameters(schema: z.core.$ZodType | undefined, where: "path" | "query"): Record<string, unknown>[] {
  if (!schema) {
    return [];
  }
  const json = jsonSchemaOf(schema);
  const required = new Set((json["required"] as string[] | undefined) ?? []);
  return Object.entries((json["properties"] as Record<string, JsonSchema> | undefined) ?? {}).map(
    ([name, property]) => {
      const { description, ...propertySchema } = property;
      return {
        name,
        in: where,
        required: where === "path" || required.has(name),
        ...(typeof description === "string" ? { description } : {}),
        schema: propertySchema,
      };
    },
  );
}

export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((found) => found[1] as string);
}

/** Operations are grouped by the first segment of their path after the version: letters, inbox, sign… */
function tagOf(route: RouteDefinition): string {
  return route.path.split("/")[2] ?? "api";
}

function camelCase(name: string): string {
  return name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
}
