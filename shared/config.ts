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
  };
}
