import { randomInt } from "node:crypto";
import fc from "fast-check";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { RuntimeConfig } from "../../shared/config.ts";
import { isExchangeError } from "../../shared/errors/index.ts";
import { createLetterSchema, Exchange } from "../../shared/exchange/index.ts";
import { vietnamYear } from "../../shared/exchange/numbering.ts";
import type { DocumentStore } from "../../shared/exchange/ports.ts";
import type { Caller } from "../../shared/exchange/types.ts";
import { createDynamoClient, DynamoLedger } from "../../shared/storage/index.ts";

const config: RuntimeConfig = {
  region: "ap-southeast-1",
  tableName: "lienthong",
  bucketName: "lienthong-letters",
  dynamodbEndpoint: inject("dynamodbEndpoint"),
  presignTtlSeconds: 60,
  maxFileBytes: 1024 * 1024,
  revocation: "off",
};
const dynamo = createDynamoClient(config);
const ledger = new DynamoLedger(dynamo, config.tableName);
afterAll(() => dynamo.destroy());

/** Presigning only: numbering happens before anything is uploaded. */
const documents = {
  presignUpload: async (key: string) => ({
    method: "PUT",
    url: `memory://${key}`,
    headers: {},
    expiresAt: "",
  }),
} as unknown as DocumentStore;

let organs = 0;
async function organPair(): Promise<{ sender: Caller; recipient: string }> {
  organs += 1;
  const block = `${randomInt(100, 999)}.${randomInt(10, 99)}.${String(organs % 100).padStart(2, "0")}`;
  const [sender, recipient] = [`${block}.N01`, `${block}.N02`];
  await Promise.all(
    [sender, recipient].map((code) => ledger.putOrgan({ code, name: `Cơ quan ${code}`, status: "active" })),
  );
  return { sender: { organCode: sender, role: "integration" }, recipient };
}

function exchangeAt(now?: () => Date): Exchange {
  return new Exchange({
    ledger,
    documents,
    maxFileBytes: 1024 * 1024,
    sendPolicy: "record-only",
    ...(now ? { now } : {}),
  });
}

const input = (recipient: string, number: string, notation = "UBND-VP") =>
  createLetterSchema.parse({
    code: { number, notation },
    documentType: "Công văn",
    subject: "V/v đánh số văn bản",
    recipients: [recipient],
    urgency: 0,
    file: { name: "a.pdf", contentType: "application/pdf", size: 10, sha256: "0".repeat(64) },
  });

async function codeOf(
  exchange: Exchange,
  sender: Caller,
  recipient: string,
  number: string,
  notation?: string,
) {
  return (await exchange.createLetter(sender, input(recipient, number, notation))).letter.code.number;
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isExchangeError(error) ? error.code : String(error);
  }
}

describe("letter numbers", () => {
  it("refuses a number the organ already used this year in that notation, writing nothing", async () => {
    const { sender, recipient } = await organPair();
    const exchange = exchangeAt();
    await codeOf(exchange, sender, recipient, "12");
    const before = (await ledger.outbox(sender.organCode, 100)).items.length;
    // The same number however written: leading zeros, notation case.
    for (const [number, notation] of [
      ["12", "UBND-VP"],
      ["012", "UBND-VP"],
      ["12", "ubnd-vp"],
    ] as const) {
      expect(await refusal(exchange.createLetter(sender, input(recipient, number, notation)))).toBe(
        "LETTER_NUMBER_TAKEN",
      );
    }
    expect((await ledger.outbox(sender.organCode, 100)).items).toHaveLength(before);
    // Another notation, or another organ, may use 12.
    expect(await codeOf(exchange, sender, recipient, "12", "UBND-TH")).toBe("12");
    const other = await organPair();
    expect(await codeOf(exchange, other.sender, other.recipient, "12")).toBe("12");
  });

  it("numbers automatically 1, 2, 3… per series, skipping a number taken by hand", async () => {
    const { sender, recipient } = await organPair();
    const exchange = exchangeAt();
    expect(await codeOf(exchange, sender, recipient, "auto")).toBe("1");
    expect(await codeOf(exchange, sender, recipient, "auto")).toBe("2");
    expect(await codeOf(exchange, sender, recipient, "3")).toBe("3");
    expect(await codeOf(exchange, sender, recipient, "auto")).toBe("4");
    // Another series starts at 1.
    expect(await codeOf(exchange, sender, recipient, "auto", "QĐ-UBND")).toBe("1");
    // An automatic number is taken like any other.
    expect(await refusal(exchange.createLetter(sender, input(recipient, "4")))).toBe("LETTER_NUMBER_TAKEN");
  });

  it("hands out distinct, gapless numbers to concurrent creates", async () => {
    const { sender, recipient } = await organPair();
    const exchange = exchangeAt();
    const numbers = await Promise.all(
      Array.from({ length: 8 }, () => codeOf(exchange, sender, recipient, "auto")),
    );
    expect(numbers.map(Number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("restarts every series on 1 January, Vietnam time (UTC+7)", async () => {
    const { sender, recipient } = await organPair();
    const lastSecond = exchangeAt(() => new Date("2026-12-31T16:59:59Z")); // 23:59:59 in Hà Nội
    const newYear = exchangeAt(() => new Date("2026-12-31T17:00:00Z")); // 00:00 on 1 January 2027
    expect(vietnamYear("2026-12-31T16:59:59Z")).toBe(2026);
    expect(vietnamYear("2026-12-31T17:00:00Z")).toBe(2027);
    expect(await codeOf(lastSecond, sender, recipient, "auto")).toBe("1");
    expect(await codeOf(lastSecond, sender, recipient, "auto")).toBe("2");
    expect(await codeOf(newYear, sender, recipient, "auto")).toBe("1");
    // The same number in another year is another number.
    expect(await codeOf(newYear, sender, recipient, "2")).toBe("2");
    expect(await refusal(lastSecond.createLetter(sender, input(recipient, "1")))).toBe("LETTER_NUMBER_TAKEN");
  });

  it("never gives one number twice, whatever mix of manual and automatic creates (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant("auto"), fc.integer({ min: 1, max: 8 }).map(String)), {
          minLength: 1,
          maxLength: 12,
        }),
        async (requests) => {
          const { sender, recipient } = await organPair();
          const exchange = exchangeAt();
          const given: string[] = [];
          const autos: number[] = [];
          for (const number of requests) {
            const outcome = await exchange
              .createLetter(sender, input(recipient, number))
              .then((created) => created.letter.code.number)
              .catch((error: unknown) => (isExchangeError(error) ? error.code : String(error)));
            if (outcome === "LETTER_NUMBER_TAKEN") {
              // Refused only if that number was given before.
              expect(given).toContain(number);
            } else {
              expect(given).not.toContain(outcome);
              given.push(outcome);
              if (number === "auto") {
                autos.push(Number(outcome));
              }
            }
          }
          // Automatic numbers only go up.
          expect(autos).toEqual([...autos].sort((a, b) => a - b));
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});
