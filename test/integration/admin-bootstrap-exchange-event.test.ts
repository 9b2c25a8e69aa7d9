import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { main } from "../../cli/admin-bootstrap.ts";
import type { KmsPublicKeyClient } from "../../cli/kms-key.ts";
import { verifyChain } from "../../shared/evidence/index.ts";
import { EXCHANGE_SIGNER_ORGAN } from "../../shared/signing/exchange-certificate.ts";
import { ensureTable } from "../../shared/storage/create-table.ts";
import { DynamoAdminStore } from "../../shared/storage/dynamo-admin.ts";
import { createDynamoClient, DynamoLedger } from "../../shared/storage/index.ts";
import { evidencePki, spkiOf } from "../support/evidence-pki.ts";

/**
 * `npm run admin:bootstrap -- --exchange-certificate` on a table of its own (DynamoDB Local):
 * registering the exchange's evidence certificate is an admin change like any other, so it is an
 * `exchangeCertificate.registered` event of the admin chain, written with the organ signer record.
 */

const table = `lienthong-bootstrap-event-${randomUUID().slice(0, 8)}`;
const KEY_ARN = "arn:aws:kms:ap-southeast-1:111122223333:key/0f0e0d0c-aaaa-bbbb-cccc-0123456789ab";
let client: ReturnType<typeof createDynamoClient>;
let folder: string;

beforeAll(async () => {
  client = createDynamoClient({
    region: "ap-southeast-1",
    tableName: table,
    bucketName: "unused",
    dynamodbEndpoint: inject("dynamodbEndpoint"),
    presignTtlSeconds: 60,
    maxFileBytes: 1024,
    revocation: "off",
  });
  await ensureTable(client, table);
  folder = await mkdtemp(join(tmpdir(), "lienthong-bootstrap-event-"));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
  await client.send(new DeleteTableCommand({ TableName: table }));
  client.destroy();
});

describe("admin:bootstrap --exchange-certificate", () => {
  it("records the registration in the admin chain, with the certificate and the KMS key it names", async () => {
    const pki = await evidencePki("Tỉnh Sự Kiện");
    const chainFile = join(folder, "chain.pem");
    await writeFile(chainFile, pki.chainPem);
    const kms: KmsPublicKeyClient = {
      send: async () => ({
        KeyId: KEY_ARN,
        PublicKey: spkiOf(pki.keyPair),
        KeyUsage: "SIGN_VERIFY",
        KeySpec: "RSA_2048",
      }),
    };
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    let code: number;
    try {
      code = await main(
        [
          "--table",
          table,
          "--region",
          "ap-southeast-1",
          "--endpoint",
          inject("dynamodbEndpoint"),
          "--exchange-certificate",
          chainFile,
          "--exchange-key",
          "alias/evidence",
        ],
        { kms },
      );
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    expect(code).toBe(0);

    const store = new DynamoAdminStore(client, table);
    const events = await store.adminEvents();
    expect(verifyChain(events).ok).toBe(true);
    expect(events.map((event) => event.type)).toEqual(["exchangeCertificate.registered"]);
    expect(events[0]).toMatchObject({
      actor: "bootstrap",
      data: {
        organCode: EXCHANGE_SIGNER_ORGAN,
        sha256: pki.leaf.certificate.sha256,
        kmsKeyId: KEY_ARN,
        notAfter: pki.leaf.certificate.notAfter.toISOString(),
      },
    });
    const record = await new DynamoLedger(client, table).organSigner(EXCHANGE_SIGNER_ORGAN);
    expect(record).toEqual({
      kmsKeyId: KEY_ARN,
      certificatesPem: expect.stringContaining("BEGIN CERTIFICATE"),
    });
  });
});
