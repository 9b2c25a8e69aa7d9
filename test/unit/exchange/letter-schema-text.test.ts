import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createLetterSchema,
  listQuerySchema,
  prepareSignatureSchema,
  setStatusSchema,
  text,
} from "../../../shared/exchange/letter-schema.ts";

/**
 * The oracle: well-formed text by code unit arithmetic, written independently of the schema's
 * regular expressions. Refused: lone surrogates, C0 controls (tab, LF, CR, U+2028 and U+2029
 * allowed in multi-line fields), DEL and C1, U+202A–U+202E, U+2066–U+2069, noncharacters (U+FDD0–U+FDEF and the last
 * two code points of every plane).
 */
function wellFormed(value: string, multiline: boolean): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    let point = unit;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = value.charCodeAt(i + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) {
        return false;
      }
      point = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
      i += 1;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return false;
    }
    const lineBreak =
      point === 0x09 || point === 0x0a || point === 0x0d || point === 0x2028 || point === 0x2029;
    if (lineBreak && !multiline) {
      return false;
    }
    if ((point < 0x20 && !lineBreak) || (point >= 0x7f && point <= 0x9f)) {
      return false;
    }
    if ((point >= 0x202a && point <= 0x202e) || (point >= 0x2066 && point <= 0x2069)) {
      return false;
    }
    if ((point >= 0xfdd0 && point <= 0xfdef) || (point & 0xfffe) === 0xfffe) {
      return false;
    }
  }
  return true;
}

/** Code units a reader trips on, mixed with ordinary and Vietnamese text (both forms of "ệ"). */
const unit = fc.oneof(
  fc.constantFrom("a", " ", "ệ", "e\u0323\u0302", "Đ", "\u0301", "😀", "\t", "\n", "\r", "\u2028", "\u2029"),
  fc.constantFrom("\u0000", "\u001b", "\u007f", "\u0085", "\u009b", "\u202e", "\u2066", "\u2069"),
  fc.constantFrom("\ud800", "\udfff", "\ufdd0", "\ufffe", "\uffff", "\u{1fffe}", "\u{10ffff}"),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);
const strings = fc.string({ unit, maxLength: 30 });

const MAX = 40;

