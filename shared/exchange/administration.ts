/**
 * Administration of the exchange (role `admin`, routes under `/v1/admin/`): the organ directory,
 * API keys, certificates that sign for an organ, trust anchors and the send policy. Every change is
 * an event of the `admin` audit chain written with it (admin-ports.ts). An admin key administers
 * the whole deployment, whichever organ it was issued to: issue admin keys to the operator's staff
 * only. Organs are never deleted: deactivated, or merged into a successor.
 *
 * Letters to a merged organ are refused, not forwarded: RECIPIENT_INACTIVE names the successor
 * (`meta.inactive[].successor`), and the sender addresses the successor itself, so that no letter
 * reaches an organ its sender did not choose.
 */
import { randomBytes } from "node:crypto";
import * as z from "zod"; // not `{ z }`: see letter-schema.ts
import { ExchangeError } from "../errors/index.ts";
import type { JsonObject } from "../evidence/canonical-json.ts";
import { parseCertificate } from "../pki/certificate.ts";
import type {
  AdminEventInput,
  AdminStore,
  ApiKeyRecord,
  OrganRecord,
  SendPolicySettings,
} from "./admin-ports.ts";
import { MAX_QUERY_CHARS } from "./directory.ts";
import { ORGAN_CODE, text } from "./letter-schema.ts";
import { ROLES } from "./roles.ts";
import {
  RECOMMENDED_SEND_POLICY,
  SEND_POLICY_NAMES,
  type SendPolicy,
  type SendPolicySetting,
} from "./send-policy.ts";
import { sha256Hex } from "./sha256.ts";
import type { Caller, Page, Role } from "./types.ts";

const organCode = z.string().regex(ORGAN_CODE, "expected an organ code such as 000.00.11.H53");
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex SHA-256");

const contactSchema = z
  .object({
    email: z.optional(text({ max: 254 })),
    phone: z.optional(text({ max: 40 })),
    address: z.optional(text({ max: 300 })),
  })
  .strict();

const organFields = {
  name: text({ min: 1, max: 300 }),
  aliases: z
    .array(text({ min: 1, max: 100 }))
    .max(20)
    .optional(),
  parent: organCode.optional(),
  contact: contactSchema.optional(),
};

export const createOrganSchema = z.object({ code: organCode, ...organFields }).strict();
export const updateOrganSchema = z
  .object({ ...organFields, name: z.optional(organFields.name) })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, "give at least one field to change");
export const mergeOrganSchema = z.object({ successor: organCode }).strict();
export const createApiKeySchema = z.object({ role: z.enum(ROLES as [Role, ...Role[]]) }).strict();
/** Grace period of a rotated key: default 24 h, at most 7 days, 0 ends the old key at once. */
export const rotateApiKeySchema = z
  .object({ graceHours: z.number().int().min(0).max(168).default(24) })
  .strict()
  .default({ graceHours: 24 });
export const pemSchema = z.object({ pem: z.string().min(1).max(20_000) }).strict();
export const sendPolicySettingSchema = z
  .object({
    verdicts: z.enum(SEND_POLICY_NAMES as [SendPolicy, ...SendPolicy[]]),
    requirePersonSignature: z.boolean(),
    requireFinalOrganSignature: z.boolean(),
  })
  .strict();
/** `PUT /v1/admin/send-policy`: the deployment's setting, or a pilot organ's (`organCode`); null removes it. */
export const putSendPolicySchema = z
  .object({ organCode: organCode.optional(), policy: sendPolicySettingSchema.nullable() })
  .strict();
export const directoryQuerySchema = z
  .object({
    q: z.optional(text({ max: MAX_QUERY_CHARS })),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, "expected a whole number from 1 to 100 in decimal digits")
      .transform(Number)
      .pipe(z.number().min(1, "expected at least 1").max(100, "expected at most 100"))
      .default(20),
    cursor: z.optional(text({ max: 2000 })),
  })
  .strict();
export { organCode as organCodeSchema, sha256 as sha256Schema };

