/**
 * PDF fixtures and external-tool checks for the PDF and signing tests: a Vietnamese letter made
 * with pdf-lib, its qpdf xref-stream twin, a LibreOffice letter, and wrappers around pdfsig,
 * openssl cms, qpdf and pdftoppm. Everything is generated in the test; nothing is copied in.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument, PDFName, rgb } from "pdf-lib";
import { readPdf } from "../../shared/pdf/read-pdf.ts";
import { opensslVerifyDetached } from "./openssl.ts";
import { type IssuedCert, TEST_ORGAN, type TestPki } from "./pki.ts";
import { tempDir } from "./temp-dir.ts";

/** Kept for the attack tests that import it from here; other tests import ./temp-dir.ts. */
export { tempDir } from "./temp-dir.ts";

const run = promisify(execFile);

export const LIBERATION_SERIF = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf";
export const LIBERATION_SERIF_BOLD = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf";

/** The letter's text, so that tests can look for it. */
export const LETTER = {
  nationalTitle: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
  motto: "Độc lập - Tự do - Hạnh phúc",
  organ: "SỞ TÀI CHÍNH TỈNH TÂY NINH",
  number: "Số: 2491/STC-BCTC",
  place: "Tây Ninh, ngày 05 tháng 3 năm 2024",
  subject: "V/v báo cáo tình hình thực hiện dự toán ngân sách quý I năm 2024",
  body: [
    "Thực hiện Công văn số 1234/BTC-NSNN ngày 15/02/2024 của Bộ Tài chính về việc báo cáo",
    "tình hình thực hiện dự toán ngân sách nhà nước, Sở Tài chính tỉnh Tây Ninh báo cáo như sau:",
    "1. Tổng thu ngân sách trên địa bàn quý I ước đạt 28,5% dự toán năm, tăng 12% so với cùng kỳ.",
    "2. Chi thường xuyên bảo đảm đúng dự toán, tiết kiệm, hiệu quả; không phát sinh nợ đọng.",
    "3. Đề nghị các cơ quan, đơn vị khẩn trương rà soát, hoàn thiện hồ sơ thanh toán.",
  ],
  signerTitle: "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
  signerName: "Trần Thị Bích Ngọc",
} as const;

export interface LetterPdfOptions {
  /** Default 3. */
  readonly pages?: number;
  /** Pad the file to about this many bytes with an unused, uncompressible image stream. */
  readonly padToBytes?: number;
  /** Default false: a classic xref table, no object streams. */
  readonly useObjectStreams?: boolean;
}

let fontCache: Promise<readonly [Uint8Array, Uint8Array]> | undefined;

function fonts(): Promise<readonly [Uint8Array, Uint8Array]> {
  fontCache ??= Promise.all([readFile(LIBERATION_SERIF), readFile(LIBERATION_SERIF_BOLD)]);
  return fontCache;
}

/**
 * A Vietnamese official letter (Decree 30 layout, roughly) with pdf-lib, Liberation Serif subset.
 *
 * @example
 * const pdf = await makeLetterPdf({ pages: 3 });
 */
