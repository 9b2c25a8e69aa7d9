import { LOCAL_CREDENTIALS } from "../shared/storage/clients.ts";
import { S3PresignedUrls, S3Presigner } from "../shared/storage/s3-presign.ts";
import { baseRuntime, lazily } from "./runtime.ts";

/**
 * The bucket's presigned URLs alone, for functions that only hand them out (create a draft,
 * replace its file, get a letter): no S3 client is loaded (issue 9: cold starts). The URLs
 * `documentStore()` (runtime-documents.ts) would make, with the region, endpoint and credentials
 * `createS3Client` gives it: the emulators' fixed keys, or the default chain (the table client's).
 */
export const presignedUrls = lazily((): S3PresignedUrls => {
  const { config, dynamo } = baseRuntime();
  const presigner = new S3Presigner({
    region: config.region,
    bucket: config.bucketName,
    ...(config.s3Endpoint
      ? { endpoint: config.s3Endpoint, credentials: LOCAL_CREDENTIALS }
      : { credentials: dynamo.config.credentials }),
  });
  return new S3PresignedUrls(() => Promise.resolve(presigner), config.presignTtlSeconds);
});
