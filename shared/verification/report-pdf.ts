/**
 * A printable verification report (A4, Vietnamese and English side by side) a clerk can attach to the
 * incoming-letter register: the verdict, the file's SHA-256, the validation time, and for every
 * signature the signer, times, revocation, coverage, modifications and each check with its code.
 *
 * Written as a small PDF by hand (lines of text, a subset Liberation Serif through
 * ../pdf/appearance/embedded-font.ts, since Vietnamese needs a Unicode font) rather than with
 * pdf-lib and fontkit: those were ~1 MB of the verify-document bundle (issue 9).
 */
import { deflateSync } from "node:zlib";
import { EmbeddedFont, subsetTag } from "../pdf/appearance/embedded-font.ts";
import { loadDefaultFont } from "../pdf/appearance/font.ts";
import { name, PdfDict, type PdfObject, PdfRef, PdfStream, textString } from "../pdf/objects.ts";
import { serializeBody } from "../pdf/serialize.ts";
import type { CheckStatus, Indication, SignatureReport, ValidationReport } from "./report.ts";
import { displayTime, summariseSignature, WORDS } from "./summary.ts";

export interface ReportPdfOptions {
  /** TrueType regular and bold fonts; default Liberation Serif from fonts-liberation2. */
  readonly fontBytes?: Uint8Array;
  readonly boldFontBytes?: Uint8Array;
  /** Shown in the title block, e.g. the file name. */
  readonly title?: string;
}

/** Changes listed per signature in the printed report (refused ones come first); the JSON has them all. */
const MAX_CHANGES_SHOWN = 20;
const PAGE = { width: 595.28, height: 841.89, margin: 48 } as const;
const STATUS_WORDS: Readonly<Record<CheckStatus, string>> = {
  passed: "Đạt / passed",
  failed: "KHÔNG ĐẠT / FAILED",
  unknown: "Chưa rõ / unknown",
  skipped: "Bỏ qua / skipped",
};
/** A DeviceRGB fill colour, components in 0–1. */
type Colour = readonly [number, number, number];
const rgb = (r: number, g: number, b: number): Colour => [r, g, b];
const VERDICT_COLOURS: Readonly<Record<Indication, Colour>> = {
  TOTAL_PASSED: rgb(0.05, 0.45, 0.15),
  TOTAL_FAILED: rgb(0.75, 0.05, 0.05),
  INDETERMINATE: rgb(0.7, 0.4, 0),
};

/** Characters outside common Latin/Vietnamese that a subset serif font may lack. */
function printable(text: string): string {
  return text
    .replace(/→/g, "->")
    .replace(/[^\u0009\u000a\u0020-\u024f\u1e00-\u1eff\u2013\u2014\u2018-\u201d\u2026]/g, "?");
}

/** A page's content stream operators. */
type PageContent = string[];

/** Formats a number for a content stream: at most 3 decimals, no exponent. */
function num(value: number): string {
  const rounded = Math.round(value * 1000) / 1000;
  return Object.is(rounded, -0) ? "0" : String(rounded);
}

class Writer {
  readonly #regular: EmbeddedFont;
  readonly #bold: EmbeddedFont;
  readonly pageContents: PageContent[] = [];
  #page!: PageContent;
  #y = 0;

  constructor(regular: EmbeddedFont, bold: EmbeddedFont) {
    this.#regular = regular;
    this.#bold = bold;
    this.newPage();
  }

  get pages(): number {
    return this.pageContents.length;
  }

