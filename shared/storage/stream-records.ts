import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { TableChange } from "../exchange/stream.ts";

/**
 * A DynamoDB Streams record as both sources give it: the Lambda event source mapping (the
 * `DynamoDBStreamEvent` of aws-lambda) and GetRecords of the Streams API (the local poller). Only
 * the fields the exchange reads; images are in DynamoDB's attribute-value JSON.
 */
export interface StreamRecordLike {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly dynamodb?: {
    readonly Keys?: Record<string, unknown>;
    readonly NewImage?: Record<string, unknown>;
    readonly OldImage?: Record<string, unknown>;
    /** Epoch seconds (a number in both sources; a Date from an SDK client). */
    readonly ApproximateCreationDateTime?: number | Date;
    readonly SequenceNumber?: string;
  };
}

const KINDS = { INSERT: "insert", MODIFY: "modify", REMOVE: "remove" } as const;

const decode = (image: Record<string, unknown> | undefined) =>
  image ? unmarshall(image as Record<string, AttributeValue>) : undefined;

/** The exchange's view of stream records; records without keys or a known event name are left out. */
export function tableChangesOf(records: readonly StreamRecordLike[]): TableChange[] {
  return records.flatMap((record): TableChange[] => {
    const kind = KINDS[record.eventName as keyof typeof KINDS];
    const keys = decode(record.dynamodb?.Keys);
    if (!kind || typeof keys?.["PK"] !== "string" || typeof keys["SK"] !== "string") {
      return [];
    }
    const created = record.dynamodb?.ApproximateCreationDateTime;
    const at =
      created instanceof Date ? created : new Date(typeof created === "number" ? created * 1000 : Date.now());
    const oldImage = decode(record.dynamodb?.OldImage);
    const newImage = decode(record.dynamodb?.NewImage);
    return [
      {
        id: record.eventID ?? record.dynamodb?.SequenceNumber ?? "",
        kind,
        keys: { PK: keys["PK"], SK: keys["SK"] },
        ...(oldImage ? { oldImage } : {}),
        ...(newImage ? { newImage } : {}),
        at: at.toISOString(),
      },
    ];
  });
}
