import { randomUUID } from "node:crypto";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type CreatedLetter, LienthongClient, type SentLetter, uploadFile } from "../../local/api-client.ts";
import { type ApiServer, startApiServer } from "../../local/api-server.ts";
import { REPLAY_HEADER } from "../../shared/http/idempotency.ts";
import { letterMetadata, organCodes, samplePdf, sha256 } from "../support/exchange.ts";
import { installSdkMeter, type SdkMeter, total, writesDone } from "../support/sdk-meter.ts";

/**
 * Idempotency-Key through HTTP, against an API server in this process (the same handler modules as
 * `npm start`, on the test run's DynamoDB Local and S3 server), so that a wrapper on the SDK clients
 * counts every write the handlers make.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
let server: ApiServer;
let meter: SdkMeter;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: "ap-southeast-1",
    AWS_EC2_METADATA_DISABLED: "true",
    TABLE_NAME: "lienthong",
    BUCKET_NAME: "lienthong-letters",
    DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
    S3_ENDPOINT: inject("s3Endpoint"),
    SIGNER_MODE: "pkcs12",
    SIGNING_PKI_DIR: inject("pkiDir"),
    REVOCATION_POLICY: "off",
    LIENTHONG_SEND_POLICY: "record-only",
  });
  server = await startApiServer({ port: 0, host: "127.0.0.1", root });
  meter = installSdkMeter();
});
afterAll(async () => {
  meter?.uninstall();
  await server?.close();
});

function client(index: number): LienthongClient {
  const code = organCodes()[index] ?? "";
  const key = inject("demoKeys").find((k) => k.organCode === code && k.role === "integration");
  return new LienthongClient(server.url, key?.apiKey ?? "");
}

/** Writes that took effect (a conditional put refused by its condition writes nothing). */
const writes = () => writesDone(meter.counts);

async function draft(sender: LienthongClient, to: string[]): Promise<string> {
  const pdf = await samplePdf("idempotency");
  const created = await sender.call<CreatedLetter>("POST", "/v1/letters", {
    ...letterMetadata(to),
    file: { name: "cong-van.pdf", contentType: "application/pdf", size: pdf.length, sha256: sha256(pdf) },
  });
  await uploadFile(created.upload, pdf);
  return created.letter.id;
}

/** A request whose response headers are kept (LienthongClient drops them). */
async function post(sender: LienthongClient, path: string, key: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${sender.apiKey}`,
      "idempotency-key": key,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe("Idempotency-Key", () => {
  it("answers a repeated send with the stored first response, writing nothing", async () => {
    const sender = client(0);
    const id = await draft(sender, organCodes().slice(1, 3));
    const key = randomUUID();
    const first = await post(sender, `/v1/letters/${id}/send`, key);
    expect(first.status).toBe(200);
    expect(first.headers.get(REPLAY_HEADER)).toBeNull();
    expect((first.body as unknown as SentLetter).state).toBe("sent");

    meter.reset();
    const again = await post(sender, `/v1/letters/${id}/send`, key);
    expect(writes()).toBe(0);
    expect(total(meter.counts.s3Calls)).toBe(0);
    expect(again.status).toBe(200);
    expect(again.headers.get(REPLAY_HEADER)).toBe("true");
    expect(again.body).toEqual(first.body);
  });

  it("refuses the same key for another request with 409 IDEMPOTENCY_KEY_REUSED, running nothing", async () => {
    const sender = client(0);
    const key = randomUUID();
    const body = { ...letterMetadata(organCodes().slice(1, 2)), file: fileOf(await samplePdf()) };
    const created = await post(sender, "/v1/letters", key, body);
    expect(created.status).toBe(201);

    meter.reset();
    const other = await post(sender, "/v1/letters", key, { ...body, subject: "Một nội dung khác" });
    expect(other.status).toBe(409);
    expect(other.body["code"]).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(writes()).toBe(0);
    // The refusal left the first request's record alone: it still replays.
    const replay = await post(sender, "/v1/letters", key, body);
    expect(replay.headers.get(REPLAY_HEADER)).toBe("true");
    expect(replay.body).toEqual(created.body);
    // Another letter's send under the key of this create is another request too.
    const id = await draft(sender, organCodes().slice(1, 2));
    const send = await post(sender, `/v1/letters/${id}/send`, key);
    expect(send.body["code"]).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("scopes keys to the calling organ: another organ's same key is another operation", async () => {
    const key = randomUUID();
    const a = await post(client(0), "/v1/letters", key, {
      ...letterMetadata(organCodes().slice(1, 2)),
      file: fileOf(await samplePdf()),
    });
    const b = await post(client(1), "/v1/letters", key, {
      ...letterMetadata(organCodes().slice(2, 3)),
      file: fileOf(await samplePdf()),
    });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get(REPLAY_HEADER)).toBeNull();
    expect((b.body["letter"] as { id: string }).id).not.toBe((a.body["letter"] as { id: string }).id);
  });

  it("answers 409 IDEMPOTENCY_KEY_IN_PROGRESS to a repeat while the first is still running", async () => {
    const sender = client(0);
    const id = await draft(sender, organCodes().slice(1, 3));
    const key = randomUUID();
    // The repeat is made from inside the first request, as it writes its first copy.
    let repeat: Promise<Awaited<ReturnType<typeof post>>> | undefined;
    const send = DynamoDBClient.prototype.send;
    type Command = { input: { Item?: Record<string, { S?: string }> } };
    (DynamoDBClient.prototype as unknown as { send: unknown }).send = async function (
      this: DynamoDBClient,
      command: Command,
      ...rest: unknown[]
    ) {
      if (!repeat && command.input.Item?.["entity"]?.S === "delivery") {
        repeat = post(sender, `/v1/letters/${id}/send`, key);
        await repeat;
      }
      return (send as unknown as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
    };
    try {
      const first = await post(sender, `/v1/letters/${id}/send`, key);
      expect(first.status).toBe(200);
      const second = await repeat;
      expect(second?.status).toBe(409);
      expect(second?.body["code"]).toBe("IDEMPOTENCY_KEY_IN_PROGRESS");
    } finally {
      (DynamoDBClient.prototype as unknown as { send: unknown }).send = send;
    }
    // Once it finished, the repeat is a replay.
    const later = await post(sender, `/v1/letters/${id}/send`, key);
    expect(later.headers.get(REPLAY_HEADER)).toBe("true");
  });

  it("runs a failed request again under the same key (only successes are kept)", async () => {
    const sender = client(0);
    const key = randomUUID();
    const missing = await post(sender, `/v1/letters/${randomUUID()}/send`, key);
    expect(missing.status).toBe(404);
    const again = await post(sender, `/v1/letters/${randomUUID()}/send`, key);
    // Not a replay and not "reused": the failed first attempt left no record.
    expect(again.status).toBe(404);
    expect(again.headers.get(REPLAY_HEADER)).toBeNull();
  });

  it("refuses a malformed key", async () => {
    const response = await post(client(0), "/v1/letters", "x".repeat(256), {});
    expect(response.status).toBe(400);
  });
});

function fileOf(pdf: Uint8Array) {
  return { name: "cong-van.pdf", contentType: "application/pdf", size: pdf.length, sha256: sha256(pdf) };
}
