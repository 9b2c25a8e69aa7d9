import type { Action } from "../shared/exchange/roles.ts";

/**
 * The HTTP API, declared once: the CDK stack makes one Lambda function and one route per entry,
 * and the local server dispatches requests to the same handler modules. `access` lists what the
 * function may touch; infra grants exactly that (least privilege), nothing more. `action` is what
 * the route does: the shared wrapper lets only a key whose role may perform it through
 * (`shared/exchange/roles.ts`).
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
  | "kms:sign"
  /** The exchange's own evidence key (receipts, audit seals): a key of its own, never an organ's. */
  | "kms:sign-evidence";

export interface RouteDefinition {
  /** Function name, also the folder under `functions/`. */
  readonly name: string;
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** API Gateway route path, `{param}` for path parameters. */
  readonly path: string;
  /** What a caller does through this route; its key's role must allow it. */
  readonly action: Action;
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
    action: "draft",
    access: ["table:read", "table:write", "bucket:write-incoming"],
  },
  {
    name: "send-letter",
    method: "POST",
    path: "/v1/letters/{id}/send",
    action: "send",
    access: [
      "table:read",
      "table:write",
      "bucket:read-incoming",
      // A refused attempt's report stays with the draft, unlocked (shared/exchange/ports.ts).
      "bucket:write-incoming",
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
    action: "draft",
    access: ["table:read", "table:write", "bucket:write-incoming"],
  },
  {
    name: "get-letter",
    method: "GET",
    path: "/v1/letters/{id}",
    action: "read",
    access: ["table:read", "bucket:read-letters", "bucket:read-incoming"],
  },
  { name: "list-inbox", method: "GET", path: "/v1/inbox", action: "read", access: ["table:read"] },
  { name: "list-outbox", method: "GET", path: "/v1/outbox", action: "read", access: ["table:read"] },
  // Handling statistics, kept by the stream consumer (functions/stream-events, not a route).
  { name: "get-stats", method: "GET", path: "/v1/stats", action: "report", access: ["table:read"] },
  { name: "inbox-counts", method: "GET", path: "/v1/inbox/counts", action: "read", access: ["table:read"] },
  {
    name: "get-verification",
    method: "GET",
    path: "/v1/letters/{id}/verification",
    action: "read",
    access: ["table:read", "bucket:read-incoming", "bucket:read-evidence"],
  },
  {
    name: "verify-letter",
    method: "POST",
    path: "/v1/letters/{id}/verify",
    action: "verify",
    access: ["table:read", "bucket:read-incoming", "bucket:read-letters"],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "sign-letter",
    method: "POST",
    path: "/v1/sign",
    action: "seal",
    access: ["table:read", "table:write", "bucket:read-incoming", "bucket:write-incoming", "kms:sign"],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "prepare-signature",
    method: "POST",
    path: "/v1/sign/prepare",
    action: "sign-external",
    access: ["table:read", "table:write", "bucket:read-incoming", "bucket:write-incoming"],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "complete-signature",
    method: "POST",
    path: "/v1/sign/complete",
    action: "sign-external",
    access: ["table:read", "table:write", "bucket:read-incoming", "bucket:write-incoming"],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "verify-document",
    method: "POST",
    path: "/v1/verify",
    action: "verify",
    access: ["table:read"],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "set-status",
    method: "POST",
    path: "/v1/letters/{id}/status",
    action: "set-status",
    access: ["table:read", "table:write"],
  },
  // Administration (shared/exchange/administration.ts): the directory for every role, the rest for admins.
  {
    name: "list-organs",
    method: "GET",
    path: "/v1/organs",
    action: "read-directory",
    access: ["table:read"],
  },
  {
    name: "create-organ",
    method: "POST",
    path: "/v1/admin/organs",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "update-organ",
    method: "PUT",
    path: "/v1/admin/organs/{code}",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "deactivate-organ",
    method: "POST",
    path: "/v1/admin/organs/{code}/deactivate",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "merge-organ",
    method: "POST",
    path: "/v1/admin/organs/{code}/merge",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "list-api-keys",
    method: "GET",
    path: "/v1/admin/organs/{code}/keys",
    action: "administer",
    access: ["table:read"],
  },
  {
    name: "create-api-key",
    method: "POST",
    path: "/v1/admin/organs/{code}/keys",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "rotate-api-key",
    method: "POST",
    path: "/v1/admin/keys/{id}/rotate",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "revoke-api-key",
    method: "DELETE",
    path: "/v1/admin/keys/{id}",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "list-certificates",
    method: "GET",
    path: "/v1/admin/organs/{code}/certificates",
    action: "administer",
    access: ["table:read"],
  },
  {
    name: "bind-certificate",
    method: "POST",
    path: "/v1/admin/organs/{code}/certificates",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "unbind-certificate",
    method: "DELETE",
    path: "/v1/admin/organs/{code}/certificates/{sha256}",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "list-trust-anchors",
    method: "GET",
    path: "/v1/admin/trust-anchors",
    action: "administer",
    access: ["table:read"],
  },
  {
    name: "add-trust-anchor",
    method: "POST",
    path: "/v1/admin/trust-anchors",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "remove-trust-anchor",
    method: "DELETE",
    path: "/v1/admin/trust-anchors/{sha256}",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  {
    name: "get-send-policy",
    method: "GET",
    path: "/v1/admin/send-policy",
    action: "administer",
    access: ["table:read"],
  },
  {
    name: "put-send-policy",
    method: "PUT",
    path: "/v1/admin/send-policy",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  // Lifecycle, receipts and audit (issue 10 items 4, 5, 8: shared/exchange/lifecycle.ts, receipts.ts, audit.ts)
  {
    name: "get-history",
    method: "GET",
    path: "/v1/letters/{id}/history",
    action: "read",
    access: ["table:read"],
  },
  {
    name: "get-thread",
    method: "GET",
    path: "/v1/letters/{id}/thread",
    action: "read",
    access: ["table:read"],
  },
  {
    name: "request-recall",
    method: "POST",
    path: "/v1/letters/{id}/recall",
    action: "send",
    access: ["table:read", "table:write"],
  },
  {
    name: "list-receipts",
    method: "GET",
    path: "/v1/letters/{id}/receipts",
    action: "read",
    access: ["table:read"],
  },
  {
    // Signed on request with the exchange's key (deterministic: the same bytes every time).
    name: "get-receipt",
    method: "GET",
    path: "/v1/letters/{id}/receipts/{recipient}/{file}",
    action: "read",
    access: ["table:read", "kms:sign-evidence"],
  },
  {
    name: "seal-audit",
    method: "POST",
    path: "/v1/admin/audit/seal",
    action: "administer",
    access: ["table:read", "table:write", "bucket:write-evidence", "kms:sign-evidence"],
    timeoutSeconds: 29,
  },
  {
    name: "verify-audit",
    method: "GET",
    path: "/v1/admin/audit/letters/{id}",
    action: "administer",
    // kms:sign-evidence only for the exchange's signer configuration (its certificate is what seals are checked against).
    access: ["table:read", "bucket:read-evidence", "kms:sign-evidence"],
    timeoutSeconds: 29,
  },
  // Peek/confirm inbox for polling systems (issue 11 item 3: shared/exchange/peek.ts).
  {
    name: "peek-inbox",
    method: "POST",
    path: "/v1/inbox/peek",
    action: "read",
    access: ["table:read", "table:write"],
  },
  {
    name: "confirm-delivery",
    method: "POST",
    path: "/v1/inbox/{id}/confirm",
    action: "read",
    access: ["table:read", "table:write"],
  },
  // Webhooks (issue 11 item 2: shared/exchange/webhook-endpoints.ts, shared/webhooks)
  {
    name: "register-webhook",
    method: "POST",
    path: "/v1/webhooks",
    action: "manage-webhooks",
    access: ["table:read", "table:write"],
  },
  {
    name: "list-webhooks",
    method: "GET",
    path: "/v1/webhooks",
    action: "manage-webhooks",
    access: ["table:read"],
  },
  {
    name: "delete-webhook",
    method: "DELETE",
    path: "/v1/webhooks/{id}",
    action: "manage-webhooks",
    access: ["table:read", "table:write"],
  },
  {
    name: "test-webhook",
    method: "POST",
    path: "/v1/webhooks/{id}/test",
    action: "manage-webhooks",
    access: ["table:read"],
    timeoutSeconds: 15,
  },
  {
    name: "list-dead-webhooks",
    method: "GET",
    path: "/v1/admin/webhooks/dead",
    action: "administer",
    access: ["table:read"],
  },
  {
    name: "redeliver-webhook",
    method: "POST",
    path: "/v1/admin/webhooks/dead/{webhookId}/redeliver",
    action: "administer",
    access: ["table:read", "table:write"],
  },
  // edXML packages in and out (issue 11 item 1: shared/edxml/exchange-bridge.ts). Import is a send.
  {
    name: "import-edxml",
    method: "POST",
    path: "/v1/edxml",
    // Clerk and integration keys; the package's kind then needs send (letter) or set-status (status).
    action: "import-edxml",
    access: [
      "table:read",
      "table:write",
      "bucket:read-incoming",
      "bucket:write-incoming",
      "bucket:write-letters",
      "bucket:write-evidence",
    ],
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "export-edxml",
    method: "GET",
    path: "/v1/letters/{id}/edxml",
    action: "read",
    access: ["table:read", "bucket:read-letters", "bucket:read-incoming"],
  },
  {
    name: "export-status-edxml",
    method: "GET",
    path: "/v1/letters/{id}/status.edxml",
    action: "read",
    access: ["table:read"],
  },
];

/** The action a route names, for its handler's `apiHandler` options; throws for an unknown route. */
export function routeAction(name: string): Action {
  const route = ROUTES.find((candidate) => candidate.name === name);
  if (!route) {
    throw new Error(`no route named '${name}' in functions/routes.ts`);
  }
  return route.action;
}

/** Path of a route's handler module, relative to the repository root. */
export function handlerEntry(route: RouteDefinition): string {
  return `functions/${route.name}/handler.ts`;
}
