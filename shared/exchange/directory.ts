/**
 * The organ directory's search rule: diacritics- and case-insensitive, so that a clerk typing
 * "so tai chinh" (no Telex, no caps) finds "Sở Tài chính tỉnh Tây Ninh". Hand-written because it
 * is one normalisation (Unicode NFD, strip combining marks) plus the one Vietnamese letter that
 * does not decompose (đ/Đ), not something worth a dependency.
 *
 * The table stores {@link directorySearchText} with each organ; a query matches when every word of
 * {@link searchTerms}(q) is contained in it (`shared/storage/dynamo-admin.ts`: a DynamoDB filter).
 */
import type { OrganRecord } from "./admin-ports.ts";

/** A query longer than this is refused by the schema; words beyond MAX_TERMS are ignored. */
export const MAX_QUERY_CHARS = 100;
export const MAX_TERMS = 8;

/**
 * Lower case, diacritics removed (đ → d), runs of white space as one space, trimmed.
 *
 * @example
 * foldText("Sở Tài  chính"); // "so tai chinh"
 * foldText("ĐÀ NẴNG"); // "da nang"
 */
export function foldText(text: string): string {
  return (
    text
      // Lower case first: some capitals lower-case into a letter plus a combining mark (İ → i̇).
      .toLowerCase()
      .normalize("NFD")
      .replace(/\p{M}+/gu, "")
      .replaceAll("đ", "d")
      .replace(/\s+/gu, " ")
      .trim()
  );
}

/** What a query is matched against: code, old codes and aliases, and name, folded. */
export function directorySearchText(organ: Pick<OrganRecord, "code" | "name" | "aliases">): string {
  return foldText([organ.code, ...(organ.aliases ?? []), organ.name].join(" "));
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
