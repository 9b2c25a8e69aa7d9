import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { dispatchChanges, type StreamConsumer, type TableChange } from "../../../shared/exchange/stream.ts";
import { tableChangesOf } from "../../../shared/storage/stream-records.ts";

const change = (id: string): TableChange => ({
  id,
  kind: "insert",
  keys: { PK: "DOC#1", SK: "TO#x" },
  newImage: { entity: "delivery" },
  at: "2026-11-02T00:00:00.000Z",
});

describe("dispatching the stream to its consumers", () => {
  it("runs every consumer even when one fails, then fails the batch naming it", async () => {
    const seen: string[] = [];
    const ok: StreamConsumer = {
      name: "stats",
      consume: async (changes) => void seen.push(...changes.map((c) => c.id)),
    };
    const broken: StreamConsumer = {
      name: "webhooks",
      consume: async () => {
        throw new Error("receiver store down");
      },
    };
    await expect(dispatchChanges([broken, ok], [change("a"), change("b")])).rejects.toThrow(
      /webhooks \(receiver store down\)/,
    );
    expect(seen).toEqual(["a", "b"]);
    await expect(dispatchChanges([ok], [change("c")])).resolves.toBeUndefined();
    expect(seen).toEqual(["a", "b", "c"]);
  });
});

describe("stream records as Lambda and GetRecords give them", () => {
  it("decode keys and both images; records of unknown kinds are left out", () => {
    const oldImage = marshall({ PK: "DOC#1", SK: "TO#x", status: "01", summary: { urgency: 2 } });
    const newImage = marshall({ PK: "DOC#1", SK: "TO#x", status: "03", summary: { urgency: 2 } });
    const changes = tableChangesOf([
      {
        eventID: "e1",
        eventName: "MODIFY",
        dynamodb: {
          Keys: marshall({ PK: "DOC#1", SK: "TO#x" }),
          OldImage: oldImage,
          NewImage: newImage,
          ApproximateCreationDateTime: 1_793_000_000,
          SequenceNumber: "100",
        },
      },
      { eventID: "e2", eventName: "SOMETHING", dynamodb: { Keys: marshall({ PK: "A", SK: "B" }) } },
      { eventID: "e3", eventName: "INSERT", dynamodb: {} },
    ]);
    expect(changes).toEqual([
      {
        id: "e1",
        kind: "modify",
        keys: { PK: "DOC#1", SK: "TO#x" },
        oldImage: { PK: "DOC#1", SK: "TO#x", status: "01", summary: { urgency: 2 } },
        newImage: { PK: "DOC#1", SK: "TO#x", status: "03", summary: { urgency: 2 } },
        at: new Date(1_793_000_000_000).toISOString(),
      },
    ]);
  });
});
