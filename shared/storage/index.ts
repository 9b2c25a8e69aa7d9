export type { DocumentStore, ExchangeLedger, PresignedDownload, PresignedUpload } from "../exchange/ports.ts";
export { createDynamoClient, createS3Client } from "./clients.ts";
export { DynamoLedger, type DynamoLedgerOptions } from "./dynamo-ledger.ts";
export { localCursorSecret, PageCursors } from "./page-cursor.ts";
export { S3DocumentStore } from "./s3-document-store.ts";
export {
  BUCKET_LAYOUT,
  type GlobalIndex,
  type KeyAttribute,
  TABLE_SCHEMA,
  type TableSchema,
} from "./schema.ts";
