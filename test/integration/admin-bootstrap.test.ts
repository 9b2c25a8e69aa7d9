import { execFile } from "node:child_process";
import { createHash, randomBytes, randomUUID, verify } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import type { SignCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { type BootstrapDependencies, main } from "../../cli/admin-bootstrap.ts";
import type { KmsPublicKeyClient } from "../../cli/kms-key.ts";
import { createCertificateAuthority } from "../../devkit/pki.ts";
import { verifyChain } from "../../shared/evidence/index.ts";
import { Administration } from "../../shared/exchange/administration.ts";
import { RECOMMENDED_SEND_POLICY } from "../../shared/exchange/send-policy.ts";
import { hashApiKey } from "../../shared/http/index.ts";
import { EXCHANGE_SIGNER_ORGAN } from "../../shared/signing/exchange-certificate.ts";
import { KmsOrganSigners } from "../../shared/signing/organ-signers.ts";
import { ensureTable } from "../../shared/storage/create-table.ts";
import { DynamoAdminStore } from "../../shared/storage/dynamo-admin.ts";
import { createDynamoClient, DynamoLedger } from "../../shared/storage/index.ts";
import { type EvidencePki, evidencePki, rsaSignSha256Digest, spkiOf } from "../support/evidence-pki.ts";

/**
 * `npm run admin:bootstrap` on a fresh table of its own (DynamoDB Local): the first admin key,
 * shown once and stored hashed, refused a second time unless --force; the organ and the
 * recommended send policy written, every step in the admin chain. `--exchange-certificate`: the
 * evidence key's chain checked and stored as organ signer `exchange`, where KmsOrganSigners finds
 * it (KMS itself is a mock: it has no local emulator).
 */

const execFileAsync = promisify(execFile);
const table = `lienthong-bootstrap-${randomUUID().slice(0, 8)}`;
const config = {
  region: "ap-southeast-1",
  tableName: table,
  bucketName: "unused",
  dynamodbEndpoint: "",
  presignTtlSeconds: 60,
  maxFileBytes: 1024,
  revocation: "off" as const,
};
let client: ReturnType<typeof createDynamoClient>;
let endpoint: string;

/** Runs the command in this process; its exit code and what it printed. */
function bootstrap(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return bootstrapWith({}, ...args);
}

async function bootstrapWith(
  dependencies: BootstrapDependencies,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  const error = vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  try {
    const code = await main(
      ["--table", table, "--region", "ap-southeast-1", "--endpoint", endpoint, ...args],
      dependencies,
    );
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

const keyIn = (out: string) => /^ {2}(lt_admin_\S+)$/m.exec(out)?.[1];

beforeAll(async () => {
  endpoint = inject("dynamodbEndpoint");
  client = createDynamoClient({ ...config, dynamodbEndpoint: endpoint });
  await ensureTable(client, table);
});

afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: table }));
  client.destroy();
});

