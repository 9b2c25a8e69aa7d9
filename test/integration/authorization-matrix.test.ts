import { randomInt, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createCertificateAuthority, type IssuedCertificate, issueCertificate } from "../../devkit/pki.ts";
import { ROUTES } from "../../functions/routes.ts";
import { writeEdxml } from "../../shared/edxml/index.ts";
import { ROLES, rolesAllowed } from "../../shared/exchange/roles.ts";
import type { Role } from "../../shared/exchange/types.ts";
import { draftLetter, letterMetadata, organCodes, samplePdf, signedPdf } from "../support/exchange.ts";

/**
 * The authorisation matrix through HTTP, generated from functions/routes.ts: every route × every
 * role (clerk, integration, admin), a missing key and a revoked key × the organ the data belongs
 * to ("own") and an organ it does not concern ("other"). The expected rule of each route is in
 * RULES below, one entry per route name: a route without an entry fails the test, so a new route
 * cannot ship without someone deciding who may call it.
 *
 * What is checked in every cell: no key and a revoked key are 401; a role the rule does not list
 * is 403 ROLE_NOT_ALLOWED; a role it lists is let through (for "own", the answer the rule says);
 * and no answer to another organ ever carries the letter's subject (its data never appears).
 * Admin keys administer the whole deployment, so an admin of another organ is let through too
 * (administration.ts): what "other" checks for admin routes is that the other organ's admin is not
 * refused for it, and that non-admins of either organ are.
 */

type Whose = "own" | "other";
type Who = Role | "no key" | "revoked key";

interface Request {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  /** Raw bytes with their content type instead of JSON. */
  readonly raw?: { readonly bytes: Uint8Array; readonly contentType: string };
}

interface Answer {
  readonly status: number;
  readonly code?: string;
  readonly text: string;
}

/**
 * What an allowed role gets: `ok` (2xx); `not-found` (404, as if the letter did not exist);
 * `refused` (a 4xx other than 401 and ROLE_NOT_ALLOWED: a business refusal); `through` (anything
 * but an authentication or role refusal: the route's own rules decide). "Other" answers are also
 * checked never to carry the letter's subject.
 */
type Expect = "ok" | "not-found" | "refused" | "through";

interface Rule {
  /** The roles that may call the route: must be exactly the role matrix's for its action. */
  readonly roles: readonly Role[];
  /** Whose key acts for "own": the letter's sender (default) or its recipient. */
  readonly ownOrgan?: "sender" | "recipient";
  readonly own: Expect;
  readonly other: Expect;
  /** The request; run again for every cell (admin routes make a fresh target each time). */
  readonly request: (whose: Whose) => Request | Promise<Request>;
}

const CLERK_INTEGRATION: readonly Role[] = ["clerk", "integration"];
const EVERY_ROLE: readonly Role[] = ["clerk", "integration", "admin"];
const ADMIN: readonly Role[] = ["admin"];

let sender: string;
let recipient: string;
let other: string;
/** A letter sent by `sender` to `recipient` (never to `other`), and its subject. */
let letterId: string;
let subject: string;
let draftId: string;
let signedSha256: string;
let anchorPem: string;
/** A CA kept as trust anchor throughout (remove-trust-anchor removes `anchorPem`'s): issues bound certificates. */
let bindingCa: IssuedCertificate;
const keys = new Map<string, string>();

const keyOf = (organ: string, who: Who): string | undefined => keys.get(`${organ}|${who}`);

async function send(key: string | undefined, request: Request): Promise<Answer> {
  const response = await fetch(`${inject("apiUrl")}${request.path}`, {
    method: request.method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(request.raw
        ? { "content-type": request.raw.contentType }
        : request.body !== undefined
          ? { "content-type": "application/json" }
          : {}),
    },
    ...(request.raw
      ? { body: Buffer.from(request.raw.bytes) }
      : request.body !== undefined
        ? { body: JSON.stringify(request.body) }
        : {}),
  });
  const text = await response.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: response.status, ...(code ? { code } : {}), text };
}

async function asAdmin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const answer = await send(keyOf(sender, "admin"), {
    method,
    path,
    ...(body === undefined ? {} : { body }),
  });
  if (answer.status >= 300) {
    throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  }
  return JSON.parse(answer.text) as T;
}

