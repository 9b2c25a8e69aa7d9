import { createHash } from "node:crypto";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { inject } from "vitest";
import { type LetterRequest, LienthongClient } from "../../local/api-client.ts";

/** A client per demo organ of the running local exchange (see test/global-setup.ts). */
export function organClients(): LienthongClient[] {
  const url = inject("apiUrl");
  return inject("demoKeys").map((key) => new LienthongClient(url, key.apiKey));
}

export function organCodes(): string[] {
  return inject("demoKeys").map((key) => key.organCode);
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
    code: { number: String(1000 + counter), notation: "STC-BCTC" },
    documentType: "Công văn",
    subject: `V/v kiểm thử liên thông văn bản số ${counter}`,
    recipients,
  };
}
