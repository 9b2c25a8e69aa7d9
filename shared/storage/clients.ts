import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { RuntimeConfig } from "../config.ts";

/**
 * The one place AWS SDK clients are made, for AWS and for the local emulators alike.
 *
 * Checksums are computed only when an operation requires them: with the SDK's default
 * (WHEN_SUPPORTED) streamed uploads are sent with aws-chunked framing, which S3-compatible
 * servers such as s3rver store verbatim (a corrupt file), and presigned PUT URLs would carry the
 * CRC32 of an empty body. Path-style addressing works with every S3-compatible endpoint.
 *
 * Retries and timeouts are bounded so that an unreachable or throttling dependency fails the
 * request within seconds (the API then answers 503 DEPENDENCY_UNAVAILABLE, see shared/http):
 * the SDK's defaults wait forever on a connection that never answers.
 */
export function createS3Client(config: RuntimeConfig): S3Client {
  return new S3Client({
    region: config.region,
    maxAttempts: MAX_ATTEMPTS,
    // Letters are up to tens of MB: an idle limit, not a limit on the whole transfer.
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: 30_000 },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(config.s3Endpoint
      ? { endpoint: config.s3Endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS }
      : {}),
  });
}

export function createDynamoClient(config: RuntimeConfig): DynamoDBClient {
  return new DynamoDBClient({
    region: config.region,
    maxAttempts: MAX_ATTEMPTS,
    // DynamoDB answers in milliseconds: a request still unanswered after 5 s is retried, then failed.
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: 5_000,
      throwOnRequestTimeout: true,
    },
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
}

/** Three attempts in all: the SDK's standard backoff between them totals at most 0.6 s (3 s when throttled). */
export const MAX_ATTEMPTS = 3;
export const CONNECT_TIMEOUT_MS = 1_000;

/** The emulators accept any credentials; fixed ones keep the SDK from searching for real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
