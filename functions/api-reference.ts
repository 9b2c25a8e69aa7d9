import { type JsonSchema, openApiDocument } from "./openapi.ts";

/**
 * The API reference as one self-contained HTML page (`/docs` in the local runtime), rendered from
 * the OpenAPI document alone: no script, no stylesheet or font fetched from anywhere (the page
 * must work offline and leak nothing), so hosted viewers such as Swagger UI or Redoc, which load
 * from a CDN, are not used. Schemas are shown as their JSON Schema; descriptions are plain text
 * with `code` spans.
 */

/** The answer to `GET /openapi.json` or `GET /docs` (built once), or undefined for any other request. */
export function apiDocsResponse(
  method: string,
  path: string,
): { statusCode: number; headers: Record<string, string>; body: string } | undefined {
  if (method !== "GET" || (path !== "/openapi.json" && path !== "/docs")) {
    return undefined;
  }
  built ??= (() => {
    const document = openApiDocument();
    return {
      json: JSON.stringify(document, null, 2),
      html: apiReferenceHtml(document as unknown as Document),
    };
  })();
  return path === "/docs"
    ? { statusCode: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: built.html }
    : { statusCode: 200, headers: { "content-type": "application/json; charset=utf-8" }, body: built.json };
}

let built: { readonly json: string; readonly html: string } | undefined;

type Document = {
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components?: { readonly responses?: Record<string, { readonly description?: string }> };
};

interface Operation {
  readonly operationId?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly parameters?: readonly {
    readonly name: string;
    readonly in: string;
    readonly required?: boolean;
    readonly description?: string;
    readonly schema?: JsonSchema;
  }[];
  readonly requestBody?: { readonly content: Record<string, { schema?: JsonSchema; example?: unknown }> };
  readonly responses: Record<
    string,
    {
      readonly $ref?: string;
      readonly description?: string;
      readonly content?: Record<string, { schema?: JsonSchema; example?: unknown }>;
    }
  >;
}

export function apiReferenceHtml(document: Document): string {
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  );
  const toc = operations
    .map(
      ({ path, method, operation }) =>
        `<li><a href="#${escapeHtml(anchor(operation, method, path))}"><code>${method} ${escapeHtml(path)}</code></a> ${escapeHtml(operation.summary ?? "")}</li>`,
    )
    .join("\n");
  const sections = operations.map(({ path, method, operation }) =>
    section(document, path, method, operation),
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(document.info.title)} ${escapeHtml(document.info.version)}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 2rem; color: #1d232a; }
code, pre { font: 13px/1.4 ui-monospace, monospace; }
pre { background: #f4f6f8; padding: .6rem; overflow: auto; max-height: 24rem; }
section { border-top: 1px solid #d5dbe1; padding-top: .5rem; margin-top: 1.5rem; }
.method { display: inline-block; min-width: 4rem; font-weight: 700; }
table { border-collapse: collapse; } td, th { border: 1px solid #d5dbe1; padding: .2rem .5rem; text-align: left; vertical-align: top; }
details { margin: .3rem 0; } summary { cursor: pointer; }
</style>
</head>
<body>
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<p>${inline(document.info.description ?? "")}</p>
<p>The machine-readable document: <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1).</p>
<h2>Operations</h2>
<ul>
${toc}
</ul>
${sections.join("\n")}
</body>
</html>
`;
}

function section(document: Document, path: string, method: string, operation: Operation): string {
  const parameters = operation.parameters?.length
    ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>${operation.parameters
        .map(
          (parameter) =>
            `<tr><td><code>${escapeHtml(parameter.name)}</code>${parameter.description ? `<br>${inline(parameter.description)}` : ""}</td><td>${escapeHtml(parameter.in)}</td><td>${parameter.required ? "yes" : "no"}</td><td><code>${escapeHtml(JSON.stringify(parameter.schema ?? {}))}</code></td></tr>`,
        )
        .join("")}</table>`
    : "";
  const body = operation.requestBody
    ? `<h4>Request body</h4>${Object.entries(operation.requestBody.content)
        .map(([type, media]) => mediaBlock(type, media))
        .join("")}`
    : "";
  const responses = Object.entries(operation.responses)
    .map(([status, response]) => {
      if (response.$ref) {
        const name = response.$ref.split("/").pop() ?? "";
        return `<li><b>${escapeHtml(status)}</b> ${inline(document.components?.responses?.[name]?.description ?? "")} <small>(application/problem+json)</small></li>`;
      }
      const content = Object.entries(response.content ?? {})
        .map(([type, media]) => mediaBlock(type, media))
        .join("");
      return `<li><b>${escapeHtml(status)}</b> ${inline(response.description ?? "")}${content}</li>`;
    })
    .join("\n");
  return `<section id="${escapeHtml(anchor(operation, method, path))}">
<h3><span class="method">${method}</span> <code>${escapeHtml(path)}</code></h3>
<p><b>${escapeHtml(operation.summary ?? "")}</b></p>
${operation.description ? `<p>${inline(operation.description).replaceAll("\n\n", "</p><p>")}</p>` : ""}
${parameters}
${body}
<h4>Responses</h4>
<ul>
${responses}
</ul>
</section>`;
}

function mediaBlock(type: string, media: { schema?: JsonSchema; example?: unknown }): string {
  const example =
    media.example === undefined
      ? ""
      : `<details open><summary>Example</summary><pre>${escapeHtml(JSON.stringify(media.example, null, 2))}</pre></details>`;
  return `<details><summary><code>${escapeHtml(type)}</code> schema</summary><pre>${escapeHtml(JSON.stringify(media.schema ?? {}, null, 2))}</pre></details>${example}`;
}

function anchor(operation: Operation, method: string, path: string): string {
  return operation.operationId ?? `${method}-${path}`.replace(/[^\w-]+/g, "-");
}

/** Escaped text with `code` spans and **bold** (the only markdown the descriptions use). */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>");
}

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
