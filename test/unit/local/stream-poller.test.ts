/**
 * The local stream poller's batching on a stream held in memory (the poller against DynamoDB
 * Local's real stream: test/integration/stream.test.ts): records written while the batching window
 * is open come as one batch; `drained()` does not wait for the window; shards are read one page a
 * pass, each record once, a parent before its child, on the iterator the previous pass left.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { type StreamPoller, type StreamReader, startStreamPoller } from "../../../local/stream-poller.ts";
import type { StreamRecordLike } from "../../../shared/storage/stream-records.ts";

const dir = mkdtempSync(join(tmpdir(), "lienthong-poller-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Shard {
  readonly records: StreamRecordLike[];
  closed: boolean;
  readonly parent?: string;
}

/** A stream in memory: an iterator is `shard@index`; pages of at most `limit` records. */
class MemoryStream implements StreamReader {
  readonly shardsById = new Map<string, Shard>();
  iteratorCalls = 0;
  private sequence = 0;

  constructor(private readonly limit = 1000) {}

  add(shardId: string, pk: string, parent?: string): void {
    const shard = this.shardsById.get(shardId) ?? {
      records: [],
      closed: false,
      ...(parent ? { parent } : {}),
    };
    this.shardsById.set(shardId, shard);
    this.sequence += 1;
    shard.records.push({
      eventID: `e${this.sequence}`,
      eventName: "INSERT",
      dynamodb: { Keys: { PK: { S: pk } }, SequenceNumber: String(this.sequence).padStart(10, "0") },
    });
  }

  async streamArn(): Promise<string> {
    return "arn:memory";
  }
  async shards() {
    return [...this.shardsById].map(([shardId, shard]) => ({
      shardId,
      closed: shard.closed,
      ...(shard.parent ? { parentShardId: shard.parent } : {}),
    }));
  }
  async iterator(_arn: string, shardId: string, afterSequence?: string): Promise<string> {
    this.iteratorCalls += 1;
    const records = this.shardsById.get(shardId)?.records ?? [];
    const index = afterSequence
      ? records.findIndex((r) => r.dynamodb?.SequenceNumber === afterSequence) + 1
      : 0;
    return `${shardId}@${index}`;
  }
  async records(iterator: string) {
    const [shardId = "", at = "0"] = iterator.split("@");
    const shard = this.shardsById.get(shardId);
    const start = Number(at);
    const records = (shard?.records ?? []).slice(start, start + this.limit);
    const end = start + records.length;
    const finished = shard?.closed && end === shard.records.length;
    return { records, ...(finished ? {} : { next: `${shardId}@${end}` }) };
  }
}

const pks = (records: StreamRecordLike[]) =>
  records.map((r) => (r.dynamodb?.Keys?.["PK"] as { S: string } | undefined)?.S ?? "");

let running: StreamPoller | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await running?.stop();
  running = undefined;
});

function start(
  name: string,
  stream: MemoryStream,
  batches: string[][],
  window: { idleMs: number; batchWindowMs: number },
) {
  running = startStreamPoller({
    reader: stream,
    handle: async (records) => {
      batches.push(pks(records));
    },
    checkpointPath: join(dir, `${name}.json`),
    deadLetterPath: join(dir, `${name}-dead.jsonl`),
    onTrouble: () => undefined,
    ...window,
  });
  return running;
}

describe("the stream poller's batching", () => {
  it("hands the records written while the window is open over as one batch", async () => {
    vi.useFakeTimers();
    const stream = new MemoryStream();
    const batches: string[][] = [];
    stream.add("s1", "A");
    start("window", stream, batches, { idleMs: 100, batchWindowMs: 1000 });
    await vi.advanceTimersByTimeAsync(10);
    expect(batches).toEqual([["A"]]);
    for (const pk of ["B", "C", "D"]) {
      await vi.advanceTimersByTimeAsync(200);
      stream.add("s1", pk);
    }
    expect(batches, "the window is still open").toEqual([["A"]]);
    await vi.advanceTimersByTimeAsync(500);
    expect(batches).toEqual([["A"], ["B", "C", "D"]]);
  });

  it("drained() wakes the poller out of its window", async () => {
    const stream = new MemoryStream();
    const batches: string[][] = [];
    stream.add("s1", "A");
    const poller = start("drained", stream, batches, { idleMs: 60_000, batchWindowMs: 60_000 });
    await poller.drained();
    stream.add("s1", "B");
    stream.add("s1", "C");
    // Within the test's timeout only if drained() cut the minute's window short.
    await poller.drained();
    expect(batches).toEqual([["A"], ["B", "C"]]);
  });

  it("reads each shard a page a pass, each record once, a parent to its end before its child", async () => {
    const stream = new MemoryStream(2);
    const batches: string[][] = [];
    for (const pk of ["P1", "P2", "P3"]) {
      stream.add("parent", pk);
    }
    stream.add("child", "C1", "parent");
    for (const pk of ["O1", "O2", "O3", "O4", "O5"]) {
      stream.add("other", pk);
    }
    const poller = start("shards", stream, batches, { idleMs: 10, batchWindowMs: 10 });
    await poller.drained();
    stream.add("child", "C2");
    const parent = stream.shardsById.get("parent");
    if (parent) {
      parent.closed = true;
    }
    await poller.drained();
    const seen = batches.flat();
    expect([...seen].sort()).toEqual(["C1", "C2", "O1", "O2", "O3", "O4", "O5", "P1", "P2", "P3"]);
    expect(seen.indexOf("P3")).toBeLessThan(seen.indexOf("C1"));
    expect(seen.filter((pk) => pk.startsWith("O"))).toEqual(["O1", "O2", "O3", "O4", "O5"]);
    // A page a pass: the other shard's records came in pages of 2 between the parent's.
    expect(batches.slice(0, 2)).toEqual([
      ["P1", "P2"],
      ["O1", "O2"],
    ]);
    expect(stream.iteratorCalls, "one iterator per shard; later passes go on from the last page").toBe(3);
  });
});