export async function makeLetterPdf(options: LetterPdfOptions = {}): Promise<Uint8Array> {
  const pageCount = options.pages ?? 3;
  const [regularBytes, boldBytes] = await fonts();
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const regular = await doc.embedFont(regularBytes, { subset: true });
  const bold = await doc.embedFont(boldBytes, { subset: true });
  doc.setTitle(LETTER.subject);
  for (let p = 0; p < pageCount; p++) {
    const page = doc.addPage([595.28, 841.89]);
    const left = 85;
    let y = 790;
    if (p === 0) {
      page.drawText(LETTER.organ, { x: left, y, size: 12, font: bold });
      page.drawText(LETTER.nationalTitle, { x: 300, y, size: 12, font: bold });
      y -= 16;
      page.drawText(LETTER.number, { x: left, y, size: 13, font: regular });
      page.drawText(LETTER.motto, { x: 345, y, size: 13, font: bold });
      y -= 24;
      page.drawText(LETTER.place, { x: 320, y, size: 13, font: regular });
      y -= 30;
      page.drawText(LETTER.subject, { x: left, y, size: 12, font: regular, maxWidth: 440 });
      y -= 36;
    }
    for (const line of LETTER.body) {
      page.drawText(line, { x: left, y, size: 12, font: regular });
      y -= 20;
    }
    page.drawText(`Trang ${p + 1}/${pageCount}`, {
      x: 280,
      y: 40,
      size: 10,
      font: regular,
      color: rgb(0.3, 0.3, 0.3),
    });
  }
  if (options.padToBytes) {
    const current = (await doc.save({ useObjectStreams: false })).length;
    const size = Math.max(0, options.padToBytes - current - 200);
    const width = 1000;
    const height = Math.max(1, Math.floor(size / width));
    const image = doc.context.stream(randomBytes(width * height), {
      Type: "XObject",
      Subtype: "Image",
      Width: width,
      Height: height,
      ColorSpace: "DeviceGray",
      BitsPerComponent: 8,
    });
    const imageRef = doc.context.register(image);
    // Referenced from the catalog so that no tool drops it; never drawn.
    doc.catalog.set(PDFName.of("PieceInfo"), doc.context.obj({ Padding: { Private: imageRef } }));
  }
  return doc.save({ useObjectStreams: options.useObjectStreams ?? false });
}

/** The same document rewritten by `qpdf --object-streams=generate` (xref stream + object streams). */
export async function toXrefStreamPdf(pdf: Uint8Array): Promise<Uint8Array> {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFile(join(dir, "in.pdf"), pdf);
    await run("qpdf", ["--object-streams=generate", join(dir, "in.pdf"), join(dir, "out.pdf")]);
    return new Uint8Array(await readFile(join(dir, "out.pdf")));
  } finally {
    await cleanup();
  }
}

const LETTER_HTML = `<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Công văn</title>
<style>body{font-family:"Liberation Serif";font-size:13pt} .c{text-align:center}</style></head><body>
<p class="c"><b>${LETTER.nationalTitle}</b><br><b>${LETTER.motto}</b></p>
<p>${LETTER.organ}<br>${LETTER.number}</p><p>${LETTER.place}</p><p><i>${LETTER.subject}</i></p>
${LETTER.body.map((line) => `<p>${line}</p>`).join("\n")}
<p style="page-break-before:always">${LETTER.body.join(" ")}</p>
<p style="page-break-before:always">${LETTER.body.join(" ")}</p>
</body></html>`;

/**
 * A three-page Vietnamese letter converted by LibreOffice (`soffice --headless --convert-to pdf`)
 * with a private profile. Takes 5–15 s: call once per test file.
 */
export async function makeLibreOfficePdf(): Promise<Uint8Array> {
  const { dir, cleanup } = await tempDir("lienthong-lo-");
  try {
    await mkdir(join(dir, "profile"));
    await writeFile(join(dir, "letter.html"), LETTER_HTML);
    await run(
      "soffice",
      [
        `-env:UserInstallation=file://${join(dir, "profile")}`,
        "--headless",
        "--convert-to",
        "pdf:writer_pdf_Export",
        "--outdir",
        dir,
        join(dir, "letter.html"),
      ],
      { timeout: 120_000 },
    );
    return new Uint8Array(await readFile(join(dir, "letter.pdf")));
  } finally {
    await cleanup();
  }
}

/** One signature as pdfsig reports it. */
export interface PdfsigSignature {
  readonly index: number;
  readonly text: string;
  readonly valid: boolean;
  readonly digestMismatch: boolean;
  readonly trusted: boolean;
  readonly totalDocumentSigned: boolean;
  readonly signerName?: string;
}