const freshCode = () =>
  `${randomInt(100, 999)}.${randomInt(10, 99)}.${randomInt(10, 99)}.M${String(randomInt(0, 99)).padStart(2, "0")}`;

async function freshOrgan(): Promise<string> {
  const code = freshCode();
  await asAdmin("POST", "/v1/admin/organs", { code, name: `Cơ quan ma trận ${code}` });
  return code;
}

async function freshKey(): Promise<string> {
  const organ = await freshOrgan();
  return (await asAdmin<{ key: { id: string } }>("POST", `/v1/admin/organs/${organ}/keys`, { role: "clerk" }))
    .key.id;
}

/** Deletes the sender's endpoints: the cells register many, and an organ may have 10 at most. */
async function clearWebhooks(): Promise<void> {
  const listed = await asAdmin<{ items: { id: string }[] }>("GET", `/v1/webhooks?organ=${sender}`);
  for (const { id } of listed.items) {
    await asAdmin("DELETE", `/v1/webhooks/${id}`);
  }
}

/** A new webhook endpoint of the sender (registered by an admin), to delete or test. */
async function freshWebhook(): Promise<string> {
  await clearWebhooks();
  return (
    await asAdmin<{ id: string }>("POST", "/v1/webhooks", {
      url: "http://127.0.0.1:9/hooks",
      events: ["receipt.issued"],
      organ: sender,
    })
  ).id;
}

/** An end-entity certificate naming no organ, chaining to an anchor: bindable to one organ (administration.ts). */
async function freshLeafPem(): Promise<string> {
  const leaf = await issueCertificate(bindingCa, {
    subject: { commonName: `Ma trận ${randomUUID().slice(0, 8)}` },
    notBefore: new Date("2024-01-01T00:00:00Z"),
    notAfter: new Date("2039-01-01T00:00:00Z"),
    keyType: "ec-p256",
  });
  return leaf.certPem;
}

/** The letter's routes: own is the letter's sender (or recipient), other an organ it does not concern. */
const letterPath = (suffix = "") => `/v1/letters/${letterId}${suffix}`;

