/**
 * Administration of the exchange (role `admin`, routes under `/v1/admin/`): the organ directory,
 * API keys, certificates that sign for an organ, trust anchors and the send policy. Every change is
 * an event of the `admin` audit chain written with it (admin-ports.ts). An admin key administers
 * the whole deployment, whichever organ it was issued to: issue admin keys to the operator's staff
 * only. Organs are never deleted: deactivated, or merged into a successor.
 *
 * Letters to a merged organ are refused, not forwarded: RECIPIENT_INACTIVE names the successor
 * (`meta.inactive[].successor`), and the sender addresses the successor itself, so that no letter
 * reaches an organ its sender did not choose. A merged organ's profile is frozen
 * (ADMIN_ORGAN_INACTIVE naming the successor); only an inactive, not merged, one is reactivated.
 *
 * One uniqueness rule for the directory, on create and on every update: no two organs share an
 * identifier (code, name or alias, folded as the search folds: directory.ts `organIdentifiers`),
 * except that an organ merged into another may name it (a merge makes the merged code and aliases
 * the successor's aliases). It is checked here against the directory (what organs written before
 * claim items existed hold), then closed against races by the store's claim items in the change's
 * transaction (dynamo-admin.ts); both refuse with ADMIN_ALIAS_TAKEN.
 */
import { randomBytes } from "node:crypto";
import * as z from "zod"; // not `{ z }`: see letter-schema.ts
import { ExchangeError } from "../errors/index.ts";
import type { JsonObject } from "../evidence/canonical-json.ts";
import { type Certificate, parseCertificates, toPem } from "../pki/certificate.ts";
import { buildChain } from "../pki/chain.ts";
import { checkRevocation, httpFetcher, type RevocationFetcher } from "../pki/revocation.ts";
import { trustAnchorsFrom } from "../pki/trust.ts";
import type {
  AdminEventInput,
  AdminStore,
  ApiKeyRecord,
  OrganRecord,
  SendPolicySettings,
} from "./admin-ports.ts";
import { MAX_QUERY_CHARS, organIdentifiers } from "./directory.ts";
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
/** `status: "active"` reactivates an inactive organ (a merge is final); audited as `organ.reactivated`. */
export const updateOrganSchema = z
  .object({ ...organFields, name: z.optional(organFields.name), status: z.literal("active").optional() })
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
  /**
   * Where a certificate's revocation is asked before it is bound (its CRL distribution points,
   * OCSP); default over HTTP. `null`: not asked (validity and chain are still checked).
   */
  readonly revocation?: RevocationFetcher | null;
}

/** Longest parent chain walked (a province's hierarchy is a few levels deep). */
const MAX_PARENT_DEPTH = 32;
/** Longest successor chain followed (merges are re-pointed, so it is one step). */
const MAX_SUCCESSOR_STEPS = 16;

/** The administration rules; handlers call these and nothing else. */
export class Administration {
  private readonly store: AdminStore;
  private readonly now: () => Date;
  private readonly revocation: RevocationFetcher | undefined;

  constructor(options: AdministrationOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    this.revocation =
      options.revocation === null ? undefined : (options.revocation ?? httpFetcher({ timeoutMs: 3000 }));
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
    if (await this.store.getOrgan(organ.code)) {
      // Said before any other identifier clash: the code itself is the organ's (the store's
      // transaction refuses it again if one is created meanwhile).
      throw new ExchangeError("ADMIN_ORGAN_EXISTS", {
        detail: `organ ${organ.code} is already in the directory`,
      });
    }
    if (organ.parent) {
      // A new organ has no children: it cannot close a cycle.
      await this.activeOrgan(organ.parent, "parent");
    }
    await this.assertIdentifiersFree(organ.code, organIdentifiers(organ));
    await this.store.createOrgan(organ, this.event(caller, at, "organ.created", { organ: json(organ) }));
    return organ;
  }

