import { randomInt, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ROUTES, type RouteDefinition } from "../../functions/routes.ts";
import { READ_ONLY_ACTIONS, ROLES, rolesAllowed } from "../../shared/exchange/roles.ts";
import type { Role } from "../../shared/exchange/types.ts";
import { DynamoAdminStore } from "../../shared/storage/dynamo-admin.ts";
import { createDynamoClient } from "../../shared/storage/index.ts";
import { testStorageConfig } from "../support/exchange.ts";

/**
 * "A key of an inactive or merged organ may only read", through HTTP, for every route of
 * functions/routes.ts: generated from the table, so that a route added later is covered the day
 * it is added. Every writing route (not GET, action not read-only) answers a key of an inactive
 * and of a merged organ, of every role the route allows, 403 ORGAN_INACTIVE before its own logic;
 * every reading route lets them through. Then: admin actions targeting such an organ are refused
 * naming the successor, and a deactivated organ is brought back with PUT {status: "active"}.
 */

interface Answer {
  readonly status: number;
  readonly body: {
    code?: string;
    detail?: string;
    successor?: string;
    status?: string;
    key?: { id: string };
    secret?: string;
  };
}

const freshCode = () =>
  `${randomInt(100, 999)}.${randomInt(10, 99)}.${randomInt(10, 99)}.N${String(randomInt(0, 99)).padStart(2, "0")}`;

const adminKey = () => {
  const key = inject("demoKeys").find((k) => k.role === "admin");
  if (!key) {
    throw new Error("the local exchange printed no admin key");
  }
  return key.apiKey;
};

async function call(key: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${inject("apiUrl")}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Answer["body"] = {};
  try {
    parsed = JSON.parse(text) as Answer["body"];
  } catch {
    parsed = {};
  }
  return { status: response.status, body: parsed };
}

async function asAdmin(method: string, path: string, body?: unknown): Promise<Answer["body"]> {
  const answer = await call(adminKey(), method, path, body);
  if (answer.status >= 300) {
    throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

async function organWithKeys(): Promise<{ code: string; keys: Record<Role, string> }> {
  const code = freshCode();
  await asAdmin("POST", "/v1/admin/organs", { code, name: `Cơ quan thử ngừng hoạt động ${code}` });
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) {
    keys[role] = (await asAdmin("POST", `/v1/admin/organs/${code}/keys`, { role })).secret as string;
  }
  return { code, keys };
}

/** The route's path with every parameter filled (values nobody has: the refusal comes first). */
function pathOf(route: RouteDefinition, organ: string): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    name === "code" || name === "recipient" ? organ : name === "sha256" ? "0".repeat(64) : randomUUID(),
  );
}

/** The oracle, said from the route table itself: a route writes unless it is a GET or its action only reads. */
const writing = (route: RouteDefinition) => route.method !== "GET" && !READ_ONLY_ACTIONS.has(route.action);
/** Routes that write to the table but are reads for the caller: its own inbox's peek and confirm. */
const READING_WRITERS = new Set(["peek-inbox", "confirm-delivery"]);

let inactive: { code: string; keys: Record<Role, string> };
let merged: { code: string; keys: Record<Role, string> };
let successor: string;

beforeAll(async () => {
  [inactive, merged] = await Promise.all([organWithKeys(), organWithKeys()]);
  successor = freshCode();
  await asAdmin("POST", "/v1/admin/organs", { code: successor, name: `Cơ quan kế thừa ${successor}` });
  await asAdmin("POST", `/v1/admin/organs/${inactive.code}/deactivate`);
  await asAdmin("POST", `/v1/admin/organs/${merged.code}/merge`, { successor });
});

describe("a key of an inactive or merged organ may only read, on every route", () => {
  it("every route that writes to storage is a writing route, or a declared read of the caller's own inbox", () => {
    const writesStorage = ROUTES.filter((route) =>
      route.access.some((access) => access.endsWith(":write") || access.startsWith("bucket:write")),
    );
    for (const route of writesStorage) {
      expect(writing(route) || READING_WRITERS.has(route.name), route.name).toBe(true);
    }
    expect(ROUTES.filter(writing).length).toBeGreaterThan(20);
  });

  for (const route of ROUTES) {
    for (const role of rolesAllowed(route.action)) {
      const expected = writing(route) ? "refused" : "let through";
      it(`${route.method} ${route.path} (${route.name}), ${role} key: ${expected}`, async () => {
        for (const organ of [inactive, merged]) {
          const body = route.method === "GET" ? undefined : {};
          const answer = await call(organ.keys[role], route.method, pathOf(route, organ.code), body);
          if (writing(route)) {
            expect([answer.status, answer.body.code], `${organ.code}: ${answer.body.detail}`).toEqual([
              403,
              "ORGAN_INACTIVE",
            ]);
          } else {
            expect(answer.body.code, `${organ.code}: ${answer.body.detail}`).not.toBe("ORGAN_INACTIVE");
            expect(answer.status).not.toBe(401);
            expect(answer.status).toBeLessThan(500);
          }
        }
      });
    }
  }
});

