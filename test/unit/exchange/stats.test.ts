import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALL_ORGANS,
  bucketOf,
  bucketValue,
  csvField,
  histogramMedian,
  MEDIAN_RELATIVE_ERROR,
  mergedIncrements,
  type OpenCopy,
  type StatsChange,
  StatsConsumer,
  type StatsDay,
  type StatsStore,
  statsChangeOf,
  statsCsv,
  statsReport,
  vietnamDay,
} from "../../../shared/exchange/stats.ts";
import type { TableChange } from "../../../shared/exchange/stream.ts";

/** The StatsStore contract in memory: a change applies once under its id. */
class MemoryStats implements StatsStore {
  readonly applied = new Set<string>();
  readonly dayItems = new Map<string, Record<string, number>>();
  readonly open = new Map<string, OpenCopy>();

  async apply(change: StatsChange): Promise<boolean> {
    if (this.applied.has(change.id)) {
      return false;
    }
    this.applied.add(change.id);
    for (const { organ, day, counts } of mergedIncrements(change)) {
      const item = this.dayItems.get(`${organ}|${day}`) ?? {};
      for (const [name, value] of Object.entries(counts)) {
        item[name] = (item[name] ?? 0) + value;
      }
      this.dayItems.set(`${organ}|${day}`, item);
    }
    for (const copy of change.open ?? []) {
      this.open.set(`${copy.organ}|${copy.dueDate}|${copy.letterId}|${copy.recipient}`, copy);
    }
    for (const copy of change.close ?? []) {
      this.open.delete(`${copy.organ}|${copy.dueDate}|${copy.letterId}|${copy.recipient}`);
    }
    return true;
  }

  async applyAll(changes: readonly StatsChange[]): Promise<void> {
    for (const change of changes) {
      await this.apply(change);
    }
  }

  async days(organ: string, from: string, to: string): Promise<StatsDay[]> {
    return [...this.dayItems]
      .map(([key, item]) => ({ key: key.split("|"), item }))
      .filter(({ key: [o, d] }) => o === organ && d !== undefined && d >= from && d <= to)
      .map(({ key: [o, d], item }) => {
        const histograms: Record<string, Record<number, number>> = {};
        const counts: Record<string, number> = {};
        for (const [name, value] of Object.entries(item)) {
          const m = /^(h0[36])_(\d+)$/.exec(name);
          if (m?.[1] && m[2]) {
            histograms[m[1]] = { ...histograms[m[1]], [Number(m[2])]: value };
          } else {
            counts[name] = value;
          }
        }
        return { organ: o as string, day: d as string, ...counts, histograms };
      });
  }

  async overdue(organ: string, day: string, limit: number): Promise<OpenCopy[]> {
    return [...this.open.values()]
      .filter((copy) => copy.organ === organ && copy.dueDate < day)
      .sort((a, b) => a.dueDate.localeCompare(b.dueDate))
      .slice(0, limit);
  }
}

const SENDER = "000.00.00.H53";
const RECIPIENT = "000.00.11.H53";
let seq = 0;

function delivery(letterId: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    entity: "delivery",
    letterId,
    recipient: RECIPIENT,
    sender: SENDER,
    status,
    deliveredAt: "2026-11-02T02:00:00.000Z",
    summary: { subject: "V/v báo cáo", code: { number: "12", notation: "UBND-VP" } },
    ...extra,
  };
}

function change(
  kind: TableChange["kind"],
  newImage: Record<string, unknown>,
  oldImage?: Record<string, unknown>,
): TableChange {
  seq += 1;
  return {
    id: `record-${seq}`,
    kind,
    keys: { PK: "DOC#x", SK: "TO#y" },
    newImage,
    ...(oldImage ? { oldImage } : {}),
    at: "2026-11-02T03:00:00.000Z",
  };
}

/** The changes of one copy going 01 → 03 → 06, finished at `finishedAt`. */
function copyLife(letterId: string, due: string | undefined, finishedAt: string): TableChange[] {
  const summary = { subject: "V/v báo cáo", ...(due ? { dueDate: due } : {}) };
  const arrived = delivery(letterId, "01", { summary, updatedAt: "2026-11-02T02:00:00.000Z" });
  const accepted = { ...arrived, status: "03", updatedAt: "2026-11-02T02:10:00.000Z" };
  const finished = { ...accepted, status: "06", updatedAt: finishedAt };
  return [
    change("insert", arrived),
    change("modify", accepted, arrived),
    change("modify", finished, accepted),
  ];
}

