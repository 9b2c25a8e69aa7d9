/**
 * Signed receipts through the local runtime (issue 10 item 5): every status change of a copy,
 * the arrival (01) and the recall handshake included, has a receipt that both sides list and
 * download; `openssl cms -verify` (with the demo root) and `lienthong verify <receipt.json>
 * --detached <receipt.p7s>` accept it, an edited receipt is refused, and downloading again gives
 * the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { command as verifyCommand } from "../../cli/commands/verify.ts";
import type { LienthongClient } from "../../local/api-client.ts";
import { demoPki } from "../support/exchange.ts";
import { download, parties, sendSigned } from "../support/lifecycle.ts";
import { opensslVerifyDetached } from "../support/openssl.ts";
import { type TempDir, tempDir } from "../support/temp-dir.ts";

interface ReceiptEntry {
  recipient: string;
  seq: number;
  status: string;
  reason?: string;
  actingOrgan: string;
  prevEventHash: string;
  eventHash: string;
  json: string;
  p7s: string;
}

let sender: LienthongClient;
let firstClerk: LienthongClient;
let secondClerk: LienthongClient;
let outsider: LienthongClient;
let codes: string[];
let temp: TempDir;
let root: string;

beforeAll(async () => {
  const p = parties();
  codes = p.codes;
  sender = p.integration[0]!;
  outsider = p.integration[3]!;
  [firstClerk, secondClerk] = [p.clerks[1]!, p.clerks[2]!];
  temp = await tempDir("lienthong-receipts-");
  const pki = demoPki();
  root = pki.path(pki.manifest.root);
});

afterAll(async () => {
  await temp?.cleanup();
});

const list = (client: LienthongClient, id: string) =>
  client.call<{ items: ReceiptEntry[] }>("GET", `/v1/letters/${id}/receipts`);

/** Downloads a receipt's two files into the temp dir; their paths and bytes. */
async function fetchReceipt(client: LienthongClient, entry: ReceiptEntry, name: string) {
  const json = await download(client, entry.json);
  const p7s = await download(client, entry.p7s);
  expect([json.status, p7s.status]).toEqual([200, 200]);
  expect(p7s.contentType).toContain("application/pkcs7-signature");
  return {
    json: json.bytes,
    p7s: p7s.bytes,
    jsonPath: await temp.file(`${name}.json`, json.bytes),
    p7sPath: await temp.file(`${name}.p7s`, p7s.bytes),
  };
}

describe("receipts of every status change", () => {
  it("lists the arrival and each change for both sides, each one accepted by openssl and lienthong verify", async () => {
    const id = await sendSigned(sender, codes[0]!, [codes[1]!, codes[2]!]);
    await firstClerk.call("POST", `/v1/letters/${id}/status`, { status: "03" });
    await secondClerk.call("POST", `/v1/letters/${id}/status`, { status: "02", reason: "Sai thẩm quyền" });

    const all = (await list(sender, id)).items;
    expect(all.map((entry) => [entry.recipient, entry.seq, entry.status]).sort()).toEqual(
      [
        [codes[1], 0, "01"],
        [codes[1], 1, "03"],
        [codes[2], 0, "01"],
        [codes[2], 1, "02"],
      ].sort(),
    );
    // A recipient lists its own copy's receipts only; an outsider none.
    const own = (await list(firstClerk, id)).items;
    expect(own.map((entry) => entry.recipient)).toEqual([codes[1], codes[1]]);
    expect((await outsider.request("GET", `/v1/letters/${id}/receipts`)).status).toBe(404);
    const other = all.find((entry) => entry.recipient === codes[2])!;
    expect((await download(firstClerk, other.json)).status).toBe(404);

    const arrival = all.find((entry) => entry.recipient === codes[1] && entry.seq === 0)!;
    const accepted = all.find((entry) => entry.recipient === codes[1] && entry.seq === 1)!;
    expect(arrival).toMatchObject({ actingOrgan: "exchange", prevEventHash: "0".repeat(64) });
    expect(accepted.prevEventHash).toBe(arrival.eventHash);

    for (const [entry, name] of [
      [arrival, "arrival"],
      [accepted, "accepted"],
    ] as const) {
      // The recipient downloads; the sender gets the very same bytes.
      const receipt = await fetchReceipt(firstClerk, entry, name);
      const again = await fetchReceipt(sender, entry, `${name}-sender`);
      expect(again.json).toEqual(receipt.json);
      expect(again.p7s).toEqual(receipt.p7s);
      expect(JSON.parse(Buffer.from(receipt.json).toString("utf8"))).toMatchObject({
        letterId: id,
        recipient: codes[1],
        status: entry.status,
        eventHash: entry.eventHash,
      });

      const openssl = await opensslVerifyDetached(receipt.p7sPath, receipt.jsonPath, root);
      expect(openssl.code, openssl.stderr).toBe(0);
      const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
      const exit = await verifyCommand.run([
        receipt.jsonPath,
        "--detached",
        receipt.p7sPath,
        "--trust",
        root,
      ]);
      log.mockRestore();
      expect(exit).toBe(0);

      const edited = Buffer.from(receipt.json)
        .toString("utf8")
        .replace(`"status":"${entry.status}"`, '"status":"06"');
      const editedPath = await temp.file(`${name}-edited.json`, edited);
      expect((await opensslVerifyDetached(receipt.p7sPath, editedPath, root)).code).not.toBe(0);
    }
  });

  it("covers the recall handshake (13 by the sender, 15/16 by the recipients)", async () => {
    const id = await sendSigned(sender, codes[0]!, [codes[1]!, codes[2]!]);
    await sender.call("POST", `/v1/letters/${id}/recall`, { reason: "Sai số ký hiệu", purpose: "update" });
    await firstClerk.call("POST", `/v1/letters/${id}/status`, { status: "15" });
    await secondClerk.call("POST", `/v1/letters/${id}/status`, { status: "16", reason: "Đã xử lý" });
    const items = (await list(sender, id)).items;
    const handshake = items
      .filter((entry) => entry.seq > 0)
      .map((entry) => [entry.recipient, entry.status, entry.actingOrgan]);
    expect(handshake.sort()).toEqual(
      [
        [codes[1], "13", codes[0]],
        [codes[1], "15", codes[1]],
        [codes[2], "13", codes[0]],
        [codes[2], "16", codes[2]],
      ].sort(),
    );
    for (const entry of items.filter((candidate) => candidate.seq > 0)) {
      const receipt = await fetchReceipt(sender, entry, `${entry.recipient}-${entry.seq}`);
      const openssl = await opensslVerifyDetached(receipt.p7sPath, receipt.jsonPath, root);
      expect(openssl.code, openssl.stderr).toBe(0);
    }
    expect((await download(sender, `/v1/letters/${id}/receipts/${codes[1]}/9.json`)).status).toBe(404);
    expect((await download(sender, `/v1/letters/${id}/receipts/${codes[1]}/1.pdf`)).status).toBe(404);
  });
});
