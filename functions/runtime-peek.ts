import { PeekInbox } from "../shared/exchange/peek.ts";
import { DynamoPeekStore } from "../shared/storage/dynamo-peek.ts";
import { baseRuntime, lazily } from "./runtime.ts";

/** The peek/confirm inbox: the table only (no S3, no verifier). */
export const peekInbox = lazily((): PeekInbox => {
  const { dynamo, config } = baseRuntime();
  return new PeekInbox(new DynamoPeekStore(dynamo, config.tableName));
});
