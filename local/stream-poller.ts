/**
 * The table's stream, locally: DynamoDB Local keeps a DynamoDB Streams stream for the table (the
 * table is created with NEW_AND_OLD_IMAGES, shared/storage/create-table.ts), and this poller reads
 * it and runs the same handler Lambda runs in AWS (functions/stream-events/handler.ts).
 *
 * Delivery is at least once: the position reached in each shard is checkpointed in the data
 * directory (written atomically) only after the handler succeeded on a batch, so a poller killed
 * at any point resumes from its last checkpoint and loses no record (the consumers are idempotent,
 * so the batch it may see again changes nothing). A batch that keeps failing is split into single
 * records, as AWS's bisect-on-error does, and a record that still fails is parked in
 * `stream-dead-letters.jsonl` (AWS: the event source mapping's on-failure queue) so the stream
 * goes on.
 *
 * Batches are gathered as Lambda's event source mapping does with MaximumBatchingWindowInSeconds:
 * a pass reads one page per shard, and after a pass that handled records the poller waits
 * `batchWindowMs` before the next, so what is written meanwhile comes as one batch instead of a
 * batch per write (each batch costs the consumers their own DynamoDB calls, and a checkpoint
 * write). A `drained()` call cuts the wait short. Between passes each shard's next iterator is
 * kept, so a pass does not ask for a new one.
 *
 * `@aws-sdk/client-dynamodb-streams` is not a dependency of this project: {@link httpStreamReader}
 * speaks the Streams API's four JSON operations itself, signed with the SDK's own SigV4 signer.
 */
import { createHash, createHmac } from "node:crypto";
import { appendFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SignatureV4 } from "@smithy/signature-v4";
import type { StreamRecordLike } from "../shared/storage/stream-records.ts";

/** A stream's shard: records in sequence-number order; closed once it has an ending number. */
export interface StreamShard {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly closed: boolean;
}

/** What the poller needs of DynamoDB Streams (a port: tests may give a reader of their own). */
export interface StreamReader {
  /** The table's current stream, if it has one. */
  streamArn(): Promise<string | undefined>;
  shards(streamArn: string): Promise<StreamShard[]>;
  /** An iterator just after `afterSequence`, or at the oldest record when none is given. */
  iterator(streamArn: string, shardId: string, afterSequence?: string): Promise<string>;
  /** Records from `iterator`, and the next iterator (none: the shard is closed and read to its end). */
  records(iterator: string): Promise<{ records: StreamRecordLike[]; next?: string }>;
}

/** Per shard: the last sequence number handled, and whether the shard is finished. */
interface Checkpoint {
  streamArn?: string;
  shards: Record<string, { sequence?: string; done?: boolean }>;
}

export interface StreamPollerOptions {
  readonly reader: StreamReader;
  /** The stream handler (functions/stream-events): throws when the batch must come again. */
  readonly handle: (records: StreamRecordLike[]) => Promise<void>;
  /** JSON file holding the checkpoint (in the data directory). */
  readonly checkpointPath: string;
  /** JSON-lines file of records parked after failing alone `maxAttempts` times. */
  readonly deadLetterPath: string;
  /** Pause between polls when the stream had nothing new. Default 250 ms. */
  readonly idleMs?: number;
  /**
   * Pause after a pass that handled records, to gather the next batch (Lambda's batching window).
   * Default 250 ms, the idle pause: a record then waits about as long on a busy stream as on a
   * quiet one, well within the second a webhook receiver should hear in.
   */
  readonly batchWindowMs?: number;
  /** Attempts of a batch (then of each of its records) before splitting (parking). Default 3. */
  readonly maxAttempts?: number;
  readonly onTrouble?: (message: string) => void;
}

