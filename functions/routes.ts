/**
 * The HTTP API, declared once: the CDK stack makes one Lambda function and one route per entry,
 * and the local server dispatches requests to the same handler modules. `access` lists what the
 * function may touch; infra grants exactly that (least privilege), nothing more.
 */
export type Access =
  | "table:read"
  | "table:write"
  | "bucket:read-incoming"
  | "bucket:write-incoming"
  | "bucket:read-letters"
  | "bucket:write-letters"
  | "bucket:write-evidence"
  | "bucket:read-evidence"
  | "kms:sign";

export interface RouteDefinition {
  /** Function name, also the folder under `functions/`. */
  readonly name: string;
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** API Gateway route path, `{param}` for path parameters. */
  readonly path: string;
  readonly access: readonly Access[];
  /** Lambda timeout in seconds (the HTTP API itself gives up after 30 s). */
  readonly timeoutSeconds?: number;
  readonly memoryMb?: number;
}

export const ROUTES: readonly RouteDefinition[] = [
  {
    name: "create-letter",
    method: "POST",
    path: "/v1/letters",
    access: ["table:read", "table:write", "bucket:write-incoming"],
  },
  {
    name: "send-letter",
    method: "POST",
    path: "/v1/letters/{id}/send",
    access: [
      "table:read",
      "table:write",
      "bucket:read-incoming",
      "bucket:write-letters",
      "bucket:write-evidence",
    ],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "replace-file",
    method: "PUT",
    path: "/v1/letters/{id}/file",
    access: ["table:read", "table:write", "bucket:write-incoming"],
  },
  {
    name: "get-letter",
    method: "GET",
    path: "/v1/letters/{id}",
    access: ["table:read", "bucket:read-letters", "bucket:read-incoming"],
  },
  { name: "list-inbox", method: "GET", path: "/v1/inbox", access: ["table:read"] },
  { name: "list-outbox", method: "GET", path: "/v1/outbox", access: ["table:read"] },
  {
    name: "get-verification",
    method: "GET",
    path: "/v1/letters/{id}/verification",
    access: ["table:read", "bucket:read-evidence"],
  },
  {
    name: "verify-letter",
    method: "POST",
    path: "/v1/letters/{id}/verify",
    access: ["table:read", "bucket:read-incoming", "bucket:read-letters"],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "sign-letter",
    method: "POST",
    path: "/v1/sign",
    access: ["table:read", "table:write", "bucket:read-incoming", "bucket:write-incoming", "kms:sign"],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "prepare-signature",
    method: "POST",
    path: "/v1/sign/prepare",
    access: ["table:read", "table:write", "bucket:read-incoming", "bucket:write-incoming"],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "complete-signature",
    method: "POST",
    path: "/v1/sign/complete",
    access: ["table:read", "table:write", "bucket:read-incoming", "bucket:write-incoming"],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "verify-document",
    method: "POST",
    path: "/v1/verify",
    access: ["table:read"],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "set-status",
    method: "POST",
    path: "/v1/letters/{id}/status",
    access: ["table:read", "table:write"],
  },
];

/** Path of a route's handler module, relative to the repository root. */
export function handlerEntry(route: RouteDefinition): string {
  return `functions/${route.name}/handler.ts`;
}
