/**
 * Handling statistics (issue 10 item 10): what an organ received and sent, accepted, refused and
 * finished, the share finished by the due date, the median time from arrival (01) to acceptance
 * (03) and to finishing (06), and the copies overdue now.
 *
 * The figures are maintained as the table changes (a {@link StreamConsumer} on the table's
 * stream), never computed by scanning letters on request: each change adds to per-organ per-day
 * counter items, and a request reads at most one item per day of the period plus the open copies
 * that are past due. Every change is applied under an identity of its own ("copy X reached 06"),
 * so a stream record seen twice counts once.
 *
 * Cohorts: a copy counts on its recipient's arrival day (Vietnam time), and everything that later
 * happens to it (accepted, refused, finished, on time or late) counts on that same day: the figures
 * of a period describe the copies that arrived in it. A letter sent counts on its sender's day of
 * sending. `all` (admins) is the same counters summed over every organ, kept as their own items.
 *
 * On time: a copy with a due date finished (06) on or before that calendar day (Vietnam time);
 * the share is on-time ÷ finished-with-due-date. Copies not finished yet are not in the share
 * (they are in the overdue list once their day has passed); refusals (02) are in neither.
 *
 * Medians come from per-day histograms with fixed log-spaced buckets, eight per doubling: bucket 0
 * holds durations under a second, bucket k ≥ 1 those in [2^((k-1)/8), 2^(k/8)) seconds. The median
 * reported is the geometric middle of the bucket holding the ⌈n/2⌉-th duration, so it is within a
 * factor 2^(1/16) (±4.4 %) of the true lower median (±0.5 s under a second). Histograms of any
 * days add up, which sorted samples capped per day would not do exactly.
 */
import { ExchangeError } from "../errors/index.ts";
import { asCopy, changedEntity, type StreamConsumer, type TableChange } from "./stream.ts";
import { vietnamDay } from "./vietnam-time.ts";

/** Pseudo-organ holding the sums over every organ (organ codes never look like this). */
export const ALL_ORGANS = "all";

/** Counters of one organ and day; every field is a count. */
export const STATS_COUNTERS = [
  "received",
  "sent",
  "sentCopies",
  "accepted",
  "refused",
  "finished",
  "dueFinished",
  "onTime",
  "late",
] as const;
export type StatsCounter = (typeof STATS_COUNTERS)[number];

/** Histogram attribute names: `h03_<bucket>` (01→03) and `h06_<bucket>` (01→06). */
export type HistogramName = "h03" | "h06";

export type DayCounts = Partial<Record<StatsCounter, number>> & {
  /** Bucket index → count, per histogram. */
  readonly histograms?: Partial<Record<HistogramName, Readonly<Record<number, number>>>>;
};

export interface StatsDay extends DayCounts {
  readonly organ: string;
  /** YYYY-MM-DD, Vietnam time. */
  readonly day: string;
}

/** A received copy with a due date that is not finished or refused yet. */
export interface OpenCopy {
  readonly organ: string;
  readonly letterId: string;
  readonly recipient: string;
  readonly sender: string;
  readonly dueDate: string;
  readonly deliveredAt: string;
  readonly number?: string;
  readonly notation?: string;
  readonly subject?: string;
}

/** What one table change does to the statistics, applied at most once under `id`. */
export interface StatsChange {
  readonly id: string;
  readonly add: readonly { readonly organ: string; readonly day: string; readonly counts: Increments }[];
  readonly open?: readonly OpenCopy[];
  readonly close?: readonly Pick<OpenCopy, "organ" | "letterId" | "recipient" | "dueDate">[];
  /** Increments of an organ's running inbox totals (badge counts: `unread`, `open`). */
  readonly totals?: readonly { readonly organ: string; readonly counts: Increments }[];
}

/** Counter and histogram-bucket increments (`h03_12` → 1). */
export type Increments = Readonly<Record<string, number>>;

/** Where the figures live (DynamoDB: shared/storage/dynamo-stats.ts). */
export interface StatsStore {
  /** Applies `change` atomically unless a change with its id was applied before; true if applied now. */
  apply(change: StatsChange): Promise<boolean>;
  /** {@link StatsStore.apply} on each change in order (an adapter may group them into fewer writes). */
  applyAll(changes: readonly StatsChange[]): Promise<void>;
  /** The organ's day items from `from` to `to` (inclusive, YYYY-MM-DD); days with nothing are absent. */
  days(organ: string, from: string, to: string): Promise<StatsDay[]>;
  /** The organ's open copies due before `day` (YYYY-MM-DD), oldest due first, at most `limit`. */
  overdue(organ: string, day: string, limit: number): Promise<OpenCopy[]>;
}

// ---- time ----------------------------------------------------------------------------------

