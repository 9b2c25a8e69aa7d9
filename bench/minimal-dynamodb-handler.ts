import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";

/**
 * The floor `bench/cold-start.ts` measures the routes against: a Lambda handler bundling only
 * `@aws-sdk/client-dynamodb`, making the one GetItem an API route makes first (the API key).
 */
const endpoint = process.env["DYNAMODB_ENDPOINT"];
const client = new DynamoDBClient({
  region: process.env["AWS_REGION"] ?? "ap-southeast-1",
  ...(endpoint ? { endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
});

export async function handler(): Promise<{ statusCode: number; body: string }> {
  const out = await client.send(
    new GetItemCommand({ TableName: process.env["TABLE_NAME"], Key: { PK: { S: "APIKEY#bench" } } }),
  );
  return { statusCode: out.Item ? 200 : 401, body: "{}" };
}
