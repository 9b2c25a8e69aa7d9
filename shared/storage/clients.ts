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
 */
export function createS3Client(config: RuntimeConfig): S3Client {
  return new S3Client({
    region: config.region,
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
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
}

/** The emulators accept any credentials; fixed ones keep the SDK from searching for real ones. */
const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
