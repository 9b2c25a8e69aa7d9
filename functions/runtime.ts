import { readConfig } from "../shared/config.ts";
import { Exchange } from "../shared/exchange/index.ts";
import type { Caller } from "../shared/exchange/types.ts";
import {
  createDynamoClient,
  createS3Client,
  DynamoLedger,
  S3DocumentStore,
} from "../shared/storage/index.ts";

/**
 * The composition root of the API functions: clients and services are built once per Lambda
 * container (cold start) from the environment, and reused by every invocation.
 */
export interface Runtime {
  readonly exchange: Exchange;
  readonly findApiKey: (keyHash: string) => Promise<Caller | undefined>;
}

let runtime: Runtime | undefined;

export function getRuntime(): Runtime {
  if (!runtime) {
    const config = readConfig();
    const ledger = new DynamoLedger(createDynamoClient(config), config.tableName);
    const documents = new S3DocumentStore(
      createS3Client(config),
      config.bucketName,
      config.presignTtlSeconds,
    );
    runtime = {
      exchange: new Exchange({ ledger, documents, maxFileBytes: config.maxFileBytes }),
      findApiKey: (hash) => ledger.findApiKey(hash),
    };
  }
  return runtime;
}

/** Looks the key up lazily so that importing a handler module does not read the environment. */
export const findApiKey = (hash: string): Promise<Caller | undefined> => getRuntime().findApiKey(hash);
