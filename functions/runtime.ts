import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type RuntimeConfig, readConfig } from "../shared/config.ts";
import type { Caller } from "../shared/exchange/types.ts";
import { useOrganStatus } from "../shared/http/api-handler.ts";
import { useIdempotencyStore } from "../shared/http/idempotency.ts";
import { createDynamoClient } from "../shared/storage/clients.ts";
import { TableIdempotencyStore } from "../shared/storage/dynamo-idempotency.ts";
import { DynamoLedger } from "../shared/storage/dynamo-ledger.ts";

/**
 * The composition roots of the API functions, one module per capability (`functions/runtime*.ts`):
 * each Lambda bundles one handler, and a handler imports only the root of what it does, so that
 * listing the inbox does not load the PDF reader, the verifier or the S3 client (issue 9: cold
 * starts). Everything is built on first use, once per Lambda container, from the environment.
 *
 * This module is what every function has: the configuration, the table and the API-key lookup.
 */
export interface BaseRuntime {
  readonly config: RuntimeConfig;
  /** The table's client; its credential chain also signs the presigned URLs (runtime-documents.ts). */
  readonly dynamo: DynamoDBClient;
  readonly ledger: DynamoLedger;
}

/** `build` run once, on first call: importing a handler module neither reads the environment nor connects. */
export function lazily<T>(build: () => T): () => T {
  let value: { readonly built: T } | undefined;
  return () => {
    value ??= { built: build() };
    return value.built;
  };
}

export const baseRuntime = lazily((): BaseRuntime => {
  const config = readConfig();
  const dynamo = createDynamoClient(config);
  const ledger = new DynamoLedger(dynamo, config.tableName, { cursorSecret: config.cursorSecret });
  return { config, dynamo, ledger };
});

// Idempotency-Key records of every POST (shared/http/idempotency.ts), in the same table; built on
// the first keyed POST.
useIdempotencyStore(() => {
  const { config } = baseRuntime();
  return new TableIdempotencyStore(createDynamoClient(config), config.tableName);
});

// Every write's caller must belong to an active organ (shared/http/api-handler.ts); a consistent read.
useOrganStatus(async (organCode) => (await baseRuntime().ledger.organStatuses([organCode])).get(organCode));

export const findApiKey = (hash: string): Promise<Caller | undefined> =>
  baseRuntime().ledger.findApiKey(hash);

/**
 * A port a composition deliberately leaves out (e.g. the S3 store of a function that reads the
 * table only): using it is a wiring bug, so it throws saying which.
 */
export function notComposed<T extends object>(capability: string): T {
  return new Proxy({} as T, {
    get: (_target, property) =>
      // `then` is probed by `await`; answering undefined keeps the stand-in from looking like a promise.
      property === "then"
        ? undefined
        : () => {
            throw new Error(`${capability} is not composed into this function (functions/runtime*.ts)`);
          },
  });
}
