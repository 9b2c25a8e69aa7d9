import { randomUUID } from "node:crypto";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, inject } from "vitest";
import { createDynamoClient } from "../../shared/storage/clients.ts";
import { ensureTable } from "../../shared/storage/create-table.ts";
import { DynamoWebhooks } from "../../shared/storage/dynamo-webhooks.ts";
import { describeWebhookStoreContract } from "../unit/webhooks/webhook-store-contract.ts";

/**
 * The DynamoDB WebhookStore against DynamoDB Local, through the same contract as the memory store:
 * each case on a table of its own (claims see the whole store), parallel claimers included.
 */
const client = createDynamoClient({
  region: "ap-southeast-1",
  tableName: "unused",
  bucketName: "unused",
  dynamodbEndpoint: inject("dynamodbEndpoint"),
  presignTtlSeconds: 60,
  maxFileBytes: 1,
  revocation: "off",
});
const tables: string[] = [];

afterAll(async () => {
  await Promise.all(
    tables.map((name) => client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined)),
  );
  client.destroy();
});

describeWebhookStoreContract("dynamodb", async () => {
  const name = `webhooks-${randomUUID()}`;
  tables.push(name);
  await ensureTable(client, name);
  return new DynamoWebhooks(client, name);
});
