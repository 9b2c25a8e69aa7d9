/**
 * The audit chain through the local runtime (issue 10 item 8): an admin seals the day's chain heads
 * (Merkle root signed by the exchange, RFC 3161 timestamp, under evidence/seals/), and the letter
 * audit (`GET /v1/admin/audit/letters/{id}`, `lienthong audit verify`) passes on untouched data and
 * names the event after one is edited or removed directly in DynamoDB, including a forger who
 * recomputes the hash and the head (only the seal catches that one).
 */
import { DeleteItemCommand, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { command as auditCommand } from "../../cli/commands/audit.ts";
import type { LienthongClient } from "../../local/api-client.ts";
import { type ChainEvent, eventHash } from "../../shared/evidence/chain.ts";
import { createDynamoClient, createS3Client } from "../../shared/storage/clients.ts";
import { ITEM_KEYS } from "../../shared/storage/schema.ts";
import { demoPki, testLedger } from "../support/exchange.ts";
import { adminClient, parties, sendSigned } from "../support/lifecycle.ts";
import { opensslVerifyDetached } from "../support/openssl.ts";
import { type TempDir, tempDir } from "../support/temp-dir.ts";

interface ChainAudit {
  chain: string;
  ok: boolean;
  count: number;
  sealed?: { day: string; seq: number };
  problem?: { kind: string; seq?: number; detail: string; event?: { seq: number; type: string } };
}
interface AuditReport {
  letterId: string;
  ok: boolean;
  chains: ChainAudit[];
}

const TABLE = "lienthong";
const BUCKET = "lienthong-letters";
const ledger = testLedger();
const dynamo = createDynamoClient({
  region: "ap-southeast-1",
  tableName: TABLE,
  bucketName: "unused",
  dynamodbEndpoint: inject("dynamodbEndpoint"),
  presignTtlSeconds: 60,
  maxFileBytes: 1024,
  revocation: "off",
});
let temp: TempDir;
afterAll(async () => {
  dynamo.destroy();
  await temp?.cleanup();
});

let admin: LienthongClient;
let sender: LienthongClient;
let firstClerk: LienthongClient;
let secondClerk: LienthongClient;
let codes: string[];

beforeAll(async () => {
  const p = parties();
  codes = p.codes;
  sender = p.integration[0]!;
  [firstClerk, secondClerk] = [p.clerks[1]!, p.clerks[2]!];
  admin = await adminClient(ledger);
  temp = await tempDir("lienthong-audit-");
});

const auditOf = (id: string) => admin.call<AuditReport>("GET", `/v1/admin/audit/letters/${id}`);
const chainNamed = (report: AuditReport, chain: string) => report.chains.find((c) => c.chain === chain)!;
const eventKey = (id: string, owner: string, seq: number) => marshall(ITEM_KEYS.chainEvent(id, owner, seq));

/** The seal's two objects, read back from the bucket. */
async function sealFiles(jsonKey: string, p7sKey: string): Promise<{ json: Uint8Array; p7s: Uint8Array }> {
  const s3 = createS3Client({
    region: "ap-southeast-1",
    tableName: TABLE,
    bucketName: BUCKET,
    s3Endpoint: inject("s3Endpoint"),
    presignTtlSeconds: 60,
    maxFileBytes: 1024,
    revocation: "off",
  });
  try {
    const read = async (key: string) =>
      (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray();
    return { json: await read(jsonKey), p7s: await read(p7sKey) };
  } finally {
    s3.destroy();
  }
}

/** Runs `lienthong audit verify` in-process; its exit code and what it printed. */
async function cliAudit(id: string): Promise<{ exit: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
  try {
    const exit = await auditCommand.run(["verify", id, "--url", admin.baseUrl, "--key", admin.apiKey]);
    return { exit, out: lines.join("\n") };
  } finally {
    log.mockRestore();
  }
}

describe("the daily seal and the letter audit", () => {
  it("passes on untouched data, sealed or not, and names the event edited directly in DynamoDB", async () => {
    const id = await sendSigned(sender, codes[0]!, [codes[1]!, codes[2]!]);
    await firstClerk.call("POST", `/v1/letters/${id}/status`, { status: "03" });
    await firstClerk.call("POST", `/v1/letters/${id}/status`, { status: "05" });
    await secondClerk.call("POST", `/v1/letters/${id}/status`, { status: "03" });

    // Before any seal: checked against the heads the items record.
    const unsealed = await auditOf(id);
    expect(unsealed.ok).toBe(true);
    expect(unsealed.chains).toHaveLength(3);

    const seal = await admin.call<{ day: string; count: number; root: string; json: string; p7s: string }>(
      "POST",
      "/v1/admin/audit/seal",
    );
    expect(seal.count).toBeGreaterThanOrEqual(2);
    expect(seal.json).toBe(`evidence/seals/${seal.day}.json`);
    // The seal as stored: canonical JSON whose root recomputes, signed by the exchange (openssl agrees).
    const stored = await sealFiles(seal.json, seal.p7s);
    expect(JSON.parse(Buffer.from(stored.json).toString("utf8"))).toMatchObject({
      day: seal.day,
      root: seal.root,
    });
    const pki = demoPki();
    const openssl = await opensslVerifyDetached(
      await temp.file("seal.p7s", stored.p7s),
      await temp.file("seal.json", stored.json),
      pki.path(pki.manifest.root),
    );
    expect(openssl.code, openssl.stderr).toBe(0);
    const sealed = await auditOf(id);
    expect(sealed.ok, JSON.stringify(sealed.chains)).toBe(true);
    expect(chainNamed(sealed, `delivery:${id}:${codes[1]}`).sealed).toEqual({ day: seal.day, seq: 2 });
    // A change after the seal is checked by the chain beyond the sealed head.
    await secondClerk.call("POST", `/v1/letters/${id}/status`, { status: "06" });
    expect((await auditOf(id)).ok).toBe(true);
    expect(await cliAudit(id)).toMatchObject({ exit: 0, out: expect.stringContaining(`OK: letter ${id}`) });

    // Someone with table access rewrites the first copy's acceptance (seq 1) into a refusal.
    await dynamo.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: eventKey(id, codes[1]!, 1),
        UpdateExpression: "SET #data.#status = :refused, #data.reason = :reason",
        ExpressionAttributeNames: { "#data": "data", "#status": "status" },
        ExpressionAttributeValues: marshall({ ":refused": "02", ":reason": "Sai thẩm quyền" }),
      }),
    );
    const broken = await auditOf(id);
    expect(broken.ok).toBe(false);
    const copy = chainNamed(broken, `delivery:${id}:${codes[1]}`);
    expect(copy).toMatchObject({ ok: false, problem: { kind: "CHANGED", seq: 1, event: { seq: 1 } } });
    expect(chainNamed(broken, `delivery:${id}:${codes[2]}`).ok).toBe(true);
    const cli = await cliAudit(id);
    expect(cli.exit).toBe(1);
    expect(cli.out).toMatch(
      new RegExp(`BROKEN  delivery:${id}:${codes[1]}[^\\n]*\\n\\s+CHANGED: event seq 1 `),
    );
    // Receipts are not signed over a tampered chain.
    const receipt = await firstClerk.request("GET", `/v1/letters/${id}/receipts/${codes[1]}/1.json`);
    expect(receipt.status).toBe(409);
  });

  it("names a removed newest event, and catches a forger who recomputes the hash and the head", async () => {
    const id = await sendSigned(sender, codes[0]!, [codes[1]!, codes[2]!]);
    await firstClerk.call("POST", `/v1/letters/${id}/status`, { status: "03" });
    await secondClerk.call("POST", `/v1/letters/${id}/status`, { status: "03" });
    await secondClerk.call("POST", `/v1/letters/${id}/status`, { status: "05" });
    await admin.call("POST", "/v1/admin/audit/seal");

    // The second copy's newest event (seq 2) is deleted.
    await dynamo.send(new DeleteItemCommand({ TableName: TABLE, Key: eventKey(id, codes[2]!, 2) }));
    // The first copy's only change is rewritten with its hash recomputed, and the copy's head to match.
    const stored = await dynamo.send(
      new GetItemCommand({ TableName: TABLE, Key: eventKey(id, codes[1]!, 1) }),
    );
    const original = unmarshall(stored.Item!) as ChainEvent;
    const { hash: _old, ...body } = {
      chain: original.chain,
      seq: original.seq,
      prev: original.prev,
      at: original.at,
      type: original.type,
      actor: original.actor,
      data: { ...original.data, status: "02", reason: "Không thuộc thẩm quyền" },
      hash: "",
    };
    const forgedHash = eventHash(body);
    await dynamo.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: eventKey(id, codes[1]!, 1),
        UpdateExpression: "SET #data = :data, #hash = :hash",
        ExpressionAttributeNames: { "#data": "data", "#hash": "hash" },
        ExpressionAttributeValues: marshall({ ":data": body.data, ":hash": forgedHash }),
      }),
    );
    await dynamo.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: marshall(ITEM_KEYS.delivery(id, codes[1]!)),
        UpdateExpression: "SET head = :head, #status = :status",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: marshall({ ":head": { seq: 1, hash: forgedHash }, ":status": "02" }),
      }),
    );

    const report = await auditOf(id);
    expect(report.ok).toBe(false);
    expect(chainNamed(report, `delivery:${id}:${codes[2]}`).problem).toMatchObject({ kind: "REMOVED" });
    expect(chainNamed(report, `delivery:${id}:${codes[1]}`).problem).toMatchObject({
      kind: "CHANGED",
      seq: 1,
    });
    expect(chainNamed(report, `letter:${id}`).ok).toBe(true);
  });

  it("is for admins only", async () => {
    const id = await sendSigned(sender, codes[0]!, [codes[1]!]);
    expect((await sender.request("GET", `/v1/admin/audit/letters/${id}`)).status).toBe(403);
    expect((await firstClerk.request("POST", "/v1/admin/audit/seal")).status).toBe(403);
    expect(
      (await admin.request("GET", "/v1/admin/audit/letters/00000000-0000-4000-8000-000000000000")).status,
    ).toBe(404);
  });
});
