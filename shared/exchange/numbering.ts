/**
 * Outgoing numbers (số văn bản, issue 10 item 7). A letter's (number, notation) is unique per
 * sending organ and year, automatic or not. A letter's id is a function of that identity
 * ({@link letterIdOf}) and the ledger writes a letter only where no item has its id: the one
 * conditional write of the draft is also what makes the number the sender's once, so a second
 * letter with that number is refused (LETTER_NUMBER_TAKEN) and nothing of it is written. No second
 * item and no transaction (a transaction costs twice): issue 10's 3 + N write units per letter.
 *
 * Automatic numbering (`"number": "auto"`): a counter per organ, year and notation series. The
 * ledger tries the number after the counter's and advances the counter once the letter is written;
 * a number already taken (by hand, or by a concurrent create) is skipped, so numbers are never
 * handed out twice and have no gaps. A crash between the two writes leaves the counter behind,
 * which the next create skips over. The year is Vietnam's (UTC+7 all year): the series restarts at
 * 1 on 1 January, 00:00 in Hà Nội.
 */
import { createHash } from "node:crypto";

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

/**
 * The id of the letter `sender` numbers `code` in Vietnam year `year`: a name-based UUID (RFC 9562
 * §5.8, version 8, from SHA-256) of the number's identity ({@link numberIdentity}). Not a secret:
 * every read still needs the key of an organ the letter concerns.
 */
export function letterIdOf(
  sender: string,
  year: number,
  code: { readonly number: string; readonly notation: string },
): string {
  const { number, notation } = numberIdentity(code);
  const hash = createHash("sha256")
    .update(JSON.stringify(["lienthong/letter-id/1", sender, year, notation, number]))
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x80; // version 8
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isAutoNumber(code: { readonly number: string }): boolean {
  return code.number.trim().toLowerCase() === AUTO_NUMBER;
}
