import { randomBytes, randomInt } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { LienthongClient } from "../../local/api-client.ts";
import { addDays, type StatsReport, vietnamDay } from "../../shared/exchange/stats.ts";
import { hashApiKey } from "../../shared/http/index.ts";
import { letterMetadata, organClients, organCodes, signedPdf, testLedger } from "../support/exchange.ts";

/**
 * Handling statistics through HTTP, kept by the local stream poller (local/stream-poller.ts running
 * functions/stream-events): a scenario with known due dates gives the exact on-time share.
 */

let sender: LienthongClient;
let recipientClerk: LienthongClient;
let recipientIntegration: LienthongClient;
let admin: LienthongClient;
let senderCode: string;
let recipientCode: string;
const ledger = testLedger();

beforeAll(async () => {
  const codes = organCodes();
  // The last demo organ receives this file's letters; other files rarely write to it with due dates.
  const last = codes.length - 1;
  senderCode = codes[0]!;
  recipientCode = codes[last]!;
  sender = organClients()[0]!;
  recipientIntegration = organClients()[last]!;
  recipientClerk = organClients("clerk")[last]!;
  const adminKey = `lt_test_admin_${randomBytes(18).toString("base64url")}`;
  await ledger.putApiKey(hashApiKey(adminKey), senderCode, "admin");
  admin = new LienthongClient(inject("apiUrl"), adminKey);
});

/** Polls until `done` holds for the answer (the stream is applied asynchronously), at most ~30 s. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 150 && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

const today = () => vietnamDay(new Date());

async function stats(client: LienthongClient, query = ""): Promise<StatsReport> {
  return client.call<StatsReport>("GET", `/v1/stats?from=${today()}&to=${today()}${query}`);
}

async function statsCsv(client: LienthongClient, query = ""): Promise<{ type: string; text: string }> {
  const response = await fetch(`${client.baseUrl}/v1/stats?from=${today()}&to=${today()}${query}`, {
    headers: { authorization: `Bearer ${client.apiKey}`, accept: "text/csv" },
  });
  expect(response.status).toBe(200);
  return { type: response.headers.get("content-type") ?? "", text: await response.text() };
}

async function send(dueDate: string | undefined): Promise<string> {
  const pdf = await signedPdf(senderCode);
  const sent = await sender.sendLetter(
    {
      ...letterMetadata([recipientCode]),
      // Numbers are unique per organ and year: one of this run's own.
      code: { number: String(randomInt(1, 2 ** 47)), notation: "STC-TK" },
      ...(dueDate ? { dueDate } : {}),
    },
    pdf,
    "cong-van.pdf",
  );
  return sent.id;
}

async function setStatus(id: string, status: string, reason?: string): Promise<void> {
  await recipientClerk.call("POST", `/v1/letters/${id}/status`, { status, ...(reason ? { reason } : {}) });
}

describe("GET /v1/stats", () => {
  it("3 of 4 copies finished by their due date: 75.0 % in JSON and CSV, the overdue copy listed, medians given", async () => {
    const before = await stats(recipientClerk);
    const tomorrow = addDays(today(), 1);
    const yesterday = addDays(today(), -1);
    // Three due tomorrow and finished today (on time), one due yesterday finished today (late),
    // one due yesterday left open (overdue), one refused, one without a due date finished.
    const onTime = [await send(tomorrow), await send(tomorrow), await send(tomorrow)];
    const late = await send(yesterday);
    const open = await send(yesterday);
    const refused = await send(tomorrow);
    const noDue = await send(undefined);
    for (const id of [...onTime, late, noDue]) {
      await setStatus(id, "03");
      await setStatus(id, "06");
    }
    await setStatus(refused, "02", "Không đúng thẩm quyền");

    const report = await eventually(
      () => stats(recipientClerk),
      (r) =>
        r.finished - before.finished >= 5 &&
        r.refused - before.refused >= 1 &&
        r.received - before.received >= 7,
    );
    expect(report.received - before.received).toBe(7);
    expect(report.accepted - before.accepted).toBe(5);
    expect(report.finished - before.finished).toBe(5);
    expect(report.refused - before.refused).toBe(1);
    expect(report.onTime.finishedWithDueDate - before.onTime.finishedWithDueDate).toBe(4);
    expect(report.onTime.onTime - before.onTime.onTime).toBe(3);
    expect(report.onTime.late - before.onTime.late).toBe(1);
    // Nothing else sent this organ letters with due dates today: the share is exactly this scenario's.
    expect(before.onTime.finishedWithDueDate).toBe(0);
    expect(report.onTime.sharePercent).toBe(75);
    expect(report.overdue.map((copy) => copy.letterId)).toContain(open);
    expect(report.overdue.map((copy) => copy.letterId)).not.toContain(late);
    expect(report.overdue.find((copy) => copy.letterId === open)).toMatchObject({
      recipient: recipientCode,
      sender: senderCode,
      dueDate: yesterday,
    });
    expect(report.medianSeconds.arrivedToAccepted).toBeGreaterThanOrEqual(0);
    expect(report.medianSeconds.arrivedToFinished).toBeGreaterThanOrEqual(0);

    const csv = await statsCsv(recipientClerk);
    expect(csv.type).toMatch(/^text\/csv/);
    const [header, row] = csv.text.split("\r\n");
    const column = (name: string) => row?.split(",")[header?.split(",").indexOf(name) ?? -1];
    expect(column("on_time_share_percent")).toBe("75.0");
    expect(column("organ")).toBe(recipientCode);
    expect(csv.text).toContain(open);

    // The sender sees what it sent; the recipient's integration key reads the same figures.
    const sent = await eventually(
      () => stats(sender),
      (r) => r.sentCopies >= 7,
    );
    expect(sent.sent).toBeGreaterThanOrEqual(7);
    expect((await stats(recipientIntegration)).onTime.sharePercent).toBe(75);
  });

  it("an organ reads only its own figures; an admin reads any organ's and all organs'", async () => {
    const refused = await recipientClerk.request<{ code: string }>(
      "GET",
      `/v1/stats?organ=${encodeURIComponent(senderCode)}`,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("STATS_ORGAN_NOT_ALLOWED");
    const own = await eventually(
      () => stats(admin, `&organ=${recipientCode}`),
      (r) => r.onTime.finishedWithDueDate >= 4,
    );
    expect(own.organ).toBe(recipientCode);
    expect(own.onTime.sharePercent).toBe(75);
    const all = await stats(admin);
    expect(all.organ).toBe("all");
    expect(all.received).toBeGreaterThanOrEqual(own.received);
    expect(all.onTime.onTime).toBeGreaterThanOrEqual(3);
  });

  it("refuses a malformed or reversed period with a code", async () => {
    const bad = await recipientClerk.request<{ code: string }>("GET", "/v1/stats?from=2026-02-30");
    expect([bad.status, bad.body.code]).toEqual([400, "VALIDATION_FAILED"]);
    const reversed = await recipientClerk.request<{ code: string }>(
      "GET",
      "/v1/stats?from=2026-02-02&to=2026-02-01",
    );
    expect([reversed.status, reversed.body.code]).toEqual([400, "VALIDATION_FAILED"]);
  });
});