describe("statistics from the table's changes", () => {
  it("3 of 4 copies finished by their due date is 75.0 %, in JSON and CSV; a second delivery of every record changes nothing", async () => {
    const store = new MemoryStats();
    const consumer = new StatsConsumer(store);
    const changes = [
      ...copyLife("a", "2026-11-05", "2026-11-04T10:00:00.000Z"),
      ...copyLife("b", "2026-11-05", "2026-11-05T16:59:00.000Z"), // 23:59 in Hanoi: still the due day
      ...copyLife("c", "2026-11-05", "2026-11-03T10:00:00.000Z"),
      ...copyLife("d", "2026-11-05", "2026-11-05T17:00:00.000Z"), // 00:00 on the 6th in Hanoi: late
      ...copyLife("e", undefined, "2026-11-03T10:00:00.000Z"), // no due date: not in the share
    ];
    const open = delivery("f", "01", { summary: { subject: "=cmd|' /C calc'!A0", dueDate: "2026-11-03" } });
    changes.push(change("insert", open));
    await consumer.consume(changes);
    await consumer.consume(changes); // at least once: the same batch again
    const report = await statsReport(
      store,
      RECIPIENT,
      { from: "2026-11-01", to: "2026-11-30" },
      "2026-11-10",
    );
    expect(report).toMatchObject({
      received: 6,
      accepted: 5,
      finished: 5,
      refused: 0,
      onTime: { finishedWithDueDate: 4, onTime: 3, late: 1, sharePercent: 75 },
    });
    expect(report.overdue.map((copy) => copy.letterId)).toEqual(["f"]);
    const [header, row, blank, overdueHeader, overdueRow] = statsCsv(report).split("\r\n");
    const column = (name: string) => row?.split(",")[header?.split(",").indexOf(name) ?? -1];
    expect(column("on_time_share_percent")).toBe("75.0");
    expect(column("received")).toBe("6");
    expect(blank).toBe("");
    expect(overdueHeader?.startsWith("letter_id,")).toBe(true);
    // A subject that a spreadsheet would run as a formula is defused.
    expect(overdueRow).toContain(",'=cmd|' /C calc'!A0,");
    // The sender's side, and the all-organs sums.
    const sender = await statsReport(store, SENDER, { from: "2026-11-01", to: "2026-11-30" }, "2026-11-10");
    expect(sender.sentCopies).toBe(6);
    const all = await statsReport(store, ALL_ORGANS, { from: "2026-11-01", to: "2026-11-30" }, "2026-11-10");
    expect(all.onTime.sharePercent).toBe(75);
    expect(all.overdue).toHaveLength(1);
  });

  it("a finished or refused copy leaves the overdue list; a copy due today is not overdue yet", async () => {
    const store = new MemoryStats();
    const consumer = new StatsConsumer(store);
    const due = (id: string, dueDate: string) => delivery(id, "01", { summary: { dueDate } });
    const refused = { ...due("r", "2026-11-03"), status: "02", reason: "sai nơi nhận" };
    await consumer.consume([
      change("insert", due("r", "2026-11-03")),
      change("insert", due("t", "2026-11-10")),
      change("insert", due("o", "2026-11-09")),
      change("modify", refused, due("r", "2026-11-03")),
    ]);
    const report = await statsReport(
      store,
      RECIPIENT,
      { from: "2026-11-01", to: "2026-11-30" },
      "2026-11-10",
    );
    expect(report.overdue.map((copy) => copy.letterId)).toEqual(["o"]);
    expect(report.refused).toBe(1);
  });

  it("ignores writes that leave a copy's status, other item kinds, and counts a letter sent once", async () => {
    const arrived = delivery("a", "01");
    expect(statsChangeOf(change("modify", { ...arrived, head: { seq: 1 } }, arrived))).toBeUndefined();
    expect(statsChangeOf(change("insert", { entity: "statsDay", organ: RECIPIENT }))).toBeUndefined();
    const letter = { entity: "letter", id: "L", sender: SENDER, state: "sending" };
    const sent = { ...letter, state: "sent", sentAt: "2026-11-02T18:00:00.000Z" };
    expect(statsChangeOf(change("modify", sent, letter))).toMatchObject({
      id: "sent:L",
      add: [{ organ: SENDER, day: "2026-11-03", counts: { sent: 1 } }, { organ: ALL_ORGANS }],
    });
    expect(statsChangeOf(change("modify", { ...sent, revoked: true }, sent))).toBeUndefined();
  });

  it("refuses a reversed or too long period", async () => {
    const store = new MemoryStats();
    await expect(
      statsReport(store, RECIPIENT, { from: "2026-11-02", to: "2026-11-01" }, "2026-11-10"),
    ).rejects.toThrow(/after/);
    await expect(
      statsReport(store, RECIPIENT, { from: "2025-01-01", to: "2026-11-01" }, "2026-11-10"),
    ).rejects.toThrow(/at most 366 days/);
  });

  it("Vietnam days: 17:00 UTC is midnight in Hanoi", () => {
    expect(vietnamDay("2026-11-05T16:59:59.999Z")).toBe("2026-11-05");
    expect(vietnamDay("2026-11-05T17:00:00.000Z")).toBe("2026-11-06");
  });
});

describe("median histograms", () => {
  it("the reported median is within the stated bound of the true lower median (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 3e7, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (durations) => {
          const histogram: Record<number, number> = {};
          for (const d of durations) {
            histogram[bucketOf(d)] = (histogram[bucketOf(d)] ?? 0) + 1;
          }
          const sorted = [...durations].sort((a, b) => a - b);
          const truth = sorted[Math.ceil(sorted.length / 2) - 1] as number;
          const median = histogramMedian(histogram) as number;
          expect(Math.abs(median - truth) / truth).toBeLessThanOrEqual(MEDIAN_RELATIVE_ERROR + 1e-12);
        },
      ),
    );
  });

  it("each bucket's value lies inside it", () => {
    for (let k = 1; k < 220; k++) {
      expect(bucketOf(bucketValue(k))).toBe(k);
    }
    expect(bucketOf(0)).toBe(0);
    expect(histogramMedian({})).toBeUndefined();
  });
});

describe("CSV fields", () => {
  it("quotes separators and defuses formulas", () => {
    expect(csvField('Sở "Tài chính", Tây Ninh')).toBe('"Sở ""Tài chính"", Tây Ninh"');
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField(-3)).toBe("-3");
    expect(csvField(null)).toBe("");
  });
});