const RULES: Readonly<Record<string, Rule>> = {
  "create-letter": {
    roles: ["integration"],
    own: "ok",
    other: "ok", // a draft is always the caller organ's own
    request: () => ({
      method: "POST",
      path: "/v1/letters",
      body: {
        ...letterMetadata([recipient]),
        file: { name: "a.pdf", contentType: "application/pdf", size: 100, sha256: "a".repeat(64) },
      },
    }),
  },
  "send-letter": {
    roles: ["integration"],
    own: "ok", // sent already: answered as it is
    other: "not-found",
    request: () => ({ method: "POST", path: letterPath("/send") }),
  },
  "replace-file": {
    roles: ["integration"],
    own: "ok",
    other: "not-found",
    request: () => ({
      method: "PUT",
      path: `/v1/letters/${draftId}/file`,
      body: {
        name: "b.pdf",
        contentType: "application/pdf",
        size: 200,
        sha256: randomUUID().replaceAll("-", "").repeat(2),
      },
    }),
  },
  "get-letter": {
    roles: CLERK_INTEGRATION,
    own: "ok",
    other: "not-found",
    request: () => ({ method: "GET", path: letterPath() }),
  },
  "list-inbox": {
    roles: CLERK_INTEGRATION,
    ownOrgan: "recipient",
    own: "ok",
    other: "ok", // its own inbox, without the letter (checked below)
    request: () => ({ method: "GET", path: "/v1/inbox?limit=100" }),
  },
  "peek-inbox": {
    roles: CLERK_INTEGRATION,
    ownOrgan: "recipient",
    own: "ok",
    other: "ok", // its own unconfirmed copies, without the letter
    request: () => ({ method: "POST", path: "/v1/inbox/peek?limit=100&lockSeconds=1" }),
  },
  "confirm-delivery": {
    roles: CLERK_INTEGRATION,
    ownOrgan: "recipient",
    own: "ok", // idempotent: confirmed again, answered as it is
    other: "not-found",
    request: () => ({ method: "POST", path: `/v1/inbox/${letterId}/confirm` }),
  },
  "import-edxml": {
    roles: CLERK_INTEGRATION,
    own: "refused", // a letter package without a PDF (integration), or not the clerk's to send (clerk)
    other: "refused", // the package is not from this organ
    request: () => ({
      method: "POST",
      path: "/v1/edxml",
      raw: {
        bytes: new TextEncoder().encode(
          writeEdxml({
            kind: "letter",
            from: { id: sender },
            to: [{ id: recipient }],
            code: { number: "1", notation: "MT" },
            promulgation: {},
            documentType: { name: "Công văn" },
            subject: "ma trận edXML",
            responseFor: [],
            toPlaces: [],
            traces: [],
            attachments: [],
            extra: [],
          }),
        ),
        contentType: "application/xml",
      },
    }),
  },
  "export-edxml": {
    roles: CLERK_INTEGRATION,
    own: "ok",
    other: "not-found",
    request: () => ({ method: "GET", path: letterPath("/edxml") }),
  },
  "export-status-edxml": {
    roles: CLERK_INTEGRATION,
    own: "ok",
    other: "not-found",
    request: () => ({ method: "GET", path: letterPath(`/status.edxml?to=${recipient}`) }),
  },
  "list-outbox": {
    roles: CLERK_INTEGRATION,
    own: "ok",
    other: "ok",
    request: () => ({ method: "GET", path: "/v1/outbox?limit=100" }),
  },
  "inbox-counts": {
    roles: CLERK_INTEGRATION,
    ownOrgan: "recipient",
    own: "ok",
    other: "ok", // its own counts
    request: () => ({ method: "GET", path: "/v1/inbox/counts" }),
  },
  "get-stats": {
    roles: EVERY_ROLE,
    own: "through",
    other: "through",
    request: () => ({ method: "GET", path: "/v1/stats" }),
  },
  "get-verification": {
    roles: CLERK_INTEGRATION,
    own: "ok",
    other: "not-found",
    request: () => ({ method: "GET", path: letterPath("/verification") }),
  },
  "verify-letter": {
    roles: CLERK_INTEGRATION,
    own: "ok",
    other: "not-found",
    request: () => ({ method: "POST", path: letterPath("/verify") }),
  },
  "sign-letter": {
    roles: ["clerk"],
    own: "refused", // the letter is sent: no more seals
    other: "not-found",
    request: () => ({ method: "POST", path: "/v1/sign", body: { letterId, appearance: { kind: "none" } } }),
  },
  "prepare-signature": {
    roles: CLERK_INTEGRATION,
    own: "through",
    other: "through",
    request: () => ({
      method: "POST",
      path: "/v1/sign/prepare",
      body: { letterId, appearance: { kind: "none" } },
    }),
  },
  "complete-signature": {
    roles: CLERK_INTEGRATION,
    own: "refused", // no such signing session
    other: "refused",
    request: () => ({
      method: "POST",
      path: "/v1/sign/complete",
      body: { signingId: "0".repeat(64), signatureValue: "AAAA" },
    }),
  },
  "verify-document": {
    roles: CLERK_INTEGRATION,
    own: "ok",
    other: "ok", // the caller's own upload
    request: async () => ({
      method: "POST",
      path: "/v1/verify",
      raw: { bytes: await samplePdf("matrix"), contentType: "application/pdf" },
    }),
  },
  "set-status": {
    roles: ["clerk"],
    ownOrgan: "recipient",
    own: "ok", // the same status again: answered as it is
    other: "not-found",
    request: () => ({ method: "POST", path: letterPath("/status"), body: { status: "03" } }),
  },
  "list-organs": {
    roles: EVERY_ROLE,
    own: "ok",
    other: "ok", // the directory is every caller's
    request: () => ({ method: "GET", path: `/v1/organs?q=${sender}` }),
  },
  "create-organ": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: () => ({
      method: "POST",
      path: "/v1/admin/organs",
      body: { code: freshCode(), name: `Cơ quan mới ${randomUUID()}` },
    }),
  },
  "update-organ": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: async () => ({
      method: "PUT",
      path: `/v1/admin/organs/${await freshOrgan()}`,
      body: { name: `Tên mới ${randomUUID()}` },
    }),
  },
  "deactivate-organ": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: async () => ({ method: "POST", path: `/v1/admin/organs/${await freshOrgan()}/deactivate` }),
  },
  "merge-organ": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: async () => ({
      method: "POST",
      path: `/v1/admin/organs/${await freshOrgan()}/merge`,
      body: { successor: await freshOrgan() },
    }),
  },
  "list-api-keys": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: () => ({ method: "GET", path: `/v1/admin/organs/${other}/keys` }),
  },
  "create-api-key": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: async () => ({
      method: "POST",
      path: `/v1/admin/organs/${await freshOrgan()}/keys`,
      body: { role: "integration" },
    }),
  },
  "rotate-api-key": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: async () => ({
      method: "POST",
      path: `/v1/admin/keys/${await freshKey()}/rotate`,
      body: { graceHours: 1 },
    }),
  },
  "revoke-api-key": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: async () => ({ method: "DELETE", path: `/v1/admin/keys/${await freshKey()}` }),
  },
  "list-certificates": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: () => ({ method: "GET", path: `/v1/admin/organs/${sender}/certificates` }),
  },
  "bind-certificate": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: async () => ({
      method: "POST",
      path: `/v1/admin/organs/${await freshOrgan()}/certificates`,
      body: { pem: await freshLeafPem() },
    }),
  },
  "unbind-certificate": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: async () => {
      const organ = await freshOrgan();
      const { sha256 } = await asAdmin<{ sha256: string }>("POST", `/v1/admin/organs/${organ}/certificates`, {
        pem: await freshLeafPem(),
      });
      return { method: "DELETE", path: `/v1/admin/organs/${organ}/certificates/${sha256}` };
    },
  },
  "list-trust-anchors": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: () => ({ method: "GET", path: "/v1/admin/trust-anchors" }),
  },
  "add-trust-anchor": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: () => ({ method: "POST", path: "/v1/admin/trust-anchors", body: { pem: anchorPem } }),
  },
  "remove-trust-anchor": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: async () => {
      const { sha256 } = await asAdmin<{ sha256: string }>("POST", "/v1/admin/trust-anchors", {
        pem: anchorPem,
      });
      return { method: "DELETE", path: `/v1/admin/trust-anchors/${sha256}` };
    },
  },
  "get-send-policy": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: () => ({ method: "GET", path: "/v1/admin/send-policy" }),
  },
  "put-send-policy": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    // A fresh organ's override: no other test's sends change.
    request: async () => ({
      method: "PUT",
      path: "/v1/admin/send-policy",
      body: {
        organCode: await freshOrgan(),
        policy: {
          verdicts: "require-total-passed",
          requirePersonSignature: true,
          requireFinalOrganSignature: false,
        },
      },
    }),
  },
  // Lifecycle, receipts and audit (issue 10 items 4, 5, 8): their own tests say what "own" answers.
  "get-history": {
    roles: CLERK_INTEGRATION,
    own: "through",
    other: "refused",
    request: () => ({ method: "GET", path: letterPath("/history") }),
  },
  "get-thread": {
    roles: CLERK_INTEGRATION,
    own: "through",
    other: "refused",
    request: () => ({ method: "GET", path: letterPath("/thread") }),
  },
  "request-recall": {
    roles: ["integration"],
    own: "through",
    other: "refused",
    request: () => ({ method: "POST", path: letterPath("/recall"), body: { reason: "ma trận phân quyền" } }),
  },
  "list-receipts": {
    roles: CLERK_INTEGRATION,
    own: "through",
    other: "refused",
    request: () => ({ method: "GET", path: letterPath("/receipts") }),
  },
  "get-receipt": {
    roles: CLERK_INTEGRATION,
    own: "through",
    other: "refused",
    request: () => ({ method: "GET", path: letterPath(`/receipts/${recipient}/0.json`) }),
  },
  "seal-audit": {
    roles: ADMIN,
    own: "through",
    other: "through",
    request: () => ({ method: "POST", path: "/v1/admin/audit/seal" }),
  },
  "verify-audit": {
    roles: ADMIN,
    own: "through",
    other: "through",
    request: () => ({ method: "GET", path: `/v1/admin/audit/letters/${letterId}` }),
  },
  // Webhooks: an organ's integration key manages its own endpoints, an admin any organ's (naming it);
  // "other" is through, since the other organ's admin is let through and its integration key is not.
  "register-webhook": {
    roles: ["integration", "admin"],
    own: "ok",
    other: "through",
    request: async () => {
      await clearWebhooks();
      return {
        method: "POST",
        path: "/v1/webhooks",
        body: { url: "http://127.0.0.1:9/hooks", events: ["receipt.issued"], organ: sender },
      };
    },
  },
  "list-webhooks": {
    roles: ["integration", "admin"],
    own: "ok",
    other: "through",
    request: () => ({ method: "GET", path: `/v1/webhooks?organ=${sender}` }),
  },
  "delete-webhook": {
    roles: ["integration", "admin"],
    own: "ok",
    other: "through",
    request: async () => ({ method: "DELETE", path: `/v1/webhooks/${await freshWebhook()}` }),
  },
  "test-webhook": {
    roles: ["integration", "admin"],
    own: "ok",
    other: "through",
    request: async () => ({ method: "POST", path: `/v1/webhooks/${await freshWebhook()}/test` }),
  },
  "list-dead-webhooks": {
    roles: ADMIN,
    own: "ok",
    other: "ok",
    request: () => ({ method: "GET", path: `/v1/admin/webhooks/dead?organ=${sender}` }),
  },
  "redeliver-webhook": {
    roles: ADMIN,
    own: "refused", // no such dead message: 404 WEBHOOK_MESSAGE_NOT_FOUND
    other: "refused",
    request: () => ({ method: "POST", path: `/v1/admin/webhooks/dead/msg_${"0".repeat(32)}/redeliver` }),
  },
};