export interface StreamPoller {
  /** Settles once every record written before the call has been handled (tests, shutdown). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const idleMs = options.idleMs ?? 250;
  const batchWindowMs = options.batchWindowMs ?? 250;
  const maxAttempts = options.maxAttempts ?? 3;
  const trouble = options.onTrouble ?? ((message: string) => console.error(message));
  const checkpoint = readCheckpoint(options.checkpointPath);
  let stopped = false;
  let wake: () => void = () => undefined;
  /** Resolvers waiting for a poll that started after they asked and found nothing new. */
  let waiters: (() => void)[] = [];
  /** Per shard, the iterator just after its last page read (and checkpointed): where the next pass goes on. */
  let iterators = new Map<string, string>();
  /** A pause that `drained()` and `stop()` cut short. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, ms).unref();
    });

  const save = () => {
    const temporary = `${options.checkpointPath}.tmp`;
    writeFileSync(temporary, JSON.stringify(checkpoint), { mode: 0o600 });
    renameSync(temporary, options.checkpointPath);
  };

  /** The handler on `records`, retried, then split, then parked: returns when they are behind us. */
  const handle = async (records: StreamRecordLike[]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await options.handle(records);
        return;
      } catch (error) {
        if (stopped) {
          throw error;
        }
        if (attempt < maxAttempts) {
          await sleep(Math.min(2000, 100 * 2 ** attempt));
          continue;
        }
        if (records.length > 1) {
          for (const record of records) {
            await handle([record]);
          }
          return;
        }
        trouble(`!! stream record parked after ${attempt} failures: ${(error as Error).message}`);
        appendFileSync(
          options.deadLetterPath,
          `${JSON.stringify({ at: new Date().toISOString(), error: String((error as Error).message), record: records[0] })}\n`,
        );
        return;
      }
    }
  };

  /** One page of every readable shard; true when a record was handled or a shard finished. */
  const poll = async (): Promise<boolean> => {
    const streamArn = await options.reader.streamArn();
    if (!streamArn) {
      return false;
    }
    if (checkpoint.streamArn !== streamArn) {
      // A new stream (the table was made again, e.g. an in-memory DynamoDB Local restarted).
      checkpoint.streamArn = streamArn;
      checkpoint.shards = {};
      iterators = new Map();
      save();
    }
    const shards = await options.reader.shards(streamArn);
    const known = new Set(shards.map((shard) => shard.shardId));
    for (const shardId of iterators.keys()) {
      if (!known.has(shardId)) {
        iterators.delete(shardId); // trimmed away
      }
    }
    let progressed = false;
    for (const shard of shards) {
      if (stopped) {
        break;
      }
      const state = checkpoint.shards[shard.shardId] ?? {};
      const parentPending =
        shard.parentShardId !== undefined &&
        known.has(shard.parentShardId) &&
        !checkpoint.shards[shard.parentShardId]?.done;
      if (state.done || parentPending) {
        continue; // a child shard waits until its parent is read to the end: order per item holds
      }
      // Taken out until this page is behind us: a read that fails starts again from the checkpoint.
      const kept = iterators.get(shard.shardId);
      iterators.delete(shard.shardId);
      const iterator =
        kept ??
        (await options.reader.iterator(streamArn, shard.shardId, state.sequence).catch((error: Error) => {
          if (!/TrimmedDataAccess/.test(error.message)) {
            throw error;
          }
          // Stopped for longer than the stream keeps records (24 h): they are gone; say so, go on.
          trouble(`!! stream records after ${state.sequence} in ${shard.shardId} expired unread`);
          return options.reader.iterator(streamArn, shard.shardId);
        }));
      // One page a pass: a busy shard does not hold up the others, and the window gathers the next.
      const page = await options.reader.records(iterator);
      if (page.records.length > 0) {
        await handle(page.records);
        const last = page.records.at(-1)?.dynamodb?.SequenceNumber;
        checkpoint.shards[shard.shardId] = { ...(last ? { sequence: last } : state) };
        save();
        progressed = true;
      }
      if (page.next) {
        iterators.set(shard.shardId, page.next);
      } else {
        // Read to its end: its children may now be read (in a later pass, hence "progressed").
        checkpoint.shards[shard.shardId] = { ...checkpoint.shards[shard.shardId], done: true };
        save();
        progressed = true;
      }
    }
    return progressed;
  };

  const loop = (async () => {
    /** Set while passes fail (DynamoDB Local restarting…): said once, not at every pass. */
    let failing = false;
    while (!stopped) {
      const asked = waiters;
      waiters = [];
      let busy = false;
      let progressed = false;
      try {
        progressed = await poll();
        busy = progressed;
        if (failing) {
          trouble("!! stream poller: reading the stream again");
          failing = false;
        }
      } catch (error) {
        if (!stopped && !failing) {
          trouble(`!! stream poller: ${(error as Error).message} (retrying until it answers)`);
        }
        failing = true;
        busy = true; // not drained: nothing was read
        if (!stopped) {
          await sleep(Math.min(5000, idleMs * 8));
        }
      }
      if (busy) {
        waiters.unshift(...asked); // more may be waiting: answer after a pass that finds nothing
        if (progressed && waiters.length === 0 && !stopped) {
          await pause(batchWindowMs); // nobody waits: let the next batch gather
        }
        continue;
      }
      for (const resolve of asked) {
        resolve();
      }
      await pause(idleMs);
    }
    for (const resolve of waiters) {
      resolve();
    }
  })();

  return {
    drained: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        wake();
      }),
    stop: async () => {
      stopped = true;
      wake();
      await loop;
    },
  };
}

