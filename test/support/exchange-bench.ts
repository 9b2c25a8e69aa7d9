/**
 * The machinery of bench/exchange.ts (kept here because benches reach the runtime through the test
 * support): the local exchange started in this process (its handlers' SDK clients are then counted
 * by {@link installSdkMeter}), concurrent clients doing today's flow (create, upload, send), and a
 * count of every recipient's inbox afterwards.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { marshall } from "@aws-sdk/util-dynamodb";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { demoSignaturePng } from "../../devkit/demo-images.ts";
import { type CreatedLetter, LienthongClient, uploadFile } from "../../local/api-client.ts";
import { type LocalExchange, startLocalExchange } from "../../local/exchange.ts";
import type { DemoPkiManifest } from "../../shared/pki/index.ts";
import { SoftwareSigner, signPdf } from "../../shared/signing/index.ts";
import { createDynamoClient, createS3Client, DynamoLedger } from "../../shared/storage/index.ts";
import { installSdkMeter, type SdkCounts, type SdkMeter } from "./sdk-meter.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface BenchRuntime {
  readonly exchange: LocalExchange;
  readonly ledger: DynamoLedger;
  readonly meter: SdkMeter;
  stop(): Promise<void>;
}

/** The local exchange on loopback, in memory, in this process. */
export async function startBenchRuntime(): Promise<BenchRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), "lienthong-bench-"));
  process.env["LOG_LEVEL"] ??= "silent";
  const exchange = await startLocalExchange({
    root,
    cacheDir: join(root, ".cache"),
    dataDir,
    inMemory: true,
    apiPort: 0,
    crlPort: 0,
    // Letters are verified as always; their verdict is recorded, whatever the admin policy asks.
    sendPolicy: "record-only",
  });
  const client = createDynamoClient(exchange.config);
  const meter = installSdkMeter();
  return {
    exchange,
    ledger: new DynamoLedger(client, exchange.config.tableName),
    meter,
    async stop() {
      meter.uninstall();
      client.destroy();
      await exchange.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A client of the demo organ `code` with its office software's key. */
export function clientOf(runtime: BenchRuntime, code: string): LienthongClient {
  const key = runtime.exchange.keys.find((k) => k.organCode === code && k.role === "integration");
  if (!key) {
    throw new Error(`no integration key for ${code}`);
  }
  return new LienthongClient(runtime.exchange.apiUrl, key.apiKey);
}

/** Organs added through the ledger for a fan-out (`<block>.<hundreds+10>.<units>.B01`). */
export async function addOrgans(runtime: BenchRuntime, count: number, block: number): Promise<string[]> {
  const codes = Array.from(
    { length: count },
    (_, i) => `${block}.${String(Math.floor(i / 100) + 10)}.${String(i % 100).padStart(2, "0")}.B01`,
  );
  for (let i = 0; i < codes.length; i += 50) {
    await Promise.all(
      codes
        .slice(i, i + 50)
        .map((code) => runtime.ledger.putOrgan({ code, name: `Đơn vị ${code}`, status: "active" })),
    );
  }
  return codes;
}

/**
 * A letter as the demo signs it: one page, the competent signer's visible signature with its
 * handwritten image, padded with body text to about `targetBytes`.
 */
export async function signedLetter(runtime: BenchRuntime, organCode: string, targetBytes = 33_000) {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.TimesRoman);
  const page = pdf.addPage([595.28, 841.89]);
  page.drawText(`Cong van ${organCode} ${Date.now()}`, { x: 72, y: 780, size: 14, font });
  // Incompressible-looking body text (pdf-lib does not compress content streams) to reach the size.
  const line = (i: number) => createHash("sha256").update(`${organCode}:${i}`).digest("hex").slice(0, 60);
  let body = "";
  for (let i = 0; body.length < targetBytes * 0.55; i += 1) {
    body += `${line(i)}\n`;
  }
  page.drawText(body, { x: 72, y: 760, size: 4, lineHeight: 4.5, font });
  const manifest = JSON.parse(
    readFileSync(join(runtime.exchange.pkiDir, "manifest.json"), "utf8"),
  ) as DemoPkiManifest;
  const entry = manifest.entries.find((e) => e.organCode === organCode && e.role === "person" && !e.revoked);
  if (!entry) {
    throw new Error(`no person certificate for ${organCode}`);
  }
  const signer = SoftwareSigner.fromPkcs12(
    readFileSync(join(runtime.exchange.pkiDir, entry.p12)),
    manifest.password,
  );
  return signPdf(await pdf.save(), {
    signer,
    reason: "Ký ban hành văn bản",
    appearance: { kind: "signer", image: demoSignaturePng(), title: "CHỦ TỊCH", signerName: "Nguyễn Văn A" },
  });
}

export interface FlowResult {
  readonly letterIds: string[];
  /** Milliseconds of each `send` call, and of each whole flow (create, upload, send). */
  readonly sendMs: number[];
  readonly flowMs: number[];
  readonly failures: string[];
  readonly wallMs: number;
}

let serial = 0;

/** `letters` letters of `pdf` from `sender` to `recipients`, by `clients` concurrent clients. */
export async function runFlows(options: {
  readonly sender: LienthongClient;
  readonly recipients: readonly string[];
  readonly pdf: Uint8Array;
  readonly letters: number;
  readonly clients: number;
}): Promise<FlowResult> {
  const { sender, recipients, pdf } = options;
  const sha256 = createHash("sha256").update(pdf).digest("hex");
  const letterIds: string[] = [];
  const sendMs: number[] = [];
  const flowMs: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < options.letters) {
      next += 1;
      serial += 1;
      const t0 = performance.now();
      try {
        const created = await sender.call<CreatedLetter>("POST", "/v1/letters", {
          code: { number: String(serial), notation: "BENCH" },
          documentType: "Công văn",
          subject: `V/v thử tải số ${serial}`,
          recipients,
          file: { name: "cong-van.pdf", contentType: "application/pdf", size: pdf.length, sha256 },
        });
        await uploadFile(created.upload, pdf);
        const t1 = performance.now();
        const sent = await sender.call<{ state: string }>("POST", `/v1/letters/${created.letter.id}/send`);
        const t2 = performance.now();
        if (sent.state !== "sent") {
          failures.push(`${created.letter.id}: ${sent.state}`);
        }
        letterIds.push(created.letter.id);
        sendMs.push(t2 - t1);
        flowMs.push(t2 - t0);
      } catch (error) {
        failures.push(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, worker));
  return { letterIds, sendMs, flowMs, failures, wallMs: performance.now() - started };
}

/** Every recipient's inbox, read to the end: copies of `letterIds` missing and repeated. */
export async function countInboxes(
  ledger: DynamoLedger,
  recipients: readonly string[],
  letterIds: readonly string[],
): Promise<{ lost: number; duplicated: number; copies: number }> {
  const wanted = new Set(letterIds);
  let lost = 0;
  let duplicated = 0;
  let copies = 0;
  for (let i = 0; i < recipients.length; i += 20) {
    await Promise.all(
      recipients.slice(i, i + 20).map(async (recipient) => {
        const seen = new Map<string, number>();
        let cursor: string | undefined;
        do {
          const page = await ledger.inbox(recipient, 100, cursor);
          for (const item of page.items) {
            if (wanted.has(item.letterId)) {
              seen.set(item.letterId, (seen.get(item.letterId) ?? 0) + 1);
            }
          }
          cursor = page.nextCursor;
        } while (cursor);
        for (const id of wanted) {
          const n = seen.get(id) ?? 0;
          copies += n;
          lost += n === 0 ? 1 : 0;
          duplicated += Math.max(0, n - 1);
        }
      }),
    );
  }
  return { lost, duplicated, copies };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export type { SdkCounts };

/**
 * The storage floor: the DynamoDB and S3 requests of one letter's flow, made straight through the
 * SDK clients with the same sizes, conditions and order (what may run at once, runs at once), by
 * `clients` concurrent clients against the same emulators, and nothing else: no API, no handler, no
 * verification, no stream consumers. No exchange code can move letters faster than this on the
 * machine, so the bench prints its rate beside the exchange's. Its items live under `FLOOR#` keys.
 */
export async function runStorageFloor(
  runtime: BenchRuntime,
  options: {
    readonly recipients: number;
    readonly letters: number;
    readonly clients: number;
    readonly pdf: Uint8Array;
  },
): Promise<{ readonly wallMs: number; readonly letters: number }> {
  const { config } = runtime.exchange;
  const dynamo = createDynamoClient(config);
  const s3 = createS3Client(config);
  const table = config.tableName;
  const bucket = config.bucketName;
  const pad = (bytes: number) => "x".repeat(bytes);
  const organs = Array.from({ length: options.recipients + 1 }, (_, i) => ({
    PK: `FLOOR#ORGAN#${i}`,
    SK: "ORGAN",
  }));
  await Promise.all(
    [...organs, { PK: "FLOOR#KEY", SK: "KEY" }, { PK: "FLOOR#POLICY", SK: "POLICY" }].map((key) =>
      dynamo.send(
        new PutItemCommand({
          TableName: table,
          Item: marshall({ ...key, status: "active", body: pad(120) }),
        }),
      ),
    ),
  );
  const report = Buffer.from(pad(6_000));
  let next = 0;
  const started = performance.now();
  const getKey = () =>
    dynamo.send(
      new GetItemCommand({
        TableName: table,
        Key: marshall({ PK: "FLOOR#KEY", SK: "KEY" }),
        ConsistentRead: true,
      }),
    );
  const organStatus = () =>
    Promise.all(
      Array.from({ length: Math.ceil(organs.length / 100) }, (_, i) =>
        dynamo.send(
          new BatchGetItemCommand({
            RequestItems: {
              [table]: {
                Keys: organs.slice(i * 100, i * 100 + 100).map((key) => marshall(key)),
                ConsistentRead: true,
              },
            },
          }),
        ),
      ),
    );
  const worker = async () => {
    while (next < options.letters) {
      next += 1;
      const id = randomUUID();
      const letterKey = marshall({ PK: `FLOOR#${id}`, SK: "META" });
      // create: the caller's key, the organs, the draft.
      await getKey();
      await organStatus();
      await dynamo.send(
        new PutItemCommand({
          TableName: table,
          Item: marshall({ PK: `FLOOR#${id}`, SK: "META", state: "draft", body: pad(550) }),
          ConditionExpression: "attribute_not_exists(PK)",
        }),
      );
      // upload
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `floor/${id}`, Body: options.pdf }));
      // send: key, letter, then organs ‖ file ‖ policy, the report, the commit, the objects, the copies, `sent`.
      await getKey();
      await dynamo.send(new GetItemCommand({ TableName: table, Key: letterKey, ConsistentRead: true }));
      const [, file] = await Promise.all([
        organStatus(),
        s3
          .send(new GetObjectCommand({ Bucket: bucket, Key: `floor/${id}` }))
          .then((out) => out.Body?.transformToByteArray()),
        dynamo.send(
          new BatchGetItemCommand({
            RequestItems: { [table]: { Keys: [marshall({ PK: "FLOOR#POLICY", SK: "POLICY" })] } },
          }),
        ),
      ]);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `floor/${id}/report`, Body: report }));
      await dynamo.send(
        new UpdateItemCommand({
          TableName: table,
          Key: letterKey,
          UpdateExpression: "SET #s = :sending, packed = :packed",
          ConditionExpression: "#s = :draft",
          ExpressionAttributeNames: { "#s": "state" },
          ExpressionAttributeValues: marshall({
            ":sending": "sending",
            ":draft": "draft",
            ":packed": pad(170),
          }),
        }),
      );
      await Promise.all([
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: `floor/${id}/letter`, Body: file })),
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: `floor/${id}/evidence`, Body: report })),
      ]);
      for (let i = 0; i < options.recipients; i += 25) {
        await Promise.all(
          organs.slice(1 + i, 1 + Math.min(options.recipients, i + 25)).map((organ) =>
            dynamo.send(
              new PutItemCommand({
                TableName: table,
                Item: marshall({ PK: `FLOOR#${id}`, SK: organ.PK, body: pad(700) }),
                ConditionExpression: "attribute_not_exists(PK)",
              }),
            ),
          ),
        );
      }
      await dynamo.send(
        new UpdateItemCommand({
          TableName: table,
          Key: letterKey,
          UpdateExpression: "SET #s = :sent",
          ExpressionAttributeNames: { "#s": "state" },
          ExpressionAttributeValues: marshall({ ":sent": "sent" }),
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: options.clients }, worker));
  const wallMs = performance.now() - started;
  dynamo.destroy();
  s3.destroy();
  return { wallMs, letters: options.letters };
}

/**
 * CPU time used so far, in ms: by this process (every thread: API, handlers, clients, the S3
 * server's thread, GC) and by its child processes (DynamoDB Local's JVM, the demo TSA), from
 * /proc (Linux; `children` is 0 elsewhere). Compared per letter with the machine's cores, it says
 * how many letters per second the work could reach at best.
 */
export function cpuMs(): { readonly self: number; readonly children: number } {
  const usage = process.cpuUsage();
  let children = 0;
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) {
        continue;
      }
      try {
        // Fields after the command's closing parenthesis: state ppid … utime(14) stime(15).
        const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
        if (Number(fields[1]) === process.pid) {
          children += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
        }
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return { self: (usage.user + usage.system) / 1000, children };
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times. */
const CLOCK_TICKS = 100;