beforeAll(async () => {
  const codes = organCodes();
  [sender, recipient, other] = codes as [string, string, string];
  for (const key of inject("demoKeys")) {
    keys.set(`${key.organCode}|${key.role}`, key.apiKey);
  }
  // Admins of the other organs (made by the sender organ's admin: admin keys are deployment-wide).
  for (const organ of [recipient, other]) {
    const made = await asAdmin<{ secret: string }>("POST", `/v1/admin/organs/${organ}/keys`, {
      role: "admin",
    });
    keys.set(`${organ}|admin`, made.secret);
  }
  for (const organ of [sender, recipient, other]) {
    const made = await asAdmin<{ key: { id: string }; secret: string }>(
      "POST",
      `/v1/admin/organs/${organ}/keys`,
      {
        role: "integration",
      },
    );
    await asAdmin("DELETE", `/v1/admin/keys/${made.key.id}`);
    keys.set(`${organ}|revoked key`, made.secret);
  }

  const integration = keyOf(sender, "integration")!;
  const { LienthongClient } = await import("../../local/api-client.ts");
  const client = new LienthongClient(inject("apiUrl"), integration);
  const pdf = await signedPdf(sender, "authorisation matrix");
  subject = `V/v ma trận phân quyền ${randomUUID()}`;
  const sent = await client.sendLetter({ ...letterMetadata([recipient]), subject }, pdf, "ma-tran.pdf");
  letterId = sent.id;
  signedSha256 = (sent as unknown as { file: { sha256: string } }).file.sha256;
  draftId = await draftLetter(client, await samplePdf("draft"), [recipient]);
  // The recipient registers it once: set-status "03" again is then answered as it is.
  const recipientClerk = new LienthongClient(inject("apiUrl"), keyOf(recipient, "clerk")!);
  await recipientClerk.call("POST", `/v1/letters/${letterId}/status`, { status: "03" });

  const root = await createCertificateAuthority({
    subject: { commonName: `Ma trận CA ${randomUUID().slice(0, 6)}`, organization: "Lienthong test" },
    notBefore: new Date("2024-01-01T00:00:00Z"),
    notAfter: new Date("2040-01-01T00:00:00Z"),
  });
  anchorPem = root.certPem;
  bindingCa = await createCertificateAuthority({
    subject: { commonName: `Ma trận CA gắn ${randomUUID().slice(0, 6)}`, organization: "Lienthong test" },
    notBefore: new Date("2024-01-01T00:00:00Z"),
    notAfter: new Date("2040-01-01T00:00:00Z"),
    keyType: "ec-p256",
  });
  await asAdmin("POST", "/v1/admin/trust-anchors", { pem: bindingCa.certPem });
});

