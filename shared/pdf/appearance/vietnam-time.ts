import { ExchangeError } from "../../errors/exchange-error.ts";

/** Vietnam's offset from UTC (Indochina Time, no daylight saving), in milliseconds. */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

function pad(value: number, length = 2): string {
  return String(value).padStart(length, "0");
}

/**
 * The instant `date` as ISO 8601 local time in Vietnam, to the second, with its offset
 * (Decree 30, Annex I: the signing time of attachments and copies is shown as
 * `YYYY-MM-DDTHH:mm:ss+07:00`). Fractions of a second are dropped, not rounded.
 *
 * @example
 * formatVietnamTime(new Date("2024-03-05T07:02:11Z")); // "2024-03-05T14:02:11+07:00"
 */
export function formatVietnamTime(date: Date): string {
  const time = date.getTime();
  if (!Number.isFinite(time)) {
    throw new ExchangeError("APPEARANCE_INVALID", { detail: "signing time is not a valid date" });
  }
  const local = new Date(time + VIETNAM_OFFSET_MS);
  const year = local.getUTCFullYear();
  if (year < 0 || year > 9999) {
    throw new ExchangeError("APPEARANCE_INVALID", {
      detail: `signing time year must be 0000–9999, got ${year}`,
    });
  }
  return (
    `${pad(year, 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}+07:00`
  );
}
