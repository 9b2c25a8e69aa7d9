/**
 * `AdminStore` on the single table: every change and its admin-chain event in one
 * TransactWriteItems, conditional on the chain head item (`ITEM_KEYS.adminHead`). When another
 * admin change moved the head meanwhile, the transaction is rebuilt on the new head (a few times,
 * then ADMIN_CHANGE_CONFLICT): the chain never forks and no change goes unrecorded.
 *
 * The directory's uniqueness rule (no two organs share a folded code, name or alias,
 * directory.ts `organIdentifiers`) is closed against races by one claim item per identifier
 * (`ITEM_KEYS.organIdentifier`) naming its organ, written with `attribute_not_exists` in the
 * organ change's transaction and deleted, conditional on the owner, when the identifier is
 * dropped; like the certificate owner item. A merged organ keeps its claims (its profile is
 * frozen) and its successor may hold them as aliases (a condition that the merged organ still
 * owns them). Organs written before claims existed have none: Administration first searches
 * the directory as before, and every later change of such an organ claims all its identifiers.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandOutput,
  ScanCommand,
  type ScanCommandOutput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { ExchangeError } from "../errors/index.ts";
import {
  type AdminEventInput,
  type AdminStore,
  type ApiKeyRecord,
  adminEvent,
  type ChainEvent,
  type ChainHead,
  type OrganPatch,
  type OrganRecord,
  type SendPolicySettings,
} from "../exchange/admin-ports.ts";
import { organIdentifiers, searchTerms } from "../exchange/directory.ts";
import type { SendPolicySetting } from "../exchange/send-policy.ts";
import type { Page } from "../exchange/types.ts";
import { apiKeyItem, DynamoSendPolicySource, organItem, toItem } from "./admin-items.ts";
import { type ListingQuery, PageCursors } from "./page-cursor.ts";
import { ITEM_KEYS } from "./schema.ts";

const keys = ITEM_KEYS;
/**
 * Which organ a certificate was bound to through the admin store, one item per certificate, so
 * that binding it to a second organ is refused in the binding's transaction.
 */
const certificateOwnerKey = ITEM_KEYS.certificateOwner;
const claimKey = ITEM_KEYS.organIdentifier;
/** TransactWriteItems takes 100 items: the change's, the chain head and the event. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_REPOINTED = 90;
const INTERNAL_FIELDS = ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "entity", "search"];
/** Rebuilds of a transaction that lost the race for the chain head before giving up. */
const HEAD_RETRIES = 5;

function record<T>(item: Record<string, AttributeValue> | undefined): T | undefined {
  if (!item) {
    return undefined;
  }
  const value = unmarshall(item);
  for (const field of INTERNAL_FIELDS) {
    delete value[field];
  }
  return value as T;
}

/** A change: its transaction items, and which refusal each item's failed condition means. */
interface Change {
  readonly items: readonly TransactWriteItem[];
  /** Per item (same index): the error when its condition failed; undefined: cannot fail. */
  readonly refusals: readonly (ExchangeError | undefined)[];
}