export { vietnamDay };

/** `day` plus `n` calendar days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

// ---- histograms ----------------------------------------------------------------------------

const BUCKETS_PER_DOUBLING = 8;

/** The bucket of a duration in seconds (see the module header). */
export function bucketOf(seconds: number): number {
  if (!(seconds >= 1)) {
    return 0;
  }
  return 1 + Math.floor(BUCKETS_PER_DOUBLING * Math.log2(seconds));
}

/** The value a bucket stands for: its geometric middle (0.5 s for bucket 0). */
export function bucketValue(bucket: number): number {
  return bucket === 0 ? 0.5 : 2 ** ((bucket - 0.5) / BUCKETS_PER_DOUBLING);
}

/** Largest relative error of a reported median of one second or more: 2^(1/16) − 1. */
export const MEDIAN_RELATIVE_ERROR = 2 ** (1 / (2 * BUCKETS_PER_DOUBLING)) - 1;

/** The lower median of a histogram (bucket → count), as its bucket's value; undefined when empty. */
export function histogramMedian(histogram: Readonly<Record<number, number>>): number | undefined {
  const buckets = Object.entries(histogram)
    .map(([bucket, count]) => [Number(bucket), count] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) {
    return undefined;
  }
  const rank = Math.ceil(total / 2);
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen >= rank) {
      return bucketValue(bucket);
    }
  }
  return undefined;
}

// ---- from table changes to stats changes ---------------------------------------------------

/** Seconds from `from` to `to` (never negative: clocks of different writers may disagree a little). */
function secondsBetween(from: string, to: string): number {
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}

/**
 * What a table change means for the statistics; none for changes that do not count (other item
 * kinds, writes that leave a copy's status as it was, statuses the figures do not follow).
 */
export function statsChangeOf(change: TableChange): StatsChange | undefined {
  const entity = changedEntity(change);
  if (entity === "letter") {
    const before = change.oldImage?.["state"];
    const after = change.newImage?.["state"];
    const sender = change.newImage?.["sender"];
    const id = change.newImage?.["id"];
    if (after !== "sent" || before === "sent" || typeof sender !== "string" || typeof id !== "string") {
      return undefined;
    }
    const sentAt = change.newImage?.["sentAt"];
    const day = vietnamDay(typeof sentAt === "string" ? sentAt : change.at);
    return { id: `sent:${id}`, add: both(sender, day, { sent: 1 }) };
  }
  if (entity !== "delivery") {
    return undefined;
  }
  const now = asCopy(change.newImage);
  if (!now) {
    return undefined;
  }
  const before = asCopy(change.oldImage);
  const arrival = vietnamDay(now.deliveredAt);
  const copy = `${now.letterId}:${now.recipient}`;
  const due = now.summary?.dueDate;
  const key = { organ: now.recipient, letterId: now.letterId, recipient: now.recipient };
  if (!before) {
    // A new copy (status 01): the recipient received it, the sender sent it.
    const open: OpenCopy[] = due
      ? [ALL_ORGANS, now.recipient].map((organ) => ({
          ...key,
          organ,
          sender: now.sender,
          dueDate: due,
          deliveredAt: now.deliveredAt,
          ...(now.summary?.code?.number ? { number: now.summary.code.number } : {}),
          ...(now.summary?.code?.notation ? { notation: now.summary.code.notation } : {}),
          ...(now.summary?.subject ? { subject: now.summary.subject } : {}),
        }))
      : [];
    return {
      id: `arrived:${copy}`,
      add: [
        ...both(now.recipient, arrival, { received: 1 }),
        ...both(now.sender, arrival, { sentCopies: 1 }),
      ],
      ...(open.length > 0 ? { open } : {}),
      totals: [{ organ: now.recipient, counts: totalsOf(undefined, now.status) }],
    };
  }
  if (before.status === now.status) {
    return undefined;
  }
  const totals = [{ organ: now.recipient, counts: totalsOf(before.status, now.status) }];
  const at = now.updatedAt ?? change.at;
  const seconds = secondsBetween(now.deliveredAt, at);
  const close = due
    ? [ALL_ORGANS, now.recipient].map((organ) => ({ ...key, organ, dueDate: due }))
    : undefined;
  switch (now.status) {
    case "03":
      return {
        id: `status:${copy}:03`,
        add: both(now.recipient, arrival, { accepted: 1, [`h03_${bucketOf(seconds)}`]: 1 }),
        totals,
      };
    case "02":
      return {
        id: `status:${copy}:02`,
        add: both(now.recipient, arrival, { refused: 1 }),
        ...(close ? { close } : {}),
        totals,
      };
    case "06": {
      const timing: Increments = due
        ? { dueFinished: 1, [vietnamDay(at) <= due ? "onTime" : "late"]: 1 }
        : {};
      return {
        id: `status:${copy}:06`,
        add: both(now.recipient, arrival, { finished: 1, ...timing, [`h06_${bucketOf(seconds)}`]: 1 }),
        ...(close ? { close } : {}),
        totals,
      };
    }
    default: {
      // Statuses the figures do not follow (04, 05, the recall codes) may still move the badges.
      const counts = totals[0]?.counts ?? {};
      return Object.values(counts).some((n) => n !== 0)
        ? { id: `status:${copy}:${before.status}>${now.status}`, add: [], totals }
        : undefined;
    }
  }
}

