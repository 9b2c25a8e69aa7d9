/**
 * Issue 9, items 5, 11 and 12, against DynamoDB Local and the local S3 server through the
 * production adapters: organ status enforced at every write, errors that say what happened, the
 * same reads for another organ's letter as for a missing one, sealed cursors, and no object left
 * under the locked prefixes by a send that does not commit.
 */
import { randomInt, randomUUID } from "node:crypto";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../shared/errors/codes.ts";
import { isExchangeError } from "../../shared/errors/index.ts";
import { Exchange, type ExchangeOptions } from "../../shared/exchange/index.ts";
import { LetterVerifier } from "../../shared/exchange/letter-verification.ts";
import type { ExchangeLedger } from "../../shared/exchange/ports.ts";
import type { Caller, Organ } from "../../shared/exchange/types.ts";
import { createS3Client, S3DocumentStore } from "../../shared/storage/index.ts";
import { ITEM_KEYS } from "../../shared/storage/schema.ts";
import { letterMetadata, samplePdf, sha256, testStorage } from "../support/exchange.ts";

const { config, dynamo, s3, ledger, documents } = testStorage();

/** Organs of this file only (the demo organs are shared with every other test file). */
async function organ(status: Organ["status"] = "active"): Promise<Caller> {
  const code = `${randomInt(100, 999)}.${randomInt(10, 99)}.${randomInt(10, 99)}.Q${randomInt(10, 99)}`;
  await ledger.putOrgan({ code, name: `Cơ quan thử ${code}`, status });
  return { organCode: code, role: "integration" };
}

const clerkOf = (caller: Caller): Caller => ({ ...caller, role: "clerk" });

function exchangeWith(options: Partial<ExchangeOptions> = {}): Exchange {
  return new Exchange({
    ledger,
    documents,
    verifier: new LetterVerifier({ ledger, revocation: "off" }),
    maxFileBytes: config.maxFileBytes,
    sendPolicy: "record-only",
    ...options,
  });
}

/** A draft from `sender` to `recipients` with its file uploaded; its id and bytes. */
async function draft(exchange: Exchange, sender: Caller, recipients: string[]) {
  const pdf = await samplePdf();
  const created = await exchange.createLetter(sender, {
    ...letterMetadata(recipients),
    urgency: 0,
    file: { name: "a.pdf", contentType: "application/pdf" as const, size: pdf.length, sha256: sha256(pdf) },
  });
  await documents.write(`incoming/${created.letter.id}`, pdf, "application/pdf");
  return { id: created.letter.id, pdf };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; detail?: string; meta?: object }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isExchangeError(error)) {
    throw new Error(`expected an ExchangeError, got ${String(error)}`);
  }
  return { code: error.code, ...(error.detail ? { detail: error.detail } : {}), meta: error.meta ?? {} };
}

/** Every object key under the locked prefixes for one letter. */
async function lockedKeys(id: string): Promise<string[]> {
  const keys: string[] = [];
  for (const prefix of [`letters/${id}/`, `evidence/${id}/`]) {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: config.bucketName, Prefix: prefix }));
    keys.push(...(out.Contents ?? []).map((object) => object.Key ?? ""));
  }
  return keys.sort();
}

async function eventCount(id: string): Promise<number> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: config.tableName,
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :evt)",
      ExpressionAttributeValues: marshall({ ":pk": ITEM_KEYS.letter(id).PK, ":evt": "EVT#" }),
      ConsistentRead: true,
    }),
  );
  return out.Count ?? 0;
}