export class DynamoAdminStore implements AdminStore {
  private readonly cursors: PageCursors;
  private readonly policies: DynamoSendPolicySource;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: { readonly cursorSecret?: string } = {},
  ) {
    this.cursors = new PageCursors(options.cursorSecret);
    this.policies = new DynamoSendPolicySource(client, tableName);
  }

  // The directory

  async listOrgans(query: { q?: string; limit: number; cursor?: string }): Promise<Page<OrganRecord>> {
    const terms = searchTerms(query.q);
    const filter = terms.map((_, i) => `contains(#search, :t${i})`).join(" AND ");
    // A cursor is bound to its search (page-cursor.ts): replayed with another, it is refused.
    const listing = terms.length > 0 ? { q: [...terms].sort() } : {};
    let startKey = query.cursor ? this.openCursor(query.cursor, listing) : undefined;
    const items: OrganRecord[] = [];
    let last: Record<string, string> | undefined;
    // A filter is applied after DynamoDB's Limit: read on until the page is full or the index ends.
    do {
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "GSI1",
          KeyConditionExpression: "GSI1PK = :pk",
          ...(filter ? { FilterExpression: filter, ExpressionAttributeNames: { "#search": "search" } } : {}),
          ExpressionAttributeValues: marshall({
            ":pk": keys.directory,
            ...Object.fromEntries(terms.map((term, i) => [`:t${i}`, term])),
          }),
          // Filtered: read many small organ items per round trip (a province has a few thousand).
          Limit: terms.length > 0 ? 1000 : query.limit,
          ...(startKey ? { ExclusiveStartKey: marshall(startKey) } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        if (items.length === query.limit) {
          break;
        }
        items.push(record<OrganRecord>(item)!);
        const plain = unmarshall(item);
        last = { PK: plain["PK"], SK: plain["SK"], GSI1PK: plain["GSI1PK"], GSI1SK: plain["GSI1SK"] };
      }
      startKey = out.LastEvaluatedKey
        ? (unmarshall(out.LastEvaluatedKey) as Record<string, string>)
        : undefined;
      if (items.length === query.limit) {
        // More may follow unless the index ended exactly with this item.
        const ended =
          !startKey && last?.GSI1SK === (out.Items ?? []).map((i) => unmarshall(i)["GSI1SK"]).at(-1);
        return ended
          ? { items }
          : { items, nextCursor: this.cursors.seal(last!, "GSI1", keys.directory, listing) };
      }
    } while (startKey);
    return { items };
  }

  private openCursor(cursor: string, listing: ListingQuery): Record<string, string> {
    const key = this.cursors.open(cursor, "GSI1", keys.directory, listing);
    const names = ["PK", "SK", "GSI1PK", "GSI1SK"];
    if (Object.keys(key).length !== names.length || !names.every((name) => typeof key[name] === "string")) {
      throw new ExchangeError("INVALID_CURSOR", { detail: "the cursor holds no position in the directory" });
    }
    return key as Record<string, string>;
  }

  async getOrgan(code: string): Promise<OrganRecord | undefined> {
    return record<OrganRecord>(await this.get(keys.organ(code)));
  }

  async createOrgan(organ: OrganRecord, event: AdminEventInput): Promise<ChainEvent> {
    const exists = new ExchangeError("ADMIN_ORGAN_EXISTS", {
      detail: `organ ${organ.code} is already in the directory`,
    });
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: organItem(organ),
          ConditionExpression: "attribute_not_exists(PK)",
        },
      },
    ];
    const refusals: (ExchangeError | undefined)[] = [exists];
    if (organ.parent) {
      items.push(this.organActive(organ.parent));
      refusals.push(inactive(organ.parent, "parent"));
    }
    const claims = await this.claims(organ.code, new Set(), organIdentifiers(organ));
    return this.commit(
      { items: [...items, ...claims.items], refusals: [...refusals, ...claims.refusals] },
      event,
    );
  }

  async updateOrgan(
    code: string,
    patch: OrganPatch,
    event: AdminEventInput,
    unchanged: readonly OrganRecord[] = [],
  ): Promise<OrganRecord> {
    const current = await this.requireOrgan(code);
    if (patch.status === "active" && current.status !== "inactive") {
      throw new ExchangeError("ADMIN_ORGAN_STATE", {
        detail: `organ ${code} is ${current.status}: only an inactive organ is reactivated`,
        meta: { problem: { organCode: code, organStatus: current.status } },
      });
    }
    const updated: OrganRecord = { ...current, ...patch, updatedAt: event.at };
    const items: TransactWriteItem[] = [this.replaceOrgan(current, updated)];
    const refusals: (ExchangeError | undefined)[] = [changedMeanwhile(code)];
    for (const organ of unchanged) {
      items.push(this.stillAsRead(organ));
      refusals.push(changedMeanwhile(organ.code));
    }
    if (patch.parent && !unchanged.some((organ) => organ.code === patch.parent)) {
      items.push(this.organActive(patch.parent));
      refusals.push(inactive(patch.parent, "parent"));
    }
    const claims = await this.claims(code, organIdentifiers(current), organIdentifiers(updated));
    await this.commit(
      { items: [...items, ...claims.items], refusals: [...refusals, ...claims.refusals] },
      event,
    );
    return updated;
  }

  async deactivateOrgan(code: string, event: AdminEventInput): Promise<OrganRecord> {
    const current = await this.requireOrgan(code);
    if (current.status !== "active") {
      throw notActive(code, current.status);
    }
    const updated: OrganRecord = { ...current, status: "inactive", updatedAt: event.at };
    await this.commit(
      { items: [this.replaceOrgan(current, updated)], refusals: [changedMeanwhile(code)] },
      event,
    );
    return updated;
  }

  async mergeOrgan(code: string, successor: string, event: AdminEventInput): Promise<OrganRecord> {
    const [current, next] = await Promise.all([this.requireOrgan(code), this.requireOrgan(successor)]);
    if (current.status === "merged") {
      throw notActive(code, current.status);
    }
    if (next.status !== "active") {
      throw notActive(successor, next.status);
    }
    const merged: OrganRecord = { ...current, status: "merged", successor, updatedAt: event.at };
    const aliases = [...new Set([...(next.aliases ?? []), code, ...(current.aliases ?? [])])];
    const heir: OrganRecord = { ...next, aliases, updatedAt: event.at };
    // Organs merged into `code` earlier now name its successor: a successor is always active.
    const earlier = await this.mergedInto(code);
    if (earlier.length > MAX_REPOINTED) {
      throw new ExchangeError("ADMIN_ORGAN_STATE", {
        detail: `${earlier.length} organs were merged into ${code}: more than one change can re-point (${MAX_REPOINTED})`,
        meta: { problem: { organCode: code, organStatus: current.status } },
      });
    }
    // The merged organ keeps (or now takes) its identifiers' claims; the heir claims the rest of its own.
    const own = organIdentifiers(current);
    const mergedClaims = await this.claims(code, own, own);
    const heirOwn = new Set([...organIdentifiers(heir)].filter((id) => !own.has(id)));
    const heirClaims = await this.claims(successor, organIdentifiers(next), heirOwn);
    const items = [
      this.replaceOrgan(current, merged),
      this.replaceOrgan(next, heir),
      ...earlier.map((organ) => this.replaceOrgan(organ, { ...organ, successor, updatedAt: event.at })),
      ...mergedClaims.items,
      ...heirClaims.items,
    ];
    if (items.length + 2 > MAX_TRANSACTION_ITEMS) {
      throw new ExchangeError("ADMIN_ORGAN_STATE", {
        detail: `merging ${code} into ${successor} changes ${items.length} items: more than one change can write (${MAX_TRANSACTION_ITEMS - 2})`,
        meta: { problem: { organCode: code, organStatus: current.status } },
      });
    }
    await this.commit(
      {
        items,
        refusals: [
          changedMeanwhile(code),
          changedMeanwhile(successor),
          ...earlier.map((o) => changedMeanwhile(o.code)),
          ...mergedClaims.refusals,
          ...heirClaims.refusals,
        ],
      },
      event,
    );
    return merged;
  }

  /**
   * The claim items that move organ `code` from the identifiers `before` to `after`: a claim for
   * each new or unclaimed one (refused, ADMIN_ALIAS_TAKEN, when another organ owns it, unless
   * that organ was merged into `code`: then a condition that it still does), and the release of
   * each dropped one it owns. Claims it already owns are left as they are: only it releases them,
   * and its own changes are serialised by its item's condition.
   */
  private async claims(code: string, before: Set<string>, after: Set<string>): Promise<Change> {
    const items: TransactWriteItem[] = [];
    const refusals: (ExchangeError | undefined)[] = [];
    const owners = new Map(
      await Promise.all(
        [...new Set([...before, ...after])].map(
          async (id) => [id, record<{ organCode: string }>(await this.get(claimKey(id)))?.organCode] as const,
        ),
      ),
    );
    for (const id of after) {
      const owner = owners.get(id);
      if (owner === code) {
        continue;
      }
      if (owner === undefined) {
        items.push({
          Put: {
            TableName: this.tableName,
            Item: toItem(claimKey(id), "organIdentifier", { organCode: code }),
            ConditionExpression: "attribute_not_exists(PK) OR organCode = :organ",
            ExpressionAttributeValues: marshall({ ":organ": code }),
          },
        });
        refusals.push(identifierTaken(id, undefined));
        continue;
      }
      if ((await this.getOrgan(owner))?.successor !== code) {
        throw identifierTaken(id, owner);
      }
      items.push({
        ConditionCheck: {
          TableName: this.tableName,
          Key: marshall(claimKey(id)),
          ConditionExpression: "organCode = :owner",
          ExpressionAttributeValues: marshall({ ":owner": owner }),
        },
      });
      refusals.push(changedMeanwhile(owner));
    }
    for (const id of before) {
      if (!after.has(id) && owners.get(id) === code) {
        items.push({
          Delete: {
            TableName: this.tableName,
            Key: marshall(claimKey(id)),
            ConditionExpression: "organCode = :organ",
            ExpressionAttributeValues: marshall({ ":organ": code }),
          },
        });
        refusals.push(changedMeanwhile(code));
      }
    }
    return { items, refusals };
  }

  /** The organs whose successor is `code` (a filtered read of the directory: merges are rare). */
  private async mergedInto(code: string): Promise<OrganRecord[]> {
    const found: OrganRecord[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "GSI1",
          KeyConditionExpression: "GSI1PK = :pk",
          FilterExpression: "successor = :code",
          ExpressionAttributeValues: marshall({ ":pk": keys.directory, ":code": code }),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        // The index is eventually consistent: the item itself is read again, and written only as read.
        const organ = await this.getOrgan(record<OrganRecord>(item)!.code);
        if (organ?.successor === code) {
          found.push(organ);
        }
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  /** A condition that `organ` is still as read (same status and updatedAt). */
  private stillAsRead(organ: OrganRecord): TransactWriteItem {
    const { Put } = this.replaceOrgan(organ, organ);
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: marshall(keys.organ(organ.code)),
        ConditionExpression: Put!.ConditionExpression!,
        ExpressionAttributeNames: Put!.ExpressionAttributeNames!,
        ExpressionAttributeValues: Put!.ExpressionAttributeValues!,
      },
    };
  }

  private organActive(code: string): TransactWriteItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: marshall(keys.organ(code)),
        ConditionExpression: "#status = :active",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: marshall({ ":active": "active" }),
      },
    };
  }

  /** Puts `next` over `current` only if the stored organ is still `current` (same updatedAt and status). */
  private replaceOrgan(current: OrganRecord, next: OrganRecord): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: organItem(next),
        ConditionExpression: current.updatedAt
          ? "#status = :status AND updatedAt = :updatedAt"
          : "#status = :status AND attribute_not_exists(updatedAt)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: marshall({
          ":status": current.status,
          ...(current.updatedAt ? { ":updatedAt": current.updatedAt } : {}),
        }),
      },
    };
  }

  private async requireOrgan(code: string): Promise<OrganRecord> {
    const organ = await this.getOrgan(code);
    if (!organ) {
      throw new ExchangeError("ADMIN_ORGAN_NOT_FOUND", { detail: `no organ ${code} in the directory` });
    }
    return organ;
  }

  // API keys

  async listApiKeys(organCode: string): Promise<ApiKeyRecord[]> {
    const found: ApiKeyRecord[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "GSI2",
          KeyConditionExpression: "GSI2PK = :pk",
          ExpressionAttributeValues: marshall({ ":pk": keys.apiKeys(organCode) }),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        found.push(withId(item));
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const item = await this.get(keys.apiKey(id));
    return item ? withId(item) : undefined;
  }

  async createApiKey(key: ApiKeyRecord, event: AdminEventInput): Promise<void> {
    await this.commit(
      {
        items: [
          {
            Put: {
              TableName: this.tableName,
              Item: apiKeyItem(key),
              ConditionExpression: "attribute_not_exists(PK)",
            },
          },
          this.organActive(key.organCode),
        ],
        refusals: [
          new ExchangeError("INTERNAL", { detail: "a new API key's hash is already taken" }),
          inactive(key.organCode),
        ],
      },
      event,
    );
  }

  async rotateApiKey(
    previousId: string,
    next: ApiKeyRecord,
    validUntil: string,
    event: AdminEventInput,
  ): Promise<void> {
    await this.commit(
      {
        items: [
          {
            Update: {
              TableName: this.tableName,
              Key: marshall(keys.apiKey(previousId)),
              UpdateExpression: "SET validUntil = :until, replacedBy = :next",
              ConditionExpression:
                "attribute_exists(PK) AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy) AND (attribute_not_exists(validUntil) OR validUntil > :at)",
              ExpressionAttributeValues: marshall({
                ":until": validUntil,
                ":next": next.id,
                ":at": event.at,
              }),
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: apiKeyItem(next),
              ConditionExpression: "attribute_not_exists(PK)",
            },
          },
          this.organActive(next.organCode),
        ],
        refusals: [
          new ExchangeError("API_KEY_NOT_LIVE", {
            detail: `API key ${previousId} was revoked, rotated or expired meanwhile`,
          }),
          new ExchangeError("INTERNAL", { detail: "a new API key's hash is already taken" }),
          inactive(next.organCode),
        ],
      },
      event,
    );
  }

  async revokeApiKey(id: string, at: string, event: AdminEventInput): Promise<void> {
    await this.commit(
      {
        items: [
          {
            Update: {
              TableName: this.tableName,
              Key: marshall(keys.apiKey(id)),
              UpdateExpression: "SET revokedAt = :at",
              ConditionExpression: "attribute_exists(PK) AND attribute_not_exists(revokedAt)",
              ExpressionAttributeValues: marshall({ ":at": at }),
            },
          },
        ],
        refusals: [new ExchangeError("API_KEY_NOT_LIVE", { detail: `API key ${id} was revoked meanwhile` })],
      },
      event,
    );
  }

  async anyAdminKey(): Promise<boolean> {
    // Only `npm run admin:bootstrap` asks, once per deployment: a filtered scan is fine there.
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out: ScanCommandOutput = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: "entity = :apiKey AND #role = :admin AND attribute_not_exists(revokedAt)",
          ExpressionAttributeNames: { "#role": "role" },
          ExpressionAttributeValues: marshall({ ":apiKey": "apiKey", ":admin": "admin" }),
          ProjectionExpression: "PK",
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      if ((out.Items ?? []).length > 0) {
        return true;
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return false;
  }

  // Certificates and trust anchors

  async listCertificates(organCode: string): Promise<{ sha256: string; pem: string }[]> {
    return (await this.queryPrefix(keys.organ(organCode).PK, "CERT#")).map(({ SK, pem }) => ({
      sha256: SK.slice("CERT#".length),
      pem,
    }));
  }

  async bindCertificate(
    organCode: string,
    sha256: string,
    pem: string,
    event: AdminEventInput,
  ): Promise<void> {
    await this.commit(
      {
        items: [
          {
            Put: {
              TableName: this.tableName,
              Item: toItem(keys.organCertificate(organCode, sha256), "organCertificate", { pem }),
            },
          },
          this.organActive(organCode),
          {
            Put: {
              TableName: this.tableName,
              Item: toItem(certificateOwnerKey(sha256), "certificateOwner", { organCode }),
              ConditionExpression: "attribute_not_exists(PK) OR organCode = :organ",
              ExpressionAttributeValues: marshall({ ":organ": organCode }),
            },
          },
        ],
        refusals: [
          undefined,
          inactive(organCode),
          new ExchangeError("ADMIN_CERTIFICATE_REFUSED", {
            detail: `certificate ${sha256} was bound to another organ meanwhile`,
            meta: { problem: { reason: "bound-elsewhere" } },
          }),
        ],
      },
      event,
    );
  }

  async certificateOwner(sha256: string): Promise<string | undefined> {
    return record<{ organCode: string }>(await this.get(certificateOwnerKey(sha256)))?.organCode;
  }

  async unbindCertificate(organCode: string, sha256: string, event: AdminEventInput): Promise<void> {
    await this.commit(
      {
        items: [
          this.deleteExisting(keys.organCertificate(organCode, sha256)),
          {
            Delete: {
              TableName: this.tableName,
              Key: marshall(certificateOwnerKey(sha256)),
              ConditionExpression: "attribute_not_exists(PK) OR organCode = :organ",
              ExpressionAttributeValues: marshall({ ":organ": organCode }),
            },
          },
        ],
        refusals: [
          new ExchangeError("ADMIN_CERTIFICATE_NOT_FOUND", {
            detail: `certificate ${sha256} is not bound to ${organCode}`,
          }),
          changedMeanwhile(organCode),
        ],
      },
      event,
    );
  }

  async putOrganSigner(
    organCode: string,
    signer: { readonly kmsKeyId?: string; readonly certificatesPem: string },
    event: AdminEventInput,
  ): Promise<void> {
    // The item as DynamoLedger.organSigner reads it (and putOrganSigner writes it), with its event.
    await this.commit(
      {
        items: [
          {
            Put: {
              TableName: this.tableName,
              Item: toItem(keys.organSigner(organCode), "organSigner", signer),
            },
          },
        ],
        refusals: [undefined],
      },
      event,
    );
  }

  async listTrustAnchors(): Promise<{ sha256: string; pem: string }[]> {
    return (await this.queryPrefix(keys.trustAnchors.PK, keys.trustAnchors.SKPrefix)).map(({ SK, pem }) => ({
      sha256: SK.slice(keys.trustAnchors.SKPrefix.length),
      pem,
    }));
  }

  async addTrustAnchor(sha256: string, pem: string, event: AdminEventInput): Promise<void> {
    await this.commit(
      {
        items: [
          {
            Put: {
              TableName: this.tableName,
              Item: toItem(keys.trustAnchor(sha256), "trustAnchor", { pem }),
            },
          },
        ],
        refusals: [undefined],
      },
      event,
    );
  }

  async removeTrustAnchor(sha256: string, event: AdminEventInput): Promise<void> {
    await this.commit(
      {
        items: [this.deleteExisting(keys.trustAnchor(sha256))],
        refusals: [
          new ExchangeError("ADMIN_TRUST_ANCHOR_NOT_FOUND", { detail: `no trust anchor ${sha256}` }),
        ],
      },
      event,
    );
  }

  // The send policy

  async sendPolicySettings(): Promise<SendPolicySettings> {
    const organs: Record<string, SendPolicySetting> = {};
    let deployment: SendPolicySetting | undefined;
    for (const { SK, policy } of await this.queryPrefix<{ policy: SendPolicySetting }>(
      keys.sendPolicies.PK,
      keys.sendPolicies.SKPrefix,
    )) {
      const organ = SK.slice(keys.sendPolicy().SK.length + 1);
      if (organ) {
        organs[organ] = policy;
      } else {
        deployment = policy;
      }
    }
    return { ...(deployment ? { deployment } : {}), organs };
  }

  sendPolicyFor(sender: string): Promise<{ setting: SendPolicySetting; scope: string } | undefined> {
    return this.policies.sendPolicyFor(sender);
  }

  async putSendPolicy(
    scope: string | undefined,
    setting: SendPolicySetting | undefined,
    event: AdminEventInput,
  ): Promise<void> {
    const key = keys.sendPolicy(scope);
    await this.commit(
      {
        items: [
          setting
            ? {
                Put: {
                  TableName: this.tableName,
                  Item: toItem(key, "sendPolicy", { policy: setting, updatedAt: event.at }),
                },
              }
            : { Delete: { TableName: this.tableName, Key: marshall(key) } },
        ],
        refusals: [undefined],
      },
      event,
    );
  }

  // The admin chain

  async adminEvents(): Promise<ChainEvent[]> {
    const events: ChainEvent[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "PK = :pk AND begins_with(SK, :evt)",
          ExpressionAttributeValues: marshall({
            ":pk": keys.adminEvents.PK,
            ":evt": keys.adminEvents.SKPrefix,
          }),
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        events.push(record<{ event: ChainEvent }>(item)!.event);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return events;
  }

  /**
   * Writes the change with the next admin event, conditional on the head read just before; rebuilt
   * on a newer head when another admin change won. A failed condition of the change itself is its
   * refusal (the first one that failed).
   */
  private async commit(change: Change, input: AdminEventInput): Promise<ChainEvent> {
    for (let attempt = 0; attempt < HEAD_RETRIES; attempt++) {
      const head = record<ChainHead>(await this.get(keys.adminHead));
      const event = adminEvent(head, input);
      const headItem: TransactWriteItem = {
        Put: {
          TableName: this.tableName,
          Item: toItem(keys.adminHead, "adminHead", { chain: event.chain, seq: event.seq, hash: event.hash }),
          ConditionExpression: head ? "seq = :seq AND #hash = :hash" : "attribute_not_exists(PK)",
          ...(head
            ? {
                ExpressionAttributeNames: { "#hash": "hash" },
                ExpressionAttributeValues: marshall({ ":seq": head.seq, ":hash": head.hash }),
              }
            : {}),
        },
      };
      const eventItem: TransactWriteItem = {
        Put: {
          TableName: this.tableName,
          Item: toItem(keys.adminEvent(event.seq), "adminEvent", { event }),
          ConditionExpression: "attribute_not_exists(PK)",
        },
      };
      try {
        await this.client.send(
          new TransactWriteItemsCommand({ TransactItems: [...change.items, headItem, eventItem] }),
        );
        return event;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) {
          throw error;
        }
        const reasons = error.CancellationReasons ?? [];
        const failed = change.items.findIndex((_, i) => reasons[i]?.Code === "ConditionalCheckFailed");
        if (failed >= 0) {
          throw change.refusals[failed] ?? error;
        }
        const lostHead = [change.items.length, change.items.length + 1].some(
          (i) => reasons[i]?.Code === "ConditionalCheckFailed",
        );
        if (!lostHead && !reasons.some((reason) => reason.Code === "TransactionConflict")) {
          throw error;
        }
      }
    }
    throw new ExchangeError("ADMIN_CHANGE_CONFLICT", {
      detail: `the admin chain moved on ${HEAD_RETRIES} times while this change was being recorded`,
    });
  }

  private deleteExisting(key: { PK: string; SK: string }): TransactWriteItem {
    return {
      Delete: { TableName: this.tableName, Key: marshall(key), ConditionExpression: "attribute_exists(PK)" },
    };
  }

  private async get(key: { PK: string; SK: string }): Promise<Record<string, AttributeValue> | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }),
    );
    return out.Item;
  }

  private async queryPrefix<T = { pem: string }>(
    pk: string,
    prefix: string,
  ): Promise<(T & { SK: string })[]> {
    const found: (T & { SK: string })[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
          ExpressionAttributeValues: marshall({ ":pk": pk, ":prefix": prefix }),
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        found.push(unmarshall(item) as T & { SK: string });
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return found;
  }
}

