import { deflateSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { PdfLexer } from "../../../shared/pdf/lexer.ts";
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString } from "../../../shared/pdf/objects.ts";
import { listPages } from "../../../shared/pdf/pages.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { decodeStream, unpredict } from "../../../shared/pdf/stream-decode.ts";
import { MINIMAL_BODIES, makeLetterPdf, rawPdf, toXrefStreamPdf } from "../../support/pdf.ts";

const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));

function parse(text: string) {
  return new PdfLexer(latin1(text)).parseObject();
}

/** PNG "Up" (type 2) forward filter, for building predicted test data. */
function pngUp(rows: readonly Uint8Array[]): Uint8Array {
  const out: number[] = [];
  rows.forEach((row, r) => {
    out.push(2);
    row.forEach((byte, i) => {
      out.push((byte - (r > 0 ? rows[r - 1]![i]! : 0)) & 0xff);
    });
  });
  return Uint8Array.from(out);
}

/**
 * Objects 1–3 direct, 5 and 6 inside object stream 4, xref stream 7 (PNG predictor 12). With
 * `hybrid`, a classic table lists 1–4 and 7 and points to the stream with /XRefStm (§7.5.8.4).
 */
function objectStreamPdf(hybrid: boolean): Uint8Array {
  const chunks: Buffer[] = [Buffer.from("%PDF-1.5\n", "latin1")];
  let position = chunks[0]!.length;
  const offsets = new Map<number, number>();
  const add = (n: number, body: Buffer): void => {
    offsets.set(n, position);
    const chunk = Buffer.concat([Buffer.from(`${n} 0 obj\n`), body, Buffer.from("\nendobj\n")]);
    chunks.push(chunk);
    position += chunk.length;
  };
  add(1, Buffer.from("<< /Type /Catalog /Pages 2 0 R /Extra 5 0 R >>"));
  add(2, Buffer.from("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"));
  add(3, Buffer.from("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 300] >>"));
  const objects = "<< /InStream (five) >> [6 (six)]";
  const header = `5 0 6 ${"<< /InStream (five) >> ".length}`;
  const objstmData = deflateSync(Buffer.from(`${header} ${objects}`));
  add(
    4,
    Buffer.concat([
      Buffer.from(
        `<< /Type /ObjStm /N 2 /First ${header.length + 1} /Filter /FlateDecode /Length ${objstmData.length} >>\nstream\n`,
      ),
      objstmData,
      Buffer.from("\nendstream"),
    ]),
  );
  const xrefOffset = position;
  offsets.set(7, xrefOffset);
  const row = (type: number, a: number, b: number): Uint8Array => Uint8Array.of(type, a >> 8, a & 0xff, b);
  const rows = [
    row(0, 0, 255),
    row(1, offsets.get(1)!, 0),
    row(1, offsets.get(2)!, 0),
    row(1, offsets.get(3)!, 0),
    row(1, offsets.get(4)!, 0),
    row(2, 4, 0),
    row(2, 4, 1),
    row(1, xrefOffset, 0),
  ];
  const data = deflateSync(pngUp(rows));
  const trailerKeys = hybrid ? "" : "/Root 1 0 R ";
  add(
    7,
    Buffer.concat([
      Buffer.from(
        `<< /Type /XRef /Size 8 ${trailerKeys}/W [1 2 1] /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >> /Length ${data.length} >>\nstream\n`,
      ),
      data,
      Buffer.from("\nendstream"),
    ]),
  );
  if (!hybrid) {
    chunks.push(Buffer.from(`startxref\n${xrefOffset}\n%%EOF\n`));
    return new Uint8Array(Buffer.concat(chunks));
  }
  const tableOffset = position;
  let table = "xref\n0 5\n0000000000 65535 f \n";
  for (let n = 1; n <= 4; n++) {
    table += `${String(offsets.get(n)).padStart(10, "0")} 00000 n \n`;
  }
  table += `7 1\n${String(xrefOffset).padStart(10, "0")} 00000 n \n`;
  table += `trailer\n<< /Size 8 /Root 1 0 R /XRefStm ${xrefOffset} >>\nstartxref\n${tableOffset}\n%%EOF\n`;
  chunks.push(Buffer.from(table));
  return new Uint8Array(Buffer.concat(chunks));
}