describe("admin actions on an organ that is not active", () => {
  it("refuses new keys, rotation, certificates, children and a pilot policy, naming the successor", async () => {
    const organ = await organWithKeys();
    const oldKeyId = (await asAdmin("GET", `/v1/admin/organs/${organ.code}/keys`)) as unknown as {
      items: { id: string; role: string }[];
    };
    const heir = freshCode();
    await asAdmin("POST", "/v1/admin/organs", { code: heir, name: `Cơ quan nhận sáp nhập ${heir}` });
    await asAdmin("POST", `/v1/admin/organs/${organ.code}/merge`, { successor: heir });

    const attempts: [string, string, unknown][] = [
      ["POST", `/v1/admin/organs/${organ.code}/keys`, { role: "integration" }],
      ["POST", `/v1/admin/keys/${oldKeyId.items[0]?.id}/rotate`, { graceHours: 0 }],
      ["POST", `/v1/admin/organs/${organ.code}/certificates`, { pem: "-----BEGIN CERTIFICATE-----" }],
      ["POST", "/v1/admin/organs", { code: freshCode(), name: `Con ${randomUUID()}`, parent: organ.code }],
      [
        "PUT",
        "/v1/admin/send-policy",
        {
          organCode: organ.code,
          policy: {
            verdicts: "record-only",
            requirePersonSignature: false,
            requireFinalOrganSignature: false,
          },
        },
      ],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await call(adminKey(), method, path, body);
      expect([answer.status, answer.body.code, answer.body.successor], `${method} ${path}`).toEqual([
        409,
        "ADMIN_ORGAN_INACTIVE",
        heir,
      ]);
    }
    // Revoking still works: stopping a key is never refused.
    const revoked = await call(adminKey(), "DELETE", `/v1/admin/keys/${oldKeyId.items[0]?.id}`);
    expect(revoked.status).toBe(200);
  });

  it("names the successor at the end of the chain when the successor itself merged later", async () => {
    const [x, y, z] = [freshCode(), freshCode(), freshCode()];
    for (const code of [x, y, z]) {
      await asAdmin("POST", "/v1/admin/organs", { code, name: `Chuỗi sáp nhập ${code}` });
    }
    await asAdmin("POST", `/v1/admin/organs/${x}/merge`, { successor: y });
    await asAdmin("POST", `/v1/admin/organs/${y}/merge`, { successor: z });
    const key = await call(adminKey(), "POST", `/v1/admin/organs/${x}/keys`, { role: "clerk" });
    expect([key.status, key.body.code, key.body.successor]).toEqual([409, "ADMIN_ORGAN_INACTIVE", z]);
  });
});

describe("recovery: PUT {status: active} reactivates an inactive organ", () => {
  it("the organ's own admin key, refused while it is inactive, writes again; a merge is final", async () => {
    const organ = await organWithKeys();
    await call(organ.keys.admin, "POST", `/v1/admin/organs/${organ.code}/deactivate`);
    const writeAttempt = () =>
      call(organ.keys.admin, "POST", "/v1/admin/organs", { code: freshCode(), name: `Mới ${randomUUID()}` });
    expect((await writeAttempt()).body.code).toBe("ORGAN_INACTIVE");
    // What it may still do: read.
    expect((await call(organ.keys.admin, "GET", "/v1/admin/send-policy")).status).toBe(200);
    // It cannot reactivate itself: that is a write.
    const self = await call(organ.keys.admin, "PUT", `/v1/admin/organs/${organ.code}`, { status: "active" });
    expect(self.body.code).toBe("ORGAN_INACTIVE");

    const back = await call(adminKey(), "PUT", `/v1/admin/organs/${organ.code}`, { status: "active" });
    expect([back.status, back.body.status]).toEqual([200, "active"]);
    expect((await writeAttempt()).status).toBe(201);

    const store = new DynamoAdminStore(
      createDynamoClient(testStorageConfig()),
      testStorageConfig().tableName,
    );
    const events = await store.adminEvents();
    const reactivation = events.find(
      (event) => event.type === "organ.reactivated" && event.data["organCode"] === organ.code,
    );
    expect(reactivation?.data["changes"]).toEqual({ status: "active" });

    const mergedBack = await call(adminKey(), "PUT", `/v1/admin/organs/${merged.code}`, { status: "active" });
    expect([mergedBack.status, mergedBack.body.code]).toEqual([409, "ADMIN_ORGAN_STATE"]);
    const invalid = await call(adminKey(), "PUT", `/v1/admin/organs/${organ.code}`, { status: "merged" });
    expect([invalid.status, invalid.body.code]).toEqual([400, "VALIDATION_FAILED"]);
  });
});
