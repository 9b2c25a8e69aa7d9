import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteTableCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startDynamoDbLocal } from "../../local/emulators/dynamodb-local.ts";
import { httpStreamReader, type StreamPoller, startStreamPoller } from "../../local/stream-poller.ts";
import { createDynamoClient } from "../../shared/storage/clients.ts";
import { ensureTable } from "../../shared/storage/create-table.ts";
import { DynamoStats } from "../../shared/storage/dynamo-stats.ts";
import { type StreamRecordLike, tableChangesOf } from "../../shared/storage/stream-records.ts";

/**
 * The local stream poller against DynamoDB Local's real stream, on a table of its own: a poller
 * stopped at any point and started again on the same checkpoint loses no record; a record its
 * handler keeps failing on is parked and the stream goes on.
 */
const config = {
  region: "ap-southeast-1",
  tableName: `stream-test-${randomUUID()}`,
  bucketName: "unused",
  dynamodbEndpoint: inject("dynamodbEndpoint"),
  presignTtlSeconds: 60,
  maxFileBytes: 1,
  revocation: "off" as const,
};
const client = createDynamoClient(config);
const dir = mkdtempSync(join(tmpdir(), "lienthong-stream-"));
const reader = httpStreamReader({
  client,
  tableName: config.tableName,
  endpoint: config.dynamodbEndpoint,
  region: config.region,
});

beforeAll(async () => {
  await ensureTable(client, config.tableName);
});
afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: config.tableName })).catch(() => undefined);
  client.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function put(pk: string, n: number): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: config.tableName,
      Item: { PK: { S: pk }, SK: { S: "X" }, entity: { S: "probe" }, n: { N: String(n) } },
    }),
  );
}

function poller(name: string, handle: (records: StreamRecordLike[]) => Promise<void>): StreamPoller {
  return startStreamPoller({
    reader,
    handle,
    checkpointPath: join(dir, `${name}.json`),
    deadLetterPath: join(dir, `${name}-dead.jsonl`),
    idleMs: 50,
    maxAttempts: 2,
    onTrouble: () => undefined,
  });
}