describe("object parser (ISO 32000-1 §7.3)", () => {
  it("parses literal strings with escapes, balanced parentheses and EOL normalisation", () => {
    const value = parse("(a\\(b\\) (nested) \\101\\7\\\r\nc\\n\r\nd)");
    expect(value).toBeInstanceOf(PdfString);
    expect(Buffer.from((value as PdfString).bytes).toString("latin1")).toBe("a(b) (nested) A\x07c\n\nd");
  });

  it("parses hex strings with whitespace and an odd final digit", () => {
    const value = parse("<48 65 6C6C 6F7>") as PdfString;
    expect(Buffer.from(value.bytes).toString("latin1")).toBe("Hello\x70");
    expect(value.hex).toBe(true);
  });

  it("decodes #xx escapes in names", () => {
    expect((parse("/A#20B#23C") as PdfName).value).toBe("A B#C");
  });

  it("parses dictionaries, arrays, references, numbers, booleans and null", () => {
    const dict = parse("<< /A [1 -2.5 .5 +3 true false null] /B 12 0 R /C << /D /E >> /F 7 >>") as PdfDict;
    expect(dict.get("A")).toEqual([1, -2.5, 0.5, 3, true, false, null]);
    expect(dict.getRef("B")).toEqual(new PdfRef(12, 0));
    expect(dict.getDict("C")?.getName("D")).toBe("E");
    expect(dict.getNumber("F")).toBe(7);
  });

  it("decodes UTF-16BE text strings", () => {
    const value = parse("<FEFF0054007200E1006E>") as PdfString;
    expect(value.text()).toBe("Trán");
  });

  it("rejects deep nesting with PDF_MALFORMED instead of overflowing the stack", () => {
    expect(() => parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)).toThrow(
      expect.objectContaining({ code: "PDF_MALFORMED" }),
    );
  });
});

describe("predictors (§7.4.4.4)", () => {
  it("reverses TIFF predictor 2", () => {
    const raw = Uint8Array.of(10, 20, 30, 5, 5, 5, 200, 100, 50, 7, 7, 7);
    const predicted = Uint8Array.from(raw);
    for (let row = 0; row < 2; row++) {
      for (let i = 5; i >= 3; i--) {
        predicted[row * 6 + i] = (raw[row * 6 + i]! - raw[row * 6 + i - 3]!) & 0xff;
      }
    }
    const dict = new PdfDict([
      ["Predictor", 2],
      ["Colors", 3],
      ["Columns", 2],
    ]);
    expect(unpredict(predicted, dict)).toEqual(raw);
  });

  it("reverses PNG predictors with mixed row types (None, Sub, Up, Average, Paeth)", () => {
    const rows = [
      Uint8Array.of(1, 2, 3, 4),
      Uint8Array.of(5, 6, 7, 8),
      Uint8Array.of(9, 10, 11, 12),
      Uint8Array.of(200, 100, 50, 25),
      Uint8Array.of(3, 1, 4, 1),
    ];
    const paeth = (a: number, b: number, c: number): number => {
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const encoded: number[] = [];
    rows.forEach((row, r) => {
      const type = r % 5;
      encoded.push(type);
      row.forEach((byte, i) => {
        const left = i > 0 ? row[i - 1]! : 0;
        const up = r > 0 ? rows[r - 1]![i]! : 0;
        const upLeft = r > 0 && i > 0 ? rows[r - 1]![i - 1]! : 0;
        const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][type]!;
        encoded.push((byte - predictor) & 0xff);
      });
    });
    const stream = new PdfStream(
      new PdfDict([
        ["Filter", new PdfName("FlateDecode")],
        [
          "DecodeParms",
          new PdfDict([
            ["Predictor", 15],
            ["Columns", 4],
          ]),
        ],
      ]),
      deflateSync(Uint8Array.from(encoded)),
    );
    expect(decodeStream(stream)).toEqual(Uint8Array.from(rows.flatMap((row) => [...row])));
  });
});

