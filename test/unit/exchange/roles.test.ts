import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROUTES, routeAction } from "../../../functions/routes.ts";
import {
  ACTION_DESCRIPTIONS,
  ACTIONS,
  type Action,
  mayPerform,
  ROLE_ACTIONS,
  ROLES,
  rolesAllowed,
} from "../../../shared/exchange/roles.ts";
import type { Role } from "../../../shared/exchange/types.ts";

/** The matrix as the README documents it (section "Roles"): role → what it may do. */
const DOCUMENTED: Record<Role, readonly Action[]> = {
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
};

describe("the role matrix", () => {
  it("has exactly the roles clerk, integration and admin", () => {
    expect([...ROLES].sort()).toEqual(["admin", "clerk", "integration"]);
  });

  it.each(Object.entries(DOCUMENTED))("lets %s do what is documented and nothing else", (role, allowed) => {
    for (const action of ACTIONS) {
      expect(mayPerform(role, action), `${role} ${action}`).toBe(allowed.includes(action));
    }
  });

  it("names only known actions, and every action has a description and at least one role", () => {
    for (const actions of Object.values(ROLE_ACTIONS)) {
      for (const action of actions) {
        expect(ACTIONS).toContain(action);
      }
    }
    for (const action of ACTIONS) {
      expect(ACTION_DESCRIPTIONS[action].length, action).toBeGreaterThan(5);
      expect(rolesAllowed(action).length, action).toBeGreaterThan(0);
    }
  });

  it("is the table the README shows (API, Roles)", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("**Roles.**"), readme.indexOf("\nWhy: "));
    const rows = section.split("\n").filter((line) => /^\| `[a-z-]+` /.test(line));
    const header = section.split("\n").find((line) => line.startsWith("| action "))!;
    const roles = header
      .split("|")
      .slice(3, -1)
      .map((cell) => cell.trim().replaceAll("`", ""));
    const shown = Object.fromEntries(roles.map((role) => [role, [] as string[]]));
    for (const row of rows) {
      const cells = row
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim());
      const action = cells[0]!.replaceAll("`", "");
      cells.slice(2).forEach((cell, index) => {
        if (cell === "✓") {
          shown[roles[index]!]!.push(action);
        }
      });
    }
    expect(rows.map((row) => row.split("`")[1])).toEqual([...ACTIONS]);
    expect(
      Object.fromEntries(Object.entries(shown).map(([role, actions]) => [role, actions.sort()])),
    ).toEqual(Object.fromEntries(ROLES.map((role) => [role, [...ROLE_ACTIONS[role]].sort()])));
  });

  it("gives the organ's seal to the clerk alone", () => {
    expect(rolesAllowed("seal")).toEqual(["clerk"]);
    expect(rolesAllowed("set-status")).toEqual(["clerk"]);
    expect(rolesAllowed("send")).toEqual(["integration"]);
    expect(rolesAllowed("draft")).toEqual(["integration"]);
    expect(rolesAllowed("administer")).toEqual(["admin"]);
  });

  it.each(["auditor", "", "CLERK", "toString", "__proto__", undefined, null, 3])(
    "lets an unknown role (%s) do nothing",
    (role) => {
      for (const action of ACTIONS) {
        expect(mayPerform(role, action)).toBe(false);
      }
    },
  );
});

describe("the routes' actions", () => {
  it("every route names an action of the table, and some role may perform it", () => {
    for (const route of ROUTES) {
      expect(ACTIONS, route.name).toContain(route.action);
      expect(rolesAllowed(route.action).length, route.name).toBeGreaterThan(0);
      expect(routeAction(route.name)).toBe(route.action);
    }
  });

  it("maps each route to the action its capability is", () => {
    expect(
      Object.fromEntries(ROUTES.map((route) => [`${route.method} ${route.path}`, route.action])),
    ).toEqual({
      "POST /v1/letters": "draft",
      "PUT /v1/letters/{id}/file": "draft",
      "POST /v1/letters/{id}/send": "send",
      "GET /v1/letters/{id}": "read",
      "GET /v1/inbox": "read",
      "GET /v1/outbox": "read",
      "GET /v1/letters/{id}/verification": "read",
      "POST /v1/letters/{id}/verify": "verify",
      "POST /v1/verify": "verify",
      "POST /v1/letters/{id}/status": "set-status",
      "POST /v1/sign": "seal",
      "POST /v1/sign/prepare": "sign-external",
      "POST /v1/sign/complete": "sign-external",
      "GET /v1/organs": "read-directory",
      "POST /v1/admin/organs": "administer",
      "PUT /v1/admin/organs/{code}": "administer",
      "POST /v1/admin/organs/{code}/deactivate": "administer",
      "POST /v1/admin/organs/{code}/merge": "administer",
      "GET /v1/admin/organs/{code}/keys": "administer",
      "POST /v1/admin/organs/{code}/keys": "administer",
      "POST /v1/admin/keys/{id}/rotate": "administer",
      "DELETE /v1/admin/keys/{id}": "administer",
      "GET /v1/admin/organs/{code}/certificates": "administer",
      "POST /v1/admin/organs/{code}/certificates": "administer",
      "DELETE /v1/admin/organs/{code}/certificates/{sha256}": "administer",
      "GET /v1/admin/trust-anchors": "administer",
      "POST /v1/admin/trust-anchors": "administer",
      "DELETE /v1/admin/trust-anchors/{sha256}": "administer",
      "GET /v1/admin/send-policy": "administer",
      "PUT /v1/admin/send-policy": "administer",
      "GET /v1/stats": "report",
      "GET /v1/inbox/counts": "read",
      "GET /v1/letters/{id}/history": "read",
      "GET /v1/letters/{id}/thread": "read",
      "POST /v1/letters/{id}/recall": "send",
      "GET /v1/letters/{id}/receipts": "read",
      "GET /v1/letters/{id}/receipts/{recipient}/{file}": "read",
      "POST /v1/admin/audit/seal": "administer",
      "GET /v1/admin/audit/letters/{id}": "administer",
      "POST /v1/inbox/peek": "read",
      "POST /v1/inbox/{id}/confirm": "read",
      "POST /v1/webhooks": "manage-webhooks",
      "GET /v1/webhooks": "manage-webhooks",
      "DELETE /v1/webhooks/{id}": "manage-webhooks",
      "POST /v1/webhooks/{id}/test": "manage-webhooks",
      "GET /v1/admin/webhooks/dead": "administer",
      "POST /v1/admin/webhooks/dead/{webhookId}/redeliver": "administer",
      "POST /v1/edxml": "import-edxml",
      "GET /v1/letters/{id}/edxml": "read",
      "GET /v1/letters/{id}/status.edxml": "read",
    });
  });

  it("every action has a route", () => {
    const routed = new Set(ROUTES.map((route) => route.action));
    expect(ACTIONS.filter((action) => !routed.has(action))).toEqual([]);
  });

  it("an unknown route name is an error, never a default action", () => {
    expect(() => routeAction("delete-everything")).toThrow(/no route named/);
  });
});
