/**
 * Who reads which chain (issue 10 items 4 and 5), as a property over generated letters and callers,
 * on DynamoDB Local through the production adapters: the sender reads every copy's history and
 * receipts, a recipient its own copy's (and the sender chain), anyone else nothing (404, the same as
 * a letter that does not exist) — whatever the recipients, the statuses set and the copy asked for.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { historyView } from "../../shared/exchange/history.ts";
import { Lifecycle } from "../../shared/exchange/lifecycle.ts";
import { letterIdOf, vietnamYear } from "../../shared/exchange/numbering.ts";
import type { Caller, Delivery, Letter } from "../../shared/exchange/types.ts";
import { testLedger } from "../support/exchange.ts";

const ledger = testLedger();
const ORGANS = ["000.00.41.P01", "000.00.42.P01", "000.00.43.P01", "000.00.44.P01", "000.00.45.P01"];
const SHA = "c".repeat(64);

/** A sent letter with its copies, written as send writes them (through the ledger's own methods). */
async function sentLetter(sender: string, recipients: string[]): Promise<string> {
  const at = new Date().toISOString();
  const code = { number: String(Math.floor(Math.random() * 1e9)), notation: "TEST-LS" };
  const id = letterIdOf(sender, vietnamYear(at), code); // a letter's id is its number's
  const letter: Letter = {
    id,
    sender,
    state: "sent",
    code,
    documentType: "Công văn",
    subject: `Kiểm thử quyền xem lịch sử ${id}`,
    recipients,
    urgency: 0,
    file: {
      name: "a.pdf",
      contentType: "application/pdf",
      size: 1,
      sha256: SHA,
      key: `letters/${id}/${SHA}`,
    },
    createdAt: at,
    sentAt: at,
  } as Letter;
  await ledger.createLetter(letter, () => letter);
  const copies: Delivery[] = recipients.map((recipient) => ({
    letterId: id,
    recipient,
    sender,
    status: "01",
    deliveredAt: at,
    updatedAt: at,
    summary: { code: letter.code, documentType: letter.documentType, subject: letter.subject, urgency: 0 },
  }));
  await ledger.putDeliveries(copies);
  return id;
}

describe("history visibility", () => {
  it("the sender reads every copy, a recipient its own, anyone else nothing", async () => {
    for (const code of ORGANS) {
      await ledger.putOrgan({ code, name: `Cơ quan kiểm thử ${code}`, status: "active" });
    }
    const lifecycle = new Lifecycle({ ledger, events: ledger.events });
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(ORGANS, { minLength: 3, maxLength: 5 }),
        fc.nat(10),
        fc.constantFrom("sender", "recipient", "outsider"),
        fc.boolean(),
        fc.boolean(),
        async ([sender, ...others], pick, role, accept, narrow) => {
          const recipients = others.slice(0, Math.max(1, others.length - 1));
          const outsider = ORGANS.find((code) => code !== sender && !recipients.includes(code))!;
          const id = await sentLetter(sender!, recipients);
          const own = recipients[pick % recipients.length]!;
          if (accept) {
            await lifecycle.setStatus({ organCode: own, role: "clerk" }, id, { status: "03" });
          }
          const organ = role === "sender" ? sender! : role === "recipient" ? own : outsider;
          const caller: Caller = { organCode: organ, role: "clerk" };
          const asked = narrow ? recipients[(pick + 1) % recipients.length] : undefined;
          const read = historyView(ledger, ledger.events, caller, id, asked);
          if (role === "outsider" || (role === "recipient" && asked !== undefined && asked !== own)) {
            await expect(read).rejects.toMatchObject({ code: "LETTER_NOT_FOUND" });
            return;
          }
          const owners = (await read).chains.map((chain) => chain.owner).sort();
          const copies = role === "sender" ? (asked ? [asked] : recipients) : [own];
          expect(owners).toEqual([...copies, "sender"].sort());
        },
      ),
      { numRuns: 20 },
    );
  });
});
