import { createS3Client } from "../shared/storage/clients.ts";
import { S3DocumentStore } from "../shared/storage/s3-document-store.ts";
import { baseRuntime, lazily } from "./runtime.ts";

/** The letters bucket, for functions that presign, read or write letter files and reports. */
export const documentStore = lazily((): S3DocumentStore => {
  const { config } = baseRuntime();
  return new S3DocumentStore({
    client: createS3Client(config),
    bucket: config.bucketName,
    ttlSeconds: config.presignTtlSeconds,
    ...(config.objectLock ? { objectLock: config.objectLock } : {}),
  });
});
