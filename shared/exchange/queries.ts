/**
 * Inbox and outbox queries (issue 10 item 9): filters, search by number/notation and subject,
 * badge counts. The rules are here; the index work is in shared/storage/dynamo-queries.ts.
 *
 * Search is diacritics- and case-insensitive: every letter and delivery item carries `search`, its
 * number, notation and subject folded by {@link foldText} ("Sở Tài chính" → "so tai chinh"), written
 * with the item (shared/storage/dynamo-ledger.ts), and a query's words must all occur in it.
 *
 * Order is stable: newest first by the index's sort key (`<deliveredAt or createdAt>#<letterId>`,
 * unique), and a cursor is the last returned item's key, sealed (page-cursor.ts), so pages neither
 * skip nor repeat an item however the filters thin them out.
 */
import type { StatusCode } from "./status.ts";
import type { Delivery, Letter, Page, VerificationSummary } from "./types.ts";

/** Lowercase, without diacritics (đ → d), whitespace collapsed: how search text is compared. */
export function foldText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** The words a search asks for, folded; a letter matches when its search text holds every one. */
export function searchTerms(q: string): string[] {
  return [
    ...new Set(
      foldText(q)
        .split(" ")
        .filter((word) => word.length > 0),
    ),
  ].slice(0, 8);
}

/**
 * The `search` attribute of a letter or delivery item (number, notation, subject folded), or none
 * for other item kinds. Number and notation are also joined as "12/ubnd-vp", the way letters cite them.
 */
export function searchFieldOf(entity: string, record: object): { search: string } | Record<string, never> {
  const source =
    entity === "letter"
      ? (record as Partial<Letter>)
      : entity === "delivery"
        ? (record as Partial<Delivery>).summary
        : undefined;
  if (!source?.subject) {
    return {};
  }
  const number = source.code?.number ?? "";
  const notation = source.code?.notation ?? "";
  return { search: foldText(`${number}/${notation} ${number} ${notation} ${source.subject}`) };
}

/** Filters of `GET /v1/inbox` (all optional; every one given must hold). */
export interface InboxFilter {
  readonly status?: readonly StatusCode[];
  readonly sender?: string;
  readonly urgency?: number;
  /** Arrival date range, Vietnam calendar days, inclusive. */
  readonly from?: string;
  readonly to?: string;
  /** Due on or before this day (YYYY-MM-DD). */
  readonly dueBefore?: string;
  /** Only copies past their due date and not finished or refused (as of `today`). */
  readonly overdue?: boolean;
  readonly verdict?: VerificationSummary["verdict"];
  readonly q?: string;
}

/** Filters of `GET /v1/outbox`. */
export interface OutboxFilter {
  readonly state?: readonly Letter["state"][];
  readonly recipient?: string;
  readonly urgency?: number;
  /** Creation date range, Vietnam calendar days, inclusive. */
  readonly from?: string;
  readonly to?: string;
  readonly dueBefore?: string;
  readonly verdict?: VerificationSummary["verdict"];
  readonly q?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

/** Badge counts of an organ's inbox. */
export interface InboxCounts {
  /** Copies still at 01 (arrived, not yet accepted or refused). */
  readonly unread: number;
  /** Copies neither finished (06) nor refused (02). */
  readonly open: number;
  /** Open copies whose due date has passed. */
  readonly overdue: number;
  /** Open copies due today. */
  readonly dueToday: number;
}

/** The filtered listings (DynamoDB: shared/storage/dynamo-queries.ts). `today` is the Vietnam day. */
export interface LetterQueries {
  inbox(organ: string, filter: InboxFilter, page: PageRequest, today: string): Promise<Page<Delivery>>;
  outbox(organ: string, filter: OutboxFilter, page: PageRequest): Promise<Page<Letter>>;
  inboxCounts(organ: string, today: string): Promise<InboxCounts>;
}

/** Final statuses: a copy in one of them is neither open nor overdue. */
export const CLOSED_STATUSES: readonly StatusCode[] = ["02", "06"];
