/**
 * The single-table layout, declared once. The CDK stack (`infra/`) and the local bootstrap
 * (`local/`) both build the table and the bucket from these definitions.
 *
 * | item          | PK                    | SK               | GSI1 (inbox)                  | GSI2 (outbox)                  |
 * |---------------|-----------------------|------------------|-------------------------------|--------------------------------|
 * | organ         | ORG#<organId>         | PROFILE          |                               |                                |
 * | organ cert    | ORG#<organId>         | CERT#<sha256>    |                               |                                |
 * | API key       | KEY#<sha256(key)>     | KEY              |                               |                                |
 * | letter        | DOC#<docId>           | META             |                               | OUTBOX#<organId> / <time>#<id> |
 * | delivery      | DOC#<docId>           | TO#<organId>     | INBOX#<organId> / <time>#<id> |                                |
 * | event         | DOC#<docId>           | EVT#<time>#<n>   |                               |                                |
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
  /** Attribute holding an epoch-seconds expiry (idempotency records, signing sessions). */
  readonly timeToLiveAttribute: string;
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
};

/** Object key prefixes in the letters bucket: declared beside the DocumentStore port. */
export { BUCKET_LAYOUT } from "../exchange/ports.ts";