describe("npm run admin:bootstrap", () => {
  it("makes the first admin key once, for a new organ, with the recommended send policy", async () => {
    const missingName = await bootstrap("--organ", "000.00.00.H99");
    expect(missingName.code).toBe(1);
    expect(missingName.err).toMatch(/ADMIN_ORGAN_NOT_FOUND: .*--name/);

    const first = await bootstrap("--organ", "000.00.00.H99", "--name", "Ủy ban nhân dân tỉnh Thử");
    expect(first.code).toBe(0);
    const key = keyIn(first.out);
    expect(key).toBeDefined();
    const ledger = new DynamoLedger(client, table);
    expect(await ledger.findApiKey(hashApiKey(key!))).toMatchObject({
      organCode: "000.00.00.H99",
      role: "admin",
    });

    const store = new DynamoAdminStore(client, table);
    expect((await store.getOrgan("000.00.00.H99"))?.name).toBe("Ủy ban nhân dân tỉnh Thử");
    expect((await store.sendPolicySettings()).deployment).toEqual(RECOMMENDED_SEND_POLICY);
    const keys = await store.listApiKeys("000.00.00.H99");
    expect(JSON.stringify(keys)).not.toContain(key!);

    const again = await bootstrap("--organ", "000.00.00.H99");
    expect(again.code).toBe(1);
    expect(again.err).toContain("ADMIN_KEY_EXISTS");
    expect(keyIn(again.out)).toBeUndefined();

    const forced = await bootstrap("--organ", "000.00.00.H99", "--force");
    expect(forced.code).toBe(0);
    expect(keyIn(forced.out)).not.toBe(key);
    expect(forced.out).toContain("Send policy left as it was.");

    const events = await store.adminEvents();
    expect(events.map((event) => event.type)).toEqual([
      "organ.created",
      "apiKey.created",
      "sendPolicy.set",
      "apiKey.created",
    ]);
    expect(events.every((event) => event.actor === "bootstrap")).toBe(true);
    expect(verifyChain(events, { chain: "admin" }).ok).toBe(true);
  });

  it("refuses bad arguments with its usage", async () => {
    expect((await bootstrap("--organ", "not-a-code")).code).toBe(1);
    expect((await bootstrap("--nonsense")).code).toBe(2);
    const { code, err } = await bootstrap();
    expect(code).toBe(2);
    expect(err).toContain("usage: npm run admin:bootstrap");
  });

  it("runs as the npm script", async () => {
    const { stdout } = await execFileAsync(
      "npm",
      [
        "run",
        "--silent",
        "admin:bootstrap",
        "--",
        "--table",
        table,
        "--region",
        "ap-southeast-1",
        "--endpoint",
        endpoint,
        "--organ",
        "000.00.00.H99",
        "--force",
        "--keep-policy",
      ],
      { timeout: 60_000 },
    );
    expect(keyIn(stdout)).toMatch(/^lt_admin_/);
  });
});

