/**
 * Long recipient lists are kept apart from their letter (shared/storage/recipient-lists.ts), on
 * DynamoDB Local through the production adapters: whatever the list, every reader sees the letter's
 * recipients exactly as sent, in order; the outbox's recipient filter finds a letter iff the organ
 * is among them; a list is written once however many letters use it; the letter item stays small.
 */
import { randomInt } from "node:crypto";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { letterIdOf, vietnamYear } from "../../shared/exchange/numbering.ts";
import type { Letter } from "../../shared/exchange/types.ts";
import { DynamoQueries } from "../../shared/storage/dynamo-queries.ts";
import { createDynamoClient } from "../../shared/storage/index.ts";
import { INLINE_RECIPIENTS_MAX_BYTES } from "../../shared/storage/recipient-lists.ts";
import { ITEM_KEYS } from "../../shared/storage/schema.ts";
import { testLedger, testStorageConfig } from "../support/exchange.ts";
import { installSdkMeter } from "../support/sdk-meter.ts";

const ledger = testLedger();
const config = testStorageConfig();
const client = createDynamoClient(config);
afterAll(() => client.destroy());
const queries = new DynamoQueries(client, config.tableName);

/** Organ codes the lists are drawn from (none needs to exist: the ledger does not check them). */
const ORGANS = Array.from(
  { length: 1200 },
  (_, i) =>
    `000.${String(Math.floor(i / 100) + 10)}.${String(i % 100).padStart(2, "0")}.R${String(randomInt(10, 99))}`,
);

function draft(sender: string, recipients: readonly string[]): Letter {
  const code = { number: String(randomInt(1, 2 ** 47)), notation: "RL-TEST" };
  const createdAt = new Date().toISOString();
  const id = letterIdOf(sender, vietnamYear(createdAt), code);
  return {
    id,
    sender,
    state: "draft",
    code,
    documentType: "Công văn",
    subject: "V/v danh sách nơi nhận",
    recipients: [...recipients],
    urgency: 0,
    file: {
      name: "a.pdf",
      contentType: "application/pdf",
      size: 10,
      sha256: "d".repeat(64),
      key: `incoming/${id}`,
    },
    createdAt,
  };
}

async function rawItem(key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
  const out = await client.send(new GetItemCommand({ TableName: config.tableName, Key: marshall(key) }));
  return out.Item ? unmarshall(out.Item) : undefined;
}

const list = fc
  .uniqueArray(fc.constantFrom(...ORGANS), { minLength: 1, maxLength: 1000 })
  .chain((codes) => fc.shuffledSubarray(codes, { minLength: codes.length, maxLength: codes.length }));

describe("recipient lists (DynamoDB Local)", () => {
  it("reads back every list as written, and the outbox filter finds a letter iff the organ is a recipient", async () => {
    await fc.assert(
      fc.asyncProperty(list, fc.constantFrom(...ORGANS), async (recipients, probe) => {
        const sender = `000.99.${String(randomInt(10, 99))}.S${String(randomInt(10, 99))}`;
        const letter = draft(sender, recipients);
        await ledger.createLetter(letter, () => letter);

        expect((await ledger.getLetter(letter.id))?.recipients).toEqual(recipients);
        const stored = await rawItem(ITEM_KEYS.letter(letter.id));
        const inline = recipients.join("\n").length <= INLINE_RECIPIENTS_MAX_BYTES;
        expect(stored?.["recipients"] !== undefined).toBe(inline);
        // A letter item stays under 1 KB, one write unit, whatever its list.
        expect(JSON.stringify(stored).length).toBeLessThan(1024);

        const [outboxed] = (await ledger.outbox(sender, 10)).items;
        expect(outboxed?.recipients).toEqual(recipients);
        for (const organ of [probe, recipients[randomInt(recipients.length)]!]) {
          const found = await queries.outbox(sender, { recipient: organ }, { limit: 10 });
          expect(found.items.map((l: Letter) => l.id)).toEqual(recipients.includes(organ) ? [letter.id] : []);
          expect(found.items[0]?.recipients ?? recipients).toEqual(recipients);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("writes a list once however many letters use it", async () => {
    const recipients = ORGANS.slice(0, 500);
    const sender = "000.98.01.S01";
    const meter = installSdkMeter();
    try {
      for (let i = 0; i < 3; i += 1) {
        const letter = draft(sender, recipients);
        await ledger.createLetter(letter, () => letter);
      }
      // Three letter items and one list item (the ledger's process may already know the list: then none).
      expect(meter.counts.dynamoCalls["PutItem"]).toBeGreaterThanOrEqual(3);
      expect(meter.counts.dynamoCalls["PutItem"]).toBeLessThanOrEqual(4);
      expect(meter.counts.tableUnitsBy["PutItem:letter"]).toBe(3);
    } finally {
      meter.uninstall();
    }
    // Another process (a new ledger, a cold cache) reads the letters through the stored list.
    const fresh = testLedger();
    const page = await fresh.outbox(sender, 3);
    expect(page.items.map((l) => l.recipients)).toEqual([recipients, recipients, recipients]);
  });

  it("refuses a list that does not match its address", async () => {
    const recipients = ORGANS.slice(500, 540);
    const letter = draft("000.98.02.S01", recipients);
    await ledger.createLetter(letter, () => letter);
    const ref = (await rawItem(ITEM_KEYS.letter(letter.id)))?.["recipientList"] as { sha256: string };
    const listItem = await rawItem(ITEM_KEYS.recipientList(ref.sha256));
    expect(listItem?.["entity"]).toBe("recipientList");
    // Damage the list as a faulty tool would: another list under this address.
    const { deflateRawSync } = await import("node:zlib");
    const { PutItemCommand } = await import("@aws-sdk/client-dynamodb");
    await client.send(
      new PutItemCommand({
        TableName: config.tableName,
        Item: marshall({
          ...ITEM_KEYS.recipientList(ref.sha256),
          entity: "recipientList",
          codes: deflateRawSync(Buffer.from(ORGANS.slice(600, 640).join("\n"))),
        }),
      }),
    );
    await expect(testLedger().getLetter(letter.id)).rejects.toThrow(/does not match its address/);
  });
});