function readCheckpoint(path: string): Checkpoint {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Checkpoint;
    return { ...parsed, shards: parsed.shards ?? {} };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { shards: {} };
    }
    throw new Error(`the stream checkpoint ${path} cannot be read: ${(error as Error).message}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SHA-256 and HMAC-SHA256 for the SigV4 signer, on node:crypto. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytesOf = (data: SourceData): string | Uint8Array =>
  typeof data === "string"
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/**
 * The DynamoDB Streams API over HTTP (JSON 1.0, `X-Amz-Target: DynamoDBStreams_20120810.<op>`) on
 * the endpoint `client` uses, signed with its credentials; the stream's ARN from DescribeTable.
 */
export function httpStreamReader(options: {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly endpoint: string;
  readonly region: string;
}): StreamReader {
  const signer = new SignatureV4({
    service: "dynamodb",
    region: options.region,
    credentials: () => options.client.config.credentials(),
    sha256: NodeSha256,
  });
  const url = new URL(options.endpoint);
  const call = async <T>(operation: string, body: object): Promise<T> => {
    const payload = JSON.stringify(body);
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: "/",
      headers: {
        host: url.host,
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": `DynamoDBStreams_20120810.${operation}`,
      },
      body: payload,
    });
    const response = await fetch(new URL("/", url), {
      method: "POST",
      headers: signed.headers,
      body: payload,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`DynamoDB Streams ${operation} answered ${response.status}: ${text.slice(0, 300)}`);
    }
    return JSON.parse(text) as T;
  };
  interface Shard {
    ShardId: string;
    ParentShardId?: string;
    SequenceNumberRange?: { EndingSequenceNumber?: string };
  }
  return {
    streamArn: async () => {
      const { Table } = await options.client.send(new DescribeTableCommand({ TableName: options.tableName }));
      return Table?.LatestStreamArn;
    },
    shards: async (streamArn) => {
      const shards: StreamShard[] = [];
      let start: string | undefined;
      do {
        const out = await call<{ StreamDescription: { Shards?: Shard[]; LastEvaluatedShardId?: string } }>(
          "DescribeStream",
          { StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) },
        );
        for (const shard of out.StreamDescription.Shards ?? []) {
          shards.push({
            shardId: shard.ShardId,
            ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
            closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
          });
        }
        start = out.StreamDescription.LastEvaluatedShardId;
      } while (start);
      return shards;
    },
    iterator: async (streamArn, shardId, afterSequence) => {
      const out = await call<{ ShardIterator: string }>("GetShardIterator", {
        StreamArn: streamArn,
        ShardId: shardId,
        ...(afterSequence
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: afterSequence }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      });
      return out.ShardIterator;
    },
    records: async (iterator) => {
      const out = await call<{ Records?: StreamRecordLike[]; NextShardIterator?: string }>("GetRecords", {
        ShardIterator: iterator,
        Limit: 1000,
      });
      return {
        records: out.Records ?? [],
        ...(out.NextShardIterator ? { next: out.NextShardIterator } : {}),
      };
    },
  };
}
