/**
 * `npm run demo`: one letter through the running local exchange (start it first with `npm start`).
 * The first demo organ sends a PDF to two others; both see it in their inbox; the first recipient
 * accepts it (status 03); the sender then sees 03 for that recipient and 01 for the other.
 *
 *   npm run demo -- [--url http://localhost:3000] [--data-dir .data]
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { LienthongClient, type SentLetter } from "./api-client.ts";
import { DEMO_ORGANS } from "./demo-organs.ts";

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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: "string", default: "http://localhost:3000" }, "data-dir": { type: "string" } },
  });
  const keyFile = join(resolve(values["data-dir"] ?? join(root, ".data")), "demo-keys.json");
  const keys = JSON.parse(readFileSync(keyFile, "utf8")) as Record<string, string>;
  const [sender, first, second] = DEMO_ORGANS.map((organ) => ({
    organ,
    client: new LienthongClient(values.url, keys[organ.code] ?? ""),
  }));
  if (!sender || !first || !second) {
    throw new Error("the demo needs three organs");
  }

  const subject = "V/v báo cáo tình hình thực hiện dự toán ngân sách năm 2026";
  const pdf = await demoPdf(subject);
  const sent = await sender.client.sendLetter(
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
  console.log(`1. ${sender.organ.name} sent letter ${sent.id} to ${sent.recipients.join(", ")}`);

  for (const { organ, client } of [first, second]) {
    const inbox = await client.call<{ items: { letterId: string; status: string }[] }>(
      "GET",
      "/v1/inbox?limit=5",
    );
    const item = inbox.items.find((i) => i.letterId === sent.id);
    console.log(`2. ${organ.name} inbox: ${item ? `has it, status ${item.status}` : "DOES NOT HAVE IT"}`);
  }

  await first.client.call("POST", `/v1/letters/${sent.id}/status`, { status: "03" });
  console.log(`3. ${first.organ.name} accepted it (status 03)`);

  const seen = await sender.client.call<SentLetter>("GET", `/v1/letters/${sent.id}`);
  console.log("4. The sender sees:");
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
