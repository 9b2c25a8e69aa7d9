/**
 * The rule for well-formed request text, without zod: letter-schema.ts applies it to every text
 * field (with NFC and length checks), the HTTP wrapper to path parameters, so that routes whose
 * bundle holds no schema need not carry zod for it.
 */

/**
 * What no request string may hold, because it breaks or deceives whoever reads it later (a
 * recipient's `jq`, a terminal, a file manager): lone surrogates (not Unicode at all), C0 and C1
 * controls and DEL (NUL, terminal escapes), the bidirectional embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069: "gpj.exe" shown as "exe.jpg"), and noncharacters. Tab, LF, CR
 * and the Unicode line and paragraph separators (U+2028, U+2029) only where a field is multi-line.
 */
const FORBIDDEN = "\\p{Cs}\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069\\p{Noncharacter_Code_Point}";
const FORBIDDEN_SINGLE_LINE = new RegExp(`[\\u0000-\\u001F\\u2028\\u2029${FORBIDDEN}]`, "u");
const FORBIDDEN_MULTILINE = new RegExp(`[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F${FORBIDDEN}]`, "u");

/**
 * Why `value` is not well-formed text, or undefined when it is: names the first offending
 * character by code point and position, never echoing the text.
 */
export function textFault(value: string, multiline = false): string | undefined {
  const match = (multiline ? FORBIDDEN_MULTILINE : FORBIDDEN_SINGLE_LINE).exec(value);
  if (!match) {
    return undefined;
  }
  const point = match[0].codePointAt(0) ?? 0;
  const hex = `U+${point.toString(16).toUpperCase().padStart(4, "0")}`;
  const kind =
    point >= 0xd800 && point <= 0xdfff
      ? "a lone surrogate (not valid Unicode)"
      : point <= 0x9f
        ? "a control character"
        : point === 0x2028 || point === 0x2029
          ? "a line break"
          : point >= 0x202a && point <= 0x2069
            ? "a bidirectional control"
            : "a noncharacter";
  return `contains ${hex}, ${kind}, at position ${[...value.slice(0, match.index)].length + 1}`;
}
