import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { DEMO_KEY_ROLES, type DemoOrgan } from "../devkit/demo-organs.ts";
import type { ExchangeLedger } from "../shared/exchange/ports.ts";
import type { Role } from "../shared/exchange/types.ts";
import { hashApiKey } from "../shared/http/index.ts";

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
  readonly role: Role;
  readonly apiKey: string;
}

/** `demo-keys.json`: organ code → role → key. A plain string is a key from before roles: integration. */
type KeyFile = Record<string, string | Partial<Record<Role, string>>>;

/**
 * Puts the demo organs in the directory and gives each one an API key per role of
 * `DEMO_KEY_ROLES`; the first organ (the province's committee, which runs the exchange) also gets
 * an `admin` key: admin keys administer the whole deployment. The keys are kept in `keyFile` (local development only) so that they survive
 * restarts; the table holds hashes only.
 */
export async function seedDemoOrgans(
  ledger: ExchangeLedger,
  organs: readonly DemoOrgan[],
  keyFile: string,
): Promise<DemoKey[]> {
  const known: KeyFile = existsSync(keyFile) ? JSON.parse(readFileSync(keyFile, "utf8")) : {};
  const keys: DemoKey[] = [];
  for (const organ of organs) {
    await ledger.putOrgan({ code: organ.code, name: organ.name, status: "active" });
    const entry = known[organ.code];
    const kept = typeof entry === "string" ? { integration: entry } : (entry ?? {});
    for (const role of organ === organs[0] ? [...DEMO_KEY_ROLES, "admin" as const] : DEMO_KEY_ROLES) {
      const apiKey =
        kept[role] ??
        `lt_${organ.abbreviation.toLowerCase()}_${role}_${randomBytes(18).toString("base64url")}`;
      await ledger.putApiKey(hashApiKey(apiKey), organ.code, role);
      keys.push({ organCode: organ.code, organName: organ.name, role, apiKey });
    }
  }
  const file: KeyFile = {};
  for (const key of keys) {
    file[key.organCode] = {
      ...(file[key.organCode] as Partial<Record<Role, string>>),
      [key.role]: key.apiKey,
    };
  }
  writeFileSync(keyFile, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

/** An organ's key of one role from `demo-keys.json`, as `seedDemoOrgans` wrote it. */
export function demoKeyOf(keyFile: string, organCode: string, role: Role): string {
  const entry = (JSON.parse(readFileSync(keyFile, "utf8")) as KeyFile)[organCode];
  const key = typeof entry === "string" ? (role === "integration" ? entry : undefined) : entry?.[role];
  if (!key) {
    throw new Error(
      `no ${role} key for ${organCode} in ${keyFile} (start the exchange with npm start first)`,
    );
  }
  return key;
}
