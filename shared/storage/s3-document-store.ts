import type { Readable } from "node:stream";
import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { DocumentStore, PresignedDownload, PresignedUpload } from "../exchange/ports.ts";
import { S3PresignedUrls, S3Presigner } from "./s3-presign.ts";
import { BUCKET_LAYOUT } from "./schema.ts";

export interface S3DocumentStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Lifetime of presigned URLs. */
  readonly ttlSeconds: number;
  /** Compliance-mode retention for objects written under `letters/` and `evidence/`. */
  readonly objectLock?: { readonly mode: "COMPLIANCE"; readonly retentionDays: number };
}

/** `DocumentStore` on one S3 bucket (AWS or an S3-compatible local server: same code). */
export class S3DocumentStore implements DocumentStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  /** Presigned with the client's region, credentials and endpoint, as `getSignedUrl` would. */
  private readonly urls: S3PresignedUrls;

  constructor(private readonly options: S3DocumentStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    let presigner: Promise<S3Presigner> | undefined;
    this.urls = new S3PresignedUrls(() => {
      presigner ??= presignerOf(this.client, this.bucket);
      return presigner;
    }, options.ttlSeconds);
  }

  presignUpload(
    key: string,
    file: { size: number; sha256: string; contentType: string },
  ): Promise<PresignedUpload> {
    return this.urls.presignUpload(key, file);
  }

  presignDownload(key: string, fileName: string): Promise<PresignedDownload> {
    return this.urls.presignDownload(key, fileName);
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    const body = await this.body(key);
    if (!body) {
      return undefined;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  async write(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...this.retention(key),
      }),
    );
  }

  private async body(key: string): Promise<Readable | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body as Readable;
    } catch (error) {
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.name === "NoSuchKey")) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Object Lock parameters for kept records (letters, evidence). S3 requires a checksum on
   * uploads that set a retention, and our client computes checksums only when required.
   */
  private retention(key: string) {
    const lock = this.options.objectLock;
    if (!lock || !(key.startsWith(BUCKET_LAYOUT.letters) || key.startsWith(BUCKET_LAYOUT.evidence))) {
      return {};
    }
    return {
      ObjectLockMode: lock.mode,
      ObjectLockRetainUntilDate: new Date(Date.now() + lock.retentionDays * 86_400_000),
      ChecksumAlgorithm: "SHA256" as const,
    };
  }
}

async function presignerOf(client: S3Client, bucket: string): Promise<S3Presigner> {
  const { config } = client;
  const endpoint = config.isCustomEndpoint ? await config.endpoint?.() : undefined;
  if (endpoint && !config.forcePathStyle) {
    throw new Error("an S3 client with its own endpoint must use path-style addressing (clients.ts)");
  }
  return new S3Presigner({
    region: await config.region(),
    bucket,
    credentials: config.credentials,
    ...(endpoint
      ? {
          endpoint: `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ""}${endpoint.path}`,
        }
      : {}),
  });
}
