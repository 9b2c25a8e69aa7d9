/**
 * Vietnam's calendar (UTC+7 all year, no daylight saving): the day statistics, audit seals and
 * the inbox's date filters count by, and the year letter numbers restart in.
 */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

/** The Vietnam calendar day (YYYY-MM-DD) of an instant. */
export function vietnamDay(at: string | Date): string {
  return new Date(new Date(at).getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** The calendar year in Vietnam at an instant. */
export function vietnamYear(at: string | Date): number {
  return new Date(new Date(at).getTime() + VIETNAM_OFFSET_MS).getUTCFullYear();
}
