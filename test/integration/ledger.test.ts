import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { letterIdOf, vietnamYear } from "../../shared/exchange/numbering.ts";
import type { Delivery, Letter } from "../../shared/exchange/types.ts";
import { testLedger } from "../support/exchange.ts";

const ledger = testLedger();

function draft(sha256: string): Letter {
  // Numbers are unique per organ and year, and a letter's id is its number's (numbering.ts).
  const code = { number: String(randomInt(1, 2 ** 47)), notation: "UBND-VP" };
  const createdAt = new Date().toISOString();
  const id = letterIdOf("000.00.00.H53", vietnamYear(createdAt), code);
  return {
    id,
    sender: "000.00.00.H53",
    state: "draft",
    code,
    documentType: "Công văn",
    subject: "V/v kiểm thử",
    recipients: ["000.00.11.H53", "000.00.12.H53"],
    urgency: 0,
    file: { name: "a.pdf", contentType: "application/pdf", size: 10, sha256, key: `incoming/${id}` },
    createdAt,
  };
}

function deliveriesOf(letter: Letter, at: string): Delivery[] {
  return letter.recipients.map((recipient) => ({
    letterId: letter.id,
    recipient,
    sender: letter.sender,
    status: "01",
    deliveredAt: at,
    updatedAt: at,
    summary: { code: letter.code, documentType: letter.documentType, subject: letter.subject, urgency: 0 },
  }));
}

describe("the DynamoDB ledger (DynamoDB Local)", () => {
  it("sends a draft only with the file that was checked, all or nothing", async () => {
    // Prepare: a draft whose file is replaced (signed again) after `send` read it.
    const letter = draft("a".repeat(64));
    await ledger.createLetter(letter, () => letter);
    expect(
      await ledger.replaceDraftFile(letter.id, "a".repeat(64), { ...letter.file, sha256: "b".repeat(64) }),
    ).toBe(true);
    const at = new Date().toISOString();
    const sent: Letter = { ...letter, state: "sent", sentAt: at };

    // Act: the send that checked the old file.
    const written = await ledger.markSent(sent, deliveriesOf(letter, at), {
      letterId: letter.id,
      at,
      organCode: letter.sender,
      type: "sent",
    });

    // Assess: nothing was written, not even one delivery.
    expect(written).toBe(false);
    expect(await ledger.listDeliveries(letter.id)).toEqual([]);
    expect((await ledger.getLetter(letter.id))?.state).toBe("draft");

    // The send with the current file goes through, once.
    const current = { ...sent, file: { ...sent.file, sha256: "b".repeat(64) } };
    const event = { letterId: letter.id, at, organCode: letter.sender, type: "sent" as const };
    expect(await ledger.markSent(current, deliveriesOf(letter, at), event)).toBe(true);
    expect(await ledger.markSent(current, deliveriesOf(letter, at), event)).toBe(false);
    expect((await ledger.listDeliveries(letter.id)).map((d) => d.recipient)).toEqual(letter.recipients);
  });

  it("does not replace the file of a sent letter", async () => {
    const letter = draft("c".repeat(64));
    await ledger.createLetter(letter, () => letter);
    const at = new Date().toISOString();
    await ledger.markSent({ ...letter, state: "sent", sentAt: at }, deliveriesOf(letter, at), {
      letterId: letter.id,
      at,
      organCode: letter.sender,
      type: "sent",
    });
    expect(
      await ledger.replaceDraftFile(letter.id, "c".repeat(64), { ...letter.file, sha256: "d".repeat(64) }),
    ).toBe(false);
  });
});
