/**
 * Counts what the AWS SDK clients of this process do: DynamoDB capacity units (asked for on every
 * call with ReturnConsumedCapacity=INDEXES, base table and indexes apart) and S3 requests, by
 * command. It wraps `send` of the two client classes for as long as it is installed, so it sees the
 * clients the runtime builds inside the functions too (benches run the exchange in-process).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";

export interface SdkCounts {
  /** Write units on the base table / on its indexes. */
  tableWriteUnits: number;
  indexWriteUnits: number;
  tableReadUnits: number;
  indexReadUnits: number;
  dynamoCalls: Record<string, number>;
  /** Calls that failed (e.g. a conditional write whose condition did not hold: it wrote nothing). */
  dynamoFailed: Record<string, number>;
  /** Base-table units by operation. */
  tableUnitsBy: Record<string, number>;
  s3Calls: Record<string, number>;
}

interface Capacity {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);
const CAPACITY = new Set([...WRITES, "GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"]);

type Send = (
  this: unknown,
  command: { input: Record<string, unknown> },
  ...rest: unknown[]
) => Promise<unknown>;

export interface SdkMeter {
  readonly counts: SdkCounts;
  reset(): void;
  uninstall(): void;
}

const zero = (): SdkCounts => ({
  tableWriteUnits: 0,
  indexWriteUnits: 0,
  tableReadUnits: 0,
  indexReadUnits: 0,
  dynamoCalls: {},
  dynamoFailed: {},
  tableUnitsBy: {},
  s3Calls: {},
});

export function installSdkMeter(): SdkMeter {
  const counts = zero();
  const dynamoSend = DynamoDBClient.prototype.send as unknown as Send;
  const s3Send = S3Client.prototype.send as unknown as Send;
  const name = (command: object) => command.constructor.name.replace(/Command$/, "");

  (DynamoDBClient.prototype as unknown as { send: Send }).send = async function (command, ...rest) {
    const operation = name(command);
    counts.dynamoCalls[operation] = (counts.dynamoCalls[operation] ?? 0) + 1;
    if (CAPACITY.has(operation)) {
      command.input["ReturnConsumedCapacity"] = "INDEXES";
    }
    let out: { ConsumedCapacity?: Capacity | Capacity[] };
    try {
      out = (await dynamoSend.call(this, command, ...rest)) as typeof out;
    } catch (error) {
      counts.dynamoFailed[operation] = (counts.dynamoFailed[operation] ?? 0) + 1;
      throw error;
    }
    const write = WRITES.has(operation);
    for (const capacity of [out?.ConsumedCapacity ?? []].flat()) {
      const table = capacity.Table?.CapacityUnits ?? capacity.CapacityUnits ?? 0;
      const indexes = Object.values(capacity.GlobalSecondaryIndexes ?? {}).reduce(
        (sum, index) => sum + (index.CapacityUnits ?? 0),
        0,
      );
      const label = `${operation}:${kindOf(command.input)}`;
      counts.tableUnitsBy[label] = (counts.tableUnitsBy[label] ?? 0) + table;
      if (write) {
        counts.tableWriteUnits += table;
        counts.indexWriteUnits += indexes;
      } else {
        counts.tableReadUnits += table;
        counts.indexReadUnits += indexes;
      }
    }
    return out;
  };
  (S3Client.prototype as unknown as { send: Send }).send = async function (command, ...rest) {
    const operation = name(command);
    counts.s3Calls[operation] = (counts.s3Calls[operation] ?? 0) + 1;
    return s3Send.call(this, command, ...rest);
  };
  return {
    counts,
    reset() {
      Object.assign(counts, zero());
    },
    uninstall() {
      (DynamoDBClient.prototype as unknown as { send: Send }).send = dynamoSend;
      (S3Client.prototype as unknown as { send: Send }).send = s3Send;
    },
  };
}

type Attribute = { S?: string };
type WriteInput = {
  Item?: Record<string, Attribute>;
  Key?: Record<string, Attribute>;
  TransactItems?: {
    Put?: WriteInput;
    Update?: WriteInput;
    ConditionCheck?: WriteInput;
    Delete?: WriteInput;
  }[];
  IndexName?: string;
};

/** What an operation touches, for the per-kind breakdown: the item's entity, or its sort key's prefix. */
function kindOf(input: unknown): string {
  const write = input as WriteInput;
  const first = write.TransactItems?.[0];
  const item = first ? (first.Put ?? first.Update ?? first.ConditionCheck ?? first.Delete) : write;
  const kind = item?.Item?.["entity"]?.S ?? item?.Key?.["SK"]?.S?.split("#")[0] ?? item?.IndexName ?? "?";
  return kind;
}

/** DynamoDB writes that took effect, and S3 PUTs. */
export function writesDone(counts: SdkCounts): number {
  const done = (operation: string) =>
    (counts.dynamoCalls[operation] ?? 0) - (counts.dynamoFailed[operation] ?? 0);
  return (
    ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"].reduce(
      (sum, operation) => sum + done(operation),
      0,
    ) + (counts.s3Calls["PutObject"] ?? 0)
  );
}

/** Sum of a call-count record. */
export const total = (calls: Record<string, number>): number =>
  Object.values(calls).reduce((sum, n) => sum + n, 0);
