import { PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  type CreatedLetter,
  type LienthongClient,
  type SentLetter,
  uploadFile,
} from "../../local/api-client.ts";
import { createS3Client } from "../../shared/storage/index.ts";
import {
  letterMetadata,
  organClients,
  organCodes,
  samplePdf,
  sha256,
  signedPdf,
} from "../support/exchange.ts";

interface Problem {
  code: string;
  status: number;
  detail?: string;
  messages: { en: string; vi: string };
}

let sender: LienthongClient;
let first: LienthongClient;
let second: LienthongClient;
let outsider: LienthongClient;
/** The organs' clerks (văn thư): statuses are theirs to set (shared/exchange/roles.ts). */
let senderClerk: LienthongClient;
let firstClerk: LienthongClient;
let outsiderClerk: LienthongClient;
let codes: string[];

beforeAll(() => {
  [sender, first, second, outsider] = organClients() as [
    LienthongClient,
    LienthongClient,
    LienthongClient,
    LienthongClient,
  ];
  const clerks = organClients("clerk");
  [senderClerk, firstClerk, outsiderClerk] = [clerks[0]!, clerks[1]!, clerks[3]!];
  codes = organCodes();
});

const inboxIds = async (client: LienthongClient): Promise<string[]> =>
  (await client.call<{ items: { letterId: string }[] }>("GET", "/v1/inbox?limit=100")).items.map(
    (i) => i.letterId,
  );

/** Writes bytes under a draft's upload key directly, as a misbehaving client could. */
async function storeIncoming(letterId: string, bytes: Uint8Array): Promise<void> {
  const s3 = createS3Client({
    region: "ap-southeast-1",
    tableName: "unused",
    bucketName: "lienthong-letters",
    s3Endpoint: inject("s3Endpoint"),
    presignTtlSeconds: 60,
    maxFileBytes: 1,
    revocation: "off",
  });
  await s3.send(
    new PutObjectCommand({ Bucket: "lienthong-letters", Key: `incoming/${letterId}`, Body: bytes }),
  );
  s3.destroy();
}

describe("a letter from one organ to two others", () => {
  it("reaches both inboxes, and the sender sees each recipient's status", async () => {
    // Prepare: a letter its signer signed (the default send policy delivers only TOTAL_PASSED)
    const pdf = await signedPdf(codes[0]!);
    // Act
    const sent = await sender.sendLetter(letterMetadata([codes[1]!, codes[2]!]), pdf, "cong-van.pdf");
    // Assess
    expect(sent.state).toBe("sent");
    expect(sent.deliveries.map((d) => [d.organCode, d.status])).toEqual([
      [codes[1], "01"],
      [codes[2], "01"],
    ]);
    expect(await inboxIds(first)).toContain(sent.id);
    expect(await inboxIds(second)).toContain(sent.id);
    expect(await inboxIds(outsider)).not.toContain(sent.id);

    const accepted = await firstClerk.request("POST", `/v1/letters/${sent.id}/status`, { status: "03" });
    expect(accepted.status).toBe(200);

    const seen = await sender.call<SentLetter>("GET", `/v1/letters/${sent.id}`);
    expect(seen.deliveries.map((d) => [d.organCode, d.status])).toEqual([
      [codes[1], "03"],
      [codes[2], "01"],
    ]);

    // A recipient sees its own copy only, and can download the very bytes that were sent.
    const received = await second.call<SentLetter>("GET", `/v1/letters/${sent.id}`);
    expect(received.deliveries.map((d) => d.organCode)).toEqual([codes[2]]);
    const download = await fetch(received.download!.url);
    expect(download.status).toBe(200);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(pdf));
  });

  it("sending twice delivers once and answers with the same letter", async () => {
    const sent = await sender.sendLetter(letterMetadata([codes[1]!]), await signedPdf(codes[0]!), "a.pdf");
    const again = await sender.request<SentLetter>("POST", `/v1/letters/${sent.id}/send`);
    expect(again.status).toBe(200);
    expect(again.body.deliveries).toHaveLength(1);
    expect((await inboxIds(first)).filter((id) => id === sent.id)).toHaveLength(1);
  });
});

