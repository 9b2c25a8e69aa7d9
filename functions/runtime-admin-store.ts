import { createDynamoClient } from "../shared/storage/clients.ts";
import { DynamoAdminStore } from "../shared/storage/dynamo-admin.ts";
import { baseRuntime, lazily } from "./runtime.ts";

/** The admin store on the table (administration routes only: its code stays out of letter routes). */
export const adminStore = lazily((): DynamoAdminStore => {
  const { config } = baseRuntime();
  return new DynamoAdminStore(createDynamoClient(config), config.tableName, {
    cursorSecret: config.cursorSecret,
  });
});
