/**
 * The Idempotency-Key records (shared/http/idempotency.ts) in the exchange's single table, through
 * Powertools' DynamoDB persistence layer: its conditional writes and record life cycle, with the
 * table's key names and TTL attribute (`expiresAt`, epoch seconds). One change: with a sort key,
 * Powertools puts every record in one static partition, which would cap a national deployment at one
 * partition's throughput; here each record has its own partition (`IDEM#<hash>`, schema.ts).
 */

import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { ITEM_KEYS } from "./schema.ts";

export class TableIdempotencyStore extends DynamoDBPersistenceLayer {
  constructor(client: DynamoDBClient, tableName: string) {
    super({
      tableName,
      awsSdkV3Client: client,
      keyAttr: "PK",
      sortKeyAttr: "SK",
      expiryAttr: "expiresAt",
      // Names of the record's own attributes (Powertools' defaults are these, spelled out here).
      statusAttr: "status",
      dataAttr: "data",
      validationKeyAttr: "validation",
      inProgressExpiryAttr: "inProgressExpiresAtMs",
    });
  }

  protected override getKey(idempotencyKey: string): Record<string, AttributeValue> {
    return marshall(ITEM_KEYS.idempotency(idempotencyKey));
  }
}
