import type { ChildProcess } from "node:child_process";
import { createHash, randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LienthongClient, type SentLetter, uploadFile } from "../../local/api-client.ts";
import { demoKeyOf } from "../../local/bootstrap.ts";
import { freePort } from "../../local/emulators/ports.ts";
import type { RuntimeConfig } from "../../shared/config.ts";
import { createDynamoClient, DynamoLedger } from "../../shared/storage/index.ts";
import { letterMetadata, samplePdf } from "../support/exchange.ts";
import { killGroup, startRuntimeGroup } from "./processes.ts";

/**
 * The local runtime killed with SIGKILL (the whole process group: API, DynamoDB Local, S3 server) in
 * the middle of a 500-recipient send, started again on the same data, and the send retried: every
 * recipient holds the letter exactly once. The 500 organs are added here through the ledger, not
 * by the demo seed.
 */
const dataDir = mkdtempSync(join(tmpdir(), "lienthong-crash-"));
const running: ChildProcess[] = [];

afterAll(() => {
  for (const child of running) {
    killGroup(child);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` in its own process group, until it is running; its DynamoDB endpoint. */
function start(port: number, crlPort: number): Promise<{ child: ChildProcess; dynamodb: string }> {
  return startRuntimeGroup({
    port,
    crlPort,
    dataDir,
    running,
    // Unsigned test letters: the verdict is recorded, not judged (the fan-out is what is tested).
    env: { LOG_LEVEL: "silent", LIENTHONG_SEND_POLICY: "record-only" },
  });
}

function ledgerAt(endpoint: string): { ledger: DynamoLedger; close: () => void } {
  const config: RuntimeConfig = {
    region: "ap-southeast-1",
    tableName: "lienthong",
    bucketName: "lienthong-letters",
    dynamodbEndpoint: endpoint,
    presignTtlSeconds: 60,
    maxFileBytes: 1024,
    revocation: "off",
  };
  const client = createDynamoClient(config);
  return { ledger: new DynamoLedger(client, config.tableName), close: () => client.destroy() };
}

const block = randomInt(100, 999);
const recipients = Array.from(
  { length: 500 },
  (_, i) => `${block}.${String(Math.floor(i / 100) + 10)}.${String(i % 100).padStart(2, "0")}.K01`,
);
const SENDER = "000.00.00.H53";

describe("a 500-recipient send killed with SIGKILL", () => {
  it("completes on retry after a restart, each recipient holding the letter exactly once", async () => {
    const port = await freePort();
    const crlPort = await freePort();
    const first = await start(port, crlPort);
    const one = ledgerAt(first.dynamodb);
    for (let i = 0; i < recipients.length; i += 50) {
      await Promise.all(
        recipients
          .slice(i, i + 50)
          .map((code) => one.ledger.putOrgan({ code, name: `Xã thử ${code}`, status: "active" })),
      );
    }
    const sender = new LienthongClient(
      `http://127.0.0.1:${port}`,
      demoKeyOf(join(dataDir, "demo-keys.json"), SENDER, "integration"),
    );
    const pdf = await samplePdf("crash");
    const created = await sender.createLetter(letterMetadata(recipients), pdf, "cong-van.pdf");
    await uploadFile(created.upload, pdf);
    const id = created.letter.id;

    // Send, and kill everything as soon as the first chunk of copies is in the table.
    const sending = sender.request("POST", `/v1/letters/${id}/send`).catch((error: unknown) => error);
    const deadline = Date.now() + 60_000;
    while (!(await one.ledger.getDelivery(id, recipients[0] ?? ""))) {
      if (Date.now() > deadline) {
        throw new Error("the send never showed as sending");
      }
    }
    killGroup(first.child);
    await sending; // the connection broke
    one.close();

    const second = await start(port, crlPort);
    const two = ledgerAt(second.dynamodb);
    const interrupted = await two.ledger.getLetter(id);
    const before = await two.ledger.listDeliveries(id);
    expect(interrupted?.state).toBe("sending");
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(500);

    const retried = await sender.call<SentLetter>("POST", `/v1/letters/${id}/send`);
    expect(retried.state).toBe("sent");
    expect(retried.deliveries).toHaveLength(500);
    const copies = await two.ledger.listDeliveries(id);
    expect(copies.map((c) => c.recipient).sort()).toEqual([...recipients].sort());
    for (let i = 0; i < recipients.length; i += 50) {
      await Promise.all(
        recipients.slice(i, i + 50).map(async (code) => {
          const inbox = await two.ledger.inbox(code, 100);
          expect(inbox.items.filter((item) => item.letterId === id)).toHaveLength(1);
        }),
      );
    }
    // A recipient reads it through the API, file included.
    const key = `lt_crash_${randomInt(1e9)}`;
    await two.ledger.putApiKey(
      createHash("sha256").update(key).digest("hex"),
      recipients[499] ?? "",
      "clerk",
    );
    const seen = await new LienthongClient(`http://127.0.0.1:${port}`, key).call<SentLetter>(
      "GET",
      `/v1/letters/${id}`,
    );
    expect(seen.download?.url).toBeDefined();
    const file = await fetch(seen.download?.url ?? "");
    expect(Buffer.from(await file.arrayBuffer())).toEqual(Buffer.from(pdf));
    console.info(`killed with ${before.length} of 500 copies written; the retry wrote the rest`);
    two.close();
    killGroup(second.child);
  });
});
