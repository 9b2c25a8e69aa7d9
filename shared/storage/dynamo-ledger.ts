import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { ExchangeError } from "../errors/index.ts";
import { LETTER_ID } from "../exchange/letter-schema.ts";
import { isAutoNumber, letterIdOf, numberIdentity, vietnamYear } from "../exchange/numbering.ts";
import type { ExchangeLedger, OrganSignerRecord, SigningSessionRecord } from "../exchange/ports.ts";
import { searchFieldOf } from "../exchange/queries.ts";
import type { StatusCode } from "../exchange/status.ts";
import type { Delivery, Letter, LetterEvent, Organ, Page, Role } from "../exchange/types.ts";
import { apiKeyItem, organItem } from "./admin-items.ts";
import { DynamoEvents } from "./dynamo-events.ts";
import { copyRecord, PACKED_ATTRIBUTE, packLetter, unpackItem } from "./letter-item.ts";
import { PageCursors, startKeyOf } from "./page-cursor.ts";
import { RecipientLists } from "./recipient-lists.ts";
import { ITEM_KEYS } from "./schema.ts";

/** Item keys of the single-table layout (see `schema.ts`). */
const keys = ITEM_KEYS;

/** Attributes of the table, not of the record (`search`: the folded text the queries match, queries.ts). */
const KEY_FIELDS = ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "entity", "search"] as const;

const toItem = (keyAttributes: Record<string, string>, entity: string, record: object) =>
  marshall(
    { ...record, ...keyAttributes, entity, ...searchFieldOf(entity, record) },
    { removeUndefinedValues: true, convertClassInstanceToMap: true },
  );

function fromItem<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) {
    return undefined;
  }
  const record = unpackItem(unmarshall(item as Parameters<typeof unmarshall>[0]));
  for (const field of KEY_FIELDS) {
    delete record[field];
  }
  return record as T;
}

/** Numbers an `"auto"` create tries past the series' counter before answering "too busy". */
const MAX_AUTO_NUMBER_ATTEMPTS = 50;

/** Options of {@link DynamoLedger}. */
export interface DynamoLedgerOptions {
  /**
   * Secret the page cursors are sealed with (`RuntimeConfig.cursorSecret`). Every instance serving
   * one table must share it; without it, cursors are valid only within this process.
   */
  readonly cursorSecret?: string;
}

