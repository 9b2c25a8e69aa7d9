import { randomBytes, randomInt } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LienthongClient } from "../../local/api-client.ts";
import { isExchangeError } from "../../shared/errors/index.ts";
import { foldText } from "../../shared/exchange/queries.ts";
import { addDays, vietnamDay } from "../../shared/exchange/stats.ts";
import { createDynamoClient } from "../../shared/storage/clients.ts";
import { DynamoQueries } from "../../shared/storage/dynamo-queries.ts";
import { PageCursors } from "../../shared/storage/page-cursor.ts";
import { ITEM_KEYS } from "../../shared/storage/schema.ts";
import {
  letterMetadata,
  organClients,
  organCodes,
  signedPdf,
  testStorageConfig,
} from "../support/exchange.ts";

/**
 * A page cursor is valid for exactly the listing it came from (red team, cursor replay): the same
 * index and partition, date range and filters. Replayed on any other it is 400 INVALID_CURSOR —
 * never the 500 DynamoDB's refusal of a start key outside the key condition used to give.
 */

interface Page {
  items: unknown[];
  nextCursor?: string;
  code?: string;
}

let sender: LienthongClient;
let recipient: LienthongClient;
let codes: string[];
const token = `cb${randomBytes(5).toString("hex")}`;
const today = () => vietnamDay(new Date());
/** A word of at least two directory names (filled in beforeAll). */
let directoryWord = "";

beforeAll(async () => {
  codes = organCodes();
  sender = organClients()[0]!;
  recipient = organClients()[2]!;
  // Three letters alike (urgency 2, due far ahead): every generated filter below matches each one.
  for (let i = 0; i < 3; i++) {
    await sender.sendLetter(
      {
        ...letterMetadata([codes[2]!]),
        code: { number: String(randomInt(1, 2 ** 47)), notation: "STC-CB" },
        urgency: 2,
        dueDate: "2099-12-31",
        subject: `Về việc phân trang ${token}`,
      },
      await signedPdf(codes[0]!),
      "cong-van.pdf",
    );
  }
  const organs = await sender.call<{ items: { name: string }[] }>("GET", "/v1/organs?limit=100");
  const counts = new Map<string, number>();
  for (const organ of organs.items) {
    for (const word of new Set(foldText(organ.name).split(" "))) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  directoryWord = [...counts].find(([, n]) => n >= 2)?.[0] ?? "";
  expect(directoryWord).not.toBe("");
});

type Listing = "inbox" | "outbox" | "organs";
/** A listing request: which listing, and its query parameters (name → value). */
interface Request {
  readonly listing: Listing;
  readonly params: readonly (readonly [string, string])[];
}

const path = (r: Request, cursor?: string) => {
  const query = [...r.params, ["limit", "1"], ...(cursor === undefined ? [] : [["cursor", cursor]])]
    .map(([name, value]) => `${name}=${encodeURIComponent(value ?? "")}`)
    .join("&");
  return `/v1/${r.listing}?${query}`;
};
const clientOf = (listing: Listing) => (listing === "inbox" ? recipient : sender);

/** Equal when they ask for the same listing: parameters in any order, a set's values in any order. */
const canonical = (r: Request) =>
  JSON.stringify([
    r.listing,
    [...r.params].map(([name, value]) => [name, value.split(",").sort().join(",")]).sort(),
  ]);

/** Filters each of this file's letters matches (so a listing with them has a second page). */
const MATCHING: Record<Listing, () => [string, string][]> = {
  inbox: () => [
    ["q", token],
    ["status", "01"],
    ["sender", codes[0]!],
    ["urgency", "2"],
    ["verdict", "TOTAL_PASSED"],
    ["dueBefore", "2099-12-31"],
  ],
  outbox: () => [
    ["q", token],
    ["state", "sent"],
    ["recipient", codes[2]!],
    ["urgency", "2"],
    ["dueBefore", "2099-12-31"],
  ],
  organs: () => [["q", directoryWord]],
};
const MATCHING_RANGES = (): [string, string][][] => [
  [],
  [["from", today()]],
  [["to", today()]],
  [
    ["from", addDays(today(), -1)],
    ["to", addDays(today(), 1)],
  ],
];
/** Ranges a cursor of today's letters lies outside (the red team's cases among them). */
const OUTSIDE_RANGES: [string, string][][] = [
  [["from", "2030-01-01"]],
  [["to", "2000-01-01"]],
  [
    ["from", "2030-01-01"],
    ["to", "2030-12-31"],
  ],
  [
    ["from", "2000-01-01"],
    ["to", "2000-01-02"],
  ],
];

/** A listing with a second page: some matching filters (sets in either order) and a matching range. */
const issuable = (listing: Listing, outside = false): fc.Arbitrary<Request> =>
  fc
    .record({
      filters: fc.subarray(MATCHING[listing]()),
      inboxStatus: fc.constantFrom("01", "01,03", "03,01"),
      range:
        listing === "organs"
          ? fc.constant([] as [string, string][])
          : fc.constantFrom(...MATCHING_RANGES(), ...(outside ? OUTSIDE_RANGES : [])),
      order: fc.array(fc.integer(), { minLength: 12, maxLength: 12 }),
    })
    .map(({ filters, inboxStatus, range, order }) => {
      const params = [...filters, ...range].map(([n, v]): [string, string] => [
        n,
        n === "status" ? inboxStatus : v,
      ]);
      // Shuffled: the order of the parameters does not make another listing.
      const shuffled = params
        .map((p, i) => [order[i % order.length] ?? 0, p] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, p]) => p);
      return { listing, params: shuffled };
    });

