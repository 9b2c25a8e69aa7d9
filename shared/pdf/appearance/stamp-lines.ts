import { formatVietnamTime } from "./vietnam-time.ts";

/** Input of `stampLines`. */
export interface StampLinesOptions {
  /** The copy form for copies (bản sao): "SAO Y", "SAO LỤC" or "TRÍCH SAO". Omit for attachments. */
  readonly copyType?: string;
  /** Number and notation (số và ký hiệu) of the letter, e.g. "2491/STC-BCTC". */
  readonly numberNotation?: string;
  /** The signing (or copying) organisation's name. */
  readonly organisation?: string;
  /** The signing time; shown as ISO 8601 with +07:00 (`formatVietnamTime`). */
  readonly signingTime: Date;
}

/**
 * The text lines of a stamp for attachments and copies (Decree 30, Annex I): copy form,
 * number/notation, organisation, signing time, in that order, skipping what is not given.
 *
 * @example
 * stampLines({ numberNotation: "2491/STC-BCTC", organisation: "Sở Tài chính tỉnh Tây Ninh",
 *   signingTime: new Date("2024-03-05T07:02:11Z") });
 * // ["Số: 2491/STC-BCTC", "Sở Tài chính tỉnh Tây Ninh", "Thời gian ký: 2024-03-05T14:02:11+07:00"]
 */
export function stampLines(options: StampLinesOptions): string[] {
  const lines: string[] = [];
  if (options.copyType) {
    lines.push(options.copyType);
  }
  if (options.numberNotation) {
    lines.push(`Số: ${options.numberNotation}`);
  }
  if (options.organisation) {
    lines.push(options.organisation);
  }
  lines.push(`Thời gian ký: ${formatVietnamTime(options.signingTime)}`);
  return lines;
}