  newPage(): void {
    this.#page = [];
    this.pageContents.push(this.#page);
    this.#y = PAGE.height - PAGE.margin;
  }

  /** Starts a new page unless `height` points still fit. */
  keep(height: number): void {
    if (this.#y - height < PAGE.margin) {
      this.newPage();
    }
  }

  text(
    raw: string,
    options: {
      readonly size?: number;
      readonly bold?: boolean;
      readonly indent?: number;
      readonly colour?: Colour;
    } = {},
  ): void {
    const size = options.size ?? 10;
    const font = options.bold ? this.#bold : this.#regular;
    const indent = options.indent ?? 0;
    const width = PAGE.width - 2 * PAGE.margin - indent;
    for (const paragraph of printable(raw).split("\n")) {
      const words = paragraph.split(" ");
      let line = "";
      const flush = (): void => {
        this.keep(size * 1.3);
        this.#y -= size * 1.3;
        const [r, g, b] = options.colour ?? rgb(0, 0, 0);
        this.#page.push(
          `BT /${options.bold ? "F2" : "F1"} ${num(size)} Tf ${num(r)} ${num(g)} ${num(b)} rg ` +
            `1 0 0 1 ${num(PAGE.margin + indent)} ${num(this.#y)} Tm ${font.encode(line)} Tj ET`,
        );
        line = "";
      };
      for (const word of words) {
        const candidate = line ? `${line} ${word}` : word;
        if (font.widthOfTextAtSize(candidate, size) > width && line) {
          flush();
          line = word;
        } else {
          line = candidate;
        }
        // A single over-long token (a fingerprint) is cut to fit.
        while (font.widthOfTextAtSize(line, size) > width && line.length > 1) {
          let cut = line.length - 1;
          while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) {
            cut--;
          }
          const rest = line.slice(cut);
          line = line.slice(0, cut);
          flush();
          line = rest;
        }
      }
      flush();
    }
  }

  gap(points = 6): void {
    this.#y -= points;
  }
}

function signatureBlock(writer: Writer, signature: SignatureReport): void {
  const vi = WORDS.vi;
  const en = WORDS.en;
  writer.keep(120);
  writer.gap(8);
  const label =
    signature.kind === "document-timestamp"
      ? `${vi.timestamp} / ${en.timestamp}`
      : `${vi.signature} / ${en.signature}`;
  writer.text(
    `${label} ${signature.index + 1}: ${vi.verdict[signature.indication]} / ${en.verdict[signature.indication]}` +
      (signature.subIndication ? ` (${signature.subIndication})` : ""),
    { size: 12, bold: true, colour: VERDICT_COLOURS[signature.indication] },
  );
  writer.text(summariseSignature(signature, "vi"), { indent: 8 });
  writer.text(summariseSignature(signature, "en"), { indent: 8 });
  const cert = signature.signer?.certificate;
  const facts: [string, string | undefined][] = [
    ["Trường chữ ký / Field", signature.fieldName],
    ["Kiểu / SubFilter", signature.subFilter],
    ["Lý do / Reason", signature.reason],
    ["Chủ thể / Subject", cert?.subject],
    ["Tổ chức cấp / Issuer", cert?.issuer],
    ["Số hiệu / Serial", cert?.serialNumber],
    [
      "Hiệu lực / Validity",
      cert ? `${displayTime(cert.notBefore)} – ${displayTime(cert.notAfter)}` : undefined,
    ],
    ["SHA-256 chứng thư / certificate", cert?.sha256],
    ["Thời gian ký khai báo / Claimed time", displayTime(signature.claimedSigningTime)],
    ["Thời gian ký có dấu thời gian / Proven time", displayTime(signature.provenSigningTime)],
    [
      "Thu hồi / Revocation",
      `${signature.revocation.status} (${signature.revocation.source})${signature.revocation.at ? ` ${displayTime(signature.revocation.at)}` : ""}${
        signature.revocation.reason ? ` ${signature.revocation.reason}` : ""
      }`,
    ],
    ["Phạm vi ký / Coverage", signature.coverage],
    [
      "Thay đổi sau khi ký / Modification",
      `${vi.modification[signature.modification]} / ${en.modification[signature.modification]}`,
    ],
    [
      "Chuỗi chứng thư / Chain",
      signature.chain.map((c) => c.subject.split(",")[0]).join(" -> ") || undefined,
    ],
  ];
  for (const [name, value] of facts) {
    if (value) {
      writer.text(`${name}: ${value}`, { size: 9, indent: 8 });
    }
  }
  if (signature.changes.length > 0) {
    writer.gap(4);
    writer.text("Thay đổi sau khi ký / Changes after signing", { size: 10, bold: true, indent: 8 });
    const shown = signature.changes.slice(0, MAX_CHANGES_SHOWN);
    for (const change of shown) {
      const refused = change.verdict === "refused";
      writer.text(
        `${refused ? "KHÔNG ĐƯỢC PHÉP / REFUSED" : "được phép / allowed"} — ${change.code}${change.revision !== undefined ? ` (revision ${change.revision + 1})` : ""}`,
        { size: 9, indent: 16, bold: refused, ...(refused ? { colour: VERDICT_COLOURS.TOTAL_FAILED } : {}) },
      );
      writer.text(change.detail, { size: 8, indent: 28, colour: rgb(0.3, 0.3, 0.3) });
    }
    if (signature.changes.length > shown.length) {
      writer.text(`… +${signature.changes.length - shown.length}`, { size: 8, indent: 16 });
    }
  }
  writer.gap(4);
  writer.text("Các bước kiểm tra / Checks", { size: 10, bold: true, indent: 8 });
  for (const check of signature.checks) {
    writer.text(`${check.name} — ${STATUS_WORDS[check.status]} — ${check.code}`, {
      size: 9,
      indent: 16,
      bold: check.status === "failed",
      ...(check.status === "failed" ? { colour: VERDICT_COLOURS.TOTAL_FAILED } : {}),
    });
    if (check.detail) {
      writer.text(check.detail, { size: 8, indent: 28, colour: rgb(0.3, 0.3, 0.3) });
    }
  }
}