/** An NSS database trusting `rootPem` (CT,C,C), knowing `intermediatePem` (,,) and holding `crls` (DER), for pdfsig. */
export async function makeNssDb(
  dir: string,
  rootPem: string,
  intermediatePem?: string,
  crls: readonly Uint8Array[] = [],
): Promise<string> {
  const db = join(dir, "nss");
  await mkdir(db, { recursive: true });
  await run("certutil", ["-N", "-d", `sql:${db}`, "--empty-password"]);
  await writeFile(join(db, "root.pem"), rootPem);
  await run("certutil", ["-A", "-d", `sql:${db}`, "-n", "root", "-t", "CT,C,C", "-i", join(db, "root.pem")]);
  if (intermediatePem) {
    await writeFile(join(db, "intermediate.pem"), intermediatePem);
    await run("certutil", [
      "-A",
      "-d",
      `sql:${db}`,
      "-n",
      "intermediate",
      "-t",
      ",,",
      "-i",
      join(db, "intermediate.pem"),
    ]);
  }
  // NSS checks revocation by CRL: with no CRL in the database and the CRL URL unreachable, pdfsig
  // says "Unknown issue with Certificate". Import the test PKI's CRLs instead of serving them.
  for (const [i, crl] of crls.entries()) {
    await writeFile(join(db, `crl-${i}.crl`), crl);
    await run("crlutil", ["-I", "-d", `sql:${db}`, "-i", join(db, `crl-${i}.crl`), "-B"]);
  }
  return `sql:${db}`;
}

/**
 * Runs pdfsig and parses its text (it exits 0 even for broken signatures).
 *
 * Measured with poppler 22.12: for a certificate that names an OCSP responder, pdfsig asks it
 * (and reports "Unknown issue with Certificate" when it is down); with `-no-ocsp` it reports the
 * same for every signature after the first. Sign with certificates without revocation pointers
 * ({@link signingCerts}) to get "Certificate is Trusted." for all of them; revocation is the
 * verifier's business, tested there.
 */
export async function pdfsig(pdfPath: string, nssDir: string): Promise<PdfsigSignature[]> {
  const { stdout } = await run("pdfsig", ["-nssdir", nssDir, pdfPath]).catch((error) => {
    return { stdout: String((error as { stdout?: string }).stdout ?? "") };
  });
  const blocks = stdout.split(/^Signature #/m).slice(1);
  return blocks.map((block, i) => ({
    index: i + 1,
    text: block,
    valid: block.includes("Signature is Valid."),
    digestMismatch: block.includes("Digest Mismatch."),
    trusted: block.includes("Certificate is Trusted."),
    totalDocumentSigned:
      block.includes("Total document signed") && !block.includes("Not total document signed"),
    signerName: /Signer Certificate Common Name: (.*)/.exec(block)?.[1]?.trim(),
  }));
}

/** `qpdf --check`; resolves to its output, rejects when qpdf finds errors. */
export async function qpdfCheck(pdfPath: string): Promise<string> {
  const { stdout } = await run("qpdf", ["--check", pdfPath]);
  return stdout;
}

/** The CMS and signed content of the n-th signature (0-based, revision order), extracted with our parser. */
export function extractSignature(pdf: Uint8Array, index: number): { cms: Uint8Array; content: Uint8Array } {
  const info = readPdf(pdf).signatures()[index];
  if (!info?.contents || !info.byteRange) {
    throw new Error(`no signature #${index}`);
  }
  const [a, b, c, d] = info.byteRange as [number, number, number, number];
  const content = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
  // Strip the zero padding after the DER: the outer SEQUENCE's length says where it ends.
  const der = info.contents;
  let length = der[1]!;
  let header = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) {
      length = length * 256 + der[2 + i]!;
    }
    header = 2 + n;
  }
  return { cms: der.subarray(0, header + length), content };
}

/** `openssl cms -verify` of the n-th signature over its byte ranges; resolves to the exit code. */
export async function opensslVerify(
  pdf: Uint8Array,
  index: number,
  caPem: string,
  dir: string,
): Promise<number> {
  const { cms, content } = extractSignature(pdf, index);
  const base = join(dir, `verify-${index}-${Date.now()}`);
  await writeFile(`${base}.p7s`, cms);
  await writeFile(`${base}.bin`, content);
  await writeFile(`${base}.ca.pem`, caPem);
  return (await opensslVerifyDetached(`${base}.p7s`, `${base}.bin`, `${base}.ca.pem`)).code;
}

