import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RuntimeConfig } from "../../../shared/config.ts";
import { createS3Client } from "../../../shared/storage/clients.ts";
import { S3DocumentStore } from "../../../shared/storage/s3-document-store.ts";
import { S3Presigner } from "../../../shared/storage/s3-presign.ts";

/**
 * shared/storage/s3-presign.ts writes the request the SDK's presigner signs, without the S3 client
 * (issue 9: cold starts). Its URLs must be the SDK's own: compared here with `getSignedUrl` for the
 * same time and credentials, over generated keys, file names and buckets, on AWS and on a local
 * S3-compatible endpoint (the upload binding itself is tested against s3rver in
 * test/integration/letters.test.ts).
 */

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session/token+=",
};
const signingDate = new Date("2026-12-01T10:11:12Z");
const SIGNED = new Set(["content-type", "content-length", "x-amz-checksum-sha256"]);
const UNHOISTABLE = new Set(["x-amz-checksum-sha256"]);

/** Where a bucket lives: AWS regions (virtual-hosted or, for dotted names, path-style) or a local server. */
const places = fc.oneof(
  fc.record({
    region: fc.constantFrom("ap-southeast-1", "us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"),
    endpoint: fc.constant(undefined),
  }),
  fc.record({
    region: fc.constant("ap-southeast-1"),
    endpoint: fc.constantFrom("http://127.0.0.1:4569", "http://localhost:9000/", "https://s3.example.test"),
  }),
);
const buckets = fc.constantFrom(
  "lienthong-data-0a1b2c",
  "ab",
  "my.dotted.bucket",
  "MixedCase",
  "192.168.5.4",
);
const segment = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).filter((s) => !s.includes("/"));
const keys = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"));

function sdkClient(region: string, endpoint: string | undefined): S3Client {
  return new S3Client({
    region,
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
}

describe("S3Presigner", () => {
  it("signs the same PUT URL as getSignedUrl (size, type and SHA-256 as signed headers)", async () => {
    await fc.assert(
      fc.asyncProperty(
        places,
        buckets,
        keys,
        fc.integer({ min: 1, max: 50_000_000 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async ({ region, endpoint }, bucket, key, size, digest) => {
          const checksum = Buffer.from(digest).toString("base64");
          const expected = await getSignedUrl(
            sdkClient(region, endpoint),
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              ContentType: "application/pdf",
              ContentLength: size,
              ChecksumSHA256: checksum,
            }),
            { expiresIn: 900, signingDate, signableHeaders: SIGNED, unhoistableHeaders: UNHOISTABLE },
          );
          const presigner = new S3Presigner({
            region,
            bucket,
            credentials,
            ...(endpoint ? { endpoint } : {}),
          });
          const url = await presigner.putUrl(
            key,
            {
              "content-type": "application/pdf",
              "content-length": String(size),
              "x-amz-checksum-sha256": checksum,
            },
            { expiresIn: 900, signingDate, signableHeaders: SIGNED, unhoistableHeaders: UNHOISTABLE },
          );
          expect(url).toBe(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("signs the same GET URL as getSignedUrl, with the download's file name", async () => {
    await fc.assert(
      fc.asyncProperty(places, buckets, keys, segment, async ({ region, endpoint }, bucket, key, name) => {
        const disposition = `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;
        const expected = await getSignedUrl(
          sdkClient(region, endpoint),
          new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition }),
          { expiresIn: 300, signingDate },
        );
        const presigner = new S3Presigner({ region, bucket, credentials, ...(endpoint ? { endpoint } : {}) });
        expect(
          await presigner.getUrl(
            key,
            { "response-content-disposition": disposition },
            { expiresIn: 300, signingDate },
          ),
        ).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });

  it("a different secret gives a different signature (the comparison can fail)", async () => {
    const one = new S3Presigner({ region: "ap-southeast-1", bucket: "b-1", credentials });
    const other = new S3Presigner({
      region: "ap-southeast-1",
      bucket: "b-1",
      credentials: { ...credentials, secretAccessKey: "other" },
    });
    const signing = { expiresIn: 60, signingDate };
    expect(await one.getUrl("k", {}, signing)).not.toBe(await other.getUrl("k", {}, signing));
  });
});

describe("S3DocumentStore presigns through it with its client's settings", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it.each([
    ["the local S3-compatible server", "http://127.0.0.1:4569"],
    ["AWS", undefined],
  ])("on %s: the URLs getSignedUrl makes with the same client", async (_place, s3Endpoint) => {
    vi.useFakeTimers({ now: signingDate, toFake: ["Date"] });
    // On AWS the client's default chain finds these, as a Lambda's role credentials.
    vi.stubEnv("AWS_ACCESS_KEY_ID", credentials.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey);
    vi.stubEnv("AWS_SESSION_TOKEN", credentials.sessionToken);
    const config = { region: "ap-southeast-1", ...(s3Endpoint ? { s3Endpoint } : {}) } as RuntimeConfig;
    const client = createS3Client(config);
    const store = new S3DocumentStore({ client, bucket: "lienthong-data", ttlSeconds: 600 });
    const sha256 = "ab".repeat(32);
    const checksum = Buffer.from(sha256, "hex").toString("base64");

    const upload = await store.presignUpload("incoming/x/letter.pdf", {
      size: 1234,
      sha256,
      contentType: "application/pdf",
    });
    expect(upload.headers).toEqual({
      "content-type": "application/pdf",
      "content-length": "1234",
      "x-amz-checksum-sha256": checksum,
    });
    expect(upload.url).toBe(
      await getSignedUrl(
        client,
        new PutObjectCommand({
          Bucket: "lienthong-data",
          Key: "incoming/x/letter.pdf",
          ContentType: "application/pdf",
          ContentLength: 1234,
          ChecksumSHA256: checksum,
        }),
        { expiresIn: 600, signableHeaders: SIGNED, unhoistableHeaders: UNHOISTABLE },
      ),
    );
    expect(upload.expiresAt).toBe(new Date(signingDate.getTime() + 600_000).toISOString());

    const download = await store.presignDownload("letters/x/letter.pdf", "Công văn số 12.pdf");
    expect(download.url).toBe(
      await getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: "lienthong-data",
          Key: "letters/x/letter.pdf",
          ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent("Công văn số 12.pdf")}`,
        }),
        { expiresIn: 600 },
      ),
    );
  });
});
