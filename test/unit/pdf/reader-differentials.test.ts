/**
 * Where our PDF reader and poppler once read the same file differently (red team round 3, F2–F4),
 * so that an update could pass verification while poppler showed other content:
 *
 * - F2: a compressed object referred to with a nonzero generation (`20 1 R`): poppler and Acrobat
 *   ignore the reference's generation for compressed objects; so do we now.
 * - F3: object streams poppler parses otherwise: N must be positive, offsets strictly increase, and
 *   each member is parsed within its slot [offset_i, offset_i+1) and must fill it (bar whitespace).
 * - F4: cross-reference sections poppler refuses (it then rebuilds the table by scanning): a real
 *   number where an integer is needed (/Size, /Prev, /XRefStm, /W, /Index), an xref stream row of
 *   type > 2, a type field wider than 4 bytes, a table subsection `1 n` opening with object 0's
 *   free entry (poppler renumbers it from 0). Each is PDF_MALFORMED.
 *
 * Hand-made files test each rule; the end-to-end cases start from a letter signed with the
 * project's signer, show that the forgery changes poppler's view, and that it is refused.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ExchangeError } from "../../../shared/errors/exchange-error.ts";
import { PdfDict, PdfRef } from "../../../shared/pdf/objects.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { formatObject } from "../../../shared/pdf/serialize.ts";
import type { ValidationOptions } from "../../../shared/verification/options.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { corpusSigners, signAll } from "../../support/attacks.ts";
import { HELVETICA, pageBody, pdfText, rawPdf, renderPage, streamBody, textLine } from "../../support/pdf.ts";
import { testPki } from "../../support/pki.ts";
import { HIDDEN_LINE, SIGNED_LINE } from "../../support/red-team.ts";
import { tempDir } from "../../support/temp-dir.ts";

const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));

/** An object stream written by hand: `header` is the pairs text, `data` what follows /First. */
interface HandObjectStream {
  readonly objectNumber: number;
  readonly header: string;
  readonly data: string;
  /** Type-2 entries: object number and index in the stream. */
  readonly members: readonly (readonly [number, number])[];
  /** /N (default the number of members); a string is written as is. */
  readonly n?: number | string;
}

interface HandUpdate {
  readonly objects?: readonly (readonly [number, string])[];
  readonly objectStream?: HandObjectStream;
  readonly xref?: "table" | "stream";
  /** Raw token text for /Prev, /Size (default the right integers). */
  readonly prev?: string;
  readonly size?: string;
  /** Raw /W text (xref stream; default `[1 4 2]`); the rows are written with these widths. */
  readonly w?: readonly [number, number, number];
  readonly wText?: string;
  /** Raw /Index text (xref stream; default one pair per entry). */
  readonly indexText?: string;
  /** Type written for the object stream's members (default 2). */
  readonly rowType?: number;
}

