/**
 * Business types (edXML BussinessDocType) and threads through the local runtime: a revoke or a
 * replace is a new letter naming the earlier one, sent like any other; once it is sent the earlier
 * letter is marked and frozen on every side (get, inbox, history, statuses refused) and the new
 * letter's arrival has a receipt openssl accepts; an update marks without freezing; replies
 * (`responseFor`) form a thread both sides open.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LienthongClient } from "../../local/api-client.ts";
import { demoPki, letterMetadata, signedPdf } from "../support/exchange.ts";
import { chainOf, download, history, parties, sendSigned } from "../support/lifecycle.ts";
import { opensslVerifyDetached } from "../support/openssl.ts";
import { type TempDir, tempDir } from "../support/temp-dir.ts";

interface Receipt {
  recipient: string;
  seq: number;
  status: string;
  json: string;
  p7s: string;
}
interface Mark {
  by?: string;
  reason: string;
}

let sender: LienthongClient;
let firstApp: LienthongClient;
let firstClerk: LienthongClient;
let secondClerk: LienthongClient;
let outsiderClerk: LienthongClient;
let codes: string[];
let temp: TempDir;

beforeAll(async () => {
  const p = parties();
  codes = p.codes;
  sender = p.integration[0]!;
  firstApp = p.integration[1]!;
  [firstClerk, secondClerk, outsiderClerk] = [p.clerks[1]!, p.clerks[2]!, p.clerks[3]!];
  temp = await tempDir("lienthong-business-");
});

afterAll(async () => {
  await temp?.cleanup();
});

async function sendBusiness(
  recipients: string[],
  business: { businessType: string; references: string; businessReason?: string },
): Promise<string> {
  const sent = await sender.sendLetter(
    { ...letterMetadata(recipients), ...business } as Parameters<LienthongClient["sendLetter"]>[0],
    await signedPdf(codes[0]!),
    "thu-hoi.pdf",
  );
  return sent.id;
}

/** The arrival receipt of `letterId` at `recipient` passes openssl cms -verify with the demo root. */
async function arrivalReceiptVerifies(client: LienthongClient, letterId: string, recipient: string) {
  const { items } = await client.call<{ items: Receipt[] }>("GET", `/v1/letters/${letterId}/receipts`);
  const arrival = items.find((item) => item.recipient === recipient && item.seq === 0);
  expect(arrival?.status).toBe("01");
  const json = await temp.file(
    `${letterId}-${recipient}.json`,
    (await download(client, arrival!.json)).bytes,
  );
  const p7s = await temp.file(`${letterId}-${recipient}.p7s`, (await download(client, arrival!.p7s)).bytes);
  const pki = demoPki();
  const result = await opensslVerifyDetached(p7s, json, pki.path(pki.manifest.root));
  expect(result.code, result.stderr).toBe(0);
}

