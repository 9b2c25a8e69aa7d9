import { randomInt } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { FAN_OUT_CHUNK } from "../../shared/exchange/fan-out.ts";
import { Exchange } from "../../shared/exchange/index.ts";
import { LetterVerifier } from "../../shared/exchange/letter-verification.ts";
import type { Caller } from "../../shared/exchange/types.ts";
import { letterMetadata, samplePdf, sha256, testStorage } from "../support/exchange.ts";
import { type FaultyPorts, faultyPorts, InjectedFault } from "../support/faulty-ports.ts";

/**
 * Faults at every step of a send: the Nth call to the ports fails, for every N from 1 to the number
 * of calls a send makes, either before the call reaches storage or after it took effect (its answer
 * lost). After each failure nothing is half-visible; after one retry of `send` the letter is sent and
 * every recipient holds it exactly once.
 */
const { config, ledger, documents } = testStorage();

const block = `${randomInt(100, 999)}.${randomInt(10, 99)}`;
const sender: Caller = { organCode: `${block}.99.G${randomInt(10, 99)}`, role: "integration" };
/** Three chunks: two full, one partial. */
const RECIPIENTS = 2 * FAN_OUT_CHUNK + 10;
const recipients = Array.from({ length: RECIPIENTS }, (_, i) => `${block}.${String(i).padStart(2, "0")}.G01`);
const clerk = (organCode: string): Caller => ({ organCode, role: "clerk" });

beforeAll(async () => {
  await Promise.all(
    [sender.organCode, ...recipients].map((code) =>
      ledger.putOrgan({ code, name: `Cơ quan ${code}`, status: "active" }),
    ),
  );
});

function exchangeOver(ports: Pick<FaultyPorts, "ledger" | "documents">, now?: () => Date): Exchange {
  return new Exchange({
    ...(now ? { now } : {}),
    ledger: ports.ledger,
    documents: ports.documents,
    // The verifier reads the directory itself: its calls are not the send's steps.
    verifier: new LetterVerifier({ ledger, revocation: "off" }),
    maxFileBytes: config.maxFileBytes,
    sendPolicy: "record-only",
  });
}
const plain = () => exchangeOver({ ledger, documents });

async function draft(): Promise<{ id: string; pdf: Uint8Array }> {
  const pdf = await samplePdf("faults");
  const created = await plain().createLetter(sender, {
    ...letterMetadata(recipients),
    urgency: 0,
    file: { name: "cong-van.pdf", contentType: "application/pdf", size: pdf.length, sha256: sha256(pdf) },
  });
  await documents.write(`incoming/${created.letter.id}`, pdf, "application/pdf");
  return { id: created.letter.id, pdf };
}

const bytesOf = (body: Uint8Array | undefined) => (body ? Buffer.from(body) : undefined);

/** What anyone can see between the failure and the retry: nothing half-done. */
async function expectNothingHalfVisible(id: string, pdf: Uint8Array): Promise<void> {
  const letter = await ledger.getLetter(id);
  const copies = await ledger.listDeliveries(id);
  const locked = `letters/${id}/${sha256(pdf)}`;
  if (letter?.state === "draft") {
    expect(copies).toHaveLength(0);
    // Not committed: nothing written under the locked prefixes.
    expect(await documents.read(locked)).toBeUndefined();
    return;
  }
  expect(letter?.file.key).toBe(locked);
  if (copies.length > 0) {
    // A recipient that sees a copy can read the letter's file.
    expect(bytesOf(await documents.read(locked))).toEqual(Buffer.from(pdf));
    expect(await plain().getLetter(clerk(copies[0]?.recipient ?? ""), id)).toMatchObject({ id });
  }
  if (letter?.state === "sent") {
    expect(copies).toHaveLength(RECIPIENTS);
  }
  expect(new Set(copies.map((c) => c.recipient)).size).toBe(copies.length);
}

/** After the retry: sent, one copy per recipient, each inbox holding it once. */
async function expectDeliveredOnce(id: string, pdf: Uint8Array): Promise<void> {
  const letter = await ledger.getLetter(id);
  expect(letter?.state).toBe("sent");
  expect(letter?.pending).toBeUndefined();
  const copies = await ledger.listDeliveries(id);
  expect(copies.map((c) => c.recipient).sort()).toEqual([...recipients].sort());
  expect(bytesOf(await documents.read(letter?.file.key ?? ""))).toEqual(Buffer.from(pdf));
  const report = letter?.verification?.reportKey;
  expect(report?.startsWith("evidence/")).toBe(true);
  expect(await documents.read(report ?? "")).toBeDefined();
  // The chunk boundaries' recipients and the last.
  for (const recipient of [recipients[0], recipients[FAN_OUT_CHUNK], recipients[RECIPIENTS - 1]]) {
    const inbox = await ledger.inbox(recipient ?? "", 100);
    expect(inbox.items.filter((item) => item.letterId === id)).toHaveLength(1);
  }
}

