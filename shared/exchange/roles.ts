import type { Role } from "./types.ts";

/**
 * Who may do what: the role of an API key × the action of a route, in one table. Every route in
 * `functions/routes.ts` names one action; the shared HTTP wrapper refuses a key whose role is not
 * allowed it (403 `ROLE_NOT_ALLOWED`) before the route's logic runs. An organ still sees only its
 * own letters whatever the role: roles narrow what a key may do, never widen what an organ may see.
 */
export type Action =
  /** Read letters, the inbox, the outbox and the verification reports kept at `send`. */
  | "read"
  /** Register a draft letter (`POST /v1/letters`) or give a draft a new file (`PUT …/file`). */
  | "draft"
  /** Send a draft to its recipients (`POST /v1/letters/{id}/send`). */
  | "send"
  /** Record a recipient's edXML status: accept, refuse, assign, finish (`POST …/status`). */
  | "set-status"
  /** Apply the organ's seal with the key the exchange holds for it (`POST /v1/sign`). */
  | "seal"
  /** Two-phase signing with a key outside the exchange (`POST /v1/sign/prepare`, `/complete`). */
  | "sign-external"
  /** Verify a letter's signatures now (`POST /v1/verify`, `POST /v1/letters/{id}/verify`). */
  | "verify"
  /** Read handling statistics (`GET /v1/stats`): an organ its own; an admin any organ's or all. */
  | "report"
  /** Manage the exchange itself: organs, keys, certificates, trust anchors, the send policy (`/v1/admin/…`). */
  | "administer"
  /** Search the organ directory (`GET /v1/organs`): every role, to address letters and show senders. */
  | "read-directory"
  /** Register, list, delete and test webhook endpoints (`/v1/webhooks`): an organ its own; an admin any organ's. */
  | "manage-webhooks"
  /**
   * Post an edXML package (`POST /v1/edxml`): the route lets clerk and integration keys in; the
   * package's kind then needs its own action (a letter `send`, a status `set-status`: exchange-bridge.ts).
   */
  | "import-edxml";

/**
 * The role matrix. Why it is so:
 *
 * - `clerk` — the văn thư. In a Vietnamese office the head of the organ entrusts the organ's seal
 *   and the device holding its signing key to the văn thư, who stamps and issues its letters and
 *   registers (or returns) the letters that arrive. So a clerk's key, and only a clerk's key, may
 *   apply the organ's seal that the exchange holds (`seal`), and it records statuses: accepting or
 *   refusing an incoming letter is the clerk's decision. It does not draft or send: that is the
 *   office software's job.
 * - `integration` — office software (a document-management system) sending and fetching on the
 *   organ's behalf: it drafts, uploads, sends and reads. Its key is a machine credential kept in a
 *   server's configuration, so it may not apply the seal: a leaked integration key must not be able
 *   to give any file the organ's legal signature. Nor does it set statuses, which record a person's
 *   decision.
 * - `admin` — administers the exchange for the organ, and nothing else: managing keys is no right
 *   to read the organ's correspondence or to act in its name.
 *
 * Both clerk and integration may sign with an external key (a USB token, a CA's remote signing
 * service): the key never reaches the exchange, so holding it is the proof, and the certificate
 * must be bound to the caller's organ. Both may verify, which changes nothing.
 */
export const ROLE_ACTIONS = {
  clerk: [
    "read",
    "set-status",
    "seal",
    "sign-external",
    "verify",
    "report",
    "read-directory",
    "import-edxml",
  ],
  integration: [
    "read",
    "draft",
    "send",
    "sign-external",
    "verify",
    "report",
    "read-directory",
    "manage-webhooks",
    "import-edxml",
  ],
  admin: ["administer", "report", "read-directory", "manage-webhooks"],
} as const satisfies Record<Role, readonly Action[]>;

export const ROLES = Object.keys(ROLE_ACTIONS) as readonly Role[];

export const ACTIONS: readonly Action[] = [
  "read",
  "draft",
  "send",
  "set-status",
  "seal",
  "sign-external",
  "verify",
  "administer",
  "report",
  "read-directory",
  "manage-webhooks",
  "import-edxml",
];

/** What a refusal says the caller tried: "this key's role (clerk) may not send letters". */
export const ACTION_DESCRIPTIONS: Readonly<Record<Action, string>> = {
  read: "read letters, the inbox or the outbox",
  draft: "create draft letters or replace their files",
  send: "send letters",
  "set-status": "set a letter's status",
  seal: "apply the organ's seal (POST /v1/sign)",
  "sign-external": "sign letters with an external key",
  verify: "verify letters",
  administer: "administer the exchange",
  report: "read handling statistics",
  "read-directory": "search the organ directory",
  "manage-webhooks": "manage webhook endpoints",
  "import-edxml": "import edXML packages",
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && Object.hasOwn(ROLE_ACTIONS, value);
}

/** Actions that change nothing: all a key of an inactive or merged organ may still do. */
export const READ_ONLY_ACTIONS: ReadonlySet<Action> = new Set<Action>([
  "read",
  "read-directory",
  "verify",
  "report",
]);

/**
 * Whether a request writes: every method but GET, unless its action only reads (a POST that
 * verifies, peeks or confirms its inbox). A key whose organ is not active is refused these
 * (ORGAN_INACTIVE, shared/http/api-handler.ts), whichever route and role.
 */
export function writes(action: Action, method: string): boolean {
  return method !== "GET" && !READ_ONLY_ACTIONS.has(action);
}

/** Whether a key of `role` may perform `action`. An unknown role may do nothing (fail closed). */
export function mayPerform(role: unknown, action: Action): boolean {
  return isRole(role) && (ROLE_ACTIONS[role] as readonly Action[]).includes(action);
}

/** The roles that may perform `action`, for the caller's refusal. */
export function rolesAllowed(action: Action): Role[] {
  return ROLES.filter((role) => mayPerform(role, action));
}
