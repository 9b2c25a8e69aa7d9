/**
 * The single-table layout, declared once: the key attributes and indexes (the CDK stack in
 * `infra/` and the local bootstrap in `local/` build the table from {@link TABLE_SCHEMA}) and the
 * key templates of every item kind the ledger writes ({@link ITEM_KEYS}, used by
 * `dynamo-ledger.ts`). Every item also carries `entity` (the kind's name below).
 *
 * | item (entity)                        | PK                | SK                   | GSI1 (inbox): PK / SK                        | GSI2 (outbox): PK / SK                   |
 * |--------------------------------------|-------------------|----------------------|----------------------------------------------|------------------------------------------|
 * | organ (organ)                        | ORG#<organCode>   | PROFILE              |                                              |                                          |
 * | organ certificate (organCertificate) | ORG#<organCode>   | CERT#<sha256>        |                                              |                                          |
 * | organ signer (organSigner)           | ORG#<organCode>   | SIGNER               |                                              |                                          |
 * | API key (apiKey)                     | KEY#<sha256(key)> | KEY                  |                                              |                                          |
 * | trust anchor (trustAnchor)           | CONFIG            | TRUST#<sha256>       |                                              |                                          |
 * | signing session (signingSession)     | SIGN#<sessionId>  | SESSION              |                                              |                                          |
 * | letter (letter)                      | DOC#<letterId>    | META                 |                                              | OUTBOX#<sender> / <createdAt>#<letterId> |
 * | delivery (delivery)                  | DOC#<letterId>    | TO#<recipient>       | INBOX#<recipient> / <deliveredAt>#<letterId> |                                          |
 * | event (event)                        | DOC#<letterId>    | EVT#<at>#<organCode> |                                              |                                          |
 * | admin chain head (adminHead)         | CONFIG            | ADMIN#HEAD           |                                              |                                          |
 * | admin event (adminEvent)             | CHAIN#admin       | EVT#<seq, 9 digits>  |                                              |                                          |
 * | send policy setting (sendPolicy)     | CONFIG            | POLICY#SEND[#<organ>]|                                              |                                          |
 *
 * Organs are also in the directory index: GSI1 `DIRECTORY` / `<organCode>` (with the folded
 * `search` text, shared/exchange/directory.ts); API keys in GSI2 `KEYS#<organCode>` /
 * `<createdAt>#<sha256>` (listing an organ's keys). Both are partitions of their own.
 * | chain event (chainEvent)             | DOC#<letterId>    | EVT#<recipient or SENDER>#<seq, 6 digits> |                         |                                          |
 * | sealed head (sealedHead)             | DOC#<letterId>    | SEALED#<chain>       |                                              |                                          |
 * | reply link (reply)                   | DOC#<letterId>    | REPLY#<replyId>      |                                              |                                          |
 * | chain head of a day (auditHead)      | AUDIT#<day>       | <chain>              |                                              |                                          |
 * | stats day (statsDay)                 | STATS#<organCode> | DAY#<yyyy-mm-dd>     |                                              |                                          |
 * | open due copy (statsOpen)            | STATS#<organCode> | OPEN#<due>#<letterId>#<recipient> |                                              |                                          |
 * | inbox totals (statsTotals)           | STATS#<organCode> | TOTALS               |                                              |                                          |
 * | applied stream change (streamApplied)| APPLIED#<changeId>| APPLIED              |                                              |                                          |
 * | idempotency record (idempotency)     | IDEM#<sha256>     | IDEMPOTENCY          |                                              |                                          |
 * | number counter (numberCounter)       | NUM#<organCode>   | SERIES#<year>#<notation> |                                          |                                          |
 * | recipient list (recipientList)       | RCPT#<sha256>     | LIST                 |                                              |                                          |
 * | webhook endpoint (webhookEndpoint)   | WHEP#<endpointId> | ENDPOINT             |                                              | WHEPS#<organ> / <createdAt>#<endpointId> |
 * | webhook endpoint count (webhookEndpointCount) | WHEPS#<organ> | COUNT         |                                              |                                          |
 * | certificate owner (certificateOwner) | CERT#<sha256>     | OWNER                |                                              |                                          |
 * | organ identifier claim (organIdentifier) | ORGID#<folded code, name or alias> | CLAIM |                                     |                                          |
 * | webhook message (webhookMessage)     | WHMSG#<webhookId> | MESSAGE              | pending: WHDUE#<0-3> / <nextAttemptAt>#<id>; dead: WHDEAD / <deadAt>#<id> | dead: WHDEAD#<organ> / <deadAt>#<id> |
 *
 * A copy not yet confirmed by a polling recipient (shared/exchange/peek.ts) is also in GSI2
 * `PEEK#<recipient>` / `<available from>` (its arrival time, then the end of its lock):
 * a sparse partition, the key removed on confirm, so that a peek is one key-range query.
 *
 * A letter being fanned out (`sending`) is also in GSI1 `SENDING#<first hex digit of its id>` /
 * `<sentAt>` until every
 * copy exists: the partition the sweep of interrupted sends reads (shared/exchange/fan-out.ts).
 * Idempotency records (shared/http/idempotency.ts) expire through `expiresAt` after 24 hours; one
 * partition per key, not Powertools' single static partition. Numbers (shared/exchange/
 * numbering.ts): a letter's id is its number's, so the letter item itself keeps a number used once;
 * one counter item per organ, year (Vietnam time) and notation series for automatic numbers.
 *
 * The stats items are written only by the stream consumer (shared/exchange/stats.ts): per-organ
 * per-day counters (Vietnam calendar day of arrival), one item per received copy that has a due date
 * and is not finished or refused yet (the overdue list is a range query on them), and a marker per
 * applied change (expiring through `expiresAt`) that makes a redelivered stream record change nothing.
 *
 * Signing sessions expire through the table's TTL attribute (`expiresAt`, epoch seconds).
 *
 * Letter and delivery items also carry `search`: their number, notation and subject folded
 * (lowercase, no diacritics; shared/exchange/queries.ts), which the inbox and outbox filters of
 * GSI1/GSI2 match; the date range of a listing is a key condition on the index sort key.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N";
}

export interface GlobalIndex {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

export interface TableSchema {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalIndexes: readonly GlobalIndex[];
  /** Attribute holding an epoch-seconds expiry (signing sessions). */
  readonly timeToLiveAttribute: string;
  /** The table's change stream (DynamoDB Streams): the stream consumers need both images. */
  readonly stream: "NEW_AND_OLD_IMAGES";
}

