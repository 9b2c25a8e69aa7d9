import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { main } from "../../cli/admin-bootstrap.ts";
import { verifyChain } from "../../shared/evidence/index.ts";
import { RECOMMENDED_SEND_POLICY } from "../../shared/exchange/send-policy.ts";
import { hashApiKey } from "../../shared/http/index.ts";
import { ensureTable } from "../../shared/storage/create-table.ts";
import { DynamoAdminStore } from "../../shared/storage/dynamo-admin.ts";
import { createDynamoClient, DynamoLedger } from "../../shared/storage/index.ts";

/**
 * `npm run admin:bootstrap` on a fresh table of its own (DynamoDB Local): the first admin key,
 * shown once and stored hashed, refused a second time unless --force; the organ and the
 * recommended send policy written, every step in the admin chain.
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
async function bootstrap(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  const error = vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  try {
    const code = await main([
      "--table",
      table,
      "--region",
      "ap-southeast-1",
      "--endpoint",
      endpoint,
      ...args,
    ]);
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