describe("the authorisation matrix", () => {
  it("has a rule for every route, and none for a route that does not exist", () => {
    const names = ROUTES.map((route) => route.name);
    expect(
      names.filter((name) => !Object.hasOwn(RULES, name)),
      "routes without a rule in RULES",
    ).toEqual([]);
    expect(
      Object.keys(RULES).filter((name) => !names.includes(name)),
      "rules of no route",
    ).toEqual([]);
  });

  it("lists, per route, exactly the roles the role matrix gives its action", () => {
    for (const route of ROUTES) {
      const rule = RULES[route.name];
      if (rule) {
        expect([...rule.roles].sort(), route.name).toEqual(rolesAllowed(route.action).sort());
      }
    }
  });

  // One test per route, so that a failure names it; the cells run one after another.
  it.each(ROUTES.map((route) => [route.name, route] as const))("%s", async (name, route) => {
    const rule = RULES[name];
    expect(rule, `${name} has no rule in RULES`).toBeDefined();
    if (!rule) {
      return;
    }
    const failures: string[] = [];
    const cell = (who: Who, whose: Whose, answer: Answer, expected: string, ok: boolean) => {
      if (!ok) {
        failures.push(
          `${route.method} ${route.path} as ${who} of ${whose} organ: expected ${expected}, got ${answer.status} ${answer.code ?? ""} ${answer.text.slice(0, 200)}`,
        );
      }
    };
    for (const whose of ["own", "other"] as const) {
      const organ = whose === "other" ? other : rule.ownOrgan === "recipient" ? recipient : sender;
      for (const who of [...ROLES, "no key", "revoked key"] as const) {
        const request = await rule.request(whose);
        const key = who === "no key" ? undefined : keyOf(organ, who);
        if (who !== "no key" && !key) {
          throw new Error(`no ${who} key for ${organ}`);
        }
        const answer = await send(key, request);
        if (whose === "other" || who === "no key" || who === "revoked key") {
          cell(
            who,
            whose,
            answer,
            "no trace of the letter",
            !answer.text.includes(subject) && !answer.text.includes(signedSha256),
          );
        }
        if (who === "no key" || who === "revoked key") {
          cell(
            who,
            whose,
            answer,
            "401 UNAUTHENTICATED",
            answer.status === 401 && answer.code === "UNAUTHENTICATED",
          );
          continue;
        }
        if (!rule.roles.includes(who)) {
          cell(
            who,
            whose,
            answer,
            "403 ROLE_NOT_ALLOWED",
            answer.status === 403 && answer.code === "ROLE_NOT_ALLOWED",
          );
          continue;
        }
        const expected = whose === "own" ? rule.own : rule.other;
        const authFailure = answer.status === 401 || answer.code === "ROLE_NOT_ALLOWED";
        const meets: Record<Expect, boolean> = {
          ok: answer.status >= 200 && answer.status < 300,
          "not-found": answer.status === 404,
          refused: answer.status >= 400 && answer.status < 500 && !authFailure,
          through: !authFailure,
        };
        cell(who, whose, answer, expected, meets[expected]);
      }
    }
    expect(failures).toEqual([]);
  });

  it("own listings show the letter; the other organ's never do", async () => {
    const list = async (organ: string, path: string) =>
      send(keyOf(organ, "integration"), { method: "GET", path });
    expect((await list(sender, "/v1/outbox?limit=100")).text).toContain(subject);
    expect((await list(recipient, "/v1/inbox?limit=100")).text).toContain(letterId);
    expect((await list(other, "/v1/inbox?limit=100")).text).not.toContain(letterId);
    expect((await list(other, "/v1/outbox?limit=100")).text).not.toContain(letterId);
    const recipientView = await send(keyOf(recipient, "clerk"), { method: "GET", path: letterPath() });
    expect(recipientView.status).toBe(200);
    expect(recipientView.text).toContain(subject);
  });
});