describe("organ status is enforced at every action (item 5)", () => {
  it("an inactive or merged organ's key reads but writes nothing", async () => {
    const exchange = exchangeWith();
    const [sender, recipient] = [await organ(), await organ()];
    const { id } = await draft(exchange, sender, [recipient.organCode]);
    const sent = await draft(exchange, recipient, [sender.organCode]);
    await exchange.sendLetter(recipient, sent.id);

    for (const status of ["inactive", "merged"] as const) {
      await ledger.putOrgan({ code: sender.organCode, name: "x", status });
      const pdf = await samplePdf();
      const file = {
        name: "a.pdf",
        contentType: "application/pdf" as const,
        size: pdf.length,
        sha256: sha256(pdf),
      };
      const writes = [
        () => exchange.createLetter(sender, { ...letterMetadata([recipient.organCode]), urgency: 0, file }),
        () => exchange.replaceFile(sender, id, file),
        () => exchange.sendLetter(sender, id),
        () => exchange.setStatus(clerkOf(sender), sent.id, { status: "03" }),
      ];
      for (const write of writes) {
        const refused = await codeOf(write());
        expect(refused.code).toBe("ORGAN_INACTIVE");
        expect(refused.detail).toContain(status);
      }
      // Reading its archive stays possible.
      expect((await exchange.getLetter(sender, id)).state).toBe("draft");
      expect((await exchange.inbox(sender, { limit: 10 })).items.map((i) => i.letterId)).toContain(sent.id);
    }
    expect(ERROR_CODES.ORGAN_INACTIVE.status).toBe(403);
    expect((await ledger.getLetter(id))?.state).toBe("draft");
    expect((await ledger.getDelivery(sent.id, sender.organCode))?.status).toBe("01");
  });

  it("a draft addressed to an organ deactivated or merged since is delivered to no one", async () => {
    const exchange = exchangeWith();
    for (const status of ["inactive", "merged"] as const) {
      const [sender, stays, leaves] = [await organ(), await organ(), await organ()];
      const { id } = await draft(exchange, sender, [stays.organCode, leaves.organCode]);
      await ledger.putOrgan({ code: leaves.organCode, name: "x", status });

      const refused = await codeOf(exchange.sendLetter(sender, id));
      expect(refused.code).toBe("RECIPIENT_INACTIVE");
      expect(refused.detail).toContain(leaves.organCode);
      expect(refused.detail).not.toContain(stays.organCode);
      expect(refused.meta).toMatchObject({ inactive: [{ organCode: leaves.organCode, status }] });
      expect((await ledger.getLetter(id))?.state).toBe("draft");
      expect(await ledger.listDeliveries(id)).toEqual([]);
      expect((await exchange.inbox(stays, { limit: 50 })).items.map((i) => i.letterId)).not.toContain(id);
      expect(await lockedKeys(id)).toEqual([]);

      // Creating a letter to it is refused the same way; an unknown code stays ORGAN_NOT_FOUND.
      const pdf = await samplePdf();
      const file = {
        name: "a.pdf",
        contentType: "application/pdf" as const,
        size: pdf.length,
        sha256: sha256(pdf),
      };
      const create = (recipients: string[]) =>
        codeOf(exchange.createLetter(sender, { ...letterMetadata(recipients), urgency: 0, file }));
      expect((await create([leaves.organCode])).code).toBe("RECIPIENT_INACTIVE");
      expect((await create(["999.99.99.Z99"])).code).toBe("ORGAN_NOT_FOUND");
    }
    expect(ERROR_CODES.RECIPIENT_INACTIVE.status).toBe(409);
  });
});

describe("organ status in the ledger's own writes (item 5, races and the signing routes)", () => {
  it("a file replacement or a status change by an organ deactivated meanwhile writes nothing", async () => {
    // Prepare: the checks of the exchange have passed; the organ is deactivated before the write
    // (POST /v1/sign and /v1/sign/complete replace a draft's file through this same write).
    const exchange = exchangeWith();
    const [sender, recipient] = [await organ(), await organ()];
    const { id } = await draft(exchange, sender, [recipient.organCode]);
    const sent = await draft(exchange, recipient, [sender.organCode]);
    await exchange.sendLetter(recipient, sent.id);
    const letter = (await ledger.getLetter(id))!;
    const delivery = (await ledger.getDelivery(sent.id, sender.organCode))!;
    await ledger.putOrgan({ code: sender.organCode, name: "x", status: "merged" });

    const file = { ...letter.file, sha256: "c".repeat(64), key: `incoming/${id}/${"c".repeat(64)}` };
    await expect(ledger.replaceDraftFile(id, letter.file.sha256, file)).rejects.toMatchObject({
      code: "ORGAN_INACTIVE",
    });
    await expect(
      ledger.updateDeliveryStatus(delivery, ["01"], { status: "03", at: new Date().toISOString() }),
    ).rejects.toMatchObject({ code: "ORGAN_INACTIVE" });
    expect((await ledger.getLetter(id))?.file.sha256).toBe(letter.file.sha256);
    expect((await ledger.getDelivery(sent.id, sender.organCode))?.status).toBe("01");
    // A stale file is still told apart from an inactive organ.
    await ledger.putOrgan({ code: sender.organCode, name: "x", status: "active" });
    expect(await ledger.replaceDraftFile(id, "0".repeat(64), file)).toBe(false);
  });
});

