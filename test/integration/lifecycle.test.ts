/**
 * The life of a letter after delivery, through the local runtime's HTTP API on DynamoDB Local:
 * every status change is one event of its copy's chain (history for the sender and that recipient
 * only), two clerks at once give one event and one 409, and the recall handshake (13 → 15/16)
 * freezes the copy that agreed.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LienthongClient } from "../../local/api-client.ts";
import { Lifecycle } from "../../shared/exchange/lifecycle.ts";
import type { ExchangeLedger } from "../../shared/exchange/ports.ts";
import { createDynamoClient } from "../../shared/storage/clients.ts";
import { DynamoEvents } from "../../shared/storage/dynamo-events.ts";
import { testLedger } from "../support/exchange.ts";
import { chainOf, history, parties, sendSigned } from "../support/lifecycle.ts";

let sender: LienthongClient;
let senderClerk: LienthongClient;
let firstClerk: LienthongClient;
let secondClerk: LienthongClient;
let outsider: LienthongClient;
let codes: string[];
const ledger = testLedger();
const dynamo = createDynamoClient({
  region: "ap-southeast-1",
  tableName: "lienthong",
  bucketName: "unused",
  dynamodbEndpoint: inject("dynamodbEndpoint"),
  presignTtlSeconds: 60,
  maxFileBytes: 1024,
  revocation: "off",
});
afterAll(() => dynamo.destroy());

beforeAll(() => {
  const p = parties();
  codes = p.codes;
  sender = p.integration[0]!;
  outsider = p.integration[3]!;
  [senderClerk, firstClerk, secondClerk] = [p.clerks[0]!, p.clerks[1]!, p.clerks[2]!];
});

const status = (clerk: LienthongClient, id: string, body: { status: string; reason?: string }) =>
  clerk.request<{ code?: string; status?: string; recall?: { status: string } }>(
    "POST",
    `/v1/letters/${id}/status`,
    body,
  );

describe("each status change is an event of its copy's chain", () => {
  it("keeps who, what, when and why, for the sender and that recipient only", async () => {
    const id = await sendSigned(sender, codes[0]!, [codes[1]!, codes[2]!]);
    expect((await status(firstClerk, id, { status: "03" })).status).toBe(200);
    expect((await status(firstClerk, id, { status: "05" })).status).toBe(200);
    // Repeating the status the copy has writes nothing.
    expect((await status(firstClerk, id, { status: "05" })).status).toBe(200);
    expect((await status(secondClerk, id, { status: "02", reason: "Sai thẩm quyền" })).status).toBe(200);

    const full = await history(sender, id);
    expect(full.chains.map((chain) => chain.chain).sort()).toEqual(
      [`letter:${id}`, `delivery:${id}:${codes[1]}`, `delivery:${id}:${codes[2]}`].sort(),
    );
    const first = chainOf(full, codes[1]!);
    expect(first.map((event) => [event.seq, event.status, event.actor])).toEqual([
      [0, "01", "exchange"],
      [1, "03", codes[1]],
      [2, "05", codes[1]],
    ]);
    expect(first[2]!.prev).toBe(first[1]!.hash);
    expect(chainOf(full, codes[2]!)[1]).toMatchObject({
      status: "02",
      reason: "Sai thẩm quyền",
      actor: codes[2],
    });
    expect(chainOf(full, "sender")[0]).toMatchObject({ type: "letter.sent", actor: codes[0] });

    // A recipient reads the sender chain and its own copy's, never another recipient's.
    const own = await history(firstClerk, id);
    expect(own.chains.map((chain) => chain.owner).sort()).toEqual([codes[1], "sender"].sort());
    expect(chainOf(own, codes[1]!)).toEqual(first);
    expect((await firstClerk.request("GET", `/v1/letters/${id}/history?recipient=${codes[2]}`)).status).toBe(
      404,
    );
    expect((await outsider.request("GET", `/v1/letters/${id}/history`)).status).toBe(404);
    // The sender narrows to one copy.
    expect((await history(sender, id, codes[2])).chains.map((chain) => chain.owner).sort()).toEqual(
      [codes[2], "sender"].sort(),
    );
    // The sender does not set statuses; final statuses stay final.
    expect((await status(senderClerk, id, { status: "03" })).body.code).toBe("NOT_A_RECIPIENT");
    expect((await status(secondClerk, id, { status: "03" })).body.code).toBe("STATUS_NOT_ALLOWED");
  });

  it("two clerks at once: one wins, the other gets 409 STATUS_CONFLICT, the history holds one event", async () => {
    const id = await sendSigned(sender, codes[0]!, [codes[1]!]);
    // Both clerks read the copy before either writes (a barrier on the read), then race to DynamoDB.
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    const racing: ExchangeLedger["getDelivery"] = async (letterId, recipient) => {
      const copy = await ledger.getDelivery(letterId, recipient);
      arrived += 1;
      if (arrived === 2) {
        release();
      }
      await bothRead;
      return copy;
    };
    const lifecycle = new Lifecycle({
      ledger: {
        getLetter: (letterId) => ledger.getLetter(letterId),
        listDeliveries: (letterId) => ledger.listDeliveries(letterId),
        organStatuses: (organs) => ledger.organStatuses(organs),
        getDelivery: racing,
      },
      events: new DynamoEvents(dynamo, "lienthong"),
    });
    const clerk = { organCode: codes[1]!, role: "clerk" as const };
    const outcomes = await Promise.allSettled([
      lifecycle.setStatus(clerk, id, { status: "03" }),
      lifecycle.setStatus(clerk, id, { status: "02", reason: "Không thuộc thẩm quyền" }),
    ]);
    const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const lost = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: "STATUS_CONFLICT" });

    const events = chainOf(await history(sender, id), codes[1]!);
    expect(events).toHaveLength(2);
    const winner = (won[0] as PromiseFulfilledResult<{ status: string }>).value.status;
    expect(events[1]!.status).toBe(winner);
    expect((await ledger.getDelivery(id, codes[1]!))?.status).toBe(winner);
  });
});

describe("a fault in the middle of a status change", () => {
  it("leaves one event or none, never half a change, and the retry completes it exactly once", async () => {
    const id = await sendSigned(sender, codes[0]!, [codes[1]!]);
    // The transaction fails before it reaches DynamoDB, or after it committed (its answer lost).
    const client = createDynamoClient({
      region: "ap-southeast-1",
      tableName: "lienthong",
      bucketName: "unused",
      dynamodbEndpoint: inject("dynamodbEndpoint"),
      presignTtlSeconds: 60,
      maxFileBytes: 1024,
      revocation: "off",
    });
    let fault: "before" | "after" | undefined;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const armed = context.commandName === "TransactWriteItemsCommand" ? fault : undefined;
        fault = armed ? undefined : fault;
        if (armed === "before") {
          throw new Error("injected fault before the write");
        }
        const result = await next(args);
        if (armed === "after") {
          throw new Error("injected fault after the write");
        }
        return result;
      },
      { step: "initialize", name: "injectFault" },
    );
    const lifecycle = new Lifecycle({ ledger, events: new DynamoEvents(client, "lienthong") });
    const clerk = { organCode: codes[1]!, role: "clerk" as const };
    const events = async () => chainOf(await history(sender, id), codes[1]!).map((event) => event.status);
    try {
      fault = "after";
      await expect(lifecycle.setStatus(clerk, id, { status: "03" })).rejects.toThrow("after the write");
      expect(await events()).toEqual(["01", "03"]);
      expect((await ledger.getDelivery(id, codes[1]!))?.status).toBe("03");
      expect((await lifecycle.setStatus(clerk, id, { status: "03" })).status).toBe("03");
      expect(await events()).toEqual(["01", "03"]);

      fault = "before";
      await expect(lifecycle.setStatus(clerk, id, { status: "05" })).rejects.toThrow("before the write");
      expect(await events()).toEqual(["01", "03"]);
      expect((await ledger.getDelivery(id, codes[1]!))?.status).toBe("03");
      expect((await lifecycle.setStatus(clerk, id, { status: "05" })).status).toBe("05");
      expect(await events()).toEqual(["01", "03", "05"]);
    } finally {
      client.destroy();
    }
  });
});

describe("the recall/update handshake", () => {
  it("asks every copy (13); one recipient agrees (15) and its copy is frozen, the other refuses (16) and goes on", async () => {
    const id = await sendSigned(sender, codes[0]!, [codes[1]!, codes[2]!]);
    expect((await status(firstClerk, id, { status: "15" })).body.code).toBe("RECALL_NOT_PENDING");
    // Only the sender asks; a recipient is told so.
    expect(
      (await firstClerk.request("POST", `/v1/letters/${id}/recall`, { reason: "Nhầm nơi nhận" })).status,
    ).toBe(403);
    const asked = await sender.call<{ copies: { organCode: string; recall?: { status: string } }[] }>(
      "POST",
      `/v1/letters/${id}/recall`,
      { reason: "Văn bản ban hành sai thể thức", purpose: "recall" },
    );
    expect(asked.copies.map((copy) => copy.recall?.status)).toEqual(["13", "13"]);
    // Asking again asks nobody twice.
    await sender.call("POST", `/v1/letters/${id}/recall`, { reason: "Văn bản ban hành sai thể thức" });

    expect(
      (await status(firstClerk, id, { status: "15", reason: "Đồng ý trả lại" })).body.recall?.status,
    ).toBe("15");
    expect((await status(secondClerk, id, { status: "16", reason: "Đã vào sổ" })).body.recall?.status).toBe(
      "16",
    );
    expect((await status(firstClerk, id, { status: "03" })).body.code).toBe("LETTER_RECALLED");
    expect((await status(secondClerk, id, { status: "03" })).status).toBe(200);

    // Both sides see it: the sender chain records the request, each copy its 13 and its answer.
    const full = await history(sender, id);
    expect(chainOf(full, "sender").map((event) => event.type)).toEqual([
      "letter.sent",
      "letter.recall-requested",
    ]);
    expect(chainOf(full, codes[1]!).map((event) => [event.status, event.actor])).toEqual([
      ["01", "exchange"],
      ["13", codes[0]],
      ["15", codes[1]],
    ]);
    expect(chainOf(await history(secondClerk, id), codes[2]!).map((event) => event.status)).toEqual([
      "01",
      "13",
      "16",
      "03",
    ]);
    const seen = await firstClerk.call<{ deliveries: { recall?: { status: string } }[] }>(
      "GET",
      `/v1/letters/${id}`,
    );
    expect(seen.deliveries[0]?.recall?.status).toBe("15");
  });
});
