import { beforeAll, expect, inject, it } from "vitest";
import { Exchange } from "../../shared/exchange/index.ts";
import type { Caller } from "../../shared/exchange/types.ts";
import type { DynamoLedger } from "../../shared/storage/index.ts";
import { letterMetadata, organCodes, samplePdf, sha256, testStorage } from "../support/exchange.ts";

/**
 * The scheduled sweep (functions/send-letter/handler.ts, run by EventBridge every 5 minutes in AWS and
 * by a timer in the local runtime): a send interrupted after its commit is completed by the sweep's
 * event alone, with no retry by the client; each recipient holds it once.
 */
const { config, ledger, documents } = testStorage();
let sweep: (
  event: { source: string; graceSeconds?: number },
  context: unknown,
) => Promise<{ completed: string[] }>;

beforeAll(async () => {
  // The handler's runtime reads its configuration from the environment, as in Lambda.
  Object.assign(process.env, {
    AWS_REGION: config.region,
    AWS_EC2_METADATA_DISABLED: "true",
    TABLE_NAME: config.tableName,
    BUCKET_NAME: config.bucketName,
    DYNAMODB_ENDPOINT: config.dynamodbEndpoint,
    S3_ENDPOINT: config.s3Endpoint,
    SIGNER_MODE: "pkcs12",
    SIGNING_PKI_DIR: inject("pkiDir"),
    REVOCATION_POLICY: "off",
  });
  ({ handler: sweep } = (await import("../../functions/send-letter/handler.ts")) as unknown as {
    handler: typeof sweep;
  });
});

it("completes a send interrupted after its commit, without any retry by the client", async () => {
  const [senderCode, ...others] = organCodes();
  const sender: Caller = { organCode: senderCode ?? "", role: "integration" };
  const recipients = others.slice(0, 2);
  const exchange = (over: DynamoLedger) =>
    new Exchange({ ledger: over, documents, maxFileBytes: config.maxFileBytes, sendPolicy: "record-only" });
  const pdf = await samplePdf("sweep");
  const created = await exchange(ledger).createLetter(sender, {
    ...letterMetadata(recipients),
    urgency: 0,
    file: { name: "cong-van.pdf", contentType: "application/pdf", size: pdf.length, sha256: sha256(pdf) },
  });
  const id = created.letter.id;
  await documents.write(`incoming/${id}`, pdf, "application/pdf");

  // The request dies at its first copy write: committed (`sending`), no copy yet.
  const dying: DynamoLedger = Object.create(ledger);
  dying.putDeliveries = () => Promise.reject(new Error("the request died"));
  await expect(exchange(dying).sendLetter(sender, id)).rejects.toThrow("the request died");
  expect((await ledger.getLetter(id))?.state).toBe("sending");
  expect(await ledger.listDeliveries(id)).toHaveLength(0);

  // Within the grace period the scheduled run leaves it to the client's retry.
  expect((await sweep({ source: "lienthong.send-sweep" }, {})).completed).not.toContain(id);

  // A run after it (by hand: grace 0) completes it; the index may lag, so a few runs at most.
  let completed: string[] = [];
  for (let round = 0; round < 20 && !completed.includes(id); round += 1) {
    completed = (await sweep({ source: "lienthong.send-sweep", graceSeconds: 0 }, {})).completed;
  }
  expect(completed).toContain(id);
  const letter = await ledger.getLetter(id);
  expect(letter?.state).toBe("sent");
  expect(letter?.pending).toBeUndefined();
  const copies = await ledger.listDeliveries(id);
  expect(copies.map((c) => c.recipient).sort()).toEqual([...recipients].sort());
  expect(Buffer.from((await documents.read(letter?.file.key ?? "")) ?? [])).toEqual(Buffer.from(pdf));
  for (const recipient of recipients) {
    const inbox = await ledger.inbox(recipient, 100);
    expect(inbox.items.filter((item) => item.letterId === id)).toHaveLength(1);
  }
});
