import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isExchangeError } from "../../../shared/errors/index.ts";
import { Exchange, type SendPolicy } from "../../../shared/exchange/index.ts";
import type { DocumentStore, ExchangeLedger } from "../../../shared/exchange/ports.ts";
import type { Caller, Delivery, Letter, Organ } from "../../../shared/exchange/types.ts";
import type { Indication, ValidationReport } from "../../../shared/verification/report.ts";

/** The part of the ledger `send` uses, in memory, with the same conditions as the DynamoDB one. */
class MemoryLedger {
  readonly letters = new Map<string, Letter>();
  readonly deliveries: Delivery[] = [];
  readonly organs = new Map<string, Organ["status"]>(
    ["000.00.00.H53", "000.00.11.H53", "000.00.12.H53"].map((code) => [code, "active"]),
  );

  async organStatuses(codes: readonly string[]) {
    return new Map(codes.flatMap((code) => (this.organs.has(code) ? [[code, this.organs.get(code)!]] : [])));
  }
  async getLetter(id: string) {
    return this.letters.get(id);
  }
  async listDeliveries(id: string) {
    return this.deliveries.filter((d) => d.letterId === id);
  }
  async beginSend(letter: Letter, expectedSha256: string) {
    const current = this.letters.get(letter.id);
    if (current?.state !== "draft" || current.file.sha256 !== expectedSha256) {
      return false;
    }
    this.letters.set(letter.id, letter);
    return true;
  }
  async putDeliveries(deliveries: readonly Delivery[]) {
    for (const delivery of deliveries) {
      if (
        !this.deliveries.some((d) => d.letterId === delivery.letterId && d.recipient === delivery.recipient)
      ) {
        this.deliveries.push(delivery);
      }
    }
  }
  async finishSend(id: string) {
    const current = this.letters.get(id);
    if (current?.state === "sending") {
      const { pending: _pending, ...rest } = current;
      this.letters.set(id, { ...rest, state: "sent" });
    }
  }
  async recordSendRefusal(id: string, sha256: string, verification: NonNullable<Letter["verification"]>) {
    const current = this.letters.get(id);
    if (current?.state !== "draft" || current.file.sha256 !== sha256) {
      return false;
    }
    this.letters.set(id, { ...current, verification });
    return true;
  }
}

class MemoryDocuments {
  readonly objects = new Map<string, Uint8Array>();
  async read(key: string) {
    return this.objects.get(key);
  }
  async write(key: string, body: Uint8Array) {
    this.objects.set(key, body);
  }
  async presignDownload(key: string) {
    return { url: `memory://${key}`, expiresAt: "2026-01-02T03:09:05.000Z" };
  }
}

const caller: Caller = { organCode: "000.00.00.H53", role: "clerk" };
const FILE = new TextEncoder().encode("%PDF-1.7 a letter");
const SHA256 = createHash("sha256").update(FILE).digest("hex");

function report(verdict: Indication): ValidationReport {
  return {
    verdict,
    validationTime: "2026-01-02T03:04:05.000Z",
    document: { kind: "pdf", sha256: SHA256, size: FILE.length, revisions: 2 },
    policy: { revocation: "require", expectedOrganCode: caller.organCode },
    problems: [],
    signatures: [],
  };
}

function setUp(policy: SendPolicy | undefined, verdict: Indication) {
  const ledger = new MemoryLedger();
  const documents = new MemoryDocuments();
  const id = "6f1c2c7e-0000-4000-8000-000000000001";
  ledger.letters.set(id, {
    id,
    sender: caller.organCode,
    state: "draft",
    code: { number: "1", notation: "UBND-VP" },
    documentType: "Công văn",
    subject: "V/v kiểm thử",
    recipients: ["000.00.11.H53", "000.00.12.H53"],
    urgency: 0,
    file: {
      name: "a.pdf",
      contentType: "application/pdf",
      size: FILE.length,
      sha256: SHA256,
      key: `incoming/${id}`,
    },
    createdAt: "2026-01-01T00:00:00.000Z",
  });
  documents.objects.set(`incoming/${id}`, FILE);
  const exchange = new Exchange({
    ledger: ledger as unknown as ExchangeLedger,
    documents: documents as unknown as DocumentStore,
    verifier: { verify: async () => report(verdict) },
    maxFileBytes: 1024,
    ...(policy ? { sendPolicy: policy } : {}),
  });
  return { exchange, ledger, documents, id };
}

async function refusalOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isExchangeError(error, "SIGNATURE_POLICY_FAILED")) {
    throw new Error(`expected SIGNATURE_POLICY_FAILED, got ${String(error)}`);
  }
  return error;
}

const CASES: readonly [SendPolicy | undefined, Indication, "delivered" | "refused"][] = [
  [undefined, "TOTAL_PASSED", "delivered"],
  [undefined, "INDETERMINATE", "refused"],
  [undefined, "TOTAL_FAILED", "refused"],
  ["require-total-passed", "TOTAL_PASSED", "delivered"],
  ["require-total-passed", "INDETERMINATE", "refused"],
  ["require-total-passed", "TOTAL_FAILED", "refused"],
  ["allow-indeterminate", "TOTAL_PASSED", "delivered"],
  ["allow-indeterminate", "INDETERMINATE", "delivered"],
  ["allow-indeterminate", "TOTAL_FAILED", "refused"],
  ["record-only", "TOTAL_PASSED", "delivered"],
  ["record-only", "INDETERMINATE", "delivered"],
  ["record-only", "TOTAL_FAILED", "delivered"],
];

