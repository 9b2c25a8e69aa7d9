import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import {
  CopyObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { DocumentStore, PresignedDownload, PresignedUpload } from "./ports.ts";

/** `DocumentStore` on one S3 bucket (AWS or an S3-compatible local server: same code). */
export class S3DocumentStore implements DocumentStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly ttlSeconds: number,
  ) {}

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

  async digest(key: string): Promise<{ size: number; sha256: string } | undefined> {
    const body = await this.body(key);
    if (!body) {
      return undefined;
    }
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of body) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { size, sha256: hash.digest("hex") };
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: toKey,
        CopySource: `${this.bucket}/${fromKey.split("/").map(encodeURIComponent).join("/")}`,
      }),
    );
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
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
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

  private expiry(): string {
    return new Date(Date.now() + this.ttlSeconds * 1000).toISOString();
  }
}
