import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { RuntimeConfig } from "../../shared/config.ts";
import { createS3Client, S3DocumentStore } from "../../shared/storage/index.ts";

const config: RuntimeConfig = {
  region: "ap-southeast-1",
  tableName: "lienthong",
  bucketName: "lienthong-letters",
  s3Endpoint: inject("s3Endpoint"),
  presignTtlSeconds: 60,
  maxFileBytes: 1024,
  revocation: "off",
};
const s3 = createS3Client(config);
const store = new S3DocumentStore({ client: s3, bucket: config.bucketName, ttlSeconds: 60 });
afterAll(() => s3.destroy());

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Yields `bytes` in small pieces, so the SDK must stream it. */
function streamOf(bytes: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += 64 * 1024) {
        yield bytes.subarray(i, i + 64 * 1024);
      }
    })(),
  );
}

describe("the S3 adapter against the local S3 server", () => {
  it("stores a streamed upload byte for byte (no aws-chunked framing)", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await s3.send(
      new PutObjectCommand({
        Bucket: config.bucketName,
        Key: "test/streamed",
        Body: streamOf(bytes),
        ContentLength: bytes.length,
      }),
    );
    const back = (await store.read("test/streamed"))!;
    expect(back.length).toBe(bytes.length);
    expect(sha256(back)).toBe(sha256(bytes));
  });

  it("stores a multipart upload of unknown length byte for byte", async () => {
    const bytes = randomBytes(11 * 1024 * 1024);
    await new Upload({
      client: s3,
      params: { Bucket: config.bucketName, Key: "test/multipart", Body: streamOf(bytes) },
      partSize: 5 * 1024 * 1024,
    }).done();
    const out = await s3.send(new GetObjectCommand({ Bucket: config.bucketName, Key: "test/multipart" }));
    const back = Buffer.from(await out.Body!.transformToByteArray());
    expect(sha256(back)).toBe(sha256(bytes));
  });

  it("writes, reads back, and reports a missing object as undefined", async () => {
    const bytes = randomBytes(1000);
    await store.write("test/a", bytes, "application/octet-stream");
    expect(Buffer.from((await store.read("test/a"))!)).toEqual(bytes);
    expect(await store.read("test/none")).toBeUndefined();
  });
});