describe("errors that say what happened (item 11)", () => {
  it("the sender setting a status on its own letter → 403 NOT_A_RECIPIENT", async () => {
    const exchange = exchangeWith();
    const [sender, recipient] = [await organ(), await organ()];
    const { id } = await draft(exchange, sender, [recipient.organCode]);
    expect((await codeOf(exchange.setStatus(clerkOf(sender), id, { status: "03" }))).code).toBe(
      "NOT_A_RECIPIENT",
    );
    await exchange.sendLetter(sender, id);
    const refused = await codeOf(exchange.setStatus(clerkOf(sender), id, { status: "03" }));
    expect(refused.code).toBe("NOT_A_RECIPIENT");
    expect(ERROR_CODES.NOT_A_RECIPIENT.status).toBe(403);
    expect((await ledger.getDelivery(id, recipient.organCode))?.status).toBe("01");
    // A stranger still cannot tell the letter from a missing one.
    const stranger = clerkOf(await organ());
    expect((await codeOf(exchange.setStatus(stranger, id, { status: "03" }))).code).toBe("LETTER_NOT_FOUND");
  });

  it("/verification of one's own unverified draft → LETTER_NOT_VERIFIED, not 'no such letter'", async () => {
    const exchange = exchangeWith();
    const [sender, recipient] = [await organ(), await organ()];
    const { id } = await draft(exchange, sender, [recipient.organCode]);
    const refused = await codeOf(exchange.verificationReport(sender, id));
    expect(refused).toMatchObject({ code: "LETTER_NOT_VERIFIED", meta: { state: "draft" } });
    expect(refused.detail).toContain(`/v1/letters/${id}/verify`);
    // Once sent, the report kept at send answers it.
    await exchange.sendLetter(sender, id);
    expect((await exchange.verificationReport(sender, id)).document.sha256).toBeTypeOf("string");
  });

  it("repeating the status a copy already has → the copy unchanged, no new history event", async () => {
    const exchange = exchangeWith();
    const [sender, recipient] = [await organ(), await organ()];
    const { id } = await draft(exchange, sender, [recipient.organCode]);
    await exchange.sendLetter(sender, id);
    const clerk = clerkOf(recipient);
    const first = await exchange.setStatus(clerk, id, { status: "03" });
    const events = await eventCount(id);
    const again = await exchange.setStatus(clerk, id, { status: "03" });
    expect(again).toEqual(first);
    expect(await eventCount(id)).toBe(events);

    await exchange.setStatus(clerk, id, { status: "05" });
    await exchange.setStatus(clerk, id, { status: "06" });
    expect((await exchange.setStatus(clerk, id, { status: "06" })).status).toBe("06");
    // A repeated refusal with another reason would rewrite history: still refused.
    const other = await draft(exchange, sender, [recipient.organCode]);
    await exchange.sendLetter(sender, other.id);
    await exchange.setStatus(clerk, other.id, { status: "02", reason: "Sai thể thức" });
    expect((await exchange.setStatus(clerk, other.id, { status: "02", reason: "Sai thể thức" })).reason).toBe(
      "Sai thể thức",
    );
    expect((await codeOf(exchange.setStatus(clerk, other.id, { status: "02", reason: "Khác" }))).code).toBe(
      "STATUS_NOT_ALLOWED",
    );
  });

  it("another organ's letter costs the same reads as a missing one, on every route", async () => {
    // Prepare: a ledger that records every call the exchange makes through its port.
    const calls: string[] = [];
    const counting = new Proxy(ledger, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== "function") {
          return value;
        }
        return (...args: unknown[]) => {
          calls.push(String(name));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as ExchangeLedger;
    const plain = exchangeWith();
    const exchange = exchangeWith({ ledger: counting });
    const [owner, recipient] = [await organ(), await organ()];
    const stranger = await organ();
    const draftOf = (await draft(plain, owner, [recipient.organCode])).id;
    const sentOf = (await draft(plain, owner, [recipient.organCode])).id;
    await plain.sendLetter(owner, sentOf);
    await plain.setStatus(clerkOf(recipient), sentOf, { status: "03" });

    const pdf = await samplePdf();
    const file = {
      name: "a.pdf",
      contentType: "application/pdf" as const,
      size: pdf.length,
      sha256: sha256(pdf),
    };
    const routes: Record<string, (id: string) => Promise<unknown>> = {
      get: (id) => exchange.getLetter(stranger, id),
      verification: (id) => exchange.verificationReport(stranger, id),
      verify: (id) => exchange.verifyLetter(stranger, id),
      status: (id) => exchange.setStatus(clerkOf(stranger), id, { status: "05" }),
      send: (id) => exchange.sendLetter(stranger, id),
      replace: (id) => exchange.replaceFile(stranger, id, file),
    };
    for (const [route, call] of Object.entries(routes)) {
      const seen: Record<string, string[]> = {};
      for (const [what, id] of [
        ["missing", randomUUID()],
        ["another organ's draft", draftOf],
        ["another organ's sent letter", sentOf],
      ] as const) {
        calls.length = 0;
        expect((await codeOf(call(id))).code, `${route}: ${what}`).toBe("LETTER_NOT_FOUND");
        seen[what] = [...calls];
      }
      // Assess: the same port calls in the same order, whichever letter it was.
      expect(seen["another organ's draft"], route).toEqual(seen["missing"]);
      expect(seen["another organ's sent letter"], route).toEqual(seen["missing"]);
    }
  });

  it("cursors are sealed: unreadable, and a forged, altered or borrowed one → INVALID_CURSOR", async () => {
    const exchange = exchangeWith();
    const [sender, recipient, other] = [await organ(), await organ(), await organ()];
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { id } = await draft(exchange, sender, [recipient.organCode, other.organCode]);
      await exchange.sendLetter(sender, id);
      ids.push(id);
    }
    const page1 = await exchange.inbox(recipient, { limit: 2 });
    const cursor = page1.nextCursor ?? "";
    expect(page1.items.map((i) => i.letterId)).toEqual([ids[2], ids[1]]);
    // Nothing of the key layout shows through, in any decoding.
    for (const encoding of ["base64url", "base64", "latin1"] as const) {
      const text = Buffer.from(cursor, encoding).toString("latin1");
      for (const leak of ["INBOX#", "GSI1", "DOC#", "TO#", recipient.organCode, ids[1]!]) {
        expect(text).not.toContain(leak);
      }
    }
    const page2 = await exchange.inbox(recipient, { limit: 2, cursor });
    expect(page2.items.map((i) => i.letterId)).toEqual([ids[0]]);

    const forged = Buffer.from(
      JSON.stringify({
        PK: `DOC#${ids[0]}`,
        SK: `TO#${recipient.organCode}`,
        GSI1PK: `INBOX#${recipient.organCode}`,
        GSI1SK: "9999",
      }),
    ).toString("base64url");
    const bytes = Buffer.from(cursor, "base64url");
    bytes[bytes.length >> 1]! ^= 1;
    const altered = bytes.toString("base64url");
    const refusals = [
      () => exchange.inbox(recipient, { limit: 2, cursor: forged }),
      () => exchange.inbox(recipient, { limit: 2, cursor: altered }),
      () => exchange.inbox(other, { limit: 2, cursor }), // another organ's cursor
      () => exchange.outbox(recipient, { limit: 2, cursor }), // an inbox cursor on the outbox
    ];
    for (const refusal of refusals) {
      const refused = await codeOf(refusal());
      expect(refused.code).toBe("INVALID_CURSOR");
      expect(refused.detail).toMatch(/cursor/);
    }
  });
});

