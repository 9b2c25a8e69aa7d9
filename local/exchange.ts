import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DEMO_ORGANS, type DemoOrgan } from "../devkit/demo-organs.ts";
import { startLocalTsa } from "../devkit/tsa.ts";
import type { RuntimeConfig } from "../shared/config.ts";
import { parseSendPolicy, SEND_POLICY_VARIABLE, type SendPolicy } from "../shared/exchange/send-policy.ts";
import { parseCertificate } from "../shared/pki/index.ts";
import { ensureTable } from "../shared/storage/create-table.ts";
import {
  createDynamoClient,
  createS3Client,
  DynamoLedger,
  localCursorSecret,
} from "../shared/storage/index.ts";
import { type ApiServer, startApiServer } from "./api-server.ts";
import { type DemoKey, ensureBucket, seedDemoOrgans } from "./bootstrap.ts";
import { lockDataDir } from "./data-lock.ts";
import { ensureDemoPki, serveCrls, serveOcsp } from "./demo-pki.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "./emulators/dynamodb-local.ts";
import { freePort } from "./emulators/ports.ts";
import { startS3Server } from "./emulators/s3-server.ts";
import { httpStreamReader, startStreamPoller } from "./stream-poller.ts";

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
  /** Something went wrong while running (an emulator died, was restarted or could not be). */
  readonly onTrouble?: (message: string) => void;
}

export interface LocalExchange {
  readonly apiUrl: string;
  readonly config: RuntimeConfig;
  readonly keys: readonly DemoKey[];
  /** The demo PKI directory (manifest.json, CA certificates, CRLs, PKCS#12 files). */
  readonly pkiDir: string;
  readonly tsaUrl: string;
  /** The CAs' CRLs, as written into the certificates. */
  readonly crlUrls: readonly string[];
  /** The OCSP responder written into the certificates. */
  readonly ocspUrl: string;
  /** Servers that could not be bound to loopback and listen on every interface (normally none). */
  readonly exposed: readonly string[];
  /** The send policy the handlers run with. */
  readonly sendPolicy: SendPolicy;
  /** Settles when the runtime gave up (DynamoDB Local died again and again); it is then stopped. */
  readonly failed: Promise<Error>;
  stop(): Promise<void>;
}

const TABLE_NAME = "lienthong";
const DEFAULT_CRL_PORT = 8790;
const BUCKET_NAME = "lienthong-letters";
/** DynamoDB Local is restarted after a crash, unless it crashed this often within RESTART_WINDOW_MS. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
/** How often the local runtime runs the webhook delivery pass (`LIENTHONG_WEBHOOK_DELIVER_MS` overrides). */
const WEBHOOK_DELIVER_MS = 2_000;
/** How often the local runtime sweeps interrupted sends (`LIENTHONG_SEND_SWEEP_MS` overrides). */
const SEND_SWEEP_MS = 30_000;

/**
 * The whole exchange on one machine: DynamoDB Local, an S3-compatible server, the table and
 * bucket from `shared/storage`, demo organs with API keys, and the API on a local port serving
 * the real handler modules. `npm start` and the test suite's global setup both use this.
 */