/** A key item as listed: its id is its hash (from the key; items written before ids carry none). */
function withId(item: Record<string, AttributeValue>): ApiKeyRecord {
  const pk = unmarshall(item)["PK"] as string;
  return { ...record<ApiKeyRecord>(item)!, id: pk.slice("KEY#".length) };
}

function changedMeanwhile(code: string): ExchangeError {
  return new ExchangeError("ADMIN_CHANGE_CONFLICT", {
    detail: `organ ${code} was changed meanwhile; read it again and retry`,
  });
}

/** `id` (folded) already names another organ (`owner`; undefined: claimed meanwhile). */
function identifierTaken(id: string, owner: string | undefined): ExchangeError {
  return new ExchangeError("ADMIN_ALIAS_TAKEN", {
    detail: `'${id}' already names ${owner ? `organ ${owner}` : "another organ (claimed meanwhile)"}`,
    meta: { problem: { alias: id, ...(owner ? { organCode: owner } : {}) } },
  });
}

/** A condition on an organ being active failed (the caller read it active just before). */
function inactive(code: string, role = "organ"): ExchangeError {
  return new ExchangeError("ADMIN_ORGAN_INACTIVE", {
    detail: `${role} ${code} is not an active organ of the directory`,
    meta: { problem: { organCode: code } },
  });
}

function notActive(code: string, status: string): ExchangeError {
  return new ExchangeError("ADMIN_ORGAN_STATE", {
    detail: `organ ${code} is ${status}: only an active organ is deactivated, merged, or merged into`,
    meta: { organCode: code, status },
  });
}