export const TABLE_SCHEMA: TableSchema = {
  partitionKey: { name: "PK", type: "S" },
  sortKey: { name: "SK", type: "S" },
  globalIndexes: [
    {
      indexName: "GSI1",
      partitionKey: { name: "GSI1PK", type: "S" },
      sortKey: { name: "GSI1SK", type: "S" },
    },
    {
      indexName: "GSI2",
      partitionKey: { name: "GSI2PK", type: "S" },
      sortKey: { name: "GSI2SK", type: "S" },
    },
  ],
  timeToLiveAttribute: "expiresAt",
  stream: "NEW_AND_OLD_IMAGES",
};

/**
 * Key templates of the items above (PK/SK, and the index partition and sort keys). The ledger
 * builds every key from these; `trustAnchors` and `deliveries` are the sort-key prefixes it
 * queries with.
 */
export const ITEM_KEYS = {
  organ: (code: string) => ({ PK: `ORG#${code}`, SK: "PROFILE" }),
  apiKey: (hash: string) => ({ PK: `KEY#${hash}`, SK: "KEY" }),
  trustAnchor: (sha256: string) => ({ PK: "CONFIG", SK: `TRUST#${sha256}` }),
  trustAnchors: { PK: "CONFIG", SKPrefix: "TRUST#" },
  organCertificate: (code: string, sha256: string) => ({ PK: `ORG#${code}`, SK: `CERT#${sha256}` }),
  organSigner: (code: string) => ({ PK: `ORG#${code}`, SK: "SIGNER" }),
  signingSession: (id: string) => ({ PK: `SIGN#${id}`, SK: "SESSION" }),
  letter: (id: string) => ({ PK: `DOC#${id}`, SK: "META" }),
  delivery: (id: string, recipient: string) => ({ PK: `DOC#${id}`, SK: `TO#${recipient}` }),
  deliveries: (id: string) => ({ PK: `DOC#${id}`, SKPrefix: "TO#" }),
  event: (id: string, at: string, organ: string) => ({ PK: `DOC#${id}`, SK: `EVT#${at}#${organ}` }),
  /** Event seq ≥ 1 of a chain of the letter: a copy's (`owner` = recipient) or the sender's (`SENDER`). */
  chainEvent: (id: string, owner: string, seq: number) => ({
    PK: `DOC#${id}`,
    SK: `EVT#${owner}#${String(seq).padStart(6, "0")}`,
  }),
  chainEvents: (id: string) => ({ PK: `DOC#${id}`, SKPrefix: "EVT#" }),
  sealedHead: (id: string, chain: string) => ({ PK: `DOC#${id}`, SK: `SEALED#${chain}` }),
  sealedHeads: (id: string) => ({ PK: `DOC#${id}`, SKPrefix: "SEALED#" }),
  /** A reply (`responseFor`) filed under the letter it answers: the thread's links. */
  reply: (id: string, replyId: string) => ({ PK: `DOC#${id}`, SK: `REPLY#${replyId}` }),
  replies: (id: string) => ({ PK: `DOC#${id}`, SKPrefix: "REPLY#" }),
  /** The latest head of each chain that changed on a day (Vietnam time): what that day's seal gathers. */
  auditHead: (day: string, chain: string) => ({ PK: `AUDIT#${day}`, SK: chain }),
  auditHeads: (day: string) => ({ PK: `AUDIT#${day}` }),
  adminHead: { PK: "CONFIG", SK: "ADMIN#HEAD" },
  adminEvent: (seq: number) => ({ PK: "CHAIN#admin", SK: `EVT#${String(seq).padStart(9, "0")}` }),
  adminEvents: { PK: "CHAIN#admin", SKPrefix: "EVT#" },
  /** The deployment's send policy setting, or a pilot organ's override. */
  sendPolicy: (organ?: string) => ({ PK: "CONFIG", SK: organ ? `POLICY#SEND#${organ}` : "POLICY#SEND" }),
  sendPolicies: { PK: "CONFIG", SKPrefix: "POLICY#SEND" },
  /** GSI1 partition of the organ directory (sort key: the organ code). */
  directory: "DIRECTORY",
  /** GSI2 partition of an organ's API keys; sort key {@link ITEM_KEYS.apiKeySort}. */
  apiKeys: (organ: string) => `KEYS#${organ}`,
  apiKeySort: (createdAt: string, hash: string) => `${createdAt}#${hash}`,
  /** GSI1 partition key of a recipient's inbox; sort key {@link ITEM_KEYS.inboxSort}. */
  inbox: (organ: string) => `INBOX#${organ}`,
  inboxSort: (deliveredAt: string, letterId: string) => `${deliveredAt}#${letterId}`,
  /** GSI2 partition of a recipient's unconfirmed copies (peek/confirm); sort key {@link ITEM_KEYS.peekSort}. */
  peek: (organ: string) => `PEEK#${organ}`,
  /** When the copy may be handed out again (ISO time: arrival, then lock end) and the letter. */
  // The time alone (an index key need not be unique; the letter is in PK): keeps a copy under 1 KB.
  peekSort: (availableAt: string, _letterId?: string) => availableAt,
  /** GSI2 partition key of a sender's outbox; sort key {@link ITEM_KEYS.outboxSort}. */
  outbox: (organ: string) => `OUTBOX#${organ}`,
  outboxSort: (createdAt: string, letterId: string) => `${createdAt}#${letterId}`,
  /** An organ's statistics: one item per day, and one per open copy with a due date. */
  statsDay: (organ: string, day: string) => ({ PK: `STATS#${organ}`, SK: `DAY#${day}` }),
  statsDays: (organ: string) => ({ PK: `STATS#${organ}`, SKPrefix: "DAY#" }),
  statsOpen: (organ: string, due: string, letterId: string, recipient: string) => ({
    PK: `STATS#${organ}`,
    SK: `OPEN#${due}#${letterId}#${recipient}`,
  }),
  statsOpens: (organ: string) => ({ PK: `STATS#${organ}`, SKPrefix: "OPEN#" }),
  streamApplied: (changeId: string) => ({ PK: `APPLIED#${changeId}`, SK: "APPLIED" }),
  /** An organ's running inbox totals (badge counts), kept by the stream consumer. */
  statsTotals: (organ: string) => ({ PK: `STATS#${organ}`, SK: "TOTALS" }),
  /**
   * GSI1 partition of the letters still `sending` (sort key {@link ITEM_KEYS.sendingSort}): the
   * sweep's; 16 shards by the id's first hex digit, so that no one index partition takes every send.
   */
  sending: (letterId: string) => `SENDING#${letterId.slice(0, 1)}`,
  sendingShards: [..."0123456789abcdef"].map((digit) => `SENDING#${digit}`),
  /** The commit time alone (an index key need not be unique): a committed letter stays under 1 KB. */
  sendingSort: (sentAt: string) => sentAt,
  /** An Idempotency-Key record (the hash already scopes it to the organ and the function). */
  idempotency: (hash: string) => ({ PK: `IDEM#${hash}`, SK: "IDEMPOTENCY" }),
  /** A long recipient list, by the SHA-256 of its codes (recipient-lists.ts). */
  recipientList: (sha256: string) => ({ PK: `RCPT#${sha256}`, SK: "LIST" }),
  numberCounter: (organ: string, year: number, notation: string) => ({
    PK: `NUM#${organ}`,
    SK: `SERIES#${year}#${notation}`,
  }),
  /** Webhooks (shared/storage/dynamo-webhooks.ts): an organ's endpoints, the outbox and its dead letters. */
  webhookEndpoint: (id: string) => ({ PK: `WHEP#${id}`, SK: "ENDPOINT" }),
  webhookEndpoints: (organ: string) => `WHEPS#${organ}`,
  /** How many endpoints an organ has (the cap, dynamo-webhooks.ts). */
  webhookEndpointCount: (organ: string) => ({ PK: `WHEPS#${organ}`, SK: "COUNT" }),
  /** The one organ a certificate is bound to (dynamo-admin.ts). */
  certificateOwner: (sha256: string) => ({ PK: `CERT#${sha256}`, SK: "OWNER" }),
  /** The one organ a folded code, name or alias names (dynamo-admin.ts: the directory's uniqueness rule). */
  organIdentifier: (folded: string) => ({ PK: `ORGID#${folded}`, SK: "CLAIM" }),
  webhookMessage: (webhookId: string) => ({ PK: `WHMSG#${webhookId}`, SK: "MESSAGE" }),
  webhookDead: "WHDEAD",
  webhookDeadOf: (organ: string) => `WHDEAD#${organ}`,
} as const;

/** Object key prefixes in the letters bucket: declared beside the DocumentStore port. */
export { BUCKET_LAYOUT } from "../exchange/ports.ts";