describe("npm run admin:bootstrap --exchange-certificate", () => {
  const KEY_ARN = "arn:aws:kms:ap-southeast-1:111122223333:key/0f0e0d0c-aaaa-bbbb-cccc-123456789abc";
  let pki: EvidencePki;
  let folder: string;
  let chainFile: string;
  let ledger: DynamoLedger;
  let store: DynamoAdminStore;
  /** KeyIds GetPublicKey was asked for. */
  const asked: string[] = [];

  /** The evidence key in "KMS": GetPublicKey by alias or ARN answers with the ARN and the key. */
  const kms: KmsPublicKeyClient = {
    send: async (command) => {
      asked.push(command.input.KeyId ?? "");
      return { KeyId: KEY_ARN, PublicKey: spkiOf(pki.keyPair), KeyUsage: "SIGN_VERIFY", KeySpec: "RSA_2048" };
    },
  };
  const withKms = (...args: string[]) => bootstrapWith({ kms }, ...args);

  beforeAll(async () => {
    pki = await evidencePki("Tỉnh Thử");
    folder = await mkdtemp(join(tmpdir(), "lienthong-bootstrap-"));
    chainFile = join(folder, "exchange-chain.pem");
    await writeFile(chainFile, pki.chainPem);
    ledger = new DynamoLedger(client, table);
    store = new DynamoAdminStore(client, table);
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("refuses a chain for another key, or leading to no trust anchor, and writes nothing", async () => {
    const other = await evidencePki("Tỉnh Khác");
    const otherFile = join(folder, "other-chain.pem");
    await writeFile(otherFile, other.chainPem);
    const eventsBefore = (await store.adminEvents()).length;

    const wrongKey = await withKms("--exchange-certificate", otherFile, "--exchange-key", "alias/evidence");
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.err).toMatch(/^VALIDATION_FAILED: .*another public key/);

    // With --organ too: the refused chain stops the admin key as well.
    const withOrgan = await withKms(
      "--organ",
      "000.00.00.H99",
      "--force",
      "--exchange-certificate",
      otherFile,
      "--exchange-key",
      "alias/evidence",
    );
    expect(withOrgan.code).toBe(1);
    expect(keyIn(withOrgan.out)).toBeUndefined();

    const missing = await withKms("--exchange-certificate", join(folder, "absent.pem"));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^VALIDATION_FAILED: --exchange-certificate: cannot read/);

    expect(await ledger.organSigner(EXCHANGE_SIGNER_ORGAN)).toBeUndefined();
    expect((await store.adminEvents()).length).toBe(eventsBefore);
  });

  it("stores the checked chain as organ signer exchange, which KmsOrganSigners signs receipts with", async () => {
    const { code, out, err } = await withKms(
      "--exchange-certificate",
      chainFile,
      "--exchange-key",
      "alias/evidence",
    );
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(asked).toContain("alias/evidence");
    expect(out).toContain('registered as organ signer "exchange"');
    expect(out).toContain(pki.leaf.certificate.sha256);
    expect(out).toContain(`for KMS key ${KEY_ARN}`);
    expect(keyIn(out)).toBeUndefined();

    const record = await ledger.organSigner(EXCHANGE_SIGNER_ORGAN);
    expect(record?.kmsKeyId).toBe(KEY_ARN);

    // What functions/runtime-evidence.ts does in AWS: the record, read through the ledger.
    const signs: SignCommand[] = [];
    const signClient = {
      send: async (command: SignCommand) => {
        signs.push(command);
        return {
          Signature: rsaSignSha256Digest(pki.keyPair.privateKey, command.input.Message ?? new Uint8Array()),
        };
      },
    };
    const signer = await new KmsOrganSigners(
      signClient,
      (organ) => ledger.organSigner(organ),
      "arn:aws:kms:ap-southeast-1:111122223333:key/environment-default",
    ).signerFor(EXCHANGE_SIGNER_ORGAN);
    expect(signer.certificate.sha256).toBe(pki.leaf.certificate.sha256);
    expect(signer.chain.map((certificate) => certificate.sha256)).toEqual([
      pki.intermediate.certificate.sha256,
      pki.root.certificate.sha256,
    ]);
    const message = randomBytes(300);
    const signature = await signer.sign({
      hashAlgorithm: "sha256",
      digest: createHash("sha256").update(message).digest(),
      message,
    });
    expect(signs[0]?.input.KeyId).toBe(KEY_ARN);
    expect(verify("sha256", message, signer.certificate.publicKey, signature)).toBe(true);
  });

  it("checks the chain against the table's trust anchors once it has any", async () => {
    const stranger = await createCertificateAuthority({
      subject: { commonName: "Another Root CA" },
      keyType: "ec-p256",
      notBefore: new Date("2025-01-01Z"),
      notAfter: new Date("2035-01-01Z"),
    });
    const actor = { organCode: "bootstrap", role: "admin" as const };
    await new Administration({ store }).addTrustAnchor(actor, stranger.certPem);

    const untrusted = await withKms("--exchange-certificate", chainFile);
    expect(untrusted.code).toBe(1);
    expect(untrusted.err).toMatch(/^VALIDATION_FAILED: .*trust anchor/);

    await new Administration({ store }).addTrustAnchor(actor, pki.root.certPem);
    const trusted = await withKms("--exchange-certificate", chainFile);
    expect(trusted.code).toBe(0);
    expect(trusted.out).toContain("not checked against a KMS key");
    // No --exchange-key: the record names no key, so the functions' EXCHANGE_KEY_ID signs.
    expect((await ledger.organSigner(EXCHANGE_SIGNER_ORGAN))?.kmsKeyId).toBeUndefined();
  });

  it("makes an admin key and registers the chain in one run", async () => {
    const { code, out } = await withKms(
      "--organ",
      "000.00.00.H99",
      "--force",
      "--exchange-certificate",
      chainFile,
      "--exchange-key",
      KEY_ARN,
    );
    expect(code).toBe(0);
    expect(keyIn(out)).toMatch(/^lt_admin_/);
    expect((await ledger.organSigner(EXCHANGE_SIGNER_ORGAN))?.kmsKeyId).toBe(KEY_ARN);
  });

  it("refuses --exchange-key without --exchange-certificate", async () => {
    const { code, err } = await withKms("--organ", "000.00.00.H99", "--exchange-key", KEY_ARN);
    expect(code).toBe(2);
    expect(err).toContain("--exchange-key goes with --exchange-certificate");
  });
});
