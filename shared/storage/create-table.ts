import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { TABLE_SCHEMA, type TableSchema } from "./schema.ts";

/** The CreateTable request for `schema` (the local bootstrap; the CDK stack builds the same from it). */
export function createTableInput(
  tableName: string,
  schema: TableSchema = TABLE_SCHEMA,
): CreateTableCommandInput {
  const attributes = new Map<string, "S" | "N">();
  for (const key of [
    schema.partitionKey,
    schema.sortKey,
    ...schema.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]) {
    attributes.set(key.name, key.type);
  }
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: schema.partitionKey.name, KeyType: "HASH" },
      { AttributeName: schema.sortKey.name, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: schema.globalIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: "HASH" },
        { AttributeName: index.sortKey.name, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: schema.stream },
  };
}

/** Creates the table if it does not exist yet (safe to call on every start). */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<"created" | "existed"> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (error instanceof ResourceInUseException) {
      await ensureStream(client, tableName);
      return "existed";
    }
    throw error;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
    }),
  );
  return "created";
}

/** A table made before it had a stream (a kept local data directory) gets one. */
async function ensureStream(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.StreamSpecification?.StreamEnabled) {
    return;
  }
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE_SCHEMA.stream },
    }),
  );
}
