/**
 * Letters signed with visible Decree 30 appearances (the own TrueType embedder, no fontkit), read
 * by independent tools: pdfsig must find every signature valid and trusted, the project's verifier
 * must pass them, pdffonts must list the subset fonts as embedded / subset / with ToUnicode, and
 * pdftotext must give back the Vietnamese text of the appearances exactly (NFC).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stampLines } from "../../../../shared/pdf/appearance/stamp-lines.ts";
import type { PdfDict } from "../../../../shared/pdf/objects.ts";
import { readPdf } from "../../../../shared/pdf/read-pdf.ts";
import { validatePdf } from "../../../../shared/verification/validate-pdf.ts";
import { signAll } from "../../../support/attacks.ts";
import { sealImage, signatureImage } from "../../../support/images.ts";
import { makeLetterPdf, makeNssDb, pdfsig, pdfText, signingCerts } from "../../../support/pdf.ts";
import { type TestPki, testPki } from "../../../support/pki.ts";
import { tempDir } from "../../../support/temp-dir.ts";
import { stdout } from "./page-fixture.ts";

const TITLE = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"];
const NAME = "Nguyễn Thị Phương Thảo";
const STAMP = [
  ...stampLines({
    copyType: "SAO Y",
    numberNotation: "2491/STC-BCTC",
    organisation: "Sở Tài chính tỉnh Tây Ninh",
    signingTime: new Date("2024-03-05T07:02:11Z"),
  }),
  "Ký bởi: Sở Tài chính tỉnh Tây Ninh",
];

let pki: TestPki;
let dir: string;
let cleanup: () => Promise<void>;
let nss: string;
let path: string;
let signed: Uint8Array;

beforeAll(async () => {
  pki = await testPki();
  const { person, organisation } = await signingCerts(pki);
  // A third signer (NSS reports "Unknown issue" for a certificate's second signature in one file).
  const clerk = await pki.issue({
    crlUrl: undefined,
    ocspUrl: undefined,
    subject: { commonName: "Lê Văn Bình", title: "Văn thư" },
  });
  ({ dir, cleanup } = await tempDir("lienthong-signed-appearance-"));
  nss = await makeNssDb(dir, pki.root.certPem, pki.intermediate.certPem);
  // The signer block, the seal over it, then a stamp: three revisions, each with new font objects.
  signed = await signAll(
    await makeLetterPdf({ pages: 1 }),
    [person, organisation, clerk],
    [
      { kind: "signer", title: TITLE.join("\n"), signerName: NAME, image: signatureImage() },
      { kind: "seal", image: sealImage() },
      // Bottom left, clear of the letter's own header text (which the default top-right place overlaps).
      { kind: "stamp", lines: STAMP, rect: [85, 70, 330, 150] },
    ],
  );
  path = join(dir, "signed.pdf");
  await writeFile(path, signed);
}, 60_000);

afterAll(async () => {
  await cleanup?.();
});

describe("a letter signed with visible appearances", () => {
  it("passes pdfsig: every signature valid, trusted, the last one covering the whole file", async () => {
    const found = await pdfsig(path, nss);

    expect(found.map((s) => [s.valid, s.trusted, s.digestMismatch])).toEqual([
      [true, true, false],
      [true, true, false],
      [true, true, false],
    ]);
    expect(found[2]!.totalDocumentSigned).toBe(true);
  });

  it("passes the project's verifier", async () => {
    const report = await validatePdf(signed, {
      trustAnchors: [pki.root.certificate],
      crls: [pki.rootCrl, pki.intermediateCrl],
      offline: true,
    });

    expect({
      verdict: report.verdict,
      failed: report.signatures.flatMap((s) =>
        s.checks.filter((c) => c.status === "failed").map((c) => c.code),
      ),
    }).toEqual({ verdict: "TOTAL_PASSED", failed: [] });
    expect(report.signatures).toHaveLength(3);
  });

  it("lists its appearance fonts in pdffonts as embedded subsets with ToUnicode", async () => {
    const rows = (await stdout("pdffonts", [path]))
      .split("\n")
      .slice(2)
      .filter((row) => row.trim() !== "" && /\+Liberation/.test(row));

    // Bold for the signer block, regular for the stamp.
    expect(rows.map((row) => row.split(/\s+/)[0]!.replace(/^[A-Z]{6}\+/, "")).sort()).toEqual([
      "LiberationSerif",
      "LiberationSerif-Bold",
    ]);
    for (const row of rows) {
      expect(row).toMatch(/^[A-Z]{6}\+\S+\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s/);
    }
  });

  it("gives back each appearance's text exactly, in NFC, inside its widget (pdftotext -bbox)", async () => {
    const html = await stdout("pdftotext", ["-bbox", "-enc", "UTF-8", "-f", "1", "-l", "1", path, "-"]);
    const pageHeight = Number(/<page width="[\d.]+" height="([\d.]+)"/.exec(html)![1]);
    const words = [
      ...html.matchAll(
        /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g,
      ),
    ].map((m) => ({ box: m.slice(1, 5).map(Number), text: m[5]! }));
    const file = readPdf(signed);
    const rectOf = (index: number): [number, number, number, number] => {
      const [llx, lly, urx, ury] = (file.resolve(file.signatures()[index]!.fieldRef) as PdfDict)
        .getArray("Rect")!
        .map(Number);
      return [llx!, lly!, urx!, ury!];
    };
    /** The words inside a widget's /Rect, as lines top to bottom. */
    const linesIn = ([llx, lly, urx, ury]: readonly [number, number, number, number]): string[] => {
      const lines = new Map<number, string[]>();
      for (const { box, text } of words) {
        const inside =
          box[0]! >= llx && box[2]! <= urx && box[1]! >= pageHeight - ury && box[3]! <= pageHeight - lly;
        if (inside) {
          const key = Math.round(box[3]!);
          lines.set(key, [...(lines.get(key) ?? []), text]);
        }
      }
      return [...lines].sort(([a], [b]) => a - b).map(([, line]) => line.join(" "));
    };

    expect(linesIn(rectOf(0))).toEqual([...TITLE, NAME].map((line) => line.normalize("NFC")));
    expect(linesIn(rectOf(1))).toEqual([]);
    expect(linesIn(rectOf(2))).toEqual(STAMP.map((line) => line.normalize("NFC")));
    // And pdftotext's plain output has the signer block's lines as such.
    const plain = (await pdfText(path)).split("\n").map((line) => line.trim());
    for (const line of [...TITLE, NAME]) {
      expect(plain).toContain(line.normalize("NFC"));
    }
  });
});
