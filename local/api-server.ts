import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from "aws-lambda";
import { apiDocsResponse } from "../functions/api-reference.ts";
import { handlerEntry, ROUTES, type RouteDefinition } from "../functions/routes.ts";
import { ExchangeError } from "../shared/errors/index.ts";
import { log } from "../shared/http/log.ts";
import { problemResponse, toProblem } from "../shared/http/problem.ts";

/** API Gateway's limits, kept locally so nothing works here that fails in AWS. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_INVOCATION_BYTES = 6 * 1024 * 1024;
const INTEGRATION_TIMEOUT_MS = 30_000;

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A local stand-in for the API Gateway HTTP API: each request becomes a payload-format-2.0
 * event for the same handler module that AWS runs, and its result becomes the response.
 */
export async function startApiServer(options: {
  port: number;
  host?: string;
  root: string;
}): Promise<ApiServer> {
  const routes = ROUTES.map(compile);
  const handlers = new Map<string, Promise<LambdaHandler>>();
  const load = (route: RouteDefinition): Promise<LambdaHandler> => {
    let handler = handlers.get(route.name);
    if (!handler) {
      handler = import(pathToFileURL(join(options.root, handlerEntry(route))).href).then(
        (module: { handler: LambdaHandler }) => module.handler,
      );
      handlers.set(route.name, handler);
    }
    return handler;
  };

  const server: Server = createServer((req, res) => {
    serve(req, res, routes, load).catch((error: unknown) => {
      log("error", "local API server failed", { error: (error as Error).stack });
      if (!res.headersSent) {
        send(res, problemResponse(toProblem(error)));
      } else {
        res.destroy();
      }
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  routes: readonly CompiledRoute[],
  load: (route: RouteDefinition) => Promise<LambdaHandler>,
): Promise<void> {
  const requestId = randomUUID();
  const refuse = (code: "ROUTE_NOT_FOUND" | "PAYLOAD_TOO_LARGE", detail: string) =>
    send(res, problemResponse(toProblem(new ExchangeError(code, { detail }), requestId)));
  const method = (req.method ?? "GET").toUpperCase();
  const url = URL.parse(req.url ?? "/", "http://localhost");
  // The OpenAPI document and its reference page (functions/openapi.ts): no key needed.
  const docs = url ? apiDocsResponse(method, url.pathname) : undefined;
  if (docs) {
    send(res, docs);
    return;
  }
  const matched = url ? match(routes, method, url.pathname) : undefined;
  if (!url || !matched) {
    refuse("ROUTE_NOT_FOUND", `${method} ${url?.pathname ?? req.url}`);
    return;
  }
  const body = await readBody(req);
  if (body === "too-large") {
    refuse("PAYLOAD_TOO_LARGE", `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    return;
  }
  const event = toEvent(req, url, body, matched, requestId);
  if (Buffer.byteLength(JSON.stringify(event)) > MAX_INVOCATION_BYTES) {
    // Lambda refuses synchronous invocations over 6 MB (a binary body grows by a third in base64).
    refuse("PAYLOAD_TOO_LARGE", `the Lambda event would exceed ${MAX_INVOCATION_BYTES} bytes`);
    return;
  }
  const handler = await load(matched.compiled.route);
  const timeoutMs = Math.min((matched.compiled.route.timeoutSeconds ?? 10) * 1000, INTEGRATION_TIMEOUT_MS);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const result = await Promise.race([
    handler(event, lambdaContext(matched.compiled.route, requestId, timeoutMs)),
    timedOut,
  ]);
  clearTimeout(timer);
  if (result === "timeout") {
    // What API Gateway answers when the integration does not answer in time.
    send(res, {
      statusCode: 503,
      headers: { "content-type": "application/json" },
      body: '{"message":"Service Unavailable"}',
    });
    return;
  }
  send(res, result);
}

function compile(route: RouteDefinition): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
    .replace(/\\?\{(\w+)\\?\}/g, (_, name: string) => {
      params.push(name);
      return "([^/]+)";
    });
  return { route, pattern: new RegExp(`^${source}$`), params };
}

function match(
  routes: readonly CompiledRoute[],
  method: string,
  path: string,
): { compiled: CompiledRoute; pathParameters: Record<string, string> } | undefined {
  for (const compiled of routes) {
    if (compiled.route.method !== method) {
      continue;
    }
    const found = compiled.pattern.exec(path);
    if (found) {
      const pathParameters = Object.fromEntries(
        compiled.params.map((name, i) => [name, decodePathSegment(found[i + 1] ?? "")]),
      );
      return { compiled, pathParameters };
    }
  }
  return undefined;
}

/** API Gateway passes a segment it cannot decode as it came; it never fails the request. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * As API Gateway HTTP APIs (payload 2.0) pass a request body: a string only for text/*,
 * application/json, application/xml and application/javascript, base64 (isBase64Encoded) for any
 * other type or none. A string body has lost invalid UTF-8 (U+FFFD in its place), here as there:
 * the edXML import refuses that character rather than trusting such a body (exchange-bridge.ts).
 */
const TEXT_TYPES = /^(text\/[^;]*|application\/(json|xml|javascript))\s*(;|$)/i;

function toEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  matched: { compiled: CompiledRoute; pathParameters: Record<string, string> },
  requestId: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== "cookie") {
      headers[name] = Array.isArray(value) ? value.join(",") : value;
    }
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  const cookies = req.headers.cookie?.split(/;\s*/).filter(Boolean);
  const text = TEXT_TYPES.test(headers["content-type"] ?? "");
  const now = new Date();
  const routeKey = `${matched.compiled.route.method} ${matched.compiled.route.path}`;
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(matched.pathParameters).length ? { pathParameters: matched.pathParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers["host"] ?? "localhost",
      domainPrefix: (headers["host"] ?? "localhost").split(".")[0] ?? "localhost",
      http: {
        method: matched.compiled.route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: text ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

function lambdaContext(route: RouteDefinition, requestId: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `lienthong-${route.name}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:lienthong-${route.name}`,
    memoryLimitInMB: String(route.memoryMb ?? 512),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/lienthong-${route.name}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** API Gateway's rules for payload format 2.0 results, including the bare-value shorthand. */
function send(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result !== "object" || result === null || !("statusCode" in result)) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(typeof result === "string" ? result : JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  if (result.cookies?.length) {
    headers["set-cookie"] = result.cookies;
  }
  res.writeHead(result.statusCode ?? 200, headers);
  const body = result.body ?? "";
  res.end(result.isBase64Encoded ? Buffer.from(body, "base64") : body);
}