describe("authentication and isolation", () => {
  it("answers 401 with a problem document for a wrong or missing key", async () => {
    const wrong = await sender.request<Problem>("GET", "/v1/inbox", undefined, {
      authorization: "Bearer not-a-key",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.contentType).toMatch(/^application\/problem\+json/);
    expect(wrong.body.code).toBe("UNAUTHENTICATED");
    expect(wrong.body.messages.vi).toMatch(/khóa API/);

    const missing = await fetch(`${inject("apiUrl")}/v1/outbox`);
    expect(missing.status).toBe(401);
  });

  it("answers 404 for another organ's letter, whatever the operation", async () => {
    const sent = await sender.sendLetter(letterMetadata([codes[1]!]), await signedPdf(codes[0]!), "a.pdf");
    // Each with a key of the outsider whose role may perform it: its office software's, its clerk's.
    for (const [client, method, path, body] of [
      [outsider, "GET", `/v1/letters/${sent.id}`, undefined],
      [outsider, "POST", `/v1/letters/${sent.id}/send`, undefined],
      [outsiderClerk, "POST", `/v1/letters/${sent.id}/status`, { status: "03" }],
    ] as const) {
      const response = await client.request<Problem>(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.code).toBe("LETTER_NOT_FOUND");
    }
    const unknown = await outsider.request<Problem>(
      "GET",
      "/v1/letters/00000000-0000-0000-0000-000000000000",
    );
    expect(unknown.body).toMatchObject({ status: 404, code: "LETTER_NOT_FOUND" });
  });
});

describe("uploads are checked at send", () => {
  it("refuses bytes that differ from the declared SHA-256 and creates no delivery", async () => {
    const declared = await samplePdf("declared");
    const created = await sender.createLetter(letterMetadata([codes[1]!]), declared, "a.pdf");
    const other = new Uint8Array(declared);
    other[other.length - 10] = (other[other.length - 10]! + 1) % 256; // same size, other bytes
    await storeIncoming(created.letter.id, other);

    const response = await sender.request<Problem>("POST", `/v1/letters/${created.letter.id}/send`);
    expect(response.status).toBe(422);
    expect(response.body.code).toBe("UPLOAD_CHECKSUM_MISMATCH");
    expect(await inboxIds(first)).not.toContain(created.letter.id);
    const letter = await sender.call<SentLetter>("GET", `/v1/letters/${created.letter.id}`);
    expect(letter.state).toBe("draft");
    expect(letter.deliveries).toEqual([]);
  });

  it("refuses a file of another size, and a send before any upload", async () => {
    const declared = await samplePdf("declared");
    const created = await sender.createLetter(letterMetadata([codes[1]!]), declared, "a.pdf");
    const early = await sender.request<Problem>("POST", `/v1/letters/${created.letter.id}/send`);
    expect(early.body).toMatchObject({ status: 409, code: "UPLOAD_MISSING" });

    await storeIncoming(created.letter.id, declared.subarray(0, declared.length - 1));
    const short = await sender.request<Problem>("POST", `/v1/letters/${created.letter.id}/send`);
    expect(short.body).toMatchObject({ status: 422, code: "UPLOAD_SIZE_MISMATCH" });
  });

  it("binds the presigned upload URL to the size, type and SHA-256 of the declared file", async () => {
    const pdf = await signedPdf(codes[0]!);
    const created: CreatedLetter = await sender.createLetter(letterMetadata([codes[1]!]), pdf, "a.pdf");
    const url = new URL(created.upload.url);
    // S3 checks these signed headers; the local S3 server does not check V4 signatures, which is
    // why `send` checks the stored bytes again (the tests above).
    expect(url.searchParams.get("X-Amz-SignedHeaders")?.split(";")).toEqual(
      expect.arrayContaining(["content-length", "content-type", "x-amz-checksum-sha256"]),
    );
    expect(Number(url.searchParams.get("X-Amz-Expires"))).toBeLessThanOrEqual(900);
    expect(url.pathname).toBe(`/lienthong-letters/incoming/${created.letter.id}`);
    expect(created.upload.headers).toMatchObject({
      "content-length": String(pdf.length),
      "content-type": "application/pdf",
      "x-amz-checksum-sha256": Buffer.from(sha256(pdf), "hex").toString("base64"),
    });
    expect(await uploadFile(created.upload, pdf)).toBe(200);
    const sent = await sender.request<SentLetter>("POST", `/v1/letters/${created.letter.id}/send`);
    expect(sent.body.state).toBe("sent");
  });
});

describe("bad requests get a clear 4xx", () => {
  it("malformed JSON → 400 MALFORMED_JSON", async () => {
    const response = await sender.request<Problem>("POST", "/v1/letters", '{"subject": "x",');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe("MALFORMED_JSON");
    expect(JSON.stringify(response.body)).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("a body that is not JSON → 415", async () => {
    const response = await sender.request<Problem>("POST", "/v1/letters", "hello", {
      "content-type": "text/plain",
    });
    expect(response.body).toMatchObject({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE" });
  });

  it("invalid metadata → 400 VALIDATION_FAILED naming each field", async () => {
    const response = await sender.request<Problem & { errors: { path: string }[] }>("POST", "/v1/letters", {
      code: { number: "1", notation: "X" },
      documentType: "Công văn",
      subject: "",
      recipients: ["not-a-code"],
      file: { name: "a.pdf", size: -1, sha256: "xyz" },
    });
    expect(response.body).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
    const paths = response.body.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(["body.subject", "body.recipients.0", "body.file.size", "body.file.sha256"]),
    );
  });

  it("an unknown recipient organ → 422 ORGAN_NOT_FOUND", async () => {
    const pdf = await samplePdf();
    const response = await sender.request<Problem>("POST", "/v1/letters", {
      ...letterMetadata(["999.99.99.Z99"]),
      file: { name: "a.pdf", size: pdf.length, sha256: sha256(pdf) },
    });
    expect(response.body).toMatchObject({ status: 422, code: "ORGAN_NOT_FOUND" });
    expect(response.body.detail).toContain("999.99.99.Z99");
  });

  it("ids, cursors and paths that were never issued → 4xx, never 500", async () => {
    for (const id of ["a".repeat(3000), "not-a-uuid", "%ZZ"]) {
      const response = await sender.request<Problem>("GET", `/v1/letters/${id}`);
      expect(response.body, id).toMatchObject({ status: 404, code: "LETTER_NOT_FOUND" });
    }
    const partial = Buffer.from(JSON.stringify({ GSI1PK: `INBOX#${codes[0]}` })).toString("base64url");
    const empty = Buffer.from(
      JSON.stringify({ GSI1PK: `INBOX#${codes[0]}`, GSI1SK: "", PK: "", SK: "" }),
    ).toString("base64url");
    for (const cursor of [partial, empty, "%%%", "x".repeat(1500)]) {
      const response = await sender.request<Problem>("GET", `/v1/inbox?cursor=${encodeURIComponent(cursor)}`);
      expect(response.body, cursor).toMatchObject({ status: 400, code: "INVALID_CURSOR" });
    }
  });

  it("a letter addressed to its own sender → 400", async () => {
    const pdf = await samplePdf();
    const response = await sender.request<Problem>("POST", "/v1/letters", {
      ...letterMetadata([codes[0]!, codes[1]!]),
      file: { name: "a.pdf", size: pdf.length, sha256: sha256(pdf) },
    });
    expect(response.body).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
  });

  it("an unknown route → 404 ROUTE_NOT_FOUND", async () => {
    const response = await sender.request<Problem>("GET", "/v1/nothing-here");
    expect(response.body).toMatchObject({ status: 404, code: "ROUTE_NOT_FOUND" });
  });
});

describe("status changes", () => {
  it("follow the edXML status machine; a refusal needs a reason", async () => {
    const sent = await sender.sendLetter(letterMetadata([codes[1]!]), await signedPdf(codes[0]!), "a.pdf");
    const path = `/v1/letters/${sent.id}/status`;

    const skip = await firstClerk.request<Problem>("POST", path, { status: "06" });
    expect(skip.body).toMatchObject({ status: 409, code: "STATUS_NOT_ALLOWED" });

    const noReason = await firstClerk.request<Problem>("POST", path, { status: "02" });
    expect(noReason.body).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });

    const refused = await firstClerk.request<{ status: string; reason: string; updatedAt: string }>(
      "POST",
      path,
      {
        status: "02",
        reason: "Sai thể thức văn bản",
      },
    );
    expect(refused.body).toMatchObject({ status: "02", reason: "Sai thể thức văn bản" });
    expect(Date.parse(refused.body.updatedAt)).toBeGreaterThan(
      Date.parse(sent.deliveries[0]!.updatedAt ?? "0"),
    );
    const seen = await sender.call<SentLetter>("GET", `/v1/letters/${sent.id}`);
    expect(seen.deliveries[0]).toMatchObject({ status: "02", reason: "Sai thể thức văn bản" });

    const afterFinal = await firstClerk.request<Problem>("POST", path, { status: "03" });
    expect(afterFinal.body.code).toBe("STATUS_NOT_ALLOWED");

    // The sender reads its recipients' statuses, so it is told why it may not set one.
    const bySender = await senderClerk.request<Problem>("POST", path, { status: "03" });
    expect(bySender.body).toMatchObject({ status: 403, code: "NOT_A_RECIPIENT" });
  });
});

describe("inbox and outbox pages", () => {
  it("list newest first with a cursor that only works for its own organ", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await second.sendLetter(letterMetadata([codes[3]!]), await signedPdf(codes[2]!), "a.pdf")).id,
      );
    }
    const page1 = await outsider.call<{ items: { letterId: string }[]; nextCursor?: string }>(
      "GET",
      "/v1/inbox?limit=2",
    );
    expect(page1.items.map((i) => i.letterId)).toEqual([ids[2], ids[1]]);
    expect(page1.nextCursor).toBeTypeOf("string");
    const page2 = await outsider.call<{ items: { letterId: string }[] }>(
      "GET",
      `/v1/inbox?limit=2&cursor=${encodeURIComponent(page1.nextCursor!)}`,
    );
    expect(page2.items.map((i) => i.letterId)[0]).toBe(ids[0]);

    const stolen = await first.request<Problem>(
      "GET",
      `/v1/inbox?cursor=${encodeURIComponent(page1.nextCursor!)}`,
    );
    expect(stolen.body).toMatchObject({ status: 400, code: "INVALID_CURSOR" });

    const outbox = await second.call<{ items: { id: string }[] }>("GET", "/v1/outbox?limit=3");
    expect(outbox.items.map((l) => l.id)).toEqual([ids[2], ids[1], ids[0]]);

    const badLimit = await first.request<Problem>("GET", "/v1/inbox?limit=1000");
    expect(badLimit.body).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
  });
});
