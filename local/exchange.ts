import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_ORGANS, type DemoOrgan } from "../devkit/demo-organs.ts";
import { startLocalTsa } from "../devkit/tsa.ts";
import type { RuntimeConfig } from "../shared/config.ts";
import { parseSendPolicy, SEND_POLICY_VARIABLE, type SendPolicy } from "../shared/exchange/send-policy.ts";
import { parseCertificate } from "../shared/pki/index.ts";
import { ensureTable } from "../shared/storage/create-table.ts";
import { createDynamoClient, createS3Client, DynamoLedger } from "../shared/storage/index.ts";
import { type ApiServer, startApiServer } from "./api-server.ts";
import { type DemoKey, ensureBucket, seedDemoOrgans } from "./bootstrap.ts";
import { ensureDemoPki, serveCrls } from "./demo-pki.ts";
import { startDynamoDbLocal } from "./emulators/dynamodb-local.ts";
import { freePort } from "./emulators/ports.ts";
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
  /** Port of the demo CAs' CRL distribution point; it is written into the certificates (default 8790, 0: free). */
  readonly crlPort?: number;
  readonly organs?: readonly DemoOrgan[];
  /** Which verdicts `send` delivers; default: $LIENTHONG_SEND_POLICY, else `require-total-passed`. */
  readonly sendPolicy?: SendPolicy;
  readonly onProgress?: (step: string) => void;
}

export interface LocalExchange {
  readonly apiUrl: string;
  readonly config: RuntimeConfig;
  readonly keys: readonly DemoKey[];
  /** The demo PKI directory (manifest.json, CA certificates, CRLs, PKCS#12 files). */
  readonly pkiDir: string;
  readonly tsaUrl: string;
  /** The send policy the handlers run with. */
  readonly sendPolicy: SendPolicy;
  stop(): Promise<void>;
}

const TABLE_NAME = "lienthong";
const DEFAULT_CRL_PORT = 8790;
const BUCKET_NAME = "lienthong-letters";

/**
 * The whole exchange on one machine: DynamoDB Local, an S3-compatible server, the table and
 * bucket from `shared/storage`, demo organs with API keys, and the API on a local port serving
 * the real handler modules. `npm start` and the test suite's global setup both use this.
 */
export async function startLocalExchange(options: LocalExchangeOptions): Promise<LocalExchange> {
  const progress = options.onProgress ?? (() => undefined);
  // Checked before anything starts: an unknown value is a configuration error.
  const sendPolicy = options.sendPolicy ?? parseSendPolicy(process.env[SEND_POLICY_VARIABLE]);
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

    progress("preparing the demo PKI, its CRLs and the timestamp authority");
    const pkiDir = join(options.dataDir, "pki");
    const organs = options.organs ?? DEMO_ORGANS;
    const crlPort = options.crlPort === 0 ? await freePort() : (options.crlPort ?? DEFAULT_CRL_PORT);
    const manifest = await ensureDemoPki(pkiDir, organs, {
      crlBaseUrl: `http://127.0.0.1:${crlPort}`,
      ocspUrl: `http://127.0.0.1:${crlPort + 1}`,
    });
    const crlUrl = manifest.crls[0]?.url;
    const crls = await serveCrls(pkiDir, manifest, crlUrl ? Number(new URL(crlUrl).port) : crlPort);
    stops.push(crls.close);
    const pkiFile = (name: string) => readFileSync(join(pkiDir, name), "utf8");
    const tsa = await startLocalTsa({
      certPem: pkiFile(manifest.tsa.certificate),
      keyPem: pkiFile(manifest.tsa.key),
      chainPem: pkiFile(manifest.chain),
    });
    stops.push(tsa.close);

    const config: RuntimeConfig = {
      region: "ap-southeast-1",
      tableName: TABLE_NAME,
      bucketName: BUCKET_NAME,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      presignTtlSeconds: 300,
      maxFileBytes: 100 * 1024 * 1024,
      signing: { mode: "pkcs12", pkiDir },
      tsaUrl: tsa.url,
      revocation: "require",
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
      SIGNER_MODE: "pkcs12",
      SIGNING_PKI_DIR: pkiDir,
      TSA_URL: tsa.url,
      REVOCATION_POLICY: config.revocation,
      [SEND_POLICY_VARIABLE]: sendPolicy,
    });

    progress("creating the table and the bucket");
    const dynamoClient = createDynamoClient(config);
    const s3Client = createS3Client(config);
    await ensureTable(dynamoClient, config.tableName);
    await ensureBucket(s3Client, config.bucketName);
    const ledger = new DynamoLedger(dynamoClient, config.tableName);
    const keys = await seedDemoOrgans(ledger, organs, join(options.dataDir, "demo-keys.json"));
    // The exchange trusts the demo root, and knows which certificates sign for which organ.
    const root = parseCertificate(pkiFile(manifest.root));
    await ledger.putTrustAnchor(root.sha256, pkiFile(manifest.root));
    for (const entry of manifest.entries) {
      await ledger.bindCertificate(entry.organCode, entry.sha256, pkiFile(entry.certificate));
    }
    dynamoClient.destroy();
    s3Client.destroy();

    progress("starting the API");
    const api: ApiServer = await startApiServer({
      port: options.apiPort,
      root: options.root,
      ...(options.apiHost ? { host: options.apiHost } : {}),
    });
    stops.push(api.close);
    return { apiUrl: api.url, config, keys, pkiDir, tsaUrl: tsa.url, sendPolicy, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