describe("revoke, replace and update", () => {
  it("a revoke freezes the earlier letter on every side, shown on get, inbox and history", async () => {
    const earlier = await sendSigned(sender, codes[0]!, [codes[1]!, codes[2]!]);
    await firstClerk.call("POST", `/v1/letters/${earlier}/status`, { status: "03" });
    const revoke = await sendBusiness([codes[1]!, codes[2]!], {
      businessType: "revoke",
      references: earlier,
      businessReason: "Văn bản ban hành không đúng thẩm quyền",
    });

    const senderView = await sender.call<{
      revoked?: Mark;
      supersededBy?: string[];
      deliveries: { revoked?: Mark }[];
    }>("GET", `/v1/letters/${earlier}`);
    expect(senderView.revoked).toMatchObject({
      by: revoke,
      reason: "Văn bản ban hành không đúng thẩm quyền",
    });
    expect(senderView.supersededBy).toEqual([revoke]);
    expect(senderView.deliveries.map((copy) => copy.revoked?.by)).toEqual([revoke, revoke]);
    const recipientView = await firstClerk.call<{ revoked?: Mark; deliveries: { revoked?: Mark }[] }>(
      "GET",
      `/v1/letters/${earlier}`,
    );
    expect(recipientView.revoked?.by).toBe(revoke);
    expect(recipientView.deliveries[0]?.revoked?.by).toBe(revoke);
    const inbox = await firstClerk.call<{ items: { letterId: string; revoked?: Mark }[] }>(
      "GET",
      "/v1/inbox?limit=100",
    );
    expect(inbox.items.find((item) => item.letterId === earlier)?.revoked?.by).toBe(revoke);

    // Frozen: no status, no recall, no second revoke.
    expect(
      (await firstClerk.request<{ code: string }>("POST", `/v1/letters/${earlier}/status`, { status: "05" }))
        .body.code,
    ).toBe("LETTER_REVOKED");
    expect(
      (await secondClerk.request<{ code: string }>("POST", `/v1/letters/${earlier}/status`, { status: "03" }))
        .body.code,
    ).toBe("LETTER_REVOKED");
    expect(
      (await sender.request<{ code: string }>("POST", `/v1/letters/${earlier}/recall`, { reason: "x" })).body
        .code,
    ).toBe("LETTER_REVOKED");
    const again = await sender.request<{ code: string }>("POST", "/v1/letters", {
      ...letterMetadata([codes[1]!]),
      businessType: "revoke",
      references: earlier,
      businessReason: "Lần nữa",
      file: { name: "a.pdf", contentType: "application/pdf", size: 10, sha256: "a".repeat(64) },
    });
    expect(again.body.code).toBe("LETTER_REVOKED");

    // Both sides' histories record it.
    expect(chainOf(await history(sender, earlier), "sender").map((event) => event.type)).toEqual([
      "letter.sent",
      "letter.revoked",
    ]);
    expect(chainOf(await history(firstClerk, earlier), codes[1]!).map((event) => event.type)).toEqual([
      "delivery.status",
      "delivery.status",
      "delivery.revoked",
    ]);
    // The revoke is a letter of its own, with an arrival receipt at each recipient.
    await arrivalReceiptVerifies(firstClerk, revoke, codes[1]!);
    await arrivalReceiptVerifies(sender, revoke, codes[2]!);
  });

  it("a replace freezes and points to its successor; an update marks without freezing", async () => {
    const replaced = await sendSigned(sender, codes[0]!, [codes[1]!]);
    const successor = await sendBusiness([codes[1]!], { businessType: "replace", references: replaced });
    const seen = await firstClerk.call<{ revoked?: Mark; supersededBy?: string[] }>(
      "GET",
      `/v1/letters/${replaced}`,
    );
    expect(seen.revoked?.by).toBe(successor);
    expect(seen.supersededBy).toEqual([successor]);
    expect(
      (await firstClerk.request("POST", `/v1/letters/${replaced}/status`, { status: "03" })).status,
    ).toBe(409);
    expect(chainOf(await history(sender, replaced), "sender").map((event) => event.type)).toContain(
      "letter.replaced",
    );
    await arrivalReceiptVerifies(firstClerk, successor, codes[1]!);

    // The update adds codes[2] and removes codes[3]: only the removed recipient's copy is frozen.
    const updated = await sendSigned(sender, codes[0]!, [codes[1]!, codes[3]!]);
    const update = await sendBusiness([codes[1]!, codes[2]!], {
      businessType: "update",
      references: updated,
      businessReason: "Bổ sung nơi nhận",
    });
    const marked = await firstClerk.call<{ revoked?: Mark; supersededBy?: string[] }>(
      "GET",
      `/v1/letters/${updated}`,
    );
    expect(marked.supersededBy).toEqual([update]);
    expect(marked.revoked).toBeUndefined();
    expect((await firstClerk.request("POST", `/v1/letters/${updated}/status`, { status: "03" })).status).toBe(
      200,
    );
    const updatedEvent = chainOf(await history(sender, updated), "sender")[1];
    expect(updatedEvent).toMatchObject({
      type: "letter.updated",
      data: { added: [codes[2]], removed: [codes[3]] },
    });
    const copies = await sender.call<{ deliveries: { organCode: string; revoked?: Mark }[] }>(
      "GET",
      `/v1/letters/${updated}`,
    );
    expect(copies.deliveries.find((copy) => copy.organCode === codes[3])?.revoked?.by).toBe(update);
    expect(copies.deliveries.find((copy) => copy.organCode === codes[1])?.revoked).toBeUndefined();
    expect(
      (await outsiderClerk.request("POST", `/v1/letters/${updated}/status`, { status: "03" })).status,
    ).toBe(409);
  });

  it("refuses a business type that names no letter of the caller's", async () => {
    const create = (client: LienthongClient, business: Record<string, string>) =>
      client.request<{ code: string }>("POST", "/v1/letters", {
        ...letterMetadata([codes[2]!]),
        ...business,
        file: { name: "a.pdf", contentType: "application/pdf", size: 10, sha256: "b".repeat(64) },
      });
    const mine = await sendSigned(sender, codes[0]!, [codes[1]!]);
    expect((await create(sender, { businessType: "revoke", references: mine })).body.code).toBe(
      "VALIDATION_FAILED",
    );
    expect((await create(sender, { references: mine })).body.code).toBe("VALIDATION_FAILED");
    expect((await create(sender, { businessType: "replace" })).body.code).toBe("VALIDATION_FAILED");
    // A recipient of the letter is not its sender; an unknown letter is not found.
    expect((await create(firstApp, { businessType: "replace", references: mine })).body.code).toBe(
      "NOT_THE_SENDER",
    );
    expect(
      (await create(sender, { businessType: "replace", references: "00000000-0000-4000-8000-000000000000" }))
        .body.code,
    ).toBe("LETTER_NOT_FOUND");
  });
});

describe("replies form a thread", () => {
  it("both sides open the same thread from either letter", async () => {
    const original = await sendSigned(sender, codes[0]!, [codes[1]!]);
    const reply = await firstApp.sendLetter(
      { ...letterMetadata([codes[0]!]), responseFor: original } as Parameters<
        LienthongClient["sendLetter"]
      >[0],
      await signedPdf(codes[1]!),
      "tra-loi.pdf",
    );
    for (const [client, id] of [
      [sender, original],
      [sender, reply.id],
      [firstClerk, original],
      [firstClerk, reply.id],
    ] as const) {
      const thread = await client.call<{ root: string; items: { letterId: string; responseFor?: string }[] }>(
        "GET",
        `/v1/letters/${id}/thread`,
      );
      expect(thread.root).toBe(original);
      expect(thread.items.map((item) => item.letterId)).toEqual([original, reply.id]);
      expect(thread.items[1]?.responseFor).toBe(original);
    }
    expect((await secondClerk.request("GET", `/v1/letters/${original}/thread`)).status).toBe(404);
  });
});