describe("a send under faults", () => {
  let callsOfASend: string[] = [];

  beforeAll(async () => {
    const { id } = await draft();
    const ports = faultyPorts(ledger, documents);
    await exchangeOver(ports).sendLetter(sender, id);
    callsOfASend = [...ports.calls];
  });

  it("makes a bounded number of port calls, the copies in chunks", () => {
    expect(callsOfASend.filter((call) => call === "ledger.putDeliveries")).toHaveLength(3);
    expect(callsOfASend.indexOf("ledger.beginSend")).toBeGreaterThan(callsOfASend.indexOf("documents.read"));
    // The locked objects are written after the commit and before any copy.
    const writes = callsOfASend.flatMap((call, i) => (call === "documents.write" ? [i] : []));
    expect(writes.at(-1)).toBeLessThan(callsOfASend.indexOf("ledger.putDeliveries"));
  });

  for (const mode of ["before", "after"] as const) {
    it(`completes on retry whichever call fails (${mode} it takes effect), each recipient once`, async () => {
      for (let n = 1; n <= callsOfASend.length; n += 1) {
        const { id, pdf } = await draft();
        const ports = faultyPorts(ledger, documents);
        ports.arm(n, mode);
        const failed = await exchangeOver(ports)
          .sendLetter(sender, id)
          .then(() => undefined)
          .catch((error: unknown) => error);
        expect(failed, `call ${n} (${callsOfASend[n - 1]})`).toBeInstanceOf(InjectedFault);
        await expectNothingHalfVisible(id, pdf);

        ports.arm(undefined);
        const sent = await exchangeOver(ports).sendLetter(sender, id);
        expect(sent.state).toBe("sent");
        expect(sent.deliveries).toHaveLength(RECIPIENTS);
        await expectDeliveredOnce(id, pdf);
      }
    }, 240_000);
  }

  it("keeps a copy its recipient already handled when an interrupted send is completed", async () => {
    const { id, pdf } = await draft();
    const ports = faultyPorts(ledger, documents);
    // Fail the second chunk: the first chunk's copies exist.
    ports.arm(callsOfASend.indexOf("ledger.putDeliveries") + 2, "before");
    await expect(exchangeOver(ports).sendLetter(sender, id)).rejects.toBeInstanceOf(InjectedFault);
    expect(await ledger.listDeliveries(id)).toHaveLength(FAN_OUT_CHUNK);
    const early = recipients[0] ?? "";
    await plain().setStatus(clerk(early), id, { status: "03" });

    ports.arm(undefined);
    await exchangeOver(ports).sendLetter(sender, id);
    await expectDeliveredOnce(id, pdf);
    expect((await ledger.getDelivery(id, early))?.status).toBe("03");
    // The sender saw `sending` in between, and sees `sent` now.
    expect((await plain().getLetter(sender, id)).state).toBe("sent");
  });

  it("completes once when several retries run at the same time", async () => {
    const { id, pdf } = await draft();
    const ports = faultyPorts(ledger, documents);
    ports.arm(callsOfASend.indexOf("ledger.putDeliveries") + 1, "after");
    await expect(exchangeOver(ports).sendLetter(sender, id)).rejects.toBeInstanceOf(InjectedFault);
    expect((await plain().getLetter(sender, id)).state).toBe("sending");
    const answers = await Promise.all([plain().sendLetter(sender, id), plain().sendLetter(sender, id)]);
    expect(answers.map((a) => a.state)).toEqual(["sent", "sent"]);
    await expectDeliveredOnce(id, pdf);
  });

  it("is completed by the background sweep when nobody retries, once its grace period is over", async () => {
    const { id, pdf } = await draft();
    const ports = faultyPorts(ledger, documents);
    ports.arm(callsOfASend.indexOf("ledger.putDeliveries") + 2, "before");
    await expect(exchangeOver(ports).sendLetter(sender, id)).rejects.toBeInstanceOf(InjectedFault);
    // Within the grace period the sweep leaves it to the client's retry.
    expect(await plain().completeInterruptedSends({ graceMs: 60_000 })).not.toContain(id);
    const later = exchangeOver({ ledger, documents }, () => new Date(Date.now() + 120_000));
    let swept: string[] = [];
    for (let round = 0; round < 20 && !swept.includes(id); round += 1) {
      swept = await later.completeInterruptedSends({ graceMs: 60_000, limit: 100 });
    }
    expect(swept).toContain(id);
    await expectDeliveredOnce(id, pdf);
    // Finished letters leave the sweep's partition.
    expect(await later.completeInterruptedSends({ graceMs: 60_000, limit: 100 })).not.toContain(id);
  });
});
