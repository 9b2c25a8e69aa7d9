import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type RuntimeConfig, readConfig } from "../shared/config.ts";
import { Exchange } from "../shared/exchange/index.ts";
import { LetterSigning } from "../shared/exchange/letter-signing.ts";
import { LetterVerifier } from "../shared/exchange/letter-verification.ts";
import type { Caller } from "../shared/exchange/types.ts";
import { HttpTsa } from "../shared/signing/http-tsa.ts";
import { KmsOrganSigners, type OrganSigners, Pkcs12OrganSigners } from "../shared/signing/organ-signers.ts";
import {
  createDynamoClient,
  createS3Client,
  DynamoLedger,
  S3DocumentStore,
} from "../shared/storage/index.ts";

/**
 * The composition root of the API functions: clients and services are built once per Lambda
 * container (cold start) from the environment, and reused by every invocation. Services that
 * need privileges only some functions have (signing keys) are built on first use.
 */
export interface Runtime {
  readonly config: RuntimeConfig;
  readonly exchange: Exchange;
  readonly verifier: LetterVerifier;
  readonly findApiKey: (keyHash: string) => Promise<Caller | undefined>;
  letterSigning(): Promise<LetterSigning>;
}

let runtime: Runtime | undefined;

export function getRuntime(): Runtime {
  if (runtime) {
    return runtime;
  }
  const config = readConfig();
  const ledger = new DynamoLedger(createDynamoClient(config), config.tableName);
  const documents = new S3DocumentStore({
    client: createS3Client(config),
    bucket: config.bucketName,
    ttlSeconds: config.presignTtlSeconds,
    ...(config.objectLock ? { objectLock: config.objectLock } : {}),
  });
  const verifier = new LetterVerifier({ ledger, revocation: config.revocation });
  let signing: Promise<LetterSigning> | undefined;
  runtime = {
    config,
    exchange: new Exchange({
      ledger,
      documents,
      verifier,
      sendPolicy: config.sendPolicy,
      maxFileBytes: config.maxFileBytes,
    }),
    verifier,
    findApiKey: (hash) => ledger.findApiKey(hash),
    letterSigning: () => {
      signing ??= createLetterSigning(config, ledger, documents);
      return signing;
    },
  };
  return runtime;
}

async function createLetterSigning(
  config: RuntimeConfig,
  ledger: DynamoLedger,
  documents: S3DocumentStore,
): Promise<LetterSigning> {
  const signers = await organSigners(config, ledger);
  const fonts = config.fontDir
    ? {
        regular: await readFile(join(config.fontDir, "LiberationSerif-Regular.ttf")),
        bold: await readFile(join(config.fontDir, "LiberationSerif-Bold.ttf")),
      }
    : undefined;
  return new LetterSigning({
    ledger,
    documents,
    ...(signers ? { signers } : {}),
    ...(config.tsaUrl ? { tsa: new HttpTsa({ url: config.tsaUrl }) } : {}),
    ...(fonts ? { fonts } : {}),
  });
}

async function organSigners(config: RuntimeConfig, ledger: DynamoLedger): Promise<OrganSigners | undefined> {
  if (config.signing?.mode === "pkcs12") {
    return new Pkcs12OrganSigners(config.signing.pkiDir);
  }
  if (config.signing?.mode === "kms") {
    // Loaded here so that functions without signing rights never load the KMS client.
    const { KMSClient } = await import("@aws-sdk/client-kms");
    return new KmsOrganSigners(
      new KMSClient({ region: config.region }),
      (organ) => ledger.organSigner(organ),
      config.signing.defaultKeyId,
    );
  }
  return undefined; // no SIGNER_MODE: two-phase signing only
}

/** Looks the key up lazily so that importing a handler module does not read the environment. */
export const findApiKey = (hash: string): Promise<Caller | undefined> => getRuntime().findApiKey(hash);