  /**
   * Changes an organ's profile, or reactivates it (`status: "active"`, only from inactive). A
   * parent must be an active organ and not the organ or one of its descendants: the ancestors
   * walked are written back unchanged in the same transaction, so that two concurrent changes
   * cannot close a cycle between them.
   */
  async updateOrgan(
    caller: Caller,
    code: string,
    patch: z.output<typeof updateOrganSchema>,
  ): Promise<OrganRecord> {
    const current = await this.existingOrgan(code);
    const { status, ...fields } = patch;
    if (status && current.status === "merged") {
      throw new ExchangeError("ADMIN_ORGAN_STATE", {
        detail: `organ ${code} was merged into ${current.successor ?? "another organ"}: a merge is final`,
        meta: {
          problem: {
            organCode: code,
            organStatus: current.status,
            ...(current.successor ? { successor: current.successor } : {}),
          },
        },
      });
    }
    if (current.status === "merged") {
      await this.activeOrgan(code);
    }
    const ancestors = fields.parent ? await this.ancestorsFor(code, fields.parent) : [];
    const before = organIdentifiers(current);
    await this.assertIdentifiersFree(
      code,
      [...organIdentifiers({ ...current, ...fields })].filter((id) => !before.has(id)),
    );
    const reactivated = status === "active" && current.status !== "active";
    const at = this.stamp();
    return this.store.updateOrgan(
      code,
      { ...fields, ...(reactivated ? { status } : {}) },
      this.event(caller, at, reactivated ? "organ.reactivated" : "organ.updated", {
        organCode: code,
        changes: json(patch),
      }),
      ancestors,
    );
  }

  deactivateOrgan(caller: Caller, code: string): Promise<OrganRecord> {
    const at = this.stamp();
    return this.store.deactivateOrgan(
      this.code(code),
      this.event(caller, at, "organ.deactivated", { organCode: code }),
    );
  }

