/**
 * What administration needs from storage (the organ directory, API keys, certificates, trust
 * anchors, the send policy setting), apart from the letters' ledger (`ports.ts`). Every method that
 * changes something takes the admin event describing it and writes both in one transaction,
 * appended to the `admin` audit chain conditionally on its head (shared/evidence ADMIN_CHAIN):
 * a change without its event, or two changes forking the chain, cannot happen.
 */
// chain.ts, not the evidence index: the index brings CMS (receipts) into every bundle.

import type { JsonObject } from "../evidence/canonical-json.ts";
import { ADMIN_CHAIN, appendEvent, type ChainEvent, type ChainHead } from "../evidence/chain.ts";
import type { SendPolicySetting } from "./send-policy.ts";
import type { Organ, Page, Role } from "./types.ts";

export type { ChainEvent, ChainHead };

/** The next event of the admin chain after `head` (the store writes it conditionally on `head`). */
export function adminEvent(head: ChainHead | undefined, input: AdminEventInput): ChainEvent {
  return appendEvent(head, { chain: ADMIN_CHAIN, ...input });
}

/** How to reach an organ's văn thư (shown in the directory to every caller). */
export interface OrganContact {
  readonly email?: string;
  readonly phone?: string;
  readonly address?: string;
}

/** An organ as the directory keeps it. */
export interface OrganRecord extends Organ {
  /** Code of the organ above it (e.g. the provincial committee above a department). */
  readonly parent?: string;
  readonly contact?: OrganContact;
  /** For a merged organ: the organ that took it over; letters to it are refused naming this one. */
  readonly successor?: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** An API key as listed: never its secret, which is shown once at creation and stored only hashed. */
export interface ApiKeyRecord {
  /** SHA-256 (hex) of the secret: the key's id (a preimage of it is out of reach). */
  readonly id: string;
  /** The first characters of the secret, so that its holder recognises it. */
  readonly prefix?: string;
  readonly organCode: string;
  readonly role: Role;
  readonly createdAt?: string;
  /** Last time the key was used, to the minute (updated at most once a minute). */
  readonly lastUsedAt?: string;
  /** A rotated key stops working at this time (the grace period); absent: no expiry. */
  readonly validUntil?: string;
  /** A revoked key stops working at once. */
  readonly revokedAt?: string;
  /** The key that replaced this one at rotation. */
  readonly replacedBy?: string;
}

/** What the caller of an admin method says about the change; the store chains it. */
export interface AdminEventInput {
  readonly at: string;
  readonly type: string;
  /** Organ code of the admin key's organ. */
  readonly actor: string;
  readonly data: JsonObject;
}

/**
 * Fields of an organ an update may change; `status: "active"` only reactivates an inactive organ
 * (deactivation and merges have their own methods).
 */
export type OrganPatch = Partial<Pick<OrganRecord, "name" | "aliases" | "parent" | "contact">> & {
  readonly status?: "active";
};

/** The send policy settings: the deployment's, and pilot overrides per sending organ. */
export interface SendPolicySettings {
  readonly deployment?: SendPolicySetting;
  readonly organs: Readonly<Record<string, SendPolicySetting>>;
}

/** Where `send` reads the policy setting in force for a sender (`shared/exchange/exchange.ts`). */
export interface SendPolicySource {
  /** The organ's override if any, else the deployment's setting, else undefined (env or default). */
  sendPolicyFor(sender: string): Promise<{ setting: SendPolicySetting; scope: string } | undefined>;
}

export interface AdminStore extends SendPolicySource {
  listOrgans(query: { q?: string; limit: number; cursor?: string }): Promise<Page<OrganRecord>>;
  getOrgan(code: string): Promise<OrganRecord | undefined>;
  /** ADMIN_ORGAN_EXISTS if the code is taken; ADMIN_ORGAN_INACTIVE if the parent is not active. */
  createOrgan(organ: OrganRecord, event: AdminEventInput): Promise<ChainEvent>;
  /**
   * `unchanged`: organs read to decide the change (a new parent's ancestors), written only if
   * they are still as read (ADMIN_CHANGE_CONFLICT otherwise). A reactivation needs it inactive.
   */
  updateOrgan(
    code: string,
    patch: OrganPatch,
    event: AdminEventInput,
    unchanged?: readonly OrganRecord[],
  ): Promise<OrganRecord>;
  /** Sets status inactive; ADMIN_ORGAN_STATE when it is not active. */
  deactivateOrgan(code: string, event: AdminEventInput): Promise<OrganRecord>;
  /**
   * Marks `code` merged into `successor` (active) and adds `code` to the successor's aliases;
   * organs merged into `code` earlier are re-pointed to `successor` (a successor is never merged).
   */
  mergeOrgan(code: string, successor: string, event: AdminEventInput): Promise<OrganRecord>;

  listApiKeys(organCode: string): Promise<ApiKeyRecord[]>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** ADMIN_ORGAN_INACTIVE when the organ is not active (the caller checked; this closes the race). */
  createApiKey(key: ApiKeyRecord, event: AdminEventInput): Promise<void>;
  /** Writes `next` and gives `previousId` its `validUntil`, if it is neither revoked nor expired. */
  rotateApiKey(
    previousId: string,
    next: ApiKeyRecord,
    validUntil: string,
    event: AdminEventInput,
  ): Promise<void>;
  revokeApiKey(id: string, at: string, event: AdminEventInput): Promise<void>;
  /** True when any admin key exists, revoked ones aside (the bootstrap's check). */
  anyAdminKey(): Promise<boolean>;

  listCertificates(organCode: string): Promise<{ sha256: string; pem: string }[]>;
  /** Binds to an active organ, unless the certificate is bound to another (ADMIN_CERTIFICATE_REFUSED). */
  bindCertificate(organCode: string, sha256: string, pem: string, event: AdminEventInput): Promise<void>;
  /** The organ a certificate (SHA-256) was bound to through {@link bindCertificate}, if any. */
  certificateOwner(sha256: string): Promise<string | undefined>;
  /** ADMIN_CERTIFICATE_NOT_FOUND when it was not bound. */
  unbindCertificate(organCode: string, sha256: string, event: AdminEventInput): Promise<void>;

  listTrustAnchors(): Promise<{ sha256: string; pem: string }[]>;
  addTrustAnchor(sha256: string, pem: string, event: AdminEventInput): Promise<void>;
  removeTrustAnchor(sha256: string, event: AdminEventInput): Promise<void>;

  sendPolicySettings(): Promise<SendPolicySettings>;
  /** `setting` undefined removes it (back to the deployment's, or the environment's). */
  putSendPolicy(
    scope: string | undefined,
    setting: SendPolicySetting | undefined,
    event: AdminEventInput,
  ): Promise<void>;

  /** The signing key and certificate chain of an organ signer (the exchange's own: `exchange`). */
  putOrganSigner(
    organCode: string,
    signer: { readonly kmsKeyId?: string; readonly certificatesPem: string },
    event: AdminEventInput,
  ): Promise<void>;

  /** The admin chain in order (for audits and tests). */
  adminEvents(): Promise<ChainEvent[]>;
}