describe("no orphans under Object Lock (item 12)", () => {
  it("a send refused by policy leaves nothing under letters/ or evidence/; its report stays readable", async () => {
    const exchange = exchangeWith({ sendPolicy: "require-total-passed" });
    const [sender, recipient] = [await organ(), await organ()];
    const { id } = await draft(exchange, sender, [recipient.organCode]);
    expect((await codeOf(exchange.sendLetter(sender, id))).code).toBe("SIGNATURE_POLICY_FAILED");
    expect(await lockedKeys(id)).toEqual([]);
    expect((await exchange.verificationReport(sender, id)).verdict).not.toBe("TOTAL_PASSED");
  });

  it("a send that loses the race to a new file writes nothing locked", async () => {
    // Prepare: the draft is signed again (its file replaced) while `send` verifies the old file.
    const [sender, recipient] = [await organ(), await organ()];
    const real = new LetterVerifier({ ledger, revocation: "off" });
    let letterId = "";
    const exchange = exchangeWith({
      verifier: {
        verify: async (bytes, organCode) => {
          const current = await ledger.getLetter(letterId);
          const file = {
            ...current!.file,
            sha256: "b".repeat(64),
            key: `incoming/${letterId}/${"b".repeat(64)}`,
          };
          await ledger.replaceDraftFile(letterId, current!.file.sha256, file);
          return real.verify(bytes, organCode);
        },
      },
    });
    const { id } = await draft(exchange, sender, [recipient.organCode]);
    letterId = id;
    expect((await codeOf(exchange.sendLetter(sender, id))).code).toBe("LETTER_CHANGED");
    expect(await lockedKeys(id)).toEqual([]);
  });

  it("two sends racing: one report and one file, the winner's", async () => {
    // Prepare: both requests are inside verification before either writes (a two-party barrier).
    const [sender, recipient] = [await organ(), await organ()];
    const real = new LetterVerifier({ ledger, revocation: "off" });
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothIn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const exchange = exchangeWith({
      verifier: {
        verify: async (bytes, organCode) => {
          arrived += 1;
          if (arrived === 2) {
            release();
          }
          await bothIn;
          return real.verify(bytes, organCode);
        },
      },
    });
    const { id, pdf } = await draft(exchange, sender, [recipient.organCode]);
    const [a, b] = await Promise.all([exchange.sendLetter(sender, id), exchange.sendLetter(sender, id)]);
    expect(a).toEqual(b);
    const keys = await lockedKeys(id);
    expect(keys.filter((key) => key.startsWith("evidence/"))).toHaveLength(1);
    expect(keys.filter((key) => key.startsWith("letters/"))).toEqual([`letters/${id}/${sha256(pdf)}`]);
    const stored = await ledger.getLetter(id);
    expect(keys).toContain(stored?.verification?.reportKey);
  });

  it("a successful send still writes its file and report with COMPLIANCE retention", async () => {
    // Prepare: the adapter configured as in production; every PutObject request it sends is seen.
    const client = createS3Client(config);
    const puts: { key: string; headers: Record<string, string> }[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "PutObjectCommand") {
          const request = args.request as { headers: Record<string, string> };
          puts.push({ key: (args.input as { Key: string }).Key, headers: { ...request.headers } });
        }
        return next(args);
      },
      { step: "finalizeRequest", name: "seePuts" },
    );
    const locked = new S3DocumentStore({
      client,
      bucket: config.bucketName,
      ttlSeconds: 60,
      objectLock: { mode: "COMPLIANCE", retentionDays: 3650 },
    });
    const exchange = exchangeWith({ documents: locked });
    const [sender, recipient] = [await organ(), await organ()];
    const { id, pdf } = await draft(exchange, sender, [recipient.organCode]);
    const before = Date.now();
    await exchange.sendLetter(sender, id);
    client.destroy();

    // The report also waits under incoming/ (unlocked) until the send is complete (fan-out.ts).
    const unlocked = puts.filter((put) => put.key.startsWith("incoming/"));
    expect(unlocked).toHaveLength(1);
    expect(unlocked[0]?.headers["x-amz-object-lock-mode"]).toBeUndefined();
    const lockedPuts = puts.filter((put) => !put.key.startsWith("incoming/"));
    expect(lockedPuts.map((put) => put.key).sort()).toEqual(await lockedKeys(id));
    expect(lockedPuts).toHaveLength(2);
    for (const put of lockedPuts) {
      expect(put.headers["x-amz-object-lock-mode"], put.key).toBe("COMPLIANCE");
      const until = Date.parse(put.headers["x-amz-object-lock-retain-until-date"] ?? "");
      expect(until - before).toBeGreaterThan(3649 * 86_400_000);
    }
    expect(Buffer.from((await documents.read(`letters/${id}/${sha256(pdf)}`))!)).toEqual(Buffer.from(pdf));
  });
});
