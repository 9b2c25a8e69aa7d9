import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RuntimeConfig } from "../shared/config.ts";
import { ensureTable } from "../shared/storage/create-table.ts";
import { createDynamoClient, createS3Client, DynamoLedger } from "../shared/storage/index.ts";
import { type ApiServer, startApiServer } from "./api-server.ts";
import { type DemoKey, ensureBucket, seedDemoOrgans } from "./bootstrap.ts";
import { DEMO_ORGANS, type DemoOrgan } from "./demo-organs.ts";
import { startDynamoDbLocal } from "./emulators/dynamodb-local.ts";
import { startS3Server } from "./emulators/s3-server.ts";

export interface LocalExchangeOptions {
  /** Repository root (handler modules are loaded from here). */
  readonly root: string;
  /** Where the DynamoDB Local jar is cached. */
  readonly cacheDir: string;
  /** Data directory: tables, objects and demo keys persist here across restarts. */
  readonly dataDir: string;
  /** Keep tables in memory instead (tests). Objects and keys still go to `dataDir`. */
  readonly inMemory?: boolean;
  /** 0 picks a free port. */
  readonly apiPort: number;
  readonly apiHost?: string;
  readonly dynamodbPort?: number;
  readonly s3Port?: number;
  readonly organs?: readonly DemoOrgan[];
  readonly onProgress?: (step: string) => void;
}

export interface LocalExchange {
  readonly apiUrl: string;
  readonly config: RuntimeConfig;
  readonly keys: readonly DemoKey[];
  stop(): Promise<void>;
}

const TABLE_NAME = "lienthong";
const BUCKET_NAME = "lienthong-letters";

/**
 * The whole exchange on one machine: DynamoDB Local, an S3-compatible server, the table and
 * bucket from `shared/storage`, demo organs with API keys, and the API on a local port serving
 * the real handler modules. `npm start` and the test suite's global setup both use this.
 */
export async function startLocalExchange(options: LocalExchangeOptions): Promise<LocalExchange> {
  const progress = options.onProgress ?? (() => undefined);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) {
      await fn().catch(() => undefined);
    }
  };
  try {
    mkdirSync(options.dataDir, { recursive: true });
    progress("starting DynamoDB Local");
    const dynamo = await startDynamoDbLocal({
      cacheDir: options.cacheDir,
      ...(options.inMemory ? {} : { dataDir: join(options.dataDir, "dynamodb") }),
      ...(options.dynamodbPort ? { port: options.dynamodbPort } : {}),
    });
    stops.push(dynamo.stop);
    progress("starting the S3 server");
    const s3 = await startS3Server({
      directory: join(options.dataDir, "s3"),
      ...(options.s3Port ? { port: options.s3Port } : {}),
    });
    stops.push(s3.stop);

    const config: RuntimeConfig = {
      region: "ap-southeast-1",
      tableName: TABLE_NAME,
      bucketName: BUCKET_NAME,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      presignTtlSeconds: 300,
      maxFileBytes: 100 * 1024 * 1024,
    };
    // The handlers read their configuration from the environment, as they do in Lambda.
    Object.assign(process.env, {
      AWS_REGION: config.region,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      TABLE_NAME: config.tableName,
      BUCKET_NAME: config.bucketName,
      DYNAMODB_ENDPOINT: config.dynamodbEndpoint,
      S3_ENDPOINT: config.s3Endpoint,
    });

    progress("creating the table and the bucket");
    const dynamoClient = createDynamoClient(config);
    const s3Client = createS3Client(config);
    await ensureTable(dynamoClient, config.tableName);
    await ensureBucket(s3Client, config.bucketName);
    const keys = await seedDemoOrgans(
      new DynamoLedger(dynamoClient, config.tableName),
      options.organs ?? DEMO_ORGANS,
      join(options.dataDir, "demo-keys.json"),
    );
    dynamoClient.destroy();
    s3Client.destroy();

    progress("starting the API");
    const api: ApiServer = await startApiServer({
      port: options.apiPort,
      root: options.root,
      ...(options.apiHost ? { host: options.apiHost } : {}),
    });
    stops.push(api.close);
    return { apiUrl: api.url, config, keys, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
