/**
 * Outgoing numbers (số văn bản, issue 10 item 7). A letter's (number, notation) is unique per
 * sending organ and year, automatic or not: the ledger writes one "taken" item per number in the
 * letter's own transaction, so a second letter with that number is refused (LETTER_NUMBER_TAKEN)
 * and nothing of it is written.
 *
 * Automatic numbering (`"number": "auto"`): a counter per organ, year and notation series, advanced
 * in the same transaction as the letter, so numbers have no gaps and are never handed out twice; a
 * number a clerk already took by hand is skipped. The year is Vietnam's (UTC+7 all year): the series
 * restarts at 1 on 1 January, 00:00 in Hà Nội.
 */

/** The `code.number` that asks for the next number of the series. */
export const AUTO_NUMBER = "auto";

export { vietnamYear } from "./vietnam-time.ts";

/**
 * What makes two numbers the same: digits without leading zeros ("012" is 12), and the notation
 * in NFC upper case ("ubnd-vp" is "UBND-VP"). The letter keeps what the clerk wrote.
 */
export function numberIdentity(code: { readonly number: string; readonly notation: string }): {
  readonly number: string;
  readonly notation: string;
} {
  const number = code.number.normalize("NFC").toUpperCase();
  return {
    number: /^\d+$/.test(number) ? String(BigInt(number)) : number,
    notation: code.notation.normalize("NFC").toUpperCase(),
  };
}

export function isAutoNumber(code: { readonly number: string }): boolean {
  return code.number.trim().toLowerCase() === AUTO_NUMBER;
}
