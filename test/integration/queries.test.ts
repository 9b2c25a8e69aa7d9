import { randomBytes, randomInt } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { LienthongClient } from "../../local/api-client.ts";
import type { InboxCounts } from "../../shared/exchange/queries.ts";
import { addDays, vietnamDay } from "../../shared/exchange/stats.ts";
import { letterMetadata, organClients, organCodes, signedPdf } from "../support/exchange.ts";

/** Inbox and outbox filters, search, stable paging and badge counts, through HTTP. */

interface Item {
  letterId?: string;
  id?: string;
  subject: string;
  status?: string;
  state?: string;
  urgency: number;
}
interface Page {
  items: Item[];
  nextCursor?: string;
}

let sender: LienthongClient;
let recipient: LienthongClient;
let recipientClerk: LienthongClient;
let codes: string[];
/** A word only this file's letters have in their subject. */
const token = `kt${randomBytes(5).toString("hex")}`;
const ids: Record<string, string> = {};

const today = () => vietnamDay(new Date());

async function inbox(query: string): Promise<string[]> {
  const page = await recipient.call<Page>("GET", `/v1/inbox?limit=100&q=${token}&${query}`);
  return page.items.map((item) => item.letterId as string);
}

async function outbox(query: string): Promise<string[]> {
  const page = await sender.call<Page>("GET", `/v1/outbox?limit=100&q=${token}&${query}`);
  return page.items.map((item) => item.id as string);
}

const named = (...names: string[]) => names.map((name) => ids[name]).sort();

beforeAll(async () => {
  codes = organCodes();
  sender = organClients()[0]!;
  recipient = organClients()[2]!;
  recipientClerk = organClients("clerk")[2]!;
  const letters: [string, { urgency: number; dueDate?: string }][] = [
    ["a", { urgency: 0, dueDate: addDays(today(), 1) }],
    ["b", { urgency: 2, dueDate: addDays(today(), -1) }],
    ["c", { urgency: 2 }],
    ["d", { urgency: 0, dueDate: addDays(today(), -1) }],
    ["e", { urgency: 3, dueDate: today() }],
  ];
  for (const [name, extra] of letters) {
    // Numbers are unique per organ and year: one of this run's own.
    const metadata = {
      ...letterMetadata([codes[2]!]),
      code: { number: String(randomInt(1, 2 ** 47)), notation: "STC-TV" },
    };
    const sent = await sender.sendLetter(
      {
        ...metadata,
        ...extra,
        subject: `Về việc Sở Tài chính báo cáo quyết toán ${token} thư ${token}${name.toUpperCase()}`,
      },
      await signedPdf(codes[0]!),
      "cong-van.pdf",
    );
    ids[name] = sent.id;
  }
  await recipientClerk.call("POST", `/v1/letters/${ids["d"]}/status`, {
    status: "02",
    reason: "Sai thẩm quyền",
  });
  await recipientClerk.call("POST", `/v1/letters/${ids["c"]}/status`, { status: "03" });
});