describe("Exchange.sendLetter under each send policy", () => {
  for (const [policy, verdict, decision] of CASES) {
    const inForce = policy ?? "require-total-passed";
    it(`${policy ?? "(default)"} + ${verdict} → ${decision}`, async () => {
      const { exchange, ledger, documents, id } = setUp(policy, verdict);
      expect(exchange.sendPolicy).toBe(inForce);

      if (decision === "delivered") {
        const sent = await exchange.sendLetter(caller, id);
        expect(sent.state).toBe("sent");
        expect(sent.verification).toMatchObject({ verdict, policy: inForce, decision, fileSha256: SHA256 });
        expect(ledger.deliveries.map((d) => [d.recipient, d.summary.verdict])).toEqual([
          ["000.00.11.H53", verdict],
          ["000.00.12.H53", verdict],
        ]);
        expect(ledger.letters.get(id)?.verification?.policy).toBe(inForce);
        expect(documents.objects.has(`letters/${id}/${SHA256}`)).toBe(true);
        return;
      }

      const refusal = await refusalOf(exchange.sendLetter(caller, id));
      expect(refusal.detail).toContain(inForce);
      expect(refusal.meta?.["problem"]).toMatchObject({
        verification: { verdict, policy: inForce, decision: "refused", fileSha256: SHA256 },
        report: `/v1/letters/${id}/verification`,
      });
      // Nothing delivered, nothing filed under letters/, the draft kept with the attempt and its report.
      expect(ledger.deliveries).toEqual([]);
      expect([...documents.objects.keys()].some((key) => key.startsWith("letters/"))).toBe(false);
      const kept = ledger.letters.get(id)!;
      expect(kept.state).toBe("draft");
      expect(kept.verification).toMatchObject({ verdict, policy: inForce, decision: "refused" });
      expect(await exchange.verificationReport(caller, id)).toEqual(report(verdict));
      expect((await exchange.getLetter(caller, id)).verification).not.toHaveProperty("reportKey");
    });
  }

  it("refuses to start without a verifier under a policy that judges verdicts", () => {
    const base = { ledger: {} as ExchangeLedger, documents: {} as DocumentStore, maxFileBytes: 1 };
    expect(() => new Exchange(base)).toThrowError(/needs a verifier/);
    expect(() => new Exchange({ ...base, sendPolicy: "allow-indeterminate" })).toThrowError(
      /needs a verifier/,
    );
    expect(() => new Exchange({ ...base, sendPolicy: "record-only" })).not.toThrow();
  });
});

describe("Exchange.sendLetter and the directory", () => {
  const STATUSES = ["active", "inactive", "merged", "unknown"] as const;

  it("delivers only when the sender and every recipient are active, and names exactly the others (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...STATUSES),
        fc.constantFrom(...STATUSES),
        fc.constantFrom(...STATUSES),
        async (senderStatus, first, second) => {
          // Prepare: the directory as generated; "unknown" is an organ the directory lacks.
          const { exchange, ledger, documents, id } = setUp(undefined, "TOTAL_PASSED");
          const set = (code: string, status: (typeof STATUSES)[number]) =>
            status === "unknown" ? ledger.organs.delete(code) : ledger.organs.set(code, status);
          set(caller.organCode, senderStatus);
          set("000.00.11.H53", first);
          set("000.00.12.H53", second);

          const outcome = await exchange.sendLetter(caller, id).then(
            () => undefined,
            (error: unknown) => error as { code: string; meta?: Record<string, unknown> },
          );

          const recipients = { "000.00.11.H53": first, "000.00.12.H53": second };
          const inactive = Object.entries(recipients).filter(([, s]) => s === "inactive" || s === "merged");
          if (senderStatus !== "active") {
            expect(outcome?.code).toBe("ORGAN_INACTIVE");
          } else if (first === "unknown" || second === "unknown") {
            expect(outcome?.code).toBe("ORGAN_NOT_FOUND");
          } else if (inactive.length > 0) {
            expect(outcome?.code).toBe("RECIPIENT_INACTIVE");
            expect(outcome?.meta?.["inactive"]).toEqual(
              inactive.map(([organCode, status]) => ({ organCode, status })),
            );
          } else {
            expect(outcome).toBeUndefined();
          }
          // Assess: delivered to all or to none, and nothing kept under the locked prefixes unless sent.
          const sent = outcome === undefined;
          expect(ledger.deliveries).toHaveLength(sent ? 2 : 0);
          const locked = [...documents.objects.keys()].filter(
            (k) => k.startsWith("letters/") || k.startsWith("evidence/"),
          );
          expect(locked).toHaveLength(sent ? 2 : 0);
        },
      ),
    );
  });
});