describe("the local stream poller", () => {
  it("decodes records as the Lambda handler gets them, with both images", async () => {
    const seen: StreamRecordLike[] = [];
    const p = poller("images", async (records) => {
      seen.push(...records);
    });
    await put("IMG", 1);
    await client.send(
      new UpdateItemCommand({
        TableName: config.tableName,
        Key: { PK: { S: "IMG" }, SK: { S: "X" } },
        UpdateExpression: "SET n = :two",
        ExpressionAttributeValues: { ":two": { N: "2" } },
      }),
    );
    await p.drained();
    await p.stop();
    const changes = tableChangesOf(seen).filter((c) => c.keys.PK === "IMG");
    expect(changes.map((c) => c.kind)).toEqual(["insert", "modify"]);
    expect(changes[1]).toMatchObject({ oldImage: { n: 1 }, newImage: { n: 2, entity: "probe" } });
  });

  it("stopped in the middle and started again on its checkpoint, it loses no record", async () => {
    const seen = new Set<string>();
    let calls = 0;
    // The first poller stops after its second batch, while records are still being written.
    let first: StreamPoller | undefined;
    const record = async (records: StreamRecordLike[]) => {
      calls += 1;
      for (const change of tableChangesOf(records)) {
        seen.add(change.keys.PK);
      }
      if (calls === 2) {
        void first?.stop();
      }
    };
    first = poller("restart", record);
    for (let i = 0; i < 40; i++) {
      await put(`R${i}`, i);
      if (i % 10 === 9) {
        await new Promise((resolve) => setTimeout(resolve, 120));
      }
    }
    await first.stop();
    expect(seen.size, "the first poller stopped before the end").toBeLessThan(40);
    const checkpoint = JSON.parse(readFileSync(join(dir, "restart.json"), "utf8")) as {
      shards: Record<string, { sequence?: string }>;
    };
    expect(Object.values(checkpoint.shards).some((s) => s.sequence)).toBe(true);
    const second = poller("restart", record);
    await second.drained();
    await second.stop();
    for (let i = 0; i < 40; i++) {
      expect(seen.has(`R${i}`), `R${i}`).toBe(true);
    }
  });

  it("a batch that keeps failing is split; the one record that fails alone is parked, the rest handled", async () => {
    const handled = new Set<string>();
    const p = poller("poison", async (records) => {
      const changes = tableChangesOf(records);
      if (changes.some((c) => c.keys.PK === "POISON")) {
        throw new Error("cannot handle POISON");
      }
      for (const change of changes) {
        handled.add(change.keys.PK);
      }
    });
    await put("P1", 1);
    await put("POISON", 2);
    await put("P3", 3);
    await p.drained();
    await p.stop();
    expect(handled.has("P1") && handled.has("P3")).toBe(true);
    const parked = readFileSync(join(dir, "poison-dead.jsonl"), "utf8").trim().split("\n");
    expect(parked).toHaveLength(1);
    expect(parked[0]).toContain("POISON");
  });

  it("the stats store applies a change once: the same change again writes nothing", async () => {
    const stats = new DynamoStats(client, config.tableName);
    const change = {
      id: `arrived:${randomUUID()}:000.00.11.H53`,
      add: [{ organ: "000.00.11.H53", day: "2026-11-02", counts: { received: 1, h03_12: 1 } }],
      open: [
        {
          organ: "000.00.11.H53",
          letterId: "L",
          recipient: "000.00.11.H53",
          sender: "000.00.00.H53",
          dueDate: "2026-11-03",
          deliveredAt: "2026-11-02T02:00:00.000Z",
        },
      ],
    };
    expect(await stats.apply(change)).toBe(true);
    expect(await stats.apply(change)).toBe(false);
    const [day] = await stats.days("000.00.11.H53", "2026-11-01", "2026-11-30");
    expect(day).toMatchObject({ received: 1, histograms: { h03: { 12: 1 } } });
    expect((await stats.overdue("000.00.11.H53", "2026-11-04", 10)).map((c) => c.letterId)).toEqual(["L"]);
    expect(await stats.overdue("000.00.11.H53", "2026-11-03", 10)).toEqual([]);
  });

  it("changes applied together share counter writes; a group holding one applied before still counts each once", async () => {
    const stats = new DynamoStats(client, config.tableName);
    const organ = "000.00.12.H53";
    const arrival = (n: number) => ({
      id: `arrived:${randomUUID()}:${n}`,
      add: [
        { organ, day: "2026-10-05", counts: { received: 1 } },
        { organ: "all-test", day: "2026-10-05", counts: { received: 1 } },
      ],
      totals: [{ organ, counts: { unread: 1 } }],
    });
    const changes = Array.from({ length: 45 }, (_, n) => arrival(n));
    expect(await stats.apply(changes[7]!)).toBe(true); // seen before, as after a crash mid-batch
    await stats.applyAll(changes);
    await stats.applyAll(changes.slice(40)); // and the tail again
    const [day] = await stats.days(organ, "2026-10-05", "2026-10-05");
    expect(day?.received).toBe(45);
    const [all] = await stats.days("all-test", "2026-10-05", "2026-10-05");
    expect(all?.received).toBe(45);
  });

  it("across a restart of a persisted DynamoDB Local, records written while no poller ran come once, none again", async () => {
    const dataDir = mkdtempSync(join(dir, "persisted-"));
    const seen: string[] = [];
    const run = async (write: string[]) => {
      const dynamo = await startDynamoDbLocal({ cacheDir: join(process.cwd(), ".cache"), dataDir });
      const local = createDynamoClient({
        ...config,
        tableName: "persisted",
        dynamodbEndpoint: dynamo.endpoint,
      });
      try {
        await ensureTable(local, "persisted");
        for (const pk of write) {
          await local.send(
            new PutItemCommand({ TableName: "persisted", Item: { PK: { S: pk }, SK: { S: "X" } } }),
          );
        }
        const p = startStreamPoller({
          reader: httpStreamReader({
            client: local,
            tableName: "persisted",
            endpoint: dynamo.endpoint,
            region: config.region,
          }),
          handle: async (records) => {
            seen.push(...tableChangesOf(records).map((change) => change.keys.PK));
          },
          checkpointPath: join(dataDir, "checkpoint.json"),
          deadLetterPath: join(dataDir, "dead.jsonl"),
          idleMs: 50,
        });
        await p.drained();
        await p.stop();
      } finally {
        local.destroy();
        await dynamo.stop();
      }
    };
    await run(["A", "B"]);
    await run(["C", "D"]);
    expect(seen).toEqual(["A", "B", "C", "D"]);
  });
});