/** Appends one revision written by hand (plain objects, an optional object stream, an xref). */
function appendHand(bytes: Uint8Array, update: HandUpdate): Uint8Array {
  const file = readPdf(bytes);
  let text = Buffer.from(bytes).toString("latin1");
  if (!text.endsWith("\n")) {
    text += "\n";
  }
  const rows = new Map<number, [number, number, number]>();
  for (const [objectNumber, body] of update.objects ?? []) {
    rows.set(objectNumber, [1, text.length, 0]);
    text += `${objectNumber} 0 obj\n${body}\nendobj\n`;
  }
  const stream = update.objectStream;
  if (stream) {
    const content = stream.header + stream.data;
    rows.set(stream.objectNumber, [1, text.length, 0]);
    text += `${stream.objectNumber} 0 obj\n<< /Type /ObjStm /N ${stream.n ?? stream.members.length} /First ${stream.header.length} /Length ${content.length} >>\nstream\n${content}\nendstream\nendobj\n`;
    for (const [objectNumber, index] of stream.members) {
      rows.set(objectNumber, [update.rowType ?? 2, stream.objectNumber, index]);
    }
  }
  const prevSection = file.revisions[file.revisions.length - 1]!.startxref;
  const prev = update.prev ?? String(prevSection);
  const keep = ["Root", "Info", "ID"]
    .filter((key) => file.trailer.get(key) !== undefined)
    .map((key) => `/${key} ${formatObject(file.trailer.get(key)!)}`)
    .join(" ");
  const xrefAt = text.length;
  const xrefNumber = Math.max(file.trailer.getNumber("Size") ?? 1, ...[...rows.keys()].map((n) => n + 1));
  if ((update.xref ?? (stream ? "stream" : "table")) === "table") {
    const size = update.size ?? String(xrefNumber);
    text += "xref\n";
    for (const [objectNumber, [, offset]] of [...rows].sort((a, b) => a[0] - b[0])) {
      text += `${objectNumber} 1\n${String(offset).padStart(10, "0")} 00000 n \n`;
    }
    text += `trailer\n<< /Size ${size} ${keep} /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    return latin1(text);
  }
  rows.set(xrefNumber, [1, xrefAt, 0]);
  const widths = update.w ?? [1, 4, 2];
  const sorted = [...rows].sort((a, b) => a[0] - b[0]);
  let data = "";
  for (const [, fields] of sorted) {
    fields.forEach((value, i) => {
      for (let k = widths[i]! - 1; k >= 0; k--) {
        data += String.fromCharCode(Math.floor(value / 256 ** k) % 256);
      }
    });
  }
  const index = update.indexText ?? `[${sorted.map(([n]) => `${n} 1`).join(" ")}]`;
  const size = update.size ?? String(xrefNumber + 1);
  text += `${xrefNumber} 0 obj\n<< /Type /XRef /Size ${size} /W ${update.wText ?? `[${widths.join(" ")}]`} /Index ${index} ${keep} /Prev ${prev} /Length ${data.length} >>\nstream\n${data}\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`;
  return latin1(text);
}

function malformedError(run: () => unknown): ExchangeError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ExchangeError);
    expect((error as ExchangeError).code).toBe("PDF_MALFORMED");
    return error as ExchangeError;
  }
  throw new Error("expected PDF_MALFORMED");
}

/** Catalog, pages, page (fonts F1 5 0 R, F2 20 1 R), content, font. */
const base = rawPdf([
  "<< /Type /Catalog /Pages 2 0 R >>",
  "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
  pageBody("/Resources << /Font << /F1 5 0 R /F2 20 1 R >> >> /Contents 4 0 R"),
  streamBody(textLine(SIGNED_LINE)),
  HELVETICA,
]);

const objstm = (members: readonly (readonly [number, number, string])[]): HandObjectStream => {
  let header = "";
  let data = "";
  for (const [objectNumber, , body] of members) {
    header += `${objectNumber} ${data.length} `;
    data += `${body}\n`;
  }
  return {
    objectNumber: 21,
    header: `${header}\n`,
    data,
    members: members.map(([objectNumber, index]) => [objectNumber, index]),
  };
};

describe("F2: compressed objects whatever the reference's generation", () => {
  it("resolves `20 1 R` and `20 0 R` to a compressed object 20", () => {
    const file = readPdf(appendHand(base, { objectStream: objstm([[20, 0, "<< /Kind /Compressed >>"]]) }));
    for (const generation of [0, 1, 7]) {
      const value = file.resolve(new PdfRef(20, generation));
      expect(value, `20 ${generation} R`).toBeInstanceOf(PdfDict);
      expect((value as PdfDict).getName("Kind")).toBe("Compressed");
    }
    // before the update, 20 is undefined
    expect(file.resolve(new PdfRef(20, 1), 0)).toBeUndefined();
  });

  it("still compares the generation of an object stored at an offset", () => {
    const file = readPdf(appendHand(base, { objects: [[20, "<< /Kind /Plain >>"]] }));
    expect(file.resolve(new PdfRef(20, 0))).toBeInstanceOf(PdfDict);
    expect(file.resolve(new PdfRef(20, 1))).toBeUndefined();
  });
});

describe("F3: object streams parsed member by member within their slots", () => {
  const read = (stream: HandObjectStream, number: number) =>
    readPdf(appendHand(base, { objectStream: stream })).resolve(new PdfRef(number, 0));

  it("reads a well-formed object stream (control)", () => {
    const stream = objstm([
      [20, 0, "<< /A 1 >>"],
      [22, 1, "[1 2 3]"],
      [23, 2, "42"],
    ]);
    expect((read(stream, 20) as PdfDict).getNumber("A")).toBe(1);
    expect(read(stream, 22)).toEqual([1, 2, 3]);
    expect(read(stream, 23)).toBe(42);
  });

  it("refuses /N 0 and a real /N", () => {
    const good = objstm([[20, 0, "<< /A 1 >>"]]);
    malformedError(() => read({ ...good, n: 0 }, 20));
    malformedError(() => read({ ...good, n: "1.0" }, 20));
  });

  it("refuses offsets that do not strictly increase", () => {
    const data = "<< /A 1 >>\n[5]\n";
    malformedError(() =>
      read(
        {
          objectNumber: 21,
          header: "20 11 22 0\n",
          data,
          members: [
            [20, 0],
            [22, 1],
          ],
        },
        22,
      ),
    );
    malformedError(() =>
      read(
        {
          objectNumber: 21,
          header: "20 0 22 0\n",
          data,
          members: [
            [20, 0],
            [22, 1],
          ],
        },
        20,
      ),
    );
  });

  it("refuses a member that runs past the next member's offset", () => {
    // 20 is `[4 0 R 7 0 R]` for us, but poppler stops at offset 6: `[4 0 R` (then 22 is `7 0 R]`)
    const stream: HandObjectStream = {
      objectNumber: 21,
      header: "20 0 22 6\n",
      data: "[4 0 R 7 0 R]\n",
      members: [
        [20, 0],
        [22, 1],
      ],
    };
    expect(malformedError(() => read(stream, 20)).message).toContain("slot");
    malformedError(() => read(stream, 22));
  });

  it("refuses other data after a member within its slot, and offsets beyond the data", () => {
    malformedError(() =>
      read({ objectNumber: 21, header: "20 0\n", data: "<< /A 1 >> 5\n", members: [[20, 0]] }, 20),
    );
    malformedError(() =>
      read(
        {
          objectNumber: 21,
          header: "20 0 22 40\n",
          data: "<< /A 1 >>\n",
          members: [
            [20, 0],
            [22, 1],
          ],
        },
        20,
      ),
    );
  });

  it("allows whitespace and a comment after a member", () => {
    const stream: HandObjectStream = {
      objectNumber: 21,
      header: "20 0 22 14\n",
      data: "<< /A 1 >>  \n\n[7] %x\n",
      members: [
        [20, 0],
        [22, 1],
      ],
    };
    expect((read(stream, 20) as PdfDict).getNumber("A")).toBe(1);
    expect(read(stream, 22)).toEqual([7]);
  });
});

describe("F4: cross-reference sections poppler refuses", () => {
  const plain: HandUpdate = { objects: [[20, "<< /Kind /Plain >>"]] };
  const prevOf = (bytes: Uint8Array) => readPdf(bytes).revisions.at(-1)!.startxref;

  it("reads well-formed table and stream updates (control)", () => {
    for (const xref of ["table", "stream"] as const) {
      const file = readPdf(appendHand(base, { ...plain, xref }));
      expect(file.revisions).toHaveLength(2);
      expect(file.resolve(new PdfRef(20, 0))).toBeInstanceOf(PdfDict);
    }
  });

  it("refuses a real /Prev or /Size in a table trailer and in an xref stream", () => {
    for (const xref of ["table", "stream"] as const) {
      expect(
        malformedError(() => readPdf(appendHand(base, { ...plain, xref, prev: `${prevOf(base)}.0` })))
          .message,
      ).toContain("/Prev");
      expect(
        malformedError(() => readPdf(appendHand(base, { ...plain, xref, size: "33.0" }))).message,
      ).toContain("/Size");
      malformedError(() => readPdf(appendHand(base, { ...plain, xref, size: "33." })));
    }
  });

  it("refuses a /Prev that is a reference", () => {
    malformedError(() => readPdf(appendHand(base, { ...plain, prev: `${prevOf(base)} 0 R` })));
  });

  it("refuses reals in /W or /Index", () => {
    malformedError(() => readPdf(appendHand(base, { ...plain, xref: "stream", wText: "[1 4.0 2]" })));
    malformedError(() => readPdf(appendHand(base, { ...plain, xref: "stream", indexText: "[20 1.0 21 1]" })));
    // the same values written as integers read
    expect(
      readPdf(appendHand(base, { ...plain, xref: "stream", indexText: "[20 2]" })).revisions,
    ).toHaveLength(2);
  });

  it("refuses an xref stream row of type 3 or more", () => {
    const update: HandUpdate = { objectStream: objstm([[20, 0, "<< /A 1 >>"]]), rowType: 3 };
    expect(malformedError(() => readPdf(appendHand(base, update))).message).toContain("type 3");
  });

  it("refuses a type field wider than 4 bytes, reads one of 4", () => {
    malformedError(() => readPdf(appendHand(base, { ...plain, xref: "stream", w: [5, 4, 2] })));
    expect(readPdf(appendHand(base, { ...plain, xref: "stream", w: [4, 4, 2] })).revisions).toHaveLength(2);
  });

  it("refuses a table subsection `1 n` opening with object 0's free entry", () => {
    const text = Buffer.from(base).toString("latin1").replace("xref\n0 6\n", "xref\n1 6\n");
    malformedError(() => readPdf(latin1(text)));
    // a subsection `1 n` with an ordinary first entry is fine
    expect(
      readPdf(appendHand(base, { objects: [[1, "<< /Type /Catalog /Pages 2 0 R >>"]] })).revisions,
    ).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end, from a signed letter
// ---------------------------------------------------------------------------------------------

const pki = await testPki();
const signers = await corpusSigners(pki);
const work = await tempDir("lienthong-reader-differentials-");
afterAll(() => work.cleanup());

const options: ValidationOptions = {
  trustAnchors: [pki.root.certificate],
  crls: [pki.rootCrl, pki.intermediateCrl],
  offline: true,
};

let views = 0;
async function viewOf(bytes: Uint8Array): Promise<{ text: string; render: Uint8Array }> {
  const dir = join(work.dir, `view-${views++}`);
  await mkdir(dir);
  const path = join(dir, "letter.pdf");
  await writeFile(path, bytes);
  const [text, render] = await Promise.all([pdfText(path, 1), renderPage(path, 1, dir)]);
  return { text, render };
}

async function expectPopplerChange(signed: Uint8Array, forged: Uint8Array): Promise<void> {
  const [before, after] = await Promise.all([viewOf(signed), viewOf(forged)]);
  const differs = before.text !== after.text || Buffer.compare(before.render, after.render) !== 0;
  expect(differs, "poppler shows page 1 as it was signed").toBe(true);
}

async function expectNotPassed(bytes: Uint8Array): Promise<void> {
  try {
    const report = await validatePdf(bytes, options);
    expect(report.verdict).not.toBe("TOTAL_PASSED");
  } catch (error) {
    expect((error as ExchangeError).code).toBe("PDF_MALFORMED");
  }
}

/**
 * An update whose table subsection `1 3` opens with `0000000000 65535 f`: for us objects 2 and 3
 * (copies of the page tree and the page), for poppler objects 1 and 2 (so it rebuilds).
 */
function ibmShifted(signed: Uint8Array): Uint8Array {
  const file = readPdf(signed);
  let text = Buffer.from(signed).toString("latin1");
  const at2 = text.length;
  text += `2 0 obj\n${formatObject(file.resolve(new PdfRef(2, 0))!)}\nendobj\n`;
  const at3 = text.length;
  text += `3 0 obj\n${formatObject(file.resolve(new PdfRef(3, 0))!)}\nendobj\n`;
  const xrefAt = text.length;
  const entry = (offset: number) => `${String(offset).padStart(10, "0")} 00000 n \n`;
  text += `xref\n1 3\n0000000000 65535 f \n${entry(at2)}${entry(at3)}trailer\n`;
  text += `<< /Size ${file.trailer.getNumber("Size")} /Root ${formatObject(file.trailer.get("Root")!)} /Prev ${file.revisions.at(-1)!.startxref} >>\n`;
  text += `startxref\n${xrefAt}\n%%EOF\n`;
  return latin1(text);
}

describe("end to end: forged updates poppler reads otherwise are refused", () => {
  it("control: a harmless update passes", async () => {
    const signed = await signAll(base, [signers.person]);
    const report = await validatePdf(
      appendHand(signed, { objects: [[30, "<< /Foo 1 >>"]], xref: "stream" }),
      options,
    );
    expect(report.verdict).toBe("TOTAL_PASSED");
  });

  it("F2: a signed `20 1 R` font filled by a compressed object 20", async () => {
    const letter = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      pageBody("/Resources << /Font << /F1 5 0 R /F2 20 1 R >> >> /Contents 4 0 R"),
      streamBody(`${textLine(SIGNED_LINE)}\n${textLine(HIDDEN_LINE, 700, "F2")}`),
      HELVETICA,
    ]);
    const signed = await signAll(letter, [signers.person]);
    const forged = appendHand(signed, { objectStream: { ...objstm([[20, 0, HELVETICA]]) } });
    await expectPopplerChange(signed, forged);
    expect((await viewOf(forged)).text).toContain(HIDDEN_LINE);
    await expectNotPassed(forged);
  });

  it("F3: a page /Contents array in an object stream cut by the next member's offset", async () => {
    const letter = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R"),
      streamBody(`${textLine(SIGNED_LINE)}\n${textLine(HIDDEN_LINE, 700)}`),
      HELVETICA,
      "[4 0 R 7 0 R]",
      streamBody("1 1 1 rg 60 690 500 30 re f"),
    ]);
    const signed = await signAll(letter, [signers.person]);
    // for us 6 is still [4 0 R 7 0 R]; poppler reads `[4 0 R` and shows the covered line
    const forged = appendHand(signed, {
      objectStream: {
        objectNumber: 21,
        header: "6 0 22 6\n",
        data: "[4 0 R 7 0 R]\n",
        members: [
          [6, 0],
          [22, 1],
        ],
      },
    });
    await expectPopplerChange(signed, forged);
    await expectNotPassed(forged);
  });

  it("F3: page resources in an object stream with decreasing offsets", async () => {
    const letter = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      pageBody("/Resources 6 0 R /Contents 4 0 R"),
      streamBody(textLine(SIGNED_LINE)),
      HELVETICA,
      "<< /Font << /F1 5 0 R >> >>",
    ]);
    const signed = await signAll(letter, [signers.person]);
    const forged = appendHand(signed, {
      objectStream: {
        objectNumber: 21,
        header: "22 9 6 0\n",
        data: "<< /Font << /F1 5 0 R >> >>\n",
        members: [
          [22, 0],
          [6, 1],
        ],
      },
    });
    await expectPopplerChange(signed, forged);
    await expectNotPassed(forged);
  });

  it("F4: sections poppler rebuilds are PDF_MALFORMED, whatever they hide", async () => {
    // The letter embeds a draft whose `4 0 obj` only a scan finds: a rebuilt xref shows it.
    const draft = `4 0 obj\n${streamBody(textLine(HIDDEN_LINE, 700))}\nendobj\n`;
    const letter = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(du-thao.pdf) 7 0 R] >> >> >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R"),
      streamBody(textLine(SIGNED_LINE)),
      HELVETICA,
      `<< /Type /EmbeddedFile /Length ${draft.length} >>\nstream\n${draft}\nendstream`,
      "<< /Type /Filespec /F (du-thao.pdf) /UF (du-thao.pdf) /EF << /F 6 0 R >> >>",
    ]);
    const signed = await signAll(letter, [signers.person]);
    const prev = readPdf(signed).revisions.at(-1)!.startxref;
    const foo: HandUpdate = { objects: [[30, "<< /Foo 1 >>"]] };
    const forgeries: Record<string, Uint8Array> = {
      "row type 3": appendHand(signed, { objectStream: objstm([[30, 0, "<< /Foo 1 >>"]]), rowType: 3 }),
      "/W [5 4 2]": appendHand(signed, { ...foo, xref: "stream", w: [5, 4, 2] }),
      "/Size N.0": appendHand(signed, { ...foo, xref: "stream", size: "33.0" }),
      "/Prev N.0 (stream)": appendHand(signed, { ...foo, xref: "stream", prev: `${prev}.0` }),
      "/Prev N.0 (table)": appendHand(signed, { ...foo, prev: `${prev}.0` }),
      "subsection `1 n` from object 0": ibmShifted(signed),
    };
    let changed = 0;
    for (const [name, forged] of Object.entries(forgeries)) {
      const [before, after] = await Promise.all([viewOf(signed), viewOf(forged)]);
      if (before.text !== after.text || Buffer.compare(before.render, after.render) !== 0) {
        changed++;
      }
      await expect(validatePdf(forged, options), name).rejects.toMatchObject({ code: "PDF_MALFORMED" });
    }
    // poppler rebuilds the cross-reference and shows the draft's page content for each
    expect(changed).toBe(Object.keys(forgeries).length);
    const report = await validatePdf(appendHand(signed, { ...foo, xref: "stream" }), options);
    expect(report.verdict).toBe("TOTAL_PASSED");
  });
});
