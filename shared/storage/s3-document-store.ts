import type { Readable } from "node:stream";
import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { DocumentStore, PresignedDownload, PresignedUpload } from "../exchange/ports.ts";
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
  private readonly ttlSeconds: number;

  constructor(private readonly options: S3DocumentStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.ttlSeconds = options.ttlSeconds;
  }

  async presignUpload(
    key: string,
    file: { size: number; sha256: string; contentType: string },
  ): Promise<PresignedUpload> {
    const checksum = Buffer.from(file.sha256, "hex").toString("base64");
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ContentType: file.contentType,
      ContentLength: file.size,
      ChecksumSHA256: checksum,
    });
    // The checksum, type and length stay signed headers (not query parameters): a client that
    // sends other bytes gets a signature error from S3, and `send` checks the bytes again.
    const url = await getSignedUrl(this.client, command, {
      expiresIn: this.ttlSeconds,
      signableHeaders: new Set(["content-type", "content-length", "x-amz-checksum-sha256"]),
      unhoistableHeaders: new Set(["x-amz-checksum-sha256"]),
    });
    return {
      method: "PUT",
      url,
      headers: {
        "content-type": file.contentType,
        "content-length": String(file.size),
        "x-amz-checksum-sha256": checksum,
      },
      expiresAt: this.expiry(),
    };
  }

  async presignDownload(key: string, fileName: string): Promise<PresignedDownload> {
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}`,
      }),
      { expiresIn: this.ttlSeconds },
    );
    return { url, expiresAt: this.expiry() };
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

  private expiry(): string {
    return new Date(Date.now() + this.ttlSeconds * 1000).toISOString();
  }
}
