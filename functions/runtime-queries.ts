import { createDynamoClient } from "../shared/storage/clients.ts";
import { DynamoQueries } from "../shared/storage/dynamo-queries.ts";
import { baseRuntime, lazily } from "./runtime.ts";

/** Filtered inbox and outbox pages and badge counts, on the table's indexes and stats items. */
export const letterQueries = lazily((): DynamoQueries => {
  const { config } = baseRuntime();
  return new DynamoQueries(createDynamoClient(config), config.tableName, {
    ...(config.cursorSecret ? { cursorSecret: config.cursorSecret } : {}),
  });
});
