import { createHash, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { afterAll, inject } from "vitest";
import { type LetterRequest, LienthongClient, uploadFile } from "../../local/api-client.ts";
import type { RuntimeConfig } from "../../shared/config.ts";
import type { Role } from "../../shared/exchange/types.ts";
import type { DemoPkiManifest } from "../../shared/pki/index.ts";
import { SoftwareSigner, signPdf } from "../../shared/signing/index.ts";
import {
  createDynamoClient,
  createS3Client,
  DynamoLedger,
  S3DocumentStore,
} from "../../shared/storage/index.ts";

/**
 * The configuration of the production adapters over the test run's DynamoDB Local and S3 server
 * (the table and bucket test/global-setup.ts made); revocation off, 10 MB files.
 */
export function testStorageConfig(): RuntimeConfig {
  return {
    region: "ap-southeast-1",
    tableName: "lienthong",
    bucketName: "lienthong-letters",
    dynamodbEndpoint: inject("dynamodbEndpoint"),
    s3Endpoint: inject("s3Endpoint"),
    presignTtlSeconds: 60,
    maxFileBytes: 10 * 1024 * 1024,
    revocation: "off",
  };
}

/**
 * The ledger over the test run's DynamoDB Local, through the production adapter; its client closes
 * after the calling file's tests.
 */
export function testLedger(): DynamoLedger {
  const config = testStorageConfig();
  const client = createDynamoClient(config);
  afterAll(() => client.destroy());
  return new DynamoLedger(client, config.tableName);
}

/**
 * The ledger and the document store over the test run's DynamoDB Local and S3 server, through the
 * production adapters, with their clients (closed after the calling file's tests).
 */
export function testStorage() {
  const config = testStorageConfig();
  const dynamo = createDynamoClient(config);
  const s3 = createS3Client(config);
  afterAll(() => {
    dynamo.destroy();
    s3.destroy();
  });
  return {
    config,
    dynamo,
    s3,
    ledger: new DynamoLedger(dynamo, config.tableName),
    documents: new S3DocumentStore({ client: s3, bucket: config.bucketName, ttlSeconds: 60 }),
  };
}

/**
 * A client per demo organ of the running local exchange (see test/global-setup.ts), in the order
 * of `organCodes()`, with that organ's key of `role`: `integration` (the office software: drafts,
 * sends, reads) unless told; `clerk` for the organ's seal (POST /v1/sign) and statuses.
 */
export function organClients(role: Role = "integration"): LienthongClient[] {
  const url = inject("apiUrl");
  return organCodes().map((code) => {
    const key = inject("demoKeys").find((k) => k.organCode === code && k.role === role);
    if (!key) {
      throw new Error(`the local exchange gave ${code} no ${role} key`);
    }
    return new LienthongClient(url, key.apiKey);
  });
}

/** A client of the running local exchange with the demo admin's key (the first organ's `admin`). */
export function adminClient(): LienthongClient {
  const key = inject("demoKeys").find((k) => k.role === "admin");
  if (!key) {
    throw new Error("the local exchange gave no admin key");
  }
  return new LienthongClient(inject("apiUrl"), key.apiKey);
}

/** The demo organs' codes, each once, in the order the exchange seeded them. */
export function organCodes(): string[] {
  return [...new Set(inject("demoKeys").map((key) => key.organCode))];
}

export async function samplePdf(text = "Lienthong test letter"): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  pdf.addPage().drawText(`${text} ${Math.random()}`, { x: 50, y: 700, size: 12, font });
  return pdf.save();
}

export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

let counter = 0;

export function letterMetadata(recipients: string[]): Omit<LetterRequest, "file"> {
  counter += 1;
  return {
    // Unique across test files and runs: numbers are unique per organ and year (numbering.ts).
    code: { number: String(randomInt(1, 2 ** 47)), notation: "STC-BCTC" },
    documentType: "Công văn",
    subject: `V/v kiểm thử liên thông văn bản số ${counter}`,
    recipients,
  };
}

/** A draft letter from `client` to `recipients`, its PDF uploaded with the presigned URL; its id. */
export async function draftLetter(
  client: LienthongClient,
  pdf: Uint8Array,
  recipients: string[],
): Promise<string> {
  const created = await client.createLetter(letterMetadata(recipients), pdf, "cong-van.pdf");
  await uploadFile(created.upload, pdf);
  return created.letter.id;
}

/** The verification verdict `client`'s inbox shows for a letter. */
export async function inboxVerdict(client: LienthongClient, letterId: string): Promise<string | undefined> {
  const inbox = await client.call<{ items: { letterId: string; verdict?: string }[] }>("GET", "/v1/inbox");
  return inbox.items.find((item) => item.letterId === letterId)?.verdict;
}

/** The demo PKI the local exchange made (manifest.json), and a path inside its directory. */
export function demoPki(): { manifest: DemoPkiManifest; path: (file: string) => string } {
  const dir = inject("pkiDir");
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as DemoPkiManifest;
  return { manifest, path: (file) => join(dir, file) };
}

/** The demo PKI entry of an organ's competent signer (the revoked one on request). */
export function personEntry(manifest: DemoPkiManifest, organCode: string, revoked = false) {
  const entry = manifest.entries.find(
    (e) => e.organCode === organCode && e.role === "person" && e.revoked === revoked,
  );
  if (!entry) {
    throw new Error(`no ${revoked ? "revoked " : ""}person certificate for ${organCode}`);
  }
  return entry;
}

/**
 * A sample letter signed (invisibly) by `organCode`'s competent signer, on the client as a USB
 * token would: a letter the default send policy delivers when that organ sends it.
 */
export async function signedPdf(organCode: string, text?: string): Promise<Uint8Array> {
  const { manifest, path } = demoPki();
  const entry = personEntry(manifest, organCode);
  const signer = SoftwareSigner.fromPkcs12(readFileSync(path(entry.p12)), manifest.password);
  return signPdf(await samplePdf(text), { signer });
}
