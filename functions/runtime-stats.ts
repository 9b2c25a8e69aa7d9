import { createDynamoClient } from "../shared/storage/clients.ts";
import { DynamoStats } from "../shared/storage/dynamo-stats.ts";
import { baseRuntime, lazily } from "./runtime.ts";

/** The handling statistics on the table (kept by the stream consumer, read by GET /v1/stats). */
export const statsStore = lazily((): DynamoStats => {
  const { config } = baseRuntime();
  return new DynamoStats(createDynamoClient(config), config.tableName);
});
