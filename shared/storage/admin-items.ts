/**
 * The admin items every function may write or read (`dynamo-admin.ts` has the rest of
 * administration): an organ's and an API key's item as the directory and key listing index them,
 * and the send policy setting `send` reads. Kept apart so that a letter route's bundle carries
 * these few lines, not the whole admin store.
 */
import { type AttributeValue, BatchGetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { ApiKeyRecord, OrganRecord, SendPolicySource } from "../exchange/admin-ports.ts";
import { directorySearchText } from "../exchange/directory.ts";
import type { SendPolicySetting } from "../exchange/send-policy.ts";
import { ITEM_KEYS } from "./schema.ts";

const keys = ITEM_KEYS;

export const toItem = (keyAttributes: Record<string, string>, entity: string, value: object) =>
  marshall(
    { ...value, ...keyAttributes, entity },
    { removeUndefinedValues: true, convertClassInstanceToMap: true },
  );

/** An organ's item: its profile, in the directory index, with its folded search text. */
export function organItem(organ: OrganRecord): Record<string, AttributeValue> {
  return toItem(
    {
      ...keys.organ(organ.code),
      GSI1PK: keys.directory,
      GSI1SK: organ.code,
      search: directorySearchText(organ),
    },
    "organ",
    organ,
  );
}

/** An API key's item, listed under its organ (GSI2). */
export function apiKeyItem(key: ApiKeyRecord): Record<string, AttributeValue> {
  return toItem(
    {
      ...keys.apiKey(key.id),
      GSI2PK: keys.apiKeys(key.organCode),
      GSI2SK: keys.apiKeySort(key.createdAt ?? "", key.id),
    },
    "apiKey",
    key,
  );
}

/** The send policy setting in force for a sender: its pilot override, else the deployment's. */
export class DynamoSendPolicySource implements SendPolicySource {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async sendPolicyFor(sender: string): Promise<{ setting: SendPolicySetting; scope: string } | undefined> {
    const out = await this.client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [this.tableName]: {
            Keys: [marshall(keys.sendPolicy(sender)), marshall(keys.sendPolicy())],
            // An admin's change counts from the next send.
            ConsistentRead: true,
          },
        },
      }),
    );
    const found = (out.Responses?.[this.tableName] ?? []).map((item) => unmarshall(item));
    // Two small keys: DynamoDB returns them unprocessed only under throttling, which the SDK retries.
    const organ = found.find((item) => item["SK"] === keys.sendPolicy(sender).SK);
    const deployment = found.find((item) => item["SK"] === keys.sendPolicy().SK);
    if (organ) {
      return { setting: organ["policy"] as SendPolicySetting, scope: sender };
    }
    return deployment
      ? { setting: deployment["policy"] as SendPolicySetting, scope: "deployment" }
      : undefined;
  }
}
