/**
 * The organ directory's search rule: diacritics- and case-insensitive, so that a clerk typing
 * "so tai chinh" (no Telex, no caps) finds "Sở Tài chính tỉnh Tây Ninh". Hand-written because it
 * is two normalisations (NFKC, so that fullwidth or other compatibility forms are their plain
 * letters and digits; NFKD, then combining marks and invisible format characters such as U+200B
 * or the soft hyphen stripped) plus the one Vietnamese letter that does not decompose (đ/Đ), not
 * something worth a dependency.
 *
 * The same fold decides when two organs share an identifier ({@link organIdentifiers}: the
 * directory's uniqueness rule, shared/exchange/administration.ts), so that what the rule calls
 * distinct the search also tells apart.
 *
 * The table stores {@link directorySearchText} with each organ; a query matches when every word of
 * {@link searchTerms}(q) is contained in it (`shared/storage/dynamo-admin.ts`: a DynamoDB filter).
 */
import type { OrganRecord } from "./admin-ports.ts";

/** A query longer than this is refused by the schema; words beyond MAX_TERMS are ignored. */
export const MAX_QUERY_CHARS = 100;
export const MAX_TERMS = 8;

/**
 * Compatibility forms as their plain characters (０ → 0), lower case, diacritics and format
 * characters (\p{Cf}: zero-width space, soft hyphen…) removed (đ → d), runs of white space as one
 * space, trimmed.
 *
 * @example
 * foldText("Sở Tài  chính"); // "so tai chinh"
 * foldText("ĐÀ NẴNG"); // "da nang"
 * foldText("Sở\u200b Tài\u00adchính"); // "so taichinh"
 */
export function foldText(text: string): string {
  return (
    text
      .normalize("NFKC")
      // Lower case before decomposing: some capitals lower-case into a letter plus a combining mark (İ → i̇).
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[\p{M}\p{Cf}]+/gu, "")
      .replaceAll("đ", "d")
      .replace(/\s+/gu, " ")
      .trim()
  );
}

/** What a query is matched against: code, old codes and aliases, and name, folded. */
export function directorySearchText(organ: Pick<OrganRecord, "code" | "name" | "aliases">): string {
  return foldText([organ.code, ...(organ.aliases ?? []), organ.name].join(" "));
}

/**
 * What names an organ in the directory: its code, name and aliases, folded. No two organs share
 * one, except an organ merged into another (its code and aliases become the successor's aliases).
 */
export function organIdentifiers(organ: Pick<OrganRecord, "code" | "name" | "aliases">): Set<string> {
  return new Set(
    [organ.code, organ.name, ...(organ.aliases ?? [])].map(foldText).filter((text) => text.length > 0),
  );
}

/** The folded words of a query, each at most once, at most {@link MAX_TERMS}. */
export function searchTerms(q: string | undefined): string[] {
  if (!q) {
    return [];
  }
  return [
    ...new Set(
      foldText(q)
        .split(" ")
        .filter((term) => term.length > 0),
    ),
  ].slice(0, MAX_TERMS);
}

/** The rule the table's filter applies, for in-memory use and tests. */
export function matchesQuery(organ: Pick<OrganRecord, "code" | "name" | "aliases">, q: string): boolean {
  const text = directorySearchText(organ);
  return searchTerms(q).every((term) => text.includes(term));
}