/** Text of a page (1-based) or the whole document, with pdftotext. */
export async function pdfText(pdfPath: string, page?: number): Promise<string> {
  const args = page === undefined ? [pdfPath, "-"] : ["-f", String(page), "-l", String(page), pdfPath, "-"];
  const { stdout } = await run("pdftotext", args);
  return stdout;
}

/** Renders one page (1-based) at 72 dpi to PNG bytes with pdftoppm. */
export async function renderPage(pdfPath: string, page: number, dir: string): Promise<Uint8Array> {
  const prefix = join(dir, `render-${page}-${Date.now()}`);
  await run("pdftoppm", [
    "-r",
    "72",
    "-png",
    "-f",
    String(page),
    "-l",
    String(page),
    "-singlefile",
    pdfPath,
    prefix,
  ]);
  const bytes = new Uint8Array(await readFile(`${prefix}.png`));
  await rm(`${prefix}.png`, { force: true });
  return bytes;
}

/**
 * A hand-laid PDF with a classic xref table: `bodies[i]` is object i+1's body (between `obj` and
 * `endobj`). `eol` is written after each xref entry's "n"/"f" (default " \n", 20-byte entries).
 */
export function rawPdf(
  bodies: readonly (string | Uint8Array)[],
  options: { readonly trailer?: string; readonly eol?: string; readonly header?: string } = {},
): Uint8Array {
  const parts: Buffer[] = [Buffer.from(options.header ?? "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let position = parts[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(position);
    const chunk = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, "latin1"),
      typeof body === "string" ? Buffer.from(body, "latin1") : Buffer.from(body),
      Buffer.from("\nendobj\n", "latin1"),
    ]);
    parts.push(chunk);
    position += chunk.length;
  });
  const eol = options.eol ?? " \n";
  let xref = `xref\n0 ${bodies.length + 1}\n0000000000 65535 f${eol}`;
  for (const offset of offsets) {
    xref += `${String(offset).padStart(10, "0")} 00000 n${eol}`;
  }
  xref += `trailer\n<< /Size ${bodies.length + 1} ${options.trailer ?? "/Root 1 0 R"} >>\nstartxref\n${position}\n%%EOF\n`;
  parts.push(Buffer.from(xref, "latin1"));
  return new Uint8Array(Buffer.concat(parts));
}

/** A standard Type 1 font dictionary for hand-laid letters (Latin-1 text only). */
export const HELVETICA = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

/** A text line in content-stream syntax: 16 pt, at x = 72. */
export function textLine(text: string, y = 760, font = "F1"): string {
  return `BT /${font} 16 Tf 72 ${y} Td (${text}) Tj ET`;
}

/** The body of a stream object for {@link rawPdf}, with extra dictionary entries `dict`. */
export function streamBody(content: string, dict = ""): string {
  return `<< ${dict} /Length ${Buffer.from(content, "latin1").length} >>\nstream\n${content}\nendstream`;
}

/** The body of a page of a hand-laid letter (parent 2 0 R, A4). */
export function pageBody(entries: string): string {
  return `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] ${entries} >>`;
}

/** Catalog, page tree and one empty page: the bodies for objects 1–3 of {@link rawPdf}. */
export const MINIMAL_BODIES: readonly string[] = [
  "<< /Type /Catalog /Pages 2 0 R >>",
  "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
  "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
];

/**
 * A person (Trần Thị Bích Ngọc) and an organisation ("seal") certificate like the test PKI's, from
 * the same intermediate, but without CRL/OCSP pointers: see {@link pdfsig}.
 */
export async function signingCerts(pki: TestPki): Promise<{ person: IssuedCert; organisation: IssuedCert }> {
  const person = await pki.issue({ crlUrl: undefined, ocspUrl: undefined });
  const organisation = await pki.issue({
    crlUrl: undefined,
    ocspUrl: undefined,
    subject: { commonName: TEST_ORGAN.name, title: undefined },
  });
  return { person, organisation };
}