describe("readPdf", () => {
  let letter: Uint8Array;
  beforeAll(async () => {
    letter = await makeLetterPdf({ pages: 3 });
  });

  it("reads a pdf-lib file: one revision with a classic table ending at %%EOF", () => {
    const pdf = readPdf(letter);
    expect(pdf.revisions).toHaveLength(1);
    const [revision] = pdf.revisions;
    expect(revision!.xrefKind).toBe("table");
    const eof = Buffer.from(letter).lastIndexOf("%%EOF");
    expect(revision!.endOffset).toBeGreaterThanOrEqual(eof + 5);
    expect(revision!.endOffset).toBeLessThanOrEqual(letter.length);
    expect(listPages(pdf)).toHaveLength(3);
  });

  it("reads a qpdf xref-stream file with object streams and finds the same pages", async () => {
    const pdf = readPdf(await toXrefStreamPdf(letter));
    expect(pdf.revisions[0]!.xrefKind).toBe("stream");
    const compressed = [...pdf.revisions[0]!.entries.values()].filter((e) => e.type === "compressed");
    expect(compressed.length).toBeGreaterThan(0);
    const pages = listPages(pdf);
    expect(pages).toHaveLength(3);
    expect(pages[0]!.mediaBox[2]).toBeCloseTo(595.28, 2);
  });

  it("resolves objects from a hand-built object stream via a predicted xref stream", () => {
    const pdf = readPdf(objectStreamPdf(false));
    const five = pdf.resolve(new PdfRef(5)) as PdfDict;
    expect(five.getString("InStream")?.text()).toBe("five");
    expect(pdf.resolve(new PdfRef(6))).toEqual([6, expect.any(PdfString)]);
    expect(pdf.locate(new PdfRef(5))?.start).toBeUndefined();
    expect(listPages(pdf)[0]!.mediaBox).toEqual([0, 0, 200, 300]);
  });

  it("merges a hybrid file's /XRefStm entries into its table section", () => {
    const pdf = readPdf(objectStreamPdf(true));
    expect(pdf.revisions).toHaveLength(1);
    expect(pdf.revisions[0]!.xrefKind).toBe("table");
    expect((pdf.resolve(new PdfRef(5)) as PdfDict).getString("InStream")?.text()).toBe("five");
    const catalog = pdf.resolve(pdf.trailer.getRef("Root")!) as PdfDict;
    expect(pdf.resolve(catalog.getRef("Extra")!)).toBeInstanceOf(PdfDict);
  });

  it("reads sloppy xref tables (one-byte EOL entries)", () => {
    for (const eol of ["\n", "\r", "\r\n"]) {
      const pdf = readPdf(rawPdf(MINIMAL_BODIES, { eol }));
      expect(listPages(pdf)).toHaveLength(1);
    }
  });

  it("resolves an indirect /Length and flags a stream whose /Length is wrong", () => {
    const bodies = [
      ...MINIMAL_BODIES,
      "<< /Length 5 0 R >>\nstream\nhello world\nendstream",
      "11",
      "<< /Length 3 >>\nstream\nhello world\nendstream",
    ];
    const pdf = readPdf(rawPdf(bodies));
    const good = pdf.resolve(new PdfRef(4)) as PdfStream;
    expect(Buffer.from(good.data).toString()).toBe("hello world");
    expect(good.lengthRecovered).toBe(false);
    const bad = pdf.resolve(new PdfRef(6)) as PdfStream;
    expect(Buffer.from(bad.data).toString()).toBe("hello world");
    expect(bad.lengthRecovered).toBe(true);
  });

  it("rejects encrypted files with PDF_ENCRYPTED", () => {
    const pdf = rawPdf([...MINIMAL_BODIES, "<< /Filter /Standard /V 2 >>"], {
      trailer: "/Root 1 0 R /Encrypt 4 0 R",
    });
    expect(() => readPdf(pdf)).toThrow(expect.objectContaining({ code: "PDF_ENCRYPTED" }));
  });

  it("rejects a /Prev chain that loops with PDF_MALFORMED", () => {
    const base = Buffer.from(rawPdf(MINIMAL_BODIES));
    const startxref = Number(/startxref\n(\d+)/.exec(base.toString("latin1"))![1]);
    const looped = Buffer.from(
      base.toString("latin1").replace("/Root 1 0 R", `/Root 1 0 R /Prev ${startxref}`),
      "latin1",
    );
    expect(() => readPdf(looped)).toThrow(expect.objectContaining({ code: "PDF_MALFORMED" }));
  });

  it("rejects non-PDF input and a bad startxref with PDF_MALFORMED", () => {
    expect(() => readPdf(latin1("hello"))).toThrow(expect.objectContaining({ code: "PDF_MALFORMED" }));
    const bad = Buffer.from(
      Buffer.from(rawPdf(MINIMAL_BODIES))
        .toString("latin1")
        .replace(/startxref\n\d+/, "startxref\n999999"),
      "latin1",
    );
    expect(() => readPdf(bad)).toThrow(expect.objectContaining({ code: "PDF_MALFORMED" }));
  });

  it("recovers a stream whose /Length refers to itself by scanning, without recursing forever", () => {
    const pdf = readPdf(rawPdf([...MINIMAL_BODIES, "<< /Length 4 0 R >>\nstream\nabc\nendstream"]));
    // The length cannot be resolved (it is the stream itself): the data end is recovered by scanning.
    const stream = pdf.resolve(new PdfRef(4));
    expect(stream).toBeInstanceOf(PdfStream);
    expect((stream as PdfStream).lengthRecovered).toBe(true);
  });

  it("treats an object stream that contains itself as PDF_MALFORMED", () => {
    const pdf = objectStreamPdf(false);
    // Point the xref entry of object 4 (the object stream) at itself as a compressed object.
    const text = Buffer.from(pdf).toString("latin1");
    expect(text).toContain("/Type /ObjStm");
    const file = readPdf(pdf);
    const entries = file.revisions[0]!.entries as Map<number, unknown>;
    entries.set(4, { type: "compressed", streamObjectNumber: 4, index: 0, generation: 0 });
    expect(() => file.resolve(new PdfRef(5))).toThrow(expect.objectContaining({ code: "PDF_MALFORMED" }));
  });
});
