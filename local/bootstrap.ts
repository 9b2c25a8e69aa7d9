import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { hashApiKey } from "../shared/http/index.ts";
import type { ExchangeLedger } from "../shared/storage/ports.ts";
import type { DemoOrgan } from "./demo-organs.ts";

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou) && (error as Error).name !== "BucketAlreadyExists") {
      throw error;
    }
  }
  // Browsers upload and download letters straight from the bucket with presigned URLs.
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedMethods: ["GET", "PUT"],
            AllowedOrigins: ["*"],
            AllowedHeaders: ["*"],
            MaxAgeSeconds: 3000,
          },
        ],
      },
    }),
  );
}

export interface DemoKey {
  readonly organCode: string;
  readonly organName: string;
  readonly apiKey: string;
}

/**
 * Puts the demo organs in the directory and gives each one API key. The keys are kept in
 * `keyFile` (local development only) so that they survive restarts; the table holds hashes only.
 */
export async function seedDemoOrgans(
  ledger: ExchangeLedger,
  organs: readonly DemoOrgan[],
  keyFile: string,
): Promise<DemoKey[]> {
  const known: Record<string, string> = existsSync(keyFile) ? JSON.parse(readFileSync(keyFile, "utf8")) : {};
  const keys: DemoKey[] = [];
  for (const organ of organs) {
    const apiKey =
      known[organ.code] ?? `lt_${organ.abbreviation.toLowerCase()}_${randomBytes(18).toString("base64url")}`;
    await ledger.putOrgan({ code: organ.code, name: organ.name, status: "active" });
    await ledger.putApiKey(hashApiKey(apiKey), organ.code, "integration");
    keys.push({ organCode: organ.code, organName: organ.name, apiKey });
  }
  writeFileSync(
    keyFile,
    `${JSON.stringify(Object.fromEntries(keys.map((k) => [k.organCode, k.apiKey])), null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
  return keys;
}
