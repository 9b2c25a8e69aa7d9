import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stampLines } from "../../../../shared/pdf/appearance/stamp-lines.ts";
import { formatVietnamTime } from "../../../../shared/pdf/appearance/vietnam-time.ts";

describe("formatVietnamTime", () => {
  it("shows the instant in Vietnam time with +07:00", () => {
    expect(formatVietnamTime(new Date("2024-03-05T07:02:11Z"))).toBe("2024-03-05T14:02:11+07:00");
    expect(formatVietnamTime(new Date("2024-03-05T14:02:11+07:00"))).toBe("2024-03-05T14:02:11+07:00");
  });

  it("rolls over the day, month and year boundary", () => {
    expect(formatVietnamTime(new Date("2023-12-31T17:00:00Z"))).toBe("2024-01-01T00:00:00+07:00");
    expect(formatVietnamTime(new Date("2024-02-28T20:30:05Z"))).toBe("2024-02-29T03:30:05+07:00");
  });

  it("drops fractions of a second instead of rounding up", () => {
    expect(formatVietnamTime(new Date("2024-03-05T07:02:11.999Z"))).toBe("2024-03-05T14:02:11+07:00");
  });

  it("parses back to the same second for any date", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1970-01-01T00:00:00Z"),
          max: new Date("2200-01-01T00:00:00Z"),
          noInvalidDate: true,
        }),
        (date) => {
          const text = formatVietnamTime(date);
          expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
          expect(new Date(text).getTime()).toBe(Math.floor(date.getTime() / 1000) * 1000);
        },
      ),
    );
  });

  it("rejects an invalid date", () => {
    expect(() => formatVietnamTime(new Date("not a date"))).toThrow(
      expect.objectContaining({ code: "APPEARANCE_INVALID" }),
    );
  });
});

describe("stampLines", () => {
  it("lists copy form, number/notation, organisation and time, skipping what is missing", () => {
    // Prepare
    const signingTime = new Date("2024-03-05T07:02:11Z");
    // Act
    const full = stampLines({
      copyType: "SAO Y",
      numberNotation: "2491/STC-BCTC",
      organisation: "Sở Tài chính tỉnh Tây Ninh",
      signingTime,
    });
    const bare = stampLines({ signingTime });
    // Assess
    expect(full).toEqual([
      "SAO Y",
      "Số: 2491/STC-BCTC",
      "Sở Tài chính tỉnh Tây Ninh",
      "Thời gian ký: 2024-03-05T14:02:11+07:00",
    ]);
    expect(bare).toEqual(["Thời gian ký: 2024-03-05T14:02:11+07:00"]);
  });
});
