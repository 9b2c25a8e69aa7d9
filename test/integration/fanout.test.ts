import { randomInt } from "node:crypto";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEvent, statusEvent } from "../../shared/evidence/index.ts";
import { deliveryChainOf, MAX_RECIPIENTS } from "../../shared/exchange/fan-out.ts";
import { Exchange } from "../../shared/exchange/index.ts";
import { LetterVerifier } from "../../shared/exchange/letter-verification.ts";
import type { Caller } from "../../shared/exchange/types.ts";
import { letterMetadata, samplePdf, sha256, testStorage } from "../support/exchange.ts";
import { installSdkMeter, type SdkMeter } from "../support/sdk-meter.ts";

const { config, ledger, documents } = testStorage();
let meter: SdkMeter;

/** A block of organ codes of this file only: `<prefix>.<hundreds>.<units>.F01`. */
const prefix = randomInt(100, 999);
const code = (i: number) =>
  `${prefix}.${String(Math.floor(i / 100) + 10)}.${String(i % 100).padStart(2, "0")}.F${String(randomSuffix).padStart(2, "0")}`;
const randomSuffix = randomInt(10, 99);

const sender: Caller = { organCode: `${prefix}.99.99.F${randomSuffix}`, role: "integration" };
const recipients = Array.from({ length: 500 }, (_, i) => code(i));

beforeAll(async () => {
  for (let i = 0; i < recipients.length + 1; i += 50) {
    await Promise.all(
      [sender.organCode, ...recipients]
        .slice(i, i + 50)
        .map((organCode) =>
          ledger.putOrgan({ code: organCode, name: `Cơ quan ${organCode}`, status: "active" }),
        ),
    );
  }
  meter = installSdkMeter();
}, 60_000);
afterAll(() => meter.uninstall());

const exchange = () =>
  new Exchange({
    ledger,
    documents,
    verifier: new LetterVerifier({ ledger, revocation: "off" }),
    maxFileBytes: config.maxFileBytes,
    sendPolicy: "record-only",
  });

async function draft(to: string[]): Promise<{ id: string; pdf: Uint8Array }> {
  const pdf = await samplePdf("fan-out");
  const created = await exchange().createLetter(sender, {
    ...letterMetadata(to),
    urgency: 0,
    file: { name: "cong-van.pdf", contentType: "application/pdf", size: pdf.length, sha256: sha256(pdf) },
  });
  await documents.write(`incoming/${created.letter.id}`, pdf, "application/pdf");
  return { id: created.letter.id, pdf };
}

describe("fan-out", () => {
  it("documents a limit of at least 1,000 recipients", () => {
    expect(MAX_RECIPIENTS).toBeGreaterThanOrEqual(1000);
  });

  it("delivers a letter to 500 recipients: every inbox holds it exactly once, with its arrival event", async () => {
    const { id, pdf } = await draft(recipients);
    meter.reset();
    const sent = await exchange().sendLetter(sender, id);
    const writes = structuredClone(meter.counts);
    expect(sent.state).toBe("sent");
    expect(sent.deliveries).toHaveLength(500);

    const stored = await ledger.getLetter(id);
    expect(stored?.state).toBe("sent");
    expect(stored?.pending).toBeUndefined();
    expect(Buffer.from((await documents.read(stored?.file.key ?? "")) ?? [])).toEqual(Buffer.from(pdf));

    const copies = await ledger.listDeliveries(id);
    expect(new Set(copies.map((c) => c.recipient))).toEqual(new Set(recipients));
    expect(copies).toHaveLength(500);
    for (const inboxes of chunks(recipients, 50)) {
      await Promise.all(
        inboxes.map(async (recipient) => {
          const page = await ledger.inbox(recipient, 100);
          expect(page.items.filter((item) => item.letterId === id)).toHaveLength(1);
        }),
      );
    }
    // Event 0 of each copy's chain is its arrival (01) as shared/evidence builds it.
    const copy = copies.find((c) => c.recipient === recipients[7]);
    const expected = appendEvent(undefined, {
      ...statusEvent({
        letterId: id,
        letterSha256: sha256(pdf),
        recipient: recipients[7] ?? "",
        status: "01",
        at: stored?.sentAt ?? "",
        actingOrgan: "exchange",
      }),
      chain: deliveryChainOf(id, recipients[7] ?? ""),
    });
    expect(copy?.arrival).toEqual(expected);
    expect(copy?.head).toBeUndefined(); // the arrival is the head until a later event
    // A copy stays one write unit: under 1 KB as DynamoDB sizes it (names + values; marshalled JSON is larger).
    expect(JSON.stringify(marshall(copy ?? {}, { removeUndefinedValues: true })).length).toBeLessThan(1400);

    // The base table: one unit per copy, plus the commit and the `sent` mark (each the letter
    // item's size: 500 codes are ~8 KB).
    expect(writes.tableUnitsBy["PutItem:delivery"]).toBe(500);
    expect(writes.dynamoCalls["UpdateItem"]).toBe(2);
    console.info(
      `500 recipients: ${writes.tableWriteUnits} table write units (+${writes.indexWriteUnits} on indexes), ` +
        `${writes.tableReadUnits} read units, S3 ${JSON.stringify(writes.s3Calls)}, DynamoDB ${JSON.stringify(writes.dynamoCalls)}`,
    );
  }, 120_000);

  it("costs one write unit per copy and two writes of the letter item (commit, then sent)", async () => {
    const { id } = await draft(recipients.slice(0, 3));
    meter.reset();
    await exchange().sendLetter(sender, id);
    const item = await ledger.getLetter(id);
    const { tableUnitsBy, dynamoCalls, tableWriteUnits, indexWriteUnits } = meter.counts;
    console.info(
      `3 recipients: ${tableWriteUnits} table write units (+${indexWriteUnits} on indexes) by operation ` +
        `${JSON.stringify(tableUnitsBy)}; letter item ~${JSON.stringify(item).length} bytes as JSON`,
    );
    expect(dynamoCalls["PutItem"]).toBe(3);
    expect(tableUnitsBy["PutItem:delivery"]).toBe(3);
    expect(dynamoCalls["UpdateItem"]).toBe(2);
    expect(dynamoCalls["TransactWriteItems"] ?? 0).toBe(0);
    // The letter item stays under 1 KB once committed (shared/storage/letter-item.ts): the commit
    // and the `sent` mark one unit each, so a send costs at most 3 + N units (here 2 + N).
    expect(tableUnitsBy["UpdateItem:META"]).toBe(2);
    expect(tableWriteUnits).toBeLessThanOrEqual(3 + 3);
  });

  it("answers a send repeated after completion with the letter as it is, writing nothing", async () => {
    const { id } = await draft(recipients.slice(0, 30));
    await exchange().sendLetter(sender, id);
    meter.reset();
    const again = await exchange().sendLetter(sender, id);
    expect(again.state).toBe("sent");
    expect(again.deliveries).toHaveLength(30);
    expect(meter.counts.tableWriteUnits).toBe(0);
    expect(meter.counts.s3Calls["PutObject"] ?? 0).toBe(0);
  });
});

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}