/** A new API key's secret: `lt_<role>_` and 144 random bits; its holder recognises it by the prefix. */
function newSecret(role: Role): string {
  return `lt_${role}_${randomBytes(18).toString("base64url")}`;
}

const PREFIX_CHARS = 16;

export interface CreatedApiKey {
  readonly key: ApiKeyRecord;
  /** Shown once; the exchange keeps only its SHA-256. */
  readonly secret: string;
}

export interface AdministrationOptions {
  readonly store: AdminStore;
  readonly now?: () => Date;
}

/** The administration rules; handlers call these and nothing else. */
export class Administration {
  private readonly store: AdminStore;
  private readonly now: () => Date;

  constructor(options: AdministrationOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
  }

  /** For every caller: the directory, searched by code, alias or name (diacritics ignored). */
  listOrgans(query: z.output<typeof directoryQuerySchema>): Promise<Page<OrganRecord>> {
    return this.store.listOrgans({
      ...(query.q ? { q: query.q } : {}),
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
  }

  async createOrgan(caller: Caller, input: z.output<typeof createOrganSchema>): Promise<OrganRecord> {
    const at = this.stamp();
    const organ: OrganRecord = { ...input, status: "active", createdAt: at, updatedAt: at };
    await this.store.createOrgan(organ, this.event(caller, at, "organ.created", { organ: json(organ) }));
    return organ;
  }

  updateOrgan(caller: Caller, code: string, patch: z.output<typeof updateOrganSchema>): Promise<OrganRecord> {
    const at = this.stamp();
    return this.store.updateOrgan(
      this.code(code),
      patch,
      this.event(caller, at, "organ.updated", { organCode: code, changes: json(patch) }),
    );
  }

  deactivateOrgan(caller: Caller, code: string): Promise<OrganRecord> {
    const at = this.stamp();
    return this.store.deactivateOrgan(
      this.code(code),
      this.event(caller, at, "organ.deactivated", { organCode: code }),
    );
  }

  mergeOrgan(caller: Caller, code: string, successor: string): Promise<OrganRecord> {
    if (this.code(code) === successor) {
      throw new ExchangeError("ADMIN_ORGAN_STATE", { detail: `organ ${code} cannot be merged into itself` });
    }
    const at = this.stamp();
    return this.store.mergeOrgan(
      code,
      successor,
      this.event(caller, at, "organ.merged", { organCode: code, successor }),
    );
  }

  async listApiKeys(code: string): Promise<ApiKeyRecord[]> {
    await this.existingOrgan(code);
    return this.store.listApiKeys(code);
  }

  async createApiKey(caller: Caller, code: string, role: Role): Promise<CreatedApiKey> {
    const at = this.stamp();
    const created = this.newKey(this.code(code), role, at);
    await this.store.createApiKey(
      created.key,
      this.event(caller, at, "apiKey.created", { organCode: code, role, keyId: created.key.id }),
    );
    return created;
  }

  /** A new key of the same organ and role; the old one works until the end of the grace period. */
  async rotateApiKey(
    caller: Caller,
    id: string,
    graceHours: number,
  ): Promise<CreatedApiKey & { previous: { id: string; validUntil: string } }> {
    const previous = await this.liveKey(id);
    const now = this.now();
    const at = now.toISOString();
    const validUntil = new Date(now.getTime() + graceHours * 3_600_000).toISOString();
    const created = this.newKey(previous.organCode, previous.role, at);
    await this.store.rotateApiKey(
      id,
      { ...created.key },
      validUntil,
      this.event(caller, at, "apiKey.rotated", {
        organCode: previous.organCode,
        role: previous.role,
        keyId: id,
        newKeyId: created.key.id,
        validUntil,
      }),
    );
    return { ...created, previous: { id, validUntil } };
  }

  /** Stops the key at once. Revoking a revoked key changes nothing. */
  async revokeApiKey(caller: Caller, id: string): Promise<ApiKeyRecord> {
    const key = await this.existingKey(id);
    if (key.revokedAt) {
      return key;
    }
    const at = this.stamp();
    await this.store.revokeApiKey(
      id,
      at,
      this.event(caller, at, "apiKey.revoked", { organCode: key.organCode, role: key.role, keyId: id }),
    );
    return { ...key, revokedAt: at };
  }

  async listCertificates(code: string): Promise<{ sha256: string; pem: string }[]> {
    await this.existingOrgan(code);
    return this.store.listCertificates(code);
  }

  /** Registers a certificate (PEM) as one that may sign for the organ; CERT_MALFORMED otherwise. */
  async bindCertificate(caller: Caller, code: string, pem: string): Promise<{ sha256: string }> {
    const certificate = parseCertificate(pem);
    const at = this.stamp();
    await this.store.bindCertificate(
      this.code(code),
      certificate.sha256,
      pem,
      this.event(caller, at, "certificate.bound", {
        organCode: code,
        sha256: certificate.sha256,
        subject: certificate.subject.text,
      }),
    );
    return { sha256: certificate.sha256 };
  }

  async unbindCertificate(caller: Caller, code: string, sha256: string): Promise<{ unbound: string }> {
    const at = this.stamp();
    await this.store.unbindCertificate(
      this.code(code),
      sha256,
      this.event(caller, at, "certificate.unbound", { organCode: code, sha256 }),
    );
    return { unbound: sha256 };
  }

  listTrustAnchors(): Promise<{ sha256: string; pem: string }[]> {
    return this.store.listTrustAnchors();
  }

  /** Trusts a root (PEM) for verifying letters. The verifiers reread anchors within 5 minutes. */
  async addTrustAnchor(caller: Caller, pem: string): Promise<{ sha256: string }> {
    const certificate = parseCertificate(pem);
    const at = this.stamp();
    await this.store.addTrustAnchor(
      certificate.sha256,
      pem,
      this.event(caller, at, "trustAnchor.added", {
        sha256: certificate.sha256,
        subject: certificate.subject.text,
      }),
    );
    return { sha256: certificate.sha256 };
  }

  async removeTrustAnchor(caller: Caller, sha256: string): Promise<{ removed: string }> {
    const at = this.stamp();
    await this.store.removeTrustAnchor(sha256, this.event(caller, at, "trustAnchor.removed", { sha256 }));
    return { removed: sha256 };
  }

  sendPolicySettings() {
    return this.store.sendPolicySettings();
  }

  /** Sets or removes a setting; answers the settings as they are now. */
  async putSendPolicy(
    caller: Caller,
    organ: string | undefined,
    policy: SendPolicySetting | null,
  ): Promise<SendPolicySettings> {
    if (organ) {
      await this.existingOrgan(organ);
    }
    const at = this.stamp();
    await this.store.putSendPolicy(
      organ,
      policy ?? undefined,
      this.event(caller, at, policy ? "sendPolicy.set" : "sendPolicy.removed", {
        scope: organ ?? "deployment",
        ...(policy ? { policy: json(policy) } : {}),
      }),
    );
    return this.store.sendPolicySettings();
  }

  private newKey(organ: string, role: Role, at: string): CreatedApiKey {
    const secret = newSecret(role);
    return {
      secret,
      key: {
        id: sha256Hex(Buffer.from(secret, "utf8")),
        prefix: secret.slice(0, PREFIX_CHARS),
        organCode: organ,
        role,
        createdAt: at,
      },
    };
  }

  private async existingOrgan(code: string): Promise<OrganRecord> {
    const organ = await this.store.getOrgan(this.code(code));
    if (!organ) {
      throw new ExchangeError("ADMIN_ORGAN_NOT_FOUND", { detail: `no organ ${code} in the directory` });
    }
    return organ;
  }

  private async existingKey(id: string): Promise<ApiKeyRecord> {
    const key = /^[0-9a-f]{64}$/.test(id) ? await this.store.getApiKey(id) : undefined;
    if (!key) {
      throw new ExchangeError("API_KEY_NOT_FOUND", { detail: `no API key ${id.slice(0, 64)}` });
    }
    return key;
  }

  /** A key that still works: rotation of a revoked or expired key is refused. */
  private async liveKey(id: string): Promise<ApiKeyRecord> {
    const key = await this.existingKey(id);
    // A key already rotated is not rotated again: its grace period would be extended, and a
    // second successor made.
    const state = key.revokedAt
      ? `revoked (${key.revokedAt})`
      : key.replacedBy
        ? `already rotated (replaced by ${key.replacedBy})`
        : key.validUntil && key.validUntil <= this.stamp()
          ? `expired (${key.validUntil})`
          : undefined;
    if (state) {
      throw new ExchangeError("API_KEY_NOT_LIVE", { detail: `API key ${id} is ${state}` });
    }
    return key;
  }

  /** Organ codes in paths are checked like those in bodies. */
  private code(code: string): string {
    if (!ORGAN_CODE.test(code)) {
      throw new ExchangeError("VALIDATION_FAILED", {
        detail: "path.code: expected an organ code such as 000.00.11.H53",
        meta: { errors: [{ path: "path.code", message: "expected an organ code" }] },
      });
    }
    return code;
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  private event(caller: Caller, at: string, type: string, data: JsonObject): AdminEventInput {
    return {
      at,
      type,
      actor: caller.organCode,
      data: { ...data, ...(caller.keyId ? { byKey: caller.keyId } : {}) },
    };
  }
}

/** Plain data as a JSON object for an event (undefined fields dropped). */
function json(value: object): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

export interface BootstrapOptions {
  readonly organCode: string;
  /** Needed when the organ is not in the directory yet. */
  readonly name?: string;
  /** Issue another admin key although one exists (e.g. every admin key was lost). */
  readonly force?: boolean;
  /** Leave the send policy unset (the environment's applies) instead of writing the recommended one. */
  readonly keepPolicy?: boolean;
  readonly now?: Date;
}

export interface BootstrapResult extends CreatedApiKey {
  readonly organCreated: boolean;
  /** The send policy setting written, when there was none. */
  readonly policy?: SendPolicySetting;
}

/** Who the admin chain names for what `npm run admin:bootstrap` does (no API key exists yet). */
export const BOOTSTRAP_ACTOR = "bootstrap";

/**
 * The first admin key of a fresh deployment (`npm run admin:bootstrap`): the operator's organ is
 * put in the directory if needed, an admin key is made for it, and the recommended send policy is
 * written if none is set; each in the admin chain. Refused while an admin key exists, unless forced.
 */
export async function bootstrapAdmin(store: AdminStore, options: BootstrapOptions): Promise<BootstrapResult> {
  const organCode = options.organCode;
  if (!ORGAN_CODE.test(organCode)) {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: `--organ: '${organCode}' is not an organ code such as 000.00.11.H53`,
    });
  }
  if (!options.force && (await store.anyAdminKey())) {
    throw new ExchangeError("ADMIN_KEY_EXISTS", {
      detail:
        "an admin key already exists: create more through POST /v1/admin/organs/{code}/keys (or pass --force)",
    });
  }
  const at = (options.now ?? new Date()).toISOString();
  const actor = { organCode: BOOTSTRAP_ACTOR, role: "admin" as const };
  const administration = new Administration({ store, now: () => new Date(at) });
  let organCreated = false;
  if (!(await store.getOrgan(organCode))) {
    if (!options.name) {
      throw new ExchangeError("ADMIN_ORGAN_NOT_FOUND", {
        detail: `organ ${organCode} is not in the directory: give its Vietnamese name with --name`,
      });
    }
    const organ = createOrganSchema.safeParse({ code: organCode, name: options.name });
    if (!organ.success) {
      throw new ExchangeError("VALIDATION_FAILED", { detail: `--name: ${organ.error.issues[0]?.message}` });
    }
    await administration.createOrgan(actor, organ.data);
    organCreated = true;
  }
  const created = await administration.createApiKey(actor, organCode, "admin");
  const settings = await store.sendPolicySettings();
  if (options.keepPolicy || settings.deployment) {
    return { ...created, organCreated };
  }
  await administration.putSendPolicy(actor, undefined, RECOMMENDED_SEND_POLICY);
  return { ...created, organCreated, policy: RECOMMENDED_SEND_POLICY };
}