/**
 * Renders the report as a PDF (A4, bilingual). The output is not signed; it records what was checked.
 *
 * @example
 * await writeFile("bao-cao-kiem-tra.pdf", await renderReportPdf(report, { title: "2491-STC-BCTC.pdf" }));
 */
export async function renderReportPdf(
  report: ValidationReport,
  options: ReportPdfOptions = {},
): Promise<Uint8Array> {
  const regularBytes = options.fontBytes ?? (await loadDefaultFont("regular"));
  const boldBytes = options.boldFontBytes ?? (await loadDefaultFont("bold"));
  const seed = [report.document.sha256, report.validationTime];
  const regular = EmbeddedFont.open(regularBytes, subsetTag(regularBytes, seed));
  const bold = EmbeddedFont.open(boldBytes, subsetTag(boldBytes, seed));
  const writer = new Writer(regular, bold);
  const vi = WORDS.vi;
  const en = WORDS.en;
  writer.text("BÁO CÁO KIỂM TRA CHỮ KÝ SỐ", { size: 16, bold: true });
  writer.text("SIGNATURE VERIFICATION REPORT", { size: 12, bold: true });
  if (options.title) {
    writer.text(options.title, { size: 10 });
  }
  writer.gap(8);
  writer.text(`Kết quả / Result: ${vi.verdict[report.verdict]} / ${en.verdict[report.verdict]}`, {
    size: 14,
    bold: true,
    colour: VERDICT_COLOURS[report.verdict],
  });
  writer.gap(4);
  const facts: [string, string][] = [
    ["Thời điểm kiểm tra / Validation time", displayTime(report.validationTime) ?? report.validationTime],
    ["SHA-256 của tệp / File SHA-256", report.document.sha256],
    ["Kích thước / Size", `${report.document.size} bytes`],
    ["Số phiên bản / Revisions", String(report.document.revisions)],
    ["Số chữ ký / Signatures", String(report.signatures.length)],
    ["Kiểm tra thu hồi / Revocation policy", report.policy.revocation],
  ];
  if (report.policy.expectedOrganCode) {
    facts.push(["Cơ quan gửi / Sending organ", report.policy.expectedOrganCode]);
  }
  for (const [name, value] of facts) {
    writer.text(`${name}: ${value}`, { size: 10 });
  }
  for (const problem of report.problems) {
    writer.text(`! ${problem.code}: ${problem.detail}`, { size: 10, colour: VERDICT_COLOURS.TOTAL_FAILED });
  }
  for (const signature of report.signatures) {
    signatureBlock(writer, signature);
  }
  return writePdf(writer.pageContents, regular, bold, {
    title: "Báo cáo kiểm tra chữ ký số / Signature verification report",
    creationDate: new Date(report.validationTime),
  });
}

