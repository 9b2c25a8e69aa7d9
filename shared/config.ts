import { parseSendPolicy, SEND_POLICY_VARIABLE, type SendPolicy } from "./exchange/send-policy.ts";

/**
 * Runtime configuration, read from the environment once and typed. Handlers call
 * `readConfig()` at module load (cold start); nothing deeper in the core reads `process.env`.
 */
export interface RuntimeConfig {
  readonly region: string;
  readonly tableName: string;
  readonly bucketName: string;
  /** Set locally (DynamoDB Local); absent on AWS. */
  readonly dynamodbEndpoint?: string;
  /** Set locally (the S3-compatible server); absent on AWS. */
  readonly s3Endpoint?: string;
  /** Lifetime of presigned upload/download URLs. */
  readonly presignTtlSeconds: number;
  /** Largest letter file accepted, in bytes. */
  readonly maxFileBytes: number;
  /**
   * Set in the production profile, where the bucket refuses writes to `letters/` and `evidence/`
   * that do not carry a compliance-mode retention (S3 Object Lock).
   */
  readonly objectLock?: { readonly mode: "COMPLIANCE"; readonly retentionDays: number };
  /**
   * Where organ signing keys live: AWS KMS (key id and certificates per organ in the table), or
   * PKCS#12 files of a demo PKI directory (local runs only).
   */
  readonly signing?:
    | { readonly mode: "kms"; readonly defaultKeyId?: string }
    | { readonly mode: "pkcs12"; readonly pkiDir: string };
  /** RFC 3161 timestamp authority for PAdES B-T signatures; none: B-B. */
  readonly tsaUrl?: string;
  /** Verification policy for revocation data (see `shared/verification`). */
  readonly revocation: "require" | "prefer" | "off";
  /** Directory holding LiberationSerif-Regular.ttf and -Bold.ttf where the system has none (Lambda). */
  readonly fontDir?: string;
  /**
   * Which verification verdicts `send` delivers (`LIENTHONG_SEND_POLICY`, see
   * `shared/exchange/send-policy.ts`). `readConfig` always sets it; optional only so that a
   * configuration written by hand (tests, the local runtime's clients) may leave it out, which
   * means the default policy.
   */
  readonly sendPolicy?: SendPolicy;
  /**
   * Secret that seals page cursors (`CURSOR_SECRET`, at least 32 characters; in AWS from the
   * environment or an SSM SecureString resolved at deploy time, locally a random per-data-dir
   * secret). Every function serving one table must share it. Absent: a random key per process,
   * so a cursor is then accepted only by the process that issued it.
   */
  readonly cursorSecret?: string;
}

export const DEFAULTS = {
  region: "ap-southeast-1",
  presignTtlSeconds: 300,
  maxFileBytes: 100 * 1024 * 1024,
} as const;

export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) {
      throw new Error(`Missing environment variable ${name}`);
    }
    return value;
  };
  const number = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") {
      return fallback;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`Environment variable ${name} must be a positive integer, got '${raw}'`);
    }
    return value;
  };
  return {
    region: env["AWS_REGION"] ?? DEFAULTS.region,
    tableName: required("TABLE_NAME"),
    bucketName: required("BUCKET_NAME"),
    ...(env["DYNAMODB_ENDPOINT"] ? { dynamodbEndpoint: env["DYNAMODB_ENDPOINT"] } : {}),
    ...(env["S3_ENDPOINT"] ? { s3Endpoint: env["S3_ENDPOINT"] } : {}),
    presignTtlSeconds: number("PRESIGN_TTL_SECONDS", DEFAULTS.presignTtlSeconds),
    maxFileBytes: number("MAX_FILE_BYTES", DEFAULTS.maxFileBytes),
    ...signing(env),
    ...(env["TSA_URL"] ? { tsaUrl: env["TSA_URL"] } : {}),
    ...(env["FONT_DIR"] ? { fontDir: env["FONT_DIR"] } : {}),
    revocation: oneOf(env, "REVOCATION_POLICY", ["require", "prefer", "off"] as const, "require"),
    // An unknown value is a configuration error (answered 500), never a silent default.
    sendPolicy: parseSendPolicy(env[SEND_POLICY_VARIABLE]),
    ...cursorSecret(env),
    ...(env["OBJECT_LOCK_MODE"] === "COMPLIANCE"
      ? {
          objectLock: {
            mode: "COMPLIANCE" as const,
            retentionDays: number("OBJECT_LOCK_RETENTION_DAYS", 3650),
          },
        }
      : {}),
  };
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === "") {
    return fallback;
  }
  if (!(values as readonly string[]).includes(raw)) {
    throw new Error(`Environment variable ${name} must be one of ${values.join(", ")}, got '${raw}'`);
  }
  return raw as T;
}

function signing(env: NodeJS.ProcessEnv): Pick<RuntimeConfig, "signing"> {
  const mode = env["SIGNER_MODE"];
  if (mode === "kms") {
    const defaultKeyId = env["SIGNING_KEY_ID"];
    return { signing: { mode: "kms", ...(defaultKeyId ? { defaultKeyId } : {}) } };
  }
  if (mode === "pkcs12") {
    const pkiDir = env["SIGNING_PKI_DIR"];
    if (!pkiDir) {
      throw new Error("SIGNER_MODE=pkcs12 needs SIGNING_PKI_DIR");
    }
    return { signing: { mode: "pkcs12", pkiDir } };
  }
  if (mode) {
    throw new Error(`Environment variable SIGNER_MODE must be kms or pkcs12, got '${mode}'`);
  }
  return {};
}

/** The smallest cursor secret accepted: 32 characters (≥ 128 bits even if hex or base32). */
export const MIN_CURSOR_SECRET_LENGTH = 32;

function cursorSecret(env: NodeJS.ProcessEnv): Pick<RuntimeConfig, "cursorSecret"> {
  const secret = env["CURSOR_SECRET"];
  if (secret === undefined || secret === "") {
    return {};
  }
  if (secret.length < MIN_CURSOR_SECRET_LENGTH) {
    throw new Error(
      `Environment variable CURSOR_SECRET must have at least ${MIN_CURSOR_SECRET_LENGTH} characters, got ${secret.length}`,
    );
  }
  return { cursorSecret: secret };
}