  async mergeOrgan(caller: Caller, code: string, successor: string): Promise<OrganRecord> {
    if (this.code(code) === successor) {
      throw new ExchangeError("ADMIN_ORGAN_STATE", { detail: `organ ${code} cannot be merged into itself` });
    }
    // Into an active organ only: a merged one would be named as successor with its own successor beyond it.
    await this.activeOrgan(successor, "successor");
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
    await this.activeOrgan(code);
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
    await this.activeOrgan(previous.organCode);
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

  /**
   * Registers a certificate as one that may sign for the active organ `code`. The PEM holds
   * exactly one end-entity certificate, optionally followed by the CAs that issued it (used to
   * reach an anchor, not bound). It must name this organ or none (the verifier trusts the organ
   * code in a certificate without any binding), chain to a current trust anchor, be valid now and
   * not revoked (where its CRL or OCSP answers), and not be bound to another organ: otherwise
   * ADMIN_CERTIFICATE_REFUSED (meta.reason), CERT_MALFORMED for what cannot be read.
   */
  async bindCertificate(caller: Caller, code: string, pem: string): Promise<{ sha256: string }> {
    await this.activeOrgan(code);
    const certificate = await this.bindable(code, pem);
    const at = this.stamp();
    await this.store.bindCertificate(
      code,
      certificate.sha256,
      toPem(certificate.der),
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
    const certificate = onlyCertificate(pem, "ADMIN_TRUST_ANCHOR_REFUSED");
    const usage = certificate.keyUsage;
    if (!certificate.isCa || (usage && !usage.includes("keyCertSign"))) {
      throw new ExchangeError("ADMIN_TRUST_ANCHOR_REFUSED", {
        detail: `${certificate.subject.text} is not a CA certificate (${
          certificate.isCa ? "keyUsage lacks keyCertSign" : "basicConstraints cA is not TRUE"
        })`,
        meta: { problem: { reason: certificate.isCa ? "no-key-cert-sign" : "not-ca" } },
      });
    }
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
    if (organ && policy) {
      await this.activeOrgan(organ);
    } else if (organ) {
      // Removing an inactive organ's pilot setting is cleanup: allowed.
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

  /**
   * The organ, if active; otherwise ADMIN_ORGAN_INACTIVE naming its status and, for a merged one,
   * the organ at the end of its successor chain (ADMIN_ORGAN_NOT_FOUND when unknown).
   */
  private async activeOrgan(code: string, role = "organ"): Promise<OrganRecord> {
    const organ = await this.store.getOrgan(this.code(code));
    if (!organ) {
      throw new ExchangeError("ADMIN_ORGAN_NOT_FOUND", { detail: `no ${role} ${code} in the directory` });
    }
    if (organ.status === "active") {
      return organ;
    }
    const successor = organ.successor ? await this.lastSuccessor(organ.successor) : undefined;
    throw new ExchangeError("ADMIN_ORGAN_INACTIVE", {
      detail: `${role} ${code} is ${organ.status}${successor ? `: it was merged into ${successor}, act on that organ` : ""}`,
      meta: { problem: { organCode: code, organStatus: organ.status, ...(successor ? { successor } : {}) } },
    });
  }

  /** The end of a successor chain (chains written before merges were re-pointed may be longer than one). */
  private async lastSuccessor(first: string): Promise<string> {
    let code = first;
    for (let step = 0; step < MAX_SUCCESSOR_STEPS; step++) {
      const next = (await this.store.getOrgan(code))?.successor;
      if (!next || next === first) {
        return code;
      }
      code = next;
    }
    return code;
  }

  /**
   * The organs from `parent` up to the root, refusing a parent that is the organ itself or one of
   * its descendants (ADMIN_ORGAN_PARENT_CYCLE), an inactive one, or a chain deeper than
   * {@link MAX_PARENT_DEPTH}.
   */
  private async ancestorsFor(code: string, parent: string): Promise<OrganRecord[]> {
    const chain: OrganRecord[] = [];
    let next: string | undefined = parent;
    while (next) {
      if (next === code) {
        throw new ExchangeError("ADMIN_ORGAN_PARENT_CYCLE", {
          detail:
            parent === code
              ? `organ ${code} cannot be its own parent`
              : `${parent} is below ${code} (${[code, ...chain.map((o) => o.code).reverse(), code].join(" → ")}): it cannot be its parent`,
          meta: { problem: { organCode: code, parent, chain: [...chain.map((o) => o.code)] } },
        });
      }
      if (chain.length >= MAX_PARENT_DEPTH) {
        throw new ExchangeError("ADMIN_ORGAN_PARENT_CYCLE", {
          detail: `the parent chain above ${parent} is deeper than ${MAX_PARENT_DEPTH} organs`,
          meta: { problem: { organCode: code, parent } },
        });
      }
      const organ: OrganRecord | undefined =
        chain.length === 0 ? await this.activeOrgan(next, "parent") : await this.store.getOrgan(next);
      if (!organ) {
        break;
      }
      chain.push(organ);
      next = organ.parent;
    }
    return chain;
  }

  /**
   * Refuses (ADMIN_ALIAS_TAKEN) identifiers (folded) that name an organ of the directory other
   * than `code` or one merged into it. A search per identifier: the directory index is eventually
   * consistent, and the store's claims close what it misses.
   */
  private async assertIdentifiersFree(code: string, identifiers: Iterable<string>): Promise<void> {
    for (const id of identifiers) {
      let cursor: string | undefined;
      do {
        const page = await this.store.listOrgans({ q: id, limit: 100, ...(cursor ? { cursor } : {}) });
        const taken = page.items.find(
          (organ) => organ.code !== code && organ.successor !== code && organIdentifiers(organ).has(id),
        );
        if (taken) {
          throw new ExchangeError("ADMIN_ALIAS_TAKEN", {
            detail: `'${id}' already names organ ${taken.code} (${taken.name})`,
            meta: { problem: { alias: id, organCode: taken.code } },
          });
        }
        cursor = page.nextCursor;
      } while (cursor);
    }
  }

  /** The one end-entity certificate of `pem`, checked as {@link bindCertificate} says. */
  private async bindable(code: string, pem: string): Promise<Certificate> {
    const certificates = parseCertificates(pem);
    const leaves = certificates.filter((c) => !c.isCa);
    const refuse = (reason: string, detail: string): never => {
      throw new ExchangeError("ADMIN_CERTIFICATE_REFUSED", { detail, meta: { problem: { reason } } });
    };
    if (certificates.length === 0) {
      throw new ExchangeError("CERT_MALFORMED", { detail: "no PEM CERTIFICATE block in the request" });
    }
    if (leaves.length !== 1 || certificates[0]?.isCa) {
      return refuse(
        leaves.length === 0 ? "ca-certificate" : "not-one-end-entity",
        leaves.length === 0
          ? "a CA certificate does not sign letters: bind the end-entity certificate it issued"
          : `expected one end-entity certificate first (its issuing CAs may follow), got ${leaves.length} end-entity certificate(s)`,
      );
    }
    const leaf = certificates[0]!;
    if (leaf.subject.organCode && leaf.subject.organCode !== code) {
      refuse(
        "other-organ",
        `the certificate names organ ${leaf.subject.organCode}: it signs for that organ, not ${code}`,
      );
    }
    const now = this.now();
    const anchors = (await this.store.listTrustAnchors()).flatMap((anchor) => parseCertificates(anchor.pem));
    const chain = buildChain(leaf, {
      anchors: trustAnchorsFrom(anchors),
      pool: certificates.slice(1),
      at: now,
    });
    if (chain.status !== "valid") {
      refuse(
        chain.status,
        chain.status === "no-chain"
          ? "the certificate does not chain to a trust anchor of the exchange (give its issuing CAs after it)"
          : `the certificate's chain is not valid now: ${chain.problems.map((p) => p.detail).join("; ")}`,
      );
    }
    const issuer = chain.path[1];
    if (issuer && this.revocation) {
      const revocation = await checkRevocation(leaf, issuer, { now, fetcher: this.revocation });
      if (revocation.status === "revoked") {
        refuse(
          "revoked",
          `the certificate was revoked${revocation.revokedAt ? ` on ${revocation.revokedAt.toISOString()}` : ""}`,
        );
      }
    }
    const owner = await this.store.certificateOwner(leaf.sha256);
    if (owner && owner !== code) {
      refuse("bound-elsewhere", `the certificate is already bound to organ ${owner}: unbind it there first`);
    }
    return leaf;
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

/** Exactly one certificate in `pem` (a bundle is refused with `code`). */
function onlyCertificate(pem: string, code: "ADMIN_TRUST_ANCHOR_REFUSED"): Certificate {
  const certificates = parseCertificates(pem);
  if (certificates.length === 0) {
    throw new ExchangeError("CERT_MALFORMED", { detail: "no PEM CERTIFICATE block in the request" });
  }
  if (certificates.length > 1) {
    throw new ExchangeError(code, {
      detail: `expected one certificate, got ${certificates.length}: add each anchor on its own`,
      meta: { problem: { reason: "not-one-certificate" } },
    });
  }
  return certificates[0]!;
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

/**
 * `npm run admin:bootstrap -- --exchange-certificate`: the exchange's evidence certificate chain
 * (checked by the CLI: shared/signing/exchange-certificate.ts) recorded as organ signer `organ`,
 * with its `exchangeCertificate.registered` event in the admin chain (actor "bootstrap").
 */
export async function registerExchangeCertificate(
  store: AdminStore,
  organ: string,
  signer: { readonly kmsKeyId?: string; readonly certificatesPem: string },
  leaf: Certificate,
  now = new Date(),
): Promise<void> {
  await store.putOrganSigner(organ, signer, {
    at: now.toISOString(),
    type: "exchangeCertificate.registered",
    actor: BOOTSTRAP_ACTOR,
    data: {
      organCode: organ,
      sha256: leaf.sha256,
      subject: leaf.subject.text,
      issuer: leaf.issuer.text,
      notAfter: leaf.notAfter.toISOString(),
      ...(signer.kmsKeyId ? { kmsKeyId: signer.kmsKeyId } : {}),
    },
  });
}