/** `D:YYYYMMDDHHmmSSZ` (ISO 32000-1 §7.9.4), or undefined for an invalid date. */
function pdfDate(date: Date): string | undefined {
  if (Number.isNaN(date.getTime())) {
    return undefined;
  }
  return `D:${date.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}

/**
 * A complete PDF (ISO 32000-1 §7.5: header, objects, cross-reference table, trailer): catalog 1,
 * page tree 2, information dictionary 3, the two fonts, then each page and its content stream.
 */
function writePdf(
  pages: readonly PageContent[],
  regular: EmbeddedFont,
  bold: EmbeddedFont,
  info: { readonly title: string; readonly creationDate: Date },
): Uint8Array {
  const bodies: PdfObject[] = [];
  const allocate = (): number => bodies.push(null);
  const set = (objectNumber: number, body: PdfObject): void => {
    bodies[objectNumber - 1] = body;
  };
  const catalog = allocate();
  const pageTree = allocate();
  const infoNumber = allocate();
  const fonts = new PdfDict();
  for (const [resource, font] of [
    ["F1", regular],
    ["F2", bold],
  ] as const) {
    const fontNumber = allocate();
    for (const [objectNumber, body] of font.embed(fontNumber, allocate)) {
      set(objectNumber, body);
    }
    fonts.map.set(resource, new PdfRef(fontNumber));
  }
  const kids: PdfRef[] = [];
  for (const content of pages) {
    const pageNumber = allocate();
    const contentNumber = allocate();
    kids.push(new PdfRef(pageNumber));
    set(
      pageNumber,
      new PdfDict([
        ["Type", name("Page")],
        ["Parent", new PdfRef(pageTree)],
        ["MediaBox", [0, 0, PAGE.width, PAGE.height]],
        ["Resources", new PdfDict([["Font", fonts]])],
        ["Contents", new PdfRef(contentNumber)],
      ]),
    );
    set(
      contentNumber,
      new PdfStream(
        new PdfDict([["Filter", name("FlateDecode")]]),
        deflateSync(Buffer.from(`${content.join("\n")}\n`, "latin1")),
      ),
    );
  }
  set(
    catalog,
    new PdfDict([
      ["Type", name("Catalog")],
      ["Pages", new PdfRef(pageTree)],
    ]),
  );
  set(
    pageTree,
    new PdfDict([
      ["Type", name("Pages")],
      ["Kids", kids],
      ["Count", kids.length],
    ]),
  );
  const created = pdfDate(info.creationDate);
  set(
    infoNumber,
    new PdfDict([
      ["Title", textString(info.title)],
      ["Producer", textString("Lienthong")],
      ...(created ? ([["CreationDate", textString(created)]] as const) : []),
    ]),
  );

  const chunks: Uint8Array[] = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let offset = chunks[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(offset);
    for (const chunk of [
      Buffer.from(`${i + 1} 0 obj\n`, "latin1"),
      serializeBody(body),
      Buffer.from("\nendobj\n", "latin1"),
    ]) {
      chunks.push(chunk);
      offset += chunk.length;
    }
  });
  let xref = `xref\n0 ${bodies.length + 1}\n0000000000 65535 f\r\n`;
  for (const at of offsets) {
    xref += `${String(at).padStart(10, "0")} 00000 n\r\n`;
  }
  xref += `trailer\n<< /Size ${bodies.length + 1} /Root ${catalog} 0 R /Info ${infoNumber} 0 R >>\nstartxref\n${offset}\n%%EOF\n`;
  chunks.push(Buffer.from(xref, "latin1"));
  return Buffer.concat(chunks);
}