describe("the text rule (every request string)", () => {
  it.each([false, true])("accepts exactly the well-formed strings (multiline %s), as NFC", (multiline) => {
    const schema = text({ max: MAX, multiline });
    fc.assert(
      fc.property(strings, (value) => {
        const result = schema.safeParse(value);
        const expected = wellFormed(value, multiline) && value.normalize("NFC").trim().length <= MAX;
        expect(result.success).toBe(expected);
        if (result.success) {
          expect(result.data).toBe(result.data.normalize("NFC"));
          expect(JSON.parse(JSON.stringify(result.data))).toBe(result.data);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("gives jq back exactly what it accepted", () => {
    const jq = spawnSync("jq", ["--version"]);
    expect(jq.error, "jq is installed on this machine").toBeUndefined();
    const schema = text({ max: MAX, multiline: true });
    const accepted = fc
      .sample(strings, 3000)
      .map((value) => schema.safeParse(value))
      .flatMap((result) => (result.success ? [result.data] : []));
    expect(accepted.length).toBeGreaterThan(100);
    const lines = accepted.map((value) => JSON.stringify({ subject: value })).join("\n");
    const out = spawnSync("jq", ["-c", "."], { input: lines, encoding: "utf8" });
    expect(out.status, out.stderr).toBe(0);
    const back = out.stdout
      .trimEnd()
      .split("\n")
      .map((line) => (JSON.parse(line) as { subject: string }).subject);
    expect(back).toEqual(accepted);
  });

  it("refuses what broke jq: a lone surrogate, which jq turns into U+FFFD", () => {
    const raw = '{"subject":"\\ud800"}';
    const out = spawnSync("jq", ["-r", ".subject"], { input: raw, encoding: "utf8" });
    expect(out.stdout.trim()).not.toBe(JSON.parse(raw).subject);
    expect(text({ max: 10 }).safeParse(JSON.parse(raw).subject).success).toBe(false);
  });

  it("measures after NFC: 300 decomposed 'ệ' pass as 300 characters", () => {
    const decomposed = "e\u0323\u0302".repeat(300);
    expect(decomposed).toHaveLength(900);
    const result = text({ max: 500 }).parse(decomposed);
    expect(result).toBe("ệ".repeat(300));
    expect(text({ max: 500 }).safeParse("ệ".repeat(501)).success).toBe(false);
  });

  it("names the offending code point and its position, without echoing the text", () => {
    const result = text({ max: 50 }).safeParse("abc\u202Egpj.exe");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("contains U+202E, a bidirectional control, at position 4");
  });
});

const validLetter = () => ({
  code: { number: "12", notation: "UBND-VP" },
  documentType: "Công văn",
  subject: "V/v kiểm thử",
  recipients: ["000.00.11.H53"],
  dueDate: "2026-12-31",
  promulgation: { place: "Hà Nội", date: "2026-01-01" },
  signer: { competence: "TM.", position: "Chủ tịch", fullName: "Nguyễn Văn A" },
  responseFor: "1/UBND",
  file: { name: "cong-van.pdf", size: 10, sha256: "a".repeat(64) },
});

/** Every free-text field of a letter, by path. */
const LETTER_TEXT_FIELDS = [
  ["code", "number"],
  ["code", "notation"],
  ["documentType"],
  ["subject"],
  ["promulgation", "place"],
  ["signer", "competence"],
  ["signer", "position"],
  ["signer", "fullName"],
  ["responseFor"],
  ["file", "name"],
] as const;

function withField(path: readonly string[], value: string): Record<string, unknown> {
  const letter = validLetter() as unknown as Record<string, unknown>;
  let at = letter;
  for (const name of path.slice(0, -1)) {
    at = at[name] as Record<string, unknown>;
  }
  at[path.at(-1)!] = value;
  return letter;
}

describe("the letter and request schemas apply the rule everywhere", () => {
  const bad = fc.constantFrom("\u0000", "\u001b[31m", "\u202e", "\u2067", "\ud83d", "\uffff", "\u0085", "\n");

  it("refuses a bad character in every text field of a letter, naming the field", () => {
    expect(createLetterSchema.safeParse(validLetter()).success).toBe(true);
    fc.assert(
      fc.property(
        fc.constantFrom(...LETTER_TEXT_FIELDS),
        bad,
        fc.integer({ min: 0, max: 3 }),
        (path, char, at) => {
          const value = `ab${"c".repeat(at)}`;
          const result = createLetterSchema.safeParse(
            withField(path, value.slice(0, at) + char + value.slice(at)),
          );
          expect(result.success).toBe(false);
          expect(result.error?.issues.map((issue) => issue.path.join("."))).toContain(path.join("."));
        },
      ),
    );
  });

  it("refuses file names with NUL, terminal escapes or a right-to-left override", () => {
    for (const name of ["a\u0000.pdf", "\u001b]0;x\u0007.pdf", "invoice\u202Efdp.exe", "..", "a/b.pdf"]) {
      expect(createLetterSchema.safeParse(withField(["file", "name"], name)).success, name).toBe(false);
    }
  });

  it("stores subjects and names as NFC", () => {
    const parsed = createLetterSchema.parse(withField(["subject"], "Ba\u0300n giao  "));
    expect(parsed.subject).toBe("Bàn giao");
  });

  it("allows line breaks only in multi-line fields (a refusal's reason, a PEM chain)", () => {
    expect(setStatusSchema.safeParse({ status: "02", reason: "Sai thể thức.\nKý lại." }).success).toBe(true);
    expect(setStatusSchema.safeParse({ status: "02", reason: "Sai\u0000" }).success).toBe(false);
    const pem = `-----BEGIN CERTIFICATE-----\n${"A".repeat(120)}\n-----END CERTIFICATE-----\n`;
    expect(prepareSignatureSchema.safeParse({ letterId: "x", certificates: pem }).success).toBe(true);
    expect(prepareSignatureSchema.safeParse({ letterId: "x\n", certificates: pem }).success).toBe(false);
  });

  it.each([
    ["2026-13-45", false],
    ["2026-02-29", false],
    ["2024-02-29", true],
    ["2100-02-29", false],
    ["2000-02-29", true],
    ["2026-04-31", false],
    ["2026-00-10", false],
    ["2026-12-00", false],
    ["2026-12-31", true],
  ])("validates the calendar date %s (valid: %s)", (date, valid) => {
    expect(createLetterSchema.safeParse({ ...validLetter(), dueDate: date }).success).toBe(valid);
    const promulgation = { place: "Huế", date };
    expect(createLetterSchema.safeParse({ ...validLetter(), promulgation }).success).toBe(valid);
  });

  it.each([
    ["0x10", false],
    ["1e1", false],
    [" 5", false],
    ["+5", false],
    ["5.0", false],
    ["1,2", false],
    ["0", false],
    ["101", false],
    ["007", true],
    ["100", true],
  ])("takes limit=%s only as decimal digits from 1 to 100 (valid: %s)", (limit, valid) => {
    expect(listQuerySchema.safeParse({ limit }).success).toBe(valid);
  });

  it("refuses control characters in a cursor", () => {
    expect(listQuerySchema.safeParse({ cursor: "abc\u0000" }).success).toBe(false);
    expect(listQuerySchema.parse({ cursor: "eyJQSyI6IngifQ" })).toEqual({
      limit: 20,
      cursor: "eyJQSyI6IngifQ",
    });
  });
});
