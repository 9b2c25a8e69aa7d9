import { DynamoSendPolicySource } from "../shared/storage/admin-items.ts";
import { createDynamoClient } from "../shared/storage/clients.ts";
import { baseRuntime, lazily } from "./runtime.ts";

/** The send policy setting `send` reads (in every exchange composition: a few lines, one batch read). */
export const sendPolicySource = lazily((): DynamoSendPolicySource => {
  const { config } = baseRuntime();
  return new DynamoSendPolicySource(createDynamoClient(config), config.tableName);
});