const anyListing = (outside: boolean) =>
  fc.constantFrom<Listing>("inbox", "outbox", "organs").chain((l) => issuable(l, outside));

/** The first page's cursor of each request asked (one request per distinct listing). */
const issued = new Map<string, string>();
async function cursorOf(r: Request): Promise<string> {
  const key = canonical(r);
  const known = issued.get(key);
  if (known !== undefined) {
    return known;
  }
  const page = await clientOf(r.listing).call<Page>("GET", path(r));
  expect(page.nextCursor, path(r)).toBeTypeOf("string");
  issued.set(key, page.nextCursor!);
  return page.nextCursor!;
}

async function replay(r: Request, cursor: string): Promise<[number, string | undefined]> {
  const response = await clientOf(r.listing).request<Page>("GET", path(r, cursor));
  return [response.status, response.status === 200 ? undefined : response.body.code];
}

describe("a page cursor replayed with another date range (red team)", () => {
  it("is 400 INVALID_CURSOR on the inbox with from/to outside its position, never 500", async () => {
    const first = await recipient.call<Page>("GET", "/v1/inbox?limit=1");
    for (const query of ["from=2030-01-01", "to=2000-01-01", "from=2000-01-01", "status=03", "q=test"]) {
      const r = await recipient.request<Page>(
        "GET",
        `/v1/inbox?limit=1&${query}&cursor=${encodeURIComponent(first.nextCursor!)}`,
      );
      expect([query, r.status, r.body.code]).toEqual([query, 400, "INVALID_CURSOR"]);
    }
  });

  it("is 400 INVALID_CURSOR on the outbox with from and to, and from after to is an empty page", async () => {
    const first = await sender.call<Page>("GET", "/v1/outbox?limit=1");
    for (const query of ["from=2030-01-01", "to=2000-01-01", `from=${today()}&to=2030-12-31`]) {
      const r = await sender.request<Page>(
        "GET",
        `/v1/outbox?limit=1&${query}&cursor=${encodeURIComponent(first.nextCursor!)}`,
      );
      expect([query, r.status, r.body.code]).toEqual([query, 400, "INVALID_CURSOR"]);
    }
    const reversed = await sender.request<Page>("GET", "/v1/outbox?from=2030-01-02&to=2030-01-01");
    expect([reversed.status, reversed.body.items]).toEqual([200, []]);
  });

  it("is accepted with the same listing asked again, parameters in another order", async () => {
    const r: Request = {
      listing: "inbox",
      params: [
        ["q", token],
        ["from", today()],
        ["status", "03,01"],
      ],
    };
    const cursor = await cursorOf(r);
    const again: Request = {
      listing: "inbox",
      params: [
        ["status", "01,03"],
        ["from", today()],
        ["q", token],
      ],
    };
    expect(await replay(again, cursor)).toEqual([200, undefined]);
  });
});

describe("cursors over generated (listing, filters, range)", () => {
  it("a cursor issued for one listing is accepted by exactly that one, 400 INVALID_CURSOR elsewhere", async () => {
    await fc.assert(
      fc.asyncProperty(anyListing(false), anyListing(true), fc.boolean(), async (a, other, same) => {
        // Half the runs replay on a request equal to `a` (shuffled anew), half on another one.
        const b = same ? { listing: a.listing, params: [...a.params].reverse() } : other;
        const cursor = await cursorOf(a);
        const expected = canonical(a) === canonical(b) ? [200, undefined] : [400, "INVALID_CURSOR"];
        expect([path(b), ...(await replay(b, cursor))]).toEqual([path(b), ...expected]);
      }),
      { numRuns: 60 },
    );
  });
});

describe("the start key is checked against the range as well (defence in depth)", () => {
  const config = testStorageConfig();
  const client = createDynamoClient(config);
  afterAll(() => client.destroy());
  const secret = randomBytes(32).toString("hex");

  it("refuses an authentic cursor whose position lies outside its own listing's range", async () => {
    const organ = codes[2]!;
    const queries = new DynamoQueries(client, config.tableName, { cursorSecret: secret });
    const position = {
      PK: "DOC#x",
      SK: `TO#${organ}`,
      GSI1PK: ITEM_KEYS.inbox(organ),
      GSI1SK: "2026-01-01T00:00:00.000Z#x",
    };
    // Sealed for the very listing it is used on, so only the range check can refuse it.
    const cursor = new PageCursors(secret).seal(position, "GSI1", ITEM_KEYS.inbox(organ), {
      from: "2030-01-01",
    });
    const refusal = await queries.inbox(organ, { from: "2030-01-01" }, { limit: 1, cursor }, today()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isExchangeError(refusal, "INVALID_CURSOR")).toBe(true);
    expect((refusal as { detail?: string }).detail).toMatch(/outside this listing's date range/);
    // The same position within the range is a page.
    const inside = new PageCursors(secret).seal(position, "GSI1", ITEM_KEYS.inbox(organ), {
      to: "2026-06-01",
    });
    await expect(
      queries.inbox(organ, { to: "2026-06-01" }, { limit: 1, cursor: inside }, today()),
    ).resolves.toBeDefined();
  });
});
