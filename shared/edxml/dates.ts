/**
 * Dates as producers send them: `yyyy/MM/dd` (the QCVN samples) and `dd/MM/yyyy` (seen in the wild),
 * with `-` accepted for `/`, and ISO. The model holds ISO; the writer writes `yyyy/MM/dd`.
 */

const YEAR_FIRST = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/;
const DAY_FIRST = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/;
const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Reads a date; undefined when it is not a real calendar date in one of the accepted forms.
 *
 * @example
 * readDate("30/10/2020") // "2020-10-30"
 */
export function readDate(raw: string): string | undefined {
  const value = raw.trim();
  const year = YEAR_FIRST.exec(value);
  if (year) {
    return isoDate(Number(year[1]), Number(year[2]), Number(year[3]));
  }
  const day = DAY_FIRST.exec(value);
  if (day) {
    return isoDate(Number(day[3]), Number(day[2]), Number(day[1]));
  }
  return undefined;
}

/**
 * Reads a timestamp `date HH:mm[:ss]` (either date form) into `YYYY-MM-DDTHH:mm:ss`, local time as
 * sent; an ISO timestamp with a zone is kept as it is; a bare date gives the date.
 *
 * @example
 * readTimestamp("2015/09/20 11:08:36") // "2015-09-20T11:08:36"
 */
export function readTimestamp(raw: string): string | undefined {
  const value = raw.trim();
  const iso = ISO_TIMESTAMP.exec(value);
  if (iso) {
    return isoDate(Number(iso[1]), Number(iso[2]), Number(iso[3])) && validTime(iso[4]!, iso[5]!, iso[6]!)
      ? value
      : undefined;
  }
  const [datePart, timePart, ...rest] = value.split(/\s+/);
  if (datePart === undefined || rest.length > 0) {
    return undefined;
  }
  const date = readDate(datePart);
  if (date === undefined || timePart === undefined) {
    return date;
  }
  const time = TIME.exec(timePart);
  if (!time || !validTime(time[1]!, time[2]!, time[3] ?? "00")) {
    return undefined;
  }
  return `${date}T${time[1]!.padStart(2, "0")}:${time[2]}:${time[3] ?? "00"}`;
}

/** `YYYY-MM-DD` → `yyyy/MM/dd`. */
export function writeDate(iso: string): string {
  return iso.replaceAll("-", "/");
}

/** A model timestamp → `yyyy/MM/dd HH:mm:ss`; an ISO timestamp with a zone is written as it is. */
export function writeTimestamp(iso: string): string {
  if (/(Z|[+-]\d{2}:\d{2}|\.\d+)$/.test(iso)) {
    return iso;
  }
  const [date, time] = iso.split("T");
  return time === undefined ? writeDate(date!) : `${writeDate(date!)} ${time}`;
}

function isoDate(year: number, month: number, day: number): string | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    year < 1900 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    return undefined;
  }
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

function validTime(hours: string, minutes: string, seconds: string): boolean {
  return Number(hours) < 24 && Number(minutes) < 60 && Number(seconds) < 60;
}