/** `ExchangeLedger` on one DynamoDB table (AWS or DynamoDB Local: same code). */
export class DynamoLedger implements ExchangeLedger {
  private readonly cursors: PageCursors;
  /** The audit chains on the same table and client (`dynamo-events.ts`). */
  readonly events: DynamoEvents;
  /** Long recipient lists, apart from their letters (`recipient-lists.ts`). */
  readonly recipientLists: RecipientLists;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoLedgerOptions = {},
  ) {
    this.cursors = new PageCursors(options.cursorSecret);
    this.events = new DynamoEvents(client, tableName);
    this.recipientLists = new RecipientLists(client, tableName);
  }

  /**
   * The key's organ and role, unless it is revoked or past its rotation grace period (`validUntil`).
   * Strongly consistent: a revocation counts from the moment it is written. Its last use is
   * recorded at most once a minute, without delaying the request (see {@link noteKeyUse}).
   */
  async findApiKey(keyHash: string): Promise<{ organCode: string; role: Role; keyId: string } | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(keys.apiKey(keyHash)),
        ConsistentRead: true,
      }),
    );
    const key = fromItem<{
      organCode: string;
      role: Role;
      revokedAt?: string;
      validUntil?: string;
      lastUsedAt?: string;
    }>(out.Item);
    const now = new Date();
    if (!key || key.revokedAt || (key.validUntil && key.validUntil <= now.toISOString())) {
      return undefined;
    }
    this.noteKeyUse(keyHash, key.lastUsedAt, now);
    return { organCode: key.organCode, role: key.role, keyId: keyHash };
  }

  /**
   * Records a key's last use, to the minute: a conditional update, sent only when the stored time
   * is older than a minute and not awaited (fire and forget; a failure only loses a timestamp), so
   * a busy key costs one write a minute and no request waits for it.
   */
  private noteKeyUse(keyHash: string, lastUsedAt: string | undefined, now: Date): void {
    const minuteAgo = new Date(now.getTime() - 60_000).toISOString();
    if (lastUsedAt && lastUsedAt > minuteAgo) {
      return;
    }
    this.client
      .send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.apiKey(keyHash)),
          UpdateExpression: "SET lastUsedAt = :now",
          ConditionExpression:
            "attribute_exists(PK) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :minuteAgo)",
          ExpressionAttributeValues: marshall({ ":now": now.toISOString(), ":minuteAgo": minuteAgo }),
        }),
      )
      .catch(() => undefined);
  }

  async putApiKey(keyHash: string, organCode: string, role: Role): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: apiKeyItem({ id: keyHash, organCode, role, createdAt: new Date().toISOString() }),
      }),
    );
  }

  async putOrgan(organ: Organ): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: organItem(organ) }));
  }

  /** The successor of each of `codes` that was merged into another organ (one batch read). */
  async organSuccessors(codes: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const successors = new Map<string, string>();
    const unique = [...new Set(codes)];
    for (let i = 0; i < unique.length; i += 100) {
      const out = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [this.tableName]: { Keys: unique.slice(i, i + 100).map((code) => marshall(keys.organ(code))) },
          },
        }),
      );
      for (const item of out.Responses?.[this.tableName] ?? []) {
        const organ = fromItem<Organ & { successor?: string }>(item);
        if (organ?.successor) {
          successors.set(organ.code, organ.successor);
        }
      }
    }
    return successors;
  }

  async organStatuses(codes: readonly string[]): Promise<ReadonlyMap<string, Organ["status"]>> {
    const statuses = new Map<string, Organ["status"]>();
    const unique = [...new Set(codes)];
    // BatchGetItem takes at most 100 keys per call.
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, KeysAndAttributes> | undefined = {
        [this.tableName]: {
          Keys: unique.slice(i, i + 100).map((code) => marshall(keys.organ(code))),
          // The directory decides who may act: a deactivation counts from the moment it is written.
          ConsistentRead: true,
        },
      };
      while (request && Object.keys(request).length > 0) {
        const out: BatchGetItemCommandOutput = await this.client.send(
          new BatchGetItemCommand({ RequestItems: request }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const organ = fromItem<Organ>(item);
          if (organ) {
            statuses.set(organ.code, organ.status);
          }
        }
        request = out.UnprocessedKeys;
      }
    }
    return statuses;
  }

  async trustAnchors(): Promise<string[]> {
    const anchors: string[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "PK = :pk AND begins_with(SK, :trust)",
          ExpressionAttributeValues: marshall({
            ":pk": keys.trustAnchors.PK,
            ":trust": keys.trustAnchors.SKPrefix,
          }),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const anchor = fromItem<{ pem: string }>(item);
        if (anchor) {
          anchors.push(anchor.pem);
        }
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return anchors;
  }

  async putTrustAnchor(sha256: string, pem: string): Promise<void> {
    await this.put(keys.trustAnchor(sha256), "trustAnchor", { pem });
  }

  async isCertificateBound(organCode: string, certificateSha256: string): Promise<boolean> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(keys.organCertificate(organCode, certificateSha256)),
      }),
    );
    return out.Item !== undefined;
  }

  async bindCertificate(organCode: string, certificateSha256: string, pem: string): Promise<void> {
    await this.put(keys.organCertificate(organCode, certificateSha256), "organCertificate", { pem });
  }

  async organSigner(organCode: string): Promise<OrganSignerRecord | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.organSigner(organCode)) }),
    );
    return fromItem<OrganSignerRecord>(out.Item);
  }

  async putOrganSigner(organCode: string, signer: OrganSignerRecord): Promise<void> {
    await this.put(keys.organSigner(organCode), "organSigner", signer);
  }

  async putSigningSession(session: SigningSessionRecord): Promise<void> {
    await this.put(keys.signingSession(session.id), "signingSession", session);
  }

  async takeSigningSession(
    id: string,
    organCode: string,
    now: Date,
  ): Promise<SigningSessionRecord | undefined> {
    if (!/^[0-9a-f]{64}$/.test(id)) {
      return undefined;
    }
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.signingSession(id)),
          UpdateExpression: "SET usedAt = :now",
          // The TTL deletes expired items lazily: expiry is checked here, not assumed.
          ConditionExpression: "organCode = :organ AND expiresAt > :epoch AND attribute_not_exists(usedAt)",
          ExpressionAttributeValues: marshall({
            ":now": now.toISOString(),
            ":organ": organCode,
            ":epoch": Math.floor(now.getTime() / 1000),
          }),
          ReturnValues: "ALL_NEW",
        }),
      );
      const { usedAt: _used, ...session } = fromItem<SigningSessionRecord & { usedAt: string }>(
        out.Attributes,
      )!;
      return session;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Also requires the draft's sender to be an active organ, in the same transaction: a file is
   * replaced by the sender (POST /v1/sign, /v1/sign/complete, PUT …/file), and an inactive or
   * merged organ writes nothing (ORGAN_INACTIVE).
   */
  async replaceDraftFile(letterId: string, expectedSha256: string, file: Letter["file"]): Promise<boolean> {
    const sender = (await this.getLetter(letterId))?.sender;
    if (!sender) {
      return false;
    }
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: marshall(keys.letter(letterId)),
                UpdateExpression: "SET #file = :file",
                ConditionExpression: "#state = :draft AND #file.sha256 = :expected AND sender = :sender",
                ExpressionAttributeNames: { "#file": "file", "#state": "state" },
                ExpressionAttributeValues: marshall({
                  ":file": file,
                  ":draft": "draft",
                  ":expected": expectedSha256,
                  ":sender": sender,
                }),
              },
            },
            this.organActive(sender),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && isConditionFailure(error)) {
        throwIfOrganInactive(error, 1, sender);
        return false;
      }
      throw error;
    }
  }

  /** A transaction item that holds only while `organCode` is an active organ of the directory. */
  private organActive(organCode: string): TransactWriteItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: marshall(keys.organ(organCode)),
        ConditionExpression: "#status = :active",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: marshall({ ":active": "active" }),
      },
    };
  }

  async recordSendRefusal(
    letterId: string,
    expectedSha256: string,
    verification: NonNullable<Letter["verification"]>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.letter(letterId)),
          UpdateExpression: "SET verification = :verification",
          ConditionExpression: "#state = :draft AND #file.sha256 = :expected",
          ExpressionAttributeNames: { "#file": "file", "#state": "state" },
          ExpressionAttributeValues: marshall(
            { ":verification": verification, ":draft": "draft", ":expected": expectedSha256 },
            { removeUndefinedValues: true },
          ),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return false;
      }
      throw error;
    }
  }

  private async put(key: Record<string, string>, entity: string, record: object): Promise<void> {
    await this.client.send(
      new PutItemCommand({ TableName: this.tableName, Item: toItem(key, entity, record) }),
    );
  }

  /**
   * Writes the draft where no item has its id, which is its number's (numbering.ts): a number the
   * organ already used this year (Vietnam time) in that notation is refused, LETTER_NUMBER_TAKEN.
   * One write unit, no transaction. `"auto"` tries the numbers after the series' counter, then
   * advances the counter to the number taken (never back).
   */
  async createLetter(letter: Letter, numbered: (number: string) => Letter): Promise<Letter> {
    if (!isAutoNumber(letter.code)) {
      if (!(await this.putDraft(letter))) {
        throw numberTaken(letter);
      }
      return letter;
    }
    const year = vietnamYear(letter.createdAt);
    const series = keys.numberCounter(letter.sender, year, numberIdentity(letter.code).notation);
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(series), ConsistentRead: true }),
    );
    const last = out.Item ? Number(unmarshall(out.Item)["last"]) : 0;
    // A number taken by hand, or by a concurrent create of the series, is skipped.
    for (let candidate = last + 1; candidate <= last + MAX_AUTO_NUMBER_ATTEMPTS; candidate += 1) {
      const draft = numbered(String(candidate));
      if (await this.putDraft(draft)) {
        await this.client
          .send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: marshall(series),
              UpdateExpression: "SET #last = :next, entity = :entity",
              ConditionExpression: "attribute_not_exists(#last) OR #last < :next",
              ExpressionAttributeNames: { "#last": "last" },
              ExpressionAttributeValues: marshall({ ":next": candidate, ":entity": "numberCounter" }),
            }),
          )
          .catch((error: unknown) => {
            if (!(error instanceof ConditionalCheckFailedException)) {
              throw error; // else a concurrent create already took a later number
            }
          });
        return draft;
      }
    }
    throw new ExchangeError("DEPENDENCY_UNAVAILABLE", {
      detail: `the number series ${letter.code.notation} of ${letter.sender} is too busy; try again`,
    });
  }

  /** Writes a draft unless an item has its id (its number's): false when one has. */
  private async putDraft(letter: Letter): Promise<boolean> {
    if (letter.id !== letterIdOf(letter.sender, vietnamYear(letter.createdAt), letter.code)) {
      throw new Error(`letter ${letter.id} does not have its number's id (numbering.ts)`);
    }
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(
            {
              ...keys.letter(letter.id),
              GSI2PK: keys.outbox(letter.sender),
              GSI2SK: keys.outboxSort(letter.createdAt, letter.id),
            },
            "letter",
            await this.recipientLists.stored(letter),
          ),
          ConditionExpression: "attribute_not_exists(PK)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return false;
      }
      throw error;
    }
  }

  async getLetter(id: string): Promise<Letter | undefined> {
    if (!LETTER_ID.test(id)) {
      // Not an id this exchange issues (and DynamoDB refuses keys over 2 KB): no such letter.
      return undefined;
    }
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.letter(id)), ConsistentRead: true }),
    );
    const letter = fromItem<Letter>(out.Item);
    return letter && this.recipientLists.restore(letter);
  }

  async getDelivery(letterId: string, recipient: string): Promise<Delivery | undefined> {
    if (!LETTER_ID.test(letterId)) {
      return undefined;
    }
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(keys.delivery(letterId, recipient)),
        ConsistentRead: true,
      }),
    );
    return fromItem<Delivery>(out.Item);
  }

  async listDeliveries(letterId: string): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "PK = :pk AND begins_with(SK, :to)",
          ExpressionAttributeValues: marshall({
            ":pk": keys.deliveries(letterId).PK,
            ":to": keys.deliveries(letterId).SKPrefix,
          }),
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey as never } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const delivery = fromItem<Delivery>(item);
        if (delivery) {
          deliveries.push(delivery);
        }
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return deliveries;
  }

  async beginSend(letter: Letter, expectedSha256: string): Promise<boolean> {
    // File, verification, pending work and appendices go packed (letter-item.ts): the item stays
    // under 1 KB, so the commit and the `sent` mark cost one write unit each.
    const { packed, verification } = packLetter(letter);
    const set: Record<string, unknown> = {
      ":sending": "sending",
      ":at": letter.sentAt,
      ":packed": packed,
      ":head": letter.head,
      ":sweep": keys.sending(letter.id),
      ":sweepSort": keys.sendingSort(letter.sentAt ?? ""),
      ...(verification ? { ":verification": verification } : {}),
    };
    const assignments = [
      "#state = :sending",
      "sentAt = :at",
      `${PACKED_ATTRIBUTE} = :packed`,
      "head = :head",
      // Listed in the sweep's index partition until finished (lettersSending).
      "GSI1PK = :sweep",
      "GSI1SK = :sweepSort",
      ...(verification ? ["verification = :verification"] : []),
    ];
    // The draft's plain copies of what is now packed.
    const removals = ["#file", "attachments", ...(verification ? [] : ["verification"])];
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.letter(letter.id)),
          UpdateExpression: `SET ${assignments.join(", ")} REMOVE ${removals.join(", ")}`,
          ConditionExpression: "#state = :draft AND #file.sha256 = :expected",
          ExpressionAttributeNames: { "#state": "state", "#file": "file" },
          ExpressionAttributeValues: marshall(
            { ...set, ":draft": "draft", ":expected": expectedSha256 },
            { removeUndefinedValues: true, convertClassInstanceToMap: true },
          ),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return false;
      }
      throw error;
    }
  }

  /** One conditional put per copy, a chunk at once; "already there" is success (fan-out.ts). */
  async putDeliveries(deliveries: readonly Delivery[]): Promise<void> {
    await Promise.all(
      deliveries.map(async (delivery) => {
        try {
          await this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: this.deliveryItem(delivery),
              ConditionExpression: "attribute_not_exists(PK)",
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) {
            throw error;
          }
        }
      }),
    );
  }

  async finishSend(letterId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.letter(letterId)),
          UpdateExpression: "SET #state = :sent REMOVE pending, GSI1PK, GSI1SK",
          ConditionExpression: "#state = :sending",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: marshall({ ":sent": "sent", ":sending": "sending" }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error;
      }
    }
  }

  /** Letters committed before `before` (ISO time) and still `sending`, oldest first (every shard). */
  async lettersSending(before: string, limit: number): Promise<Letter[]> {
    const shards = await Promise.all(
      keys.sendingShards.map(async (partition) => {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: "GSI1",
            KeyConditionExpression: "GSI1PK = :pk AND GSI1SK < :before",
            ExpressionAttributeValues: marshall({ ":pk": partition, ":before": before }),
            Limit: limit,
          }),
        );
        return Promise.all(
          (out.Items ?? []).flatMap((item) => {
            const letter = fromItem<Letter>(item);
            return letter ? [this.recipientLists.restore(letter)] : [];
          }),
        );
      }),
    );
    return shards
      .flat()
      .sort((a, b) => (a.sentAt ?? "").localeCompare(b.sentAt ?? ""))
      .slice(0, limit);
  }

  private deliveryItem(delivery: Delivery): Record<string, AttributeValue> {
    return toItem(
      {
        ...keys.delivery(delivery.letterId, delivery.recipient),
        GSI1PK: keys.inbox(delivery.recipient),
        GSI1SK: keys.inboxSort(delivery.deliveredAt, delivery.letterId),
        // Unconfirmed until a polling recipient confirms it (dynamo-peek.ts removes these).
        GSI2PK: keys.peek(delivery.recipient),
        GSI2SK: keys.peekSort(delivery.deliveredAt, delivery.letterId),
      },
      "delivery",
      copyRecord(delivery),
    );
  }

  /**
   * The whole send in one transaction (at most 98 copies), from before fan-out; `Exchange` commits
   * with {@link DynamoLedger.beginSend} instead. Kept for tests that set up sent letters.
   */
  async markSent(letter: Letter, deliveries: readonly Delivery[], event: LetterEvent): Promise<boolean> {
    if (deliveries.length + 2 > 100) {
      // TransactWriteItems holds at most 100 items; the schema caps recipients below that.
      throw new ExchangeError("VALIDATION_FAILED", { detail: `too many recipients (${deliveries.length})` });
    }
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.letter(letter.id)),
          UpdateExpression: letter.verification
            ? "SET #state = :sent, sentAt = :at, #file = :file, verification = :verification"
            : "SET #state = :sent, sentAt = :at, #file = :file",
          ConditionExpression: "#state = :draft AND #file.sha256 = :sha256",
          ExpressionAttributeNames: { "#state": "state", "#file": "file" },
          ExpressionAttributeValues: marshall(
            {
              ":sent": "sent",
              ":draft": "draft",
              ":sha256": letter.file.sha256,
              ":at": letter.sentAt,
              ":file": letter.file,
              ...(letter.verification ? { ":verification": letter.verification } : {}),
            },
            { removeUndefinedValues: true },
          ),
        },
      },
      ...deliveries.map(
        (delivery): TransactWriteItem => ({
          Put: {
            TableName: this.tableName,
            Item: this.deliveryItem(delivery),
            ConditionExpression: "attribute_not_exists(PK)",
          },
        }),
      ),
      {
        Put: {
          TableName: this.tableName,
          Item: toItem(keys.event(event.letterId, event.at, event.organCode), "event", event),
        },
      },
    ];
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && isConditionFailure(error)) {
        return false;
      }
      throw error;
    }
  }

  async updateDeliveryStatus(
    delivery: Delivery,
    from: readonly StatusCode[],
    change: { status: StatusCode; reason?: string; at: string },
  ): Promise<boolean> {
    const allowed = Object.fromEntries(from.map((status, i) => [`:from${i}`, status]));
    const event: LetterEvent = {
      letterId: delivery.letterId,
      at: change.at,
      organCode: delivery.recipient,
      type: "status",
      status: change.status,
      ...(change.reason ? { reason: change.reason } : {}),
    };
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: marshall(keys.delivery(delivery.letterId, delivery.recipient)),
                UpdateExpression: change.reason
                  ? "SET #status = :status, updatedAt = :at, reason = :reason"
                  : "SET #status = :status, updatedAt = :at REMOVE reason",
                ConditionExpression: `#status IN (${Object.keys(allowed).join(", ")})`,
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: marshall(
                  {
                    ":status": change.status,
                    ":at": change.at,
                    ...(change.reason ? { ":reason": change.reason } : {}),
                    ...allowed,
                  },
                  { removeUndefinedValues: true },
                ),
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: toItem(keys.event(event.letterId, event.at, event.organCode), "event", event),
              },
            },
            // The recipient deactivated meanwhile sets nothing.
            this.organActive(delivery.recipient),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && isConditionFailure(error)) {
        throwIfOrganInactive(error, 2, delivery.recipient);
        return false;
      }
      throw error;
    }
  }

  inbox(organCode: string, limit: number, cursor?: string): Promise<Page<Delivery>> {
    return this.page<Delivery>("GSI1", keys.inbox(organCode), limit, cursor);
  }

  outbox(organCode: string, limit: number, cursor?: string): Promise<Page<Letter>> {
    return this.page<Letter>("GSI2", keys.outbox(organCode), limit, cursor);
  }

  /** Newest first, with an opaque cursor that is only valid for the same index partition. */
  private async page<T>(
    index: "GSI1" | "GSI2",
    partition: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<T>> {
    const startKey = cursor ? startKeyOf(this.cursors.open(cursor, index, partition), index) : undefined;
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: `${index}PK = :pk`,
        ExpressionAttributeValues: marshall({ ":pk": partition }),
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: marshall(startKey) } : {}),
      }),
    );
    const items = await Promise.all(
      (out.Items ?? []).map((item) => this.recipientLists.restore(fromItem<T & object>(item) as T & object)),
    );
    const last = out.LastEvaluatedKey ? unmarshall(out.LastEvaluatedKey) : undefined;
    return last ? { items, nextCursor: this.cursors.seal(last, index, partition) } : { items };
  }
}

function numberTaken(letter: Letter): ExchangeError {
  const year = vietnamYear(letter.createdAt);
  return new ExchangeError("LETTER_NUMBER_TAKEN", {
    detail: `organ ${letter.sender} already has letter number ${letter.code.number}/${letter.code.notation} in ${year}`,
    meta: { number: letter.code.number, notation: letter.code.notation, year },
  });
}

/** ORGAN_INACTIVE when the transaction's item `index` (an {@link DynamoLedger.organActive} check) failed. */
function throwIfOrganInactive(error: TransactionCanceledException, index: number, organCode: string): void {
  if (error.CancellationReasons?.[index]?.Code === "ConditionalCheckFailed") {
    throw new ExchangeError("ORGAN_INACTIVE", {
      detail: `organ ${organCode} is no longer active in the directory: its keys may only read`,
      meta: { organCode },
    });
  }
}

function isConditionFailure(error: TransactionCanceledException): boolean {
  return (error.CancellationReasons ?? []).some((reason) => reason.Code === "ConditionalCheckFailed");
}