describe("GET /v1/inbox filters and search", () => {
  it("finds letters by subject without diacritics or case, and by number/notation", async () => {
    expect((await inbox("")).sort()).toEqual(named("a", "b", "c", "d", "e"));
    const folded = await recipient.call<Page>(
      "GET",
      `/v1/inbox?limit=100&q=${encodeURIComponent(`SO TAI CHINH quyet toan thu ${token}B`)}`,
    );
    expect(folded.items.map((i) => i.letterId)).toEqual([ids["b"]]);
    const decomposed = await recipient.call<Page>(
      "GET",
      `/v1/inbox?limit=100&q=${encodeURIComponent(`Sở Tài Chính ${token}`.normalize("NFD"))}`,
    );
    expect(decomposed.items).toHaveLength(5);
    const letter = await sender.call<{ code: { number: string; notation: string } }>(
      "GET",
      `/v1/letters/${ids["e"]}`,
    );
    const byNumber = await recipient.call<Page>(
      "GET",
      `/v1/inbox?limit=100&q=${encodeURIComponent(`${token} ${letter.code.number}/${letter.code.notation}`)}`,
    );
    expect(byNumber.items.map((i) => i.letterId)).toEqual([ids["e"]]);
  });

  it("filters by status, sender, urgency, due date, overdue, verdict and arrival date", async () => {
    expect(await inbox("status=02")).toEqual([ids["d"]]);
    expect((await inbox("status=01,03")).sort()).toEqual(named("a", "b", "c", "e"));
    expect((await inbox(`sender=${codes[0]}`)).length).toBe(5);
    expect(await inbox(`sender=${codes[1]}`)).toEqual([]);
    expect((await inbox("urgency=2")).sort()).toEqual(named("b", "c"));
    expect((await inbox(`dueBefore=${today()}`)).sort()).toEqual(named("b", "d", "e"));
    // Overdue: past its due date and neither refused nor finished (d was refused).
    expect(await inbox("overdue=true")).toEqual([ids["b"]]);
    expect((await inbox("verdict=TOTAL_PASSED")).length).toBe(5);
    expect(await inbox("verdict=TOTAL_FAILED")).toEqual([]);
    expect((await inbox(`from=${today()}&to=${today()}`)).length).toBe(5);
    expect(await inbox(`from=${addDays(today(), 1)}`)).toEqual([]);
    expect(await inbox(`to=${addDays(today(), -1)}`)).toEqual([]);
  });

  it("pages newest first with opaque cursors: no item skipped or repeated, same order as one page", async () => {
    const whole = await inbox("");
    const paged: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page: Page = await recipient.call<Page>(
        "GET",
        `/v1/inbox?limit=2&q=${token}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items.map((i) => i.letterId as string));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(paged).toEqual(whole);
    expect(whole).toEqual([ids["e"], ids["d"], ids["c"], ids["b"], ids["a"]]);
    // A cursor is bound to its organ's listing.
    const first = await recipient.call<Page>("GET", `/v1/inbox?limit=2&q=${token}`);
    const stolen = await organClients()[1]!.request<{ code: string }>(
      "GET",
      `/v1/inbox?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? "")}`,
    );
    expect([stolen.status, stolen.body.code]).toEqual([400, "INVALID_CURSOR"]);
  });

  it("refuses malformed filters with a code", async () => {
    for (const query of [
      "status=07",
      "status=01,01",
      "urgency=9",
      "overdue=yes",
      "from=2026-02-30",
      "sender=abc",
      "colour=red",
    ]) {
      const response = await recipient.request<{ code: string }>("GET", `/v1/inbox?${query}`);
      expect([query, response.status, response.body.code]).toEqual([query, 400, "VALIDATION_FAILED"]);
    }
  });
});

describe("GET /v1/outbox filters and search", () => {
  it("filters the sender's letters by recipient, state, urgency and search", async () => {
    expect((await outbox("")).sort()).toEqual(named("a", "b", "c", "d", "e"));
    expect((await outbox(`recipient=${codes[2]}`)).length).toBe(5);
    expect(await outbox(`recipient=${codes[3]}`)).toEqual([]);
    expect((await outbox("state=sent")).length).toBe(5);
    expect(await outbox("state=draft")).toEqual([]);
    expect(await outbox("urgency=3")).toEqual([ids["e"]]);
    const one = await sender.call<Page>(
      "GET",
      `/v1/outbox?limit=100&q=${encodeURIComponent(`thư ${token}a`)}`,
    );
    expect(one.items.map((i) => i.id)).toEqual([ids["a"]]);
    // Another organ's outbox does not hold them.
    const other = await recipient.call<Page>("GET", `/v1/outbox?limit=100&q=${token}`);
    expect(other.items).toEqual([]);
  });
});

describe("GET /v1/inbox/counts", () => {
  it("unread, open, overdue and due-today badges agree with the filtered inbox", async () => {
    /** Every id of the organ's inbox under `query` (all pages). */
    const all = async (query: string): Promise<number> => {
      let n = 0;
      let cursor: string | undefined;
      do {
        const page: Page = await recipient.call<Page>(
          "GET",
          `/v1/inbox?limit=100&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        n += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      return n;
    };
    const expected = async () => ({
      unread: await all("status=01"),
      open: await all("status=01,03,04,05"),
      overdue: await all("overdue=true"),
      dueToday: (await all(`dueBefore=${today()}&status=01,03,04,05`)) - (await all("overdue=true")),
    });
    let counts = await recipient.call<InboxCounts>("GET", "/v1/inbox/counts");
    let want = await expected();
    // The counters follow the stream: poll until they caught up with the writes above.
    for (let i = 0; i < 100 && JSON.stringify(counts) !== JSON.stringify(want); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      counts = await recipient.call<InboxCounts>("GET", "/v1/inbox/counts");
      want = await expected();
    }
    expect(counts).toEqual(want);
    expect(counts.overdue).toBeGreaterThanOrEqual(1);
    expect(counts.dueToday).toBeGreaterThanOrEqual(1);
  });
});