export async function startLocalExchange(options: LocalExchangeOptions): Promise<LocalExchange> {
  const progress = options.onProgress ?? (() => undefined);
  const trouble = options.onTrouble ?? ((message: string) => console.error(message));
  // Checked before anything starts: an unknown value is a configuration error.
  const sendPolicy = options.sendPolicy ?? parseSendPolicy(process.env[SEND_POLICY_VARIABLE]);
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const fn of stops.reverse()) {
      await fn().catch(() => undefined);
    }
    stops.length = 0;
  };
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => {
    fail = resolve;
  });
  try {
    mkdirSync(options.dataDir, { recursive: true });
    const lock = lockDataDir(options.dataDir);
    stops.push(async () => lock.release());
    progress("starting DynamoDB Local");
    const dynamoOptions = {
      cacheDir: options.cacheDir,
      ...(options.inMemory ? {} : { dataDir: join(options.dataDir, "dynamodb") }),
      ...(options.dynamodbPort ? { port: options.dynamodbPort } : {}),
    };
    let dynamo: DynamoDbLocal = await startDynamoDbLocal(dynamoOptions);
    stops.push(() => dynamo.stop());
    progress("starting the S3 server");
    const s3 = await startS3Server({
      directory: join(options.dataDir, "s3"),
      ...(options.s3Port ? { port: options.s3Port } : {}),
    });
    stops.push(s3.stop);

    progress("preparing the demo PKI, its CRLs, its OCSP responder and the timestamp authority");
    const pkiDir = join(options.dataDir, "pki");
    const organs = options.organs ?? DEMO_ORGANS;
    const crlPort = options.crlPort === 0 ? await freePort() : (options.crlPort ?? DEFAULT_CRL_PORT);
    const manifest = await ensureDemoPki(pkiDir, organs, {
      crlBaseUrl: `http://127.0.0.1:${crlPort}`,
      ocspUrl: `http://127.0.0.1:${options.crlPort === 0 ? await freePort() : crlPort + 1}`,
    });
    // A PKI made earlier keeps the URLs written into its certificates.
    const crlUrl = manifest.crls[0]?.url;
    const crls = await serveCrls(pkiDir, manifest, crlUrl ? Number(new URL(crlUrl).port) : crlPort);
    stops.push(crls.close);
    const ocsp = await serveOcsp(pkiDir, manifest, Number(new URL(manifest.ocsp.url).port));
    stops.push(ocsp.close);
    const pkiFile = (name: string) => readFileSync(join(pkiDir, name), "utf8");
    const tsa = await startLocalTsa({
      certPem: pkiFile(manifest.tsa.certificate),
      keyPem: pkiFile(manifest.tsa.key),
      chainPem: pkiFile(manifest.chain),
      // In the data directory, not /tmp: nothing is left behind when the runtime is killed.
      workDir: join(options.dataDir, "tsa"),
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
      // One per data directory, so that a next-page cursor still opens after a restart.
      CURSOR_SECRET:
        process.env["CURSOR_SECRET"] ?? localCursorSecret(join(options.dataDir, "cursor-secret")),
    });

    progress("creating the table and the bucket");
    const s3Client = createS3Client(config);
    await ensureBucket(s3Client, config.bucketName);
    s3Client.destroy();
    /** The table and what the exchange needs in it; idempotent, run again when an in-memory DynamoDB Local restarts. */
    const prepareTable = async (): Promise<DemoKey[]> => {
      const dynamoClient = createDynamoClient(config);
      try {
        await ensureTable(dynamoClient, config.tableName);
        const ledger = new DynamoLedger(dynamoClient, config.tableName);
        const keys = await seedDemoOrgans(ledger, organs, join(options.dataDir, "demo-keys.json"));
        // The exchange trusts the demo root, and knows which certificates sign for which organ.
        const root = parseCertificate(pkiFile(manifest.root));
        await ledger.putTrustAnchor(root.sha256, pkiFile(manifest.root));
        for (const entry of manifest.entries) {
          await ledger.bindCertificate(entry.organCode, entry.sha256, pkiFile(entry.certificate));
        }
        return keys;
      } finally {
        dynamoClient.destroy();
      }
    };
    const keys = await prepareTable();

    progress("starting the API");
    const api: ApiServer = await startApiServer({
      port: options.apiPort,
      root: options.root,
      ...(options.apiHost ? { host: options.apiHost } : {}),
    });
    stops.push(api.close);

    progress("starting the stream poller");
    // The table's stream runs the same handler as in AWS (functions/stream-events): statistics, webhooks.
    const streamClient = createDynamoClient(config);
    const streamHandler = (await import(
      pathToFileURL(join(options.root, "functions/stream-events/handler.ts")).href
    )) as {
      handler: (event: { Records: unknown[] }) => Promise<void>;
    };
    const poller = startStreamPoller({
      reader: httpStreamReader({
        client: streamClient,
        tableName: config.tableName,
        endpoint: dynamo.endpoint,
        region: config.region,
      }),
      handle: (records) => streamHandler.handler({ Records: records }),
      checkpointPath: join(options.dataDir, "stream-checkpoint.json"),
      deadLetterPath: join(options.dataDir, "stream-dead-letters.jsonl"),
      onTrouble: trouble,
    });
    stops.push(async () => {
      await poller.stop();
      streamClient.destroy();
    });

    // The webhook outbox's delivery pass (in AWS an EventBridge schedule runs the same handler).
    const deliver = (await import(
      pathToFileURL(join(options.root, "functions/webhook-deliver/handler.ts")).href
    )) as { handler: () => Promise<unknown> };
    const everyMs = Number(process.env["LIENTHONG_WEBHOOK_DELIVER_MS"]) || WEBHOOK_DELIVER_MS;
    let deliveryTimer: NodeJS.Timeout | undefined;
    let delivering: Promise<void> = Promise.resolve();
    const deliveryPass = () => {
      delivering = deliver
        .handler()
        .then(
          () => undefined,
          (error: unknown) => trouble(`!! webhook delivery pass failed: ${(error as Error).message}`),
        )
        .finally(() => {
          if (!stopping) {
            deliveryTimer = setTimeout(deliveryPass, everyMs);
          }
        });
    };
    deliveryTimer = setTimeout(deliveryPass, everyMs);
    stops.push(async () => {
      clearTimeout(deliveryTimer);
      await delivering;
    });

    // The sweep of interrupted sends (in AWS an EventBridge schedule invokes the same handler every
    // 5 minutes: infra/send-sweep.ts): a send whose request died after its commit is completed.
    const sendLetter = (await import(
      pathToFileURL(join(options.root, "functions/send-letter/handler.ts")).href
    )) as { handler: (event: { source: string }, context: unknown) => Promise<unknown> };
    const sweepEveryMs = Number(process.env["LIENTHONG_SEND_SWEEP_MS"]) || SEND_SWEEP_MS;
    let sweepTimer: NodeJS.Timeout | undefined;
    let sweeping: Promise<void> = Promise.resolve();
    const sweepPass = () => {
      sweeping = sendLetter
        .handler({ source: "lienthong.send-sweep" }, {})
        .then(
          () => undefined,
          (error: unknown) => trouble(`!! sweep of interrupted sends failed: ${(error as Error).message}`),
        )
        .finally(() => {
          if (!stopping) {
            sweepTimer = setTimeout(sweepPass, sweepEveryMs);
          }
        });
    };
    sweepTimer = setTimeout(sweepPass, sweepEveryMs);
    stops.push(async () => {
      clearTimeout(sweepTimer);
      await sweeping;
    });

    // Supervision: a DynamoDB Local that dies is said so and restarted on the same port and data,
    // instead of every request failing silently; a crash loop stops the runtime.
    const crashes: number[] = [];
    const supervise = (current: DynamoDbLocal): void => {
      void current.exited.then(async (how) => {
        if (stopping) {
          return;
        }
        const now = Date.now();
        crashes.push(now);
        const recent = crashes.filter((at) => now - at < RESTART_WINDOW_MS).length;
        if (recent > MAX_RESTARTS) {
          const error = new Error(
            `DynamoDB Local died ${recent} times within ${RESTART_WINDOW_MS / 1000} s (last: ${how}); giving up`,
          );
          trouble(`!! ${error.message}`);
          await stop();
          fail(error);
          return;
        }
        trouble(
          `!! DynamoDB Local stopped unexpectedly (${how}); the API answers errors until it is back. Restarting it…`,
        );
        try {
          dynamo = await startDynamoDbLocal({ ...dynamoOptions, port: current.port });
          if (stopping) {
            await dynamo.stop();
            return;
          }
          if (options.inMemory) {
            await prepareTable(); // its tables went with the old process
          }
          trouble(
            options.inMemory
              ? "!! DynamoDB Local is running again (in memory: its tables started empty and were re-seeded)"
              : "!! DynamoDB Local is running again",
          );
          supervise(dynamo);
        } catch (error) {
          const reason = new Error(`DynamoDB Local could not be restarted: ${(error as Error).message}`);
          trouble(`!! ${reason.message}`);
          await stop();
          fail(reason);
        }
      });
    };
    supervise(dynamo);

    return {
      apiUrl: api.url,
      config,
      keys,
      pkiDir,
      tsaUrl: tsa.url,
      crlUrls: manifest.crls.map((entry) => entry.url),
      ocspUrl: manifest.ocsp.url,
      exposed: dynamo.loopbackOnly ? [] : [`DynamoDB Local (${dynamo.endpoint})`],
      sendPolicy,
      failed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
