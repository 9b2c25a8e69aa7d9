/**
 * Presigned S3 URLs without the S3 client (issue 9: cold starts). The routes that only hand out
 * URLs (create a draft, replace its file, get a letter) would otherwise load @aws-sdk/client-s3
 * and its middleware (~140 KB, ~14 ms of every cold start) to compute what is a signature over a
 * URL. The signing itself stays the SDK's (`S3RequestPresigner`: SigV4, UNSIGNED-PAYLOAD, headers
 * kept signed or hoisted as `getSignedUrl` does); what is written here is the request it signs,
 * built as the SDK's S3 serializer and endpoint rules build it for a PutObject or GetObject. The
 * URLs are the SDK's own, byte for byte, for the same time and credentials
 * (test/unit/storage/s3-presign.test.ts compares them with `getSignedUrl`).
 *
 * Addressing, as the S3 client of shared/storage/clients.ts uses it: path-style on an
 * S3-compatible endpoint, virtual-hosted on AWS's regional endpoint (bucket names without dots).
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HttpRequest,
  SourceData,
} from "@smithy/types";
import type { DocumentStore, PresignedDownload, PresignedUpload } from "../exchange/ports.ts";

export interface S3PresignerOptions {
  readonly region: string;
  readonly bucket: string;
  /** An S3-compatible server (path-style addressing); AWS's regional endpoint when absent. */
  readonly endpoint?: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** What a presign call may fix for tests: the signing time. */
export interface PresignOptions {
  readonly expiresIn: number;
  readonly signingDate?: Date;
}

export class S3Presigner {
  private readonly signer: S3RequestPresigner;
  private readonly base: Pick<HttpRequest, "protocol" | "hostname" | "port"> & { readonly prefix: string };

  constructor(options: S3PresignerOptions) {
    this.signer = new S3RequestPresigner({
      region: options.region,
      credentials: options.credentials,
      sha256: NodeSha256,
    });
    if (options.endpoint) {
      const url = new URL(options.endpoint);
      this.base = {
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        prefix: `${url.pathname.replace(/\/$/, "")}/${encodeSegment(options.bucket)}`,
      };
    } else {
      const suffix = options.region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
      const host = `s3.${options.region}.${suffix}`;
      // A bucket name that is no single DNS label (dots break the TLS name) is addressed by path.
      this.base = VIRTUAL_HOSTABLE.test(options.bucket)
        ? { protocol: "https:", hostname: `${options.bucket}.${host}`, prefix: "" }
        : { protocol: "https:", hostname: host, prefix: `/${encodeSegment(options.bucket)}` };
    }
  }

  /** A PUT of `key` whose `headers` (lowercase names) the uploader must send as signed. */
  putUrl(
    key: string,
    headers: Readonly<Record<string, string>>,
    signing: PresignOptions & {
      readonly signableHeaders?: ReadonlySet<string>;
      readonly unhoistableHeaders?: ReadonlySet<string>;
    },
  ): Promise<string> {
    return this.presign("PUT", key, { "x-id": "PutObject" }, headers, signing);
  }

  /** A GET of `key`, with `query` (e.g. `response-content-disposition`) signed into the URL. */
  getUrl(key: string, query: Readonly<Record<string, string>>, signing: PresignOptions): Promise<string> {
    return this.presign("GET", key, { ...query, "x-id": "GetObject" }, {}, signing);
  }

  private async presign(
    method: "GET" | "PUT",
    key: string,
    query: Record<string, string>,
    headers: Readonly<Record<string, string>>,
    signing: PresignOptions & {
      readonly signableHeaders?: ReadonlySet<string>;
      readonly unhoistableHeaders?: ReadonlySet<string>;
    },
  ): Promise<string> {
    const { prefix, ...base } = this.base;
    const request: HttpRequest = {
      method,
      ...base,
      path: `${prefix}/${key.split("/").map(encodeSegment).join("/")}`,
      query,
      headers: { ...headers },
    };
    const signed = await this.signer.presign(request, {
      expiresIn: signing.expiresIn,
      ...(signing.signingDate ? { signingDate: signing.signingDate } : {}),
      ...(signing.signableHeaders ? { signableHeaders: new Set(signing.signableHeaders) } : {}),
      ...(signing.unhoistableHeaders ? { unhoistableHeaders: new Set(signing.unhoistableHeaders) } : {}),
    });
    return formatUrl(signed);
  }
}

/** A bucket name the SDK puts in the host name over HTTPS: one DNS label, 3–63 characters. */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** RFC 3986 escaping of a URL part, as the SDK writes S3 keys and query strings. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const encodeSegment = escapeUri;

/** The URL of a signed request, as the SDK formats it (query names in order, names and values escaped). */
function formatUrl(request: HttpRequest): string {
  const port = request.port ? `:${request.port}` : "";
  const query = Object.keys(request.query ?? {})
    .sort()
    .flatMap((name) => {
      const value = request.query?.[name];
      if (Array.isArray(value)) {
        return value.map((item) => `${escapeUri(name)}=${escapeUri(item)}`);
      }
      return [typeof value === "string" ? `${escapeUri(name)}=${escapeUri(value)}` : escapeUri(name)];
    })
    .join("&");
  return `${request.protocol}//${request.hostname}${port}${request.path}${query ? `?${query}` : ""}`;
}

/** SHA-256 and HMAC-SHA-256 with node:crypto, in the shape SigV4 asks for. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function bytesOf(data: SourceData): Buffer {
  if (typeof data === "string") {
    return Buffer.from(data, "utf8");
  }
  if (ArrayBuffer.isView(data)) {
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  return Buffer.from(data);
}

/**
 * The presigning half of a `DocumentStore` (shared/exchange/ports.ts): what `S3DocumentStore`
 * answers, and all that a function which only hands out URLs composes.
 */
export class S3PresignedUrls implements Pick<DocumentStore, "presignUpload" | "presignDownload"> {
  constructor(
    private readonly presigner: () => Promise<S3Presigner>,
    private readonly ttlSeconds: number,
  ) {}

  async presignUpload(
    key: string,
    file: { size: number; sha256: string; contentType: string },
  ): Promise<PresignedUpload> {
    const checksum = Buffer.from(file.sha256, "hex").toString("base64");
    const headers = {
      "content-type": file.contentType,
      "content-length": String(file.size),
      "x-amz-checksum-sha256": checksum,
    };
    // The checksum, type and length stay signed headers (not query parameters): a client that
    // sends other bytes gets a signature error from S3, and `send` checks the bytes again.
    const url = await (await this.presigner()).putUrl(key, headers, {
      expiresIn: this.ttlSeconds,
      signableHeaders: new Set(["content-type", "content-length", "x-amz-checksum-sha256"]),
      unhoistableHeaders: new Set(["x-amz-checksum-sha256"]),
    });
    return { method: "PUT", url, headers, expiresAt: this.expiry() };
  }

  async presignDownload(key: string, fileName: string): Promise<PresignedDownload> {
    const url = await (await this.presigner()).getUrl(
      key,
      { "response-content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}` },
      { expiresIn: this.ttlSeconds },
    );
    return { url, expiresAt: this.expiry() };
  }

  private expiry(): string {
    return new Date(Date.now() + this.ttlSeconds * 1000).toISOString();
  }
}
