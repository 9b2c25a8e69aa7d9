/**
 * `npm run demo`: one letter through the running local exchange (start it first with `npm start`).
 * The first demo organ's competent signer signs a PDF letter (on the client, as a USB token would),
 * its office software registers it, its văn thư has the exchange add the organisation's seal
 * signature (POST /v1/sign, a clerk's key), and the office software sends it to two other organs;
 * both see it in their inbox with its verification verdict; the first recipient's văn thư accepts it
 * (status 03, a clerk's key); the sender then sees 03 for that recipient and 01 for the other.
 * Each step uses a key of the role that may take it (shared/exchange/roles.ts).
 *
 *   npm run demo -- [--url http://127.0.0.1:3000] [--data-dir .data]
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { demoSealPng, demoSignaturePng } from "../devkit/demo-images.ts";
import { DEMO_ORGANS } from "../devkit/demo-organs.ts";
import type { DemoPkiManifest } from "../shared/pki/index.ts";
import { SoftwareSigner, signPdf } from "../shared/signing/index.ts";
import { LienthongClient, type SentLetter, uploadFile } from "./api-client.ts";
import { demoKeyOf } from "./bootstrap.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

async function demoPdf(subject: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.TimesRoman);
  const page = pdf.addPage([595.28, 841.89]);
  page.drawText("Lienthong demo letter", { x: 72, y: 760, size: 16, font });
  page.drawText(
    subject
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d")
      .replace(/Đ/g, "D"),
    {
      x: 72,
      y: 730,
      size: 12,
      font,
    },
  );
  pdf.setCreationDate(new Date());
  return pdf.save();
}

/** The competent signer's signature with the handwritten-signature image, made on the client. */
async function signedBySigner(pdf: Uint8Array, dataDir: string, organCode: string): Promise<Uint8Array> {
  const pkiDir = join(dataDir, "pki");
  const manifest = JSON.parse(readFileSync(join(pkiDir, "manifest.json"), "utf8")) as DemoPkiManifest;
  const entry = manifest.entries.find((e) => e.organCode === organCode && e.role === "person" && !e.revoked);
  const organ = DEMO_ORGANS.find((o) => o.code === organCode);
  if (!entry || !organ) {
    throw new Error(`no signer certificate for ${organCode} in ${pkiDir}`);
  }
  const signer = SoftwareSigner.fromPkcs12(readFileSync(join(pkiDir, entry.p12)), manifest.password);
  return signPdf(pdf, {
    signer,
    reason: "Ký ban hành văn bản",
    appearance: {
      kind: "signer",
      image: demoSignaturePng(),
      title: [organ.signer.competence, organ.signer.position.toUpperCase()].filter(Boolean).join("\n"),
      signerName: organ.signer.fullName,
    },
  });
}

const HELP = `Usage: npm run demo -- [options]

Sends one signed letter through a running local exchange (start it first with npm start):
the first demo organ signs, seals and sends it to two others, who see it in their inboxes;
the first accepts it (status 03).

Options:
  --url <url>       the API of the running exchange (default: http://127.0.0.1:3000)
  --data-dir <dir>  its data directory, for the demo keys and PKI (default: .data)
  -h, --help        show this help

npm start prints the command with the flags its port and data directory need.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: "http://127.0.0.1:3000" },
      "data-dir": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const dataDir = resolve(values["data-dir"] ?? join(root, ".data"));
  const keyFile = join(dataDir, "demo-keys.json");
  const [sender, first, second] = DEMO_ORGANS.map((organ) => ({
    organ,
    /** The organ's office software. */
    client: new LienthongClient(values.url, demoKeyOf(keyFile, organ.code, "integration")),
    /** The organ's văn thư: keeps the seal, accepts or refuses what arrives. */
    clerk: new LienthongClient(values.url, demoKeyOf(keyFile, organ.code, "clerk")),
  }));
  if (!sender || !first || !second) {
    throw new Error("the demo needs three organs");
  }

  const subject = "V/v báo cáo tình hình thực hiện dự toán ngân sách năm 2026";
  const pdf = await signedBySigner(await demoPdf(subject), dataDir, sender.organ.code);
  console.log(`1. ${sender.organ.signer.fullName} (${sender.organ.signer.position}) signed the letter`);
  const created = await sender.client.createLetter(
    {
      code: { number: String(Date.now() % 10000), notation: `${sender.organ.abbreviation}-VP` },
      documentType: "Công văn",
      subject,
      recipients: [first.organ.code, second.organ.code],
      urgency: 1,
    },
    pdf,
    "cong-van-demo.pdf",
  );
  await uploadFile(created.upload, pdf);
  await sender.clerk.call("POST", "/v1/sign", {
    letterId: created.letter.id,
    appearance: { kind: "seal", image: Buffer.from(demoSealPng()).toString("base64") },
  });
  console.log(`2. The exchange added ${sender.organ.name}'s seal signature (POST /v1/sign, the clerk's key)`);
  const sent = await sender.client.call<SentLetter & { verification?: { verdict: string } }>(
    "POST",
    `/v1/letters/${created.letter.id}/send`,
  );
  console.log(
    `3. Sent letter ${sent.id} to ${sent.recipients.join(", ")}; verification: ${sent.verification?.verdict}`,
  );

  for (const { organ, client } of [first, second]) {
    const inbox = await client.call<{ items: { letterId: string; status: string; verdict?: string }[] }>(
      "GET",
      "/v1/inbox?limit=5",
    );
    const item = inbox.items.find((i) => i.letterId === sent.id);
    const found = item ? `has it, status ${item.status}, signatures ${item.verdict}` : "DOES NOT HAVE IT";
    console.log(`4. ${organ.name} inbox: ${found}`);
  }

  await first.clerk.call("POST", `/v1/letters/${sent.id}/status`, { status: "03" });
  console.log(`5. ${first.organ.name}'s clerk accepted it (status 03)`);

  const seen = await sender.client.call<SentLetter>("GET", `/v1/letters/${sent.id}`);
  console.log("6. The sender sees:");
  for (const delivery of seen.deliveries) {
    console.log(`     ${delivery.organCode}  status ${delivery.status}`);
  }
  console.log(`   Download (valid 5 minutes): ${seen.download?.url.slice(0, 80)}…`);
  console.log(`\nLetter id: ${sent.id}  (GET ${values.url}/v1/letters/${sent.id})`);
}

main().catch((error: Error) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
