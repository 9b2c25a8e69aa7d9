import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Letter } from "../../../shared/exchange/types.ts";
import { copyRecord, packLetter, unpackItem, unpackLetter } from "../../../shared/storage/letter-item.ts";

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });

/** Committed letters with generated ids, hashes, report keys, verdicts, summaries and appendices. */
const committed = fc
  .record({
    id: fc.uuid(),
    sha: hex(64),
    report: fc.uuid(),
    source: fc.uuid(),
    summary: fc.record({ vi: fc.string(), en: fc.string() }),
    verdict: fc.constantFrom("TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE" as const),
    attachments: fc.array(fc.record({ name: fc.string({ minLength: 1 }), size: fc.nat(), sha256: hex(64) }), {
      maxLength: 3,
    }),
    otherKey: fc.boolean(),
  })
  .map(
    ({ id, sha, report, source, summary, verdict, attachments, otherKey }): Letter => ({
      id,
      sender: "000.00.00.H53",
      state: "sending",
      code: { number: "1", notation: "UBND" },
      documentType: "Công văn",
      subject: "V/v",
      recipients: ["000.00.11.H53"],
      urgency: 0,
      createdAt: "2026-12-01T00:00:00.000Z",
      sentAt: "2026-12-01T00:00:01.000Z",
      file: {
        name: "cong-van.pdf",
        contentType: "application/pdf",
        size: 10,
        sha256: sha,
        key: otherKey ? `elsewhere/${id}` : `letters/${id}/${sha}`,
      },
      verification: {
        verdict,
        checkedAt: "2026-12-01T00:00:01.000Z",
        reportKey: `evidence/${id}/${sha}/verification-${report}.json`,
        signatures: [],
        summary,
        policy: "record-only",
        decision: "delivered",
        fileSha256: otherKey ? "f".repeat(64) : sha,
      },
      pending: {
        sourceKey: `incoming/${id}`,
        reportSourceKey: `incoming/${id}/${sha}/report-${source}.json`,
      },
      ...(attachments.length > 0
        ? { attachments: attachments.map((a) => ({ ...a, contentType: "application/pdf" })) }
        : {}),
    }),
  );

/** The record as the ledger stores it: the packed fields replaced, the verdict plain. */
function stored(letter: Letter): Record<string, unknown> {
  const { file: _f, verification: _v, pending: _p, attachments: _a, ...plain } = letter;
  return { ...plain, ...packLetter(letter) };
}

describe("the letter item's packed form", () => {
  it("restores exactly the fields it packed, whatever they hold", () => {
    fc.assert(
      fc.property(committed, (letter) => {
        expect(unpackLetter(stored(letter))).toEqual(letter);
        // Once sent, pending work is gone (the `sent` mark does not rewrite the packed fields).
        const { pending: _pending, ...sent } = { ...letter, state: "sent" as const };
        expect(unpackLetter({ ...stored(letter), state: "sent" })).toEqual(sent);
      }),
    );
  });

  it("keeps only the verdict plain (the outbox filters on it) and leaves other records alone", () => {
    fc.assert(
      fc.property(committed, (letter) => {
        expect(packLetter(letter).verification).toEqual({ verdict: letter.verification?.verdict });
      }),
    );
    const draft = { id: "x", state: "draft", file: { sha256: "a" } };
    expect(unpackLetter(draft)).toBe(draft);
  });

  it("packs a typical committed letter's file, verification and pending work into a few hundred bytes", () => {
    const letter = fc.sample(committed, { numRuns: 1, seed: 7 })[0]!;
    const typical: Letter = {
      ...letter,
      verification: {
        ...letter.verification!,
        summary: {
          vi: "Văn bản: HỢP LỆ\n- Chữ ký 1: Nguyễn Văn An",
          en: "Letter: VALID\n- Signature 1: Nguyễn Văn An",
        },
      },
    };
    delete (typical as { attachments?: unknown }).attachments;
    expect(
      JSON.stringify({ f: typical.file, v: typical.verification, p: typical.pending }).length,
    ).toBeGreaterThan(600);
    expect(packLetter(typical).packed.length).toBeLessThan(250);
  });

  it("stores a copy's updatedAt only once it differs from its arrival, and restores it", () => {
    const copy = {
      entity: "delivery",
      deliveredAt: "2026-12-01T00:00:01.000Z",
      updatedAt: "2026-12-01T00:00:01.000Z",
    };
    expect(copyRecord(copy)).not.toHaveProperty("updatedAt");
    expect(unpackItem(copyRecord(copy))).toEqual(copy);
    const moved = { ...copy, updatedAt: "2026-12-02T00:00:00.000Z" };
    expect(unpackItem(copyRecord(moved))).toEqual(moved);
  });
});