/** How a copy moving from `before` to `after` changes its recipient's unread and open totals. */
function totalsOf(before: string | undefined, after: string): Increments {
  const unread = (status: string | undefined) => (status === "01" ? 1 : 0);
  const open = (status: string | undefined) =>
    status === undefined || status === "02" || status === "06" ? 0 : 1;
  return { unread: unread(after) - unread(before), open: open(after) - open(before) };
}

/** The same increments for the organ and for {@link ALL_ORGANS}. */
function both(organ: string, day: string, counts: Increments): StatsChange["add"] {
  return [
    { organ, day, counts },
    { organ: ALL_ORGANS, day, counts },
  ];
}

/**
 * The increments of `change` with items named twice merged (a letter an organ sends to itself
 * adds to one day item twice; a transaction may name an item only once).
 */
export function mergedIncrements(change: StatsChange): StatsChange["add"] {
  const merged = new Map<string, { organ: string; day: string; counts: Record<string, number> }>();
  for (const entry of change.add) {
    const key = `${entry.organ}|${entry.day}`;
    const target = merged.get(key) ?? { organ: entry.organ, day: entry.day, counts: {} };
    for (const [name, value] of Object.entries(entry.counts)) {
      target.counts[name] = (target.counts[name] ?? 0) + value;
    }
    merged.set(key, target);
  }
  return [...merged.values()];
}

/** The statistics consumer of the table's stream: applies each change once, in stream order. */
export class StatsConsumer implements StreamConsumer {
  readonly name = "stats";

  constructor(private readonly store: StatsStore) {}

  async consume(changes: readonly TableChange[]): Promise<void> {
    await this.store.applyAll(changes.flatMap((change) => statsChangeOf(change) ?? []));
  }
}

// ---- the report ----------------------------------------------------------------------------

/** Longest period one request may cover (days): a request reads at most one item per day. */
export const MAX_PERIOD_DAYS = 366;
/** Most overdue copies one report lists. */
export const MAX_OVERDUE = 500;

export interface StatsReport {
  readonly organ: string;
  readonly from: string;
  readonly to: string;
  /** Copies received (arrived in the period). */
  readonly received: number;
  /** Letters sent in the period, and the copies they made. */
  readonly sent: number;
  readonly sentCopies: number;
  readonly accepted: number;
  readonly refused: number;
  readonly finished: number;
  readonly onTime: {
    /** Copies with a due date finished, on time and late. */
    readonly finishedWithDueDate: number;
    readonly onTime: number;
    readonly late: number;
    /** onTime ÷ finishedWithDueDate in percent, one decimal; null when nothing was due. */
    readonly sharePercent: number | null;
  };
  /** Medians in seconds (see MEDIAN_RELATIVE_ERROR), null when no copy got there. */
  readonly medianSeconds: {
    readonly arrivedToAccepted: number | null;
    readonly arrivedToFinished: number | null;
    readonly relativeError: number;
  };
  /** Copies that arrived in the period, have a due date before today and are still open. */
  readonly overdue: readonly Omit<OpenCopy, "organ">[];
  readonly overdueTruncated: boolean;
}

/** Percent with one decimal, exactly (3 of 4 → 75.0, 2 of 3 → 66.7). */
function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part * 1000) / whole) / 10;
}

/** Reads the figures of `organ` (or {@link ALL_ORGANS}) over the period from the store. */
export async function statsReport(
  store: StatsStore,
  organ: string,
  period: { readonly from: string; readonly to: string },
  today: string,
): Promise<StatsReport> {
  const { from, to } = period;
  if (from > to) {
    throw new ExchangeError("VALIDATION_FAILED", { detail: `from (${from}) is after to (${to})` });
  }
  if (addDays(from, MAX_PERIOD_DAYS - 1) < to) {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: `a period covers at most ${MAX_PERIOD_DAYS} days; ask for several periods`,
    });
  }
  const days = await store.days(organ, from, to);
  const sum = (name: StatsCounter) => days.reduce((total, day) => total + (day[name] ?? 0), 0);
  const histogram = (name: HistogramName) => {
    const merged: Record<number, number> = {};
    for (const day of days) {
      for (const [bucket, count] of Object.entries(day.histograms?.[name] ?? {})) {
        merged[Number(bucket)] = (merged[Number(bucket)] ?? 0) + count;
      }
    }
    return histogramMedian(merged) ?? null;
  };
  const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
  // Open copies due before today, of this period's arrivals (the oldest due first).
  const open = await store.overdue(organ, today, MAX_OVERDUE + 1);
  const overdue = open
    .filter((copy) => {
      const day = vietnamDay(copy.deliveredAt);
      return day >= from && day <= to;
    })
    .map(({ organ: _organ, ...copy }) => copy);
  const onTime = sum("onTime");
  const dueFinished = sum("dueFinished");
  return {
    organ,
    from,
    to,
    received: sum("received"),
    sent: sum("sent"),
    sentCopies: sum("sentCopies"),
    accepted: sum("accepted"),
    refused: sum("refused"),
    finished: sum("finished"),
    onTime: {
      finishedWithDueDate: dueFinished,
      onTime,
      late: sum("late"),
      sharePercent: percent(onTime, dueFinished),
    },
    medianSeconds: {
      arrivedToAccepted: round(histogram("h03")),
      arrivedToFinished: round(histogram("h06")),
      relativeError: Math.round(MEDIAN_RELATIVE_ERROR * 1000) / 1000,
    },
    overdue: overdue.slice(0, MAX_OVERDUE),
    overdueTruncated: open.length > MAX_OVERDUE,
  };
}

// ---- CSV -----------------------------------------------------------------------------------

/**
 * One CSV field (RFC 4180 quoting). Text from letters may start with `=`, `+`, `-` or `@`, which a
 * spreadsheet would run as a formula: such a field is prefixed with an apostrophe (OWASP's advice
 * against CSV injection).
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) {
    return "";
  }
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (fields: readonly (string | number | boolean | null | undefined)[]) =>
  `${fields.map(csvField).join(",")}\r\n`;

/**
 * The report as CSV: a header and one row of figures, an empty line, then the overdue copies
 * with their own header (both tables open in a spreadsheet as they are).
 */
export function statsCsv(report: StatsReport): string {
  const summary = csvLine([
    "organ",
    "from",
    "to",
    "received",
    "sent",
    "sent_copies",
    "accepted",
    "refused",
    "finished",
    "finished_with_due_date",
    "on_time",
    "late",
    "on_time_share_percent",
    "median_01_03_seconds",
    "median_01_06_seconds",
    "median_relative_error",
    "overdue",
  ]);
  const row = csvLine([
    report.organ,
    report.from,
    report.to,
    report.received,
    report.sent,
    report.sentCopies,
    report.accepted,
    report.refused,
    report.finished,
    report.onTime.finishedWithDueDate,
    report.onTime.onTime,
    report.onTime.late,
    report.onTime.sharePercent === null ? null : report.onTime.sharePercent.toFixed(1),
    report.medianSeconds.arrivedToAccepted,
    report.medianSeconds.arrivedToFinished,
    report.medianSeconds.relativeError,
    report.overdue.length,
  ]);
  const overdueHeader = csvLine([
    "letter_id",
    "recipient",
    "sender",
    "number",
    "notation",
    "subject",
    "due_date",
    "delivered_at",
  ]);
  const overdueRows = report.overdue.map((copy) =>
    csvLine([
      copy.letterId,
      copy.recipient,
      copy.sender,
      copy.number,
      copy.notation,
      copy.subject,
      copy.dueDate,
      copy.deliveredAt,
    ]),
  );
  return `${summary}${row}\r\n${overdueHeader}${overdueRows.join("")}`;
}

// ---- who may read what ---------------------------------------------------------------------

/**
 * The organ a caller's request reads and its period. An organ reads its own figures (naming
 * another organ is refused); an admin reads any organ's, or all organs' by default. The period
 * defaults to the current month up to today (Vietnam time).
 */
export function statsScope(
  caller: { readonly organCode: string; readonly role: string },
  query: { readonly from?: string; readonly to?: string; readonly organ?: string },
  now: Date,
): { organ: string; from: string; to: string; today: string } {
  const today = vietnamDay(now);
  const to = query.to ?? today;
  const from = query.from ?? `${to.slice(0, 8)}01`;
  if (caller.role === "admin") {
    return { organ: query.organ ?? ALL_ORGANS, from, to, today };
  }
  if (query.organ !== undefined && query.organ !== caller.organCode) {
    throw new ExchangeError("STATS_ORGAN_NOT_ALLOWED", {
      detail: `this key reads the statistics of ${caller.organCode} only; an admin key reads another organ's or all`,
    });
  }
  return { organ: caller.organCode, from, to, today };
}
