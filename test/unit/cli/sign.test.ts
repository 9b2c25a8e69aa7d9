import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../../cli/main.ts";
import type { PdfDict } from "../../../shared/pdf/objects.ts";
import { listPages } from "../../../shared/pdf/pages.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import { completePdfSignature, preparePdfSignature } from "../../../shared/signing/pdf-external.ts";
import { decodePng, isBlue, isRed, pixelAt, sealImage, signatureImage } from "../../support/images.ts";
import {
  makeLetterPdf,
  makeLibreOfficePdf,
  makeNssDb,
  opensslVerify,
  pdfsig,
  pdfText,
  qpdfCheck,
  renderPage,
  signingCerts,
  toXrefStreamPdf,
} from "../../support/pdf.ts";
import { type IssuedCert, testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";

const run = promisify(execFile);

type Rect = readonly [number, number, number, number];

/** Person and organisation certificates of the test PKI (see `signingCerts`). */
let pki: { person: IssuedCert; organisation: IssuedCert; root: IssuedCert };
let dir: string;
let cleanup: () => Promise<void>;
let nss: string;
let caBundle: string;
const files: Record<string, string> = {};

/** Runs `lienthong …` in-process; returns the exit code and what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi
    .spyOn(console, "log")
    .mockImplementation((...args: unknown[]) => void out.push(args.join(" ")));
  const error = vi
    .spyOn(console, "error")
    .mockImplementation((...args: unknown[]) => void err.push(args.join(" ")));
  try {
    const code = await main(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** `lienthong sign <input> -o <out>` with the PKCS#12 of `who`, plus `extra` options. */
function signAs(
  who: "person" | "organisation",
  input: string,
  out: string,
  ...extra: string[]
): Promise<{ code: number; out: string; err: string }> {
  return cli(
    "sign",
    input,
    "-o",
    out,
    "--p12",
    files[`${who}.p12`]!,
    "--password",
    pki[who].p12Password,
    ...extra,
  );
}

/** The /Rect of each signature's widget, in signature order. */
function widgetRects(pdf: Uint8Array): Rect[] {
  const file = readPdf(pdf);
  return file.signatures().map((info) => {
    const widget = file.resolve(info.fieldRef) as PdfDict;
    return widget.getArray("Rect") as unknown as Rect;
  });
}

beforeAll(async () => {
  const testpki = await testPki();
  pki = { ...(await signingCerts(testpki)), root: testpki.root };
  ({ dir, cleanup } = await tempDir("lienthong-sign-cli-"));
  nss = await makeNssDb(dir, testpki.root.certPem, testpki.intermediate.certPem, [
    testpki.rootCrl,
    testpki.intermediateCrl,
  ]);
  caBundle = pki.root.certPem;
  const write = async (name: string, bytes: Uint8Array | string): Promise<void> => {
    files[name] = join(dir, name);
    await writeFile(files[name]!, bytes);
  };
  await write("person.p12", pki.person.p12);
  await write("organisation.p12", pki.organisation.p12);
  await write("sig.png", signatureImage());
  await write("seal.png", sealImage());
  const letter = await makeLetterPdf({ pages: 3 });
  await write("classic.pdf", letter);
  await write("xref-stream.pdf", await toXrefStreamPdf(letter));
  await write("libreoffice.pdf", await makeLibreOfficePdf());
}, 180_000);

afterAll(async () => {
  await cleanup?.();
});

describe.each(["classic", "xref-stream", "libreoffice"])(
  "a %s letter signed by the signer, then sealed",
  (kind) => {
    let signed1: string;
    let signed2: string;
    let bytes1: Uint8Array;
    let bytes2: Uint8Array;
    let lastPage: number;

    beforeAll(async () => {
      signed1 = join(dir, `${kind}-1.pdf`);
      signed2 = join(dir, `${kind}-2.pdf`);
      const first = await signAs(
        "person",
        files[`${kind}.pdf`]!,
        signed1,
        "--appearance",
        "signer",
        "--image",
        files["sig.png"]!,
        "--title",
        "KT. GIÁM ĐỐC\\nPHÓ GIÁM ĐỐC",
      );
      expect(first.err).toBe("");
      expect(first.code).toBe(0);
      const second = await signAs(
        "organisation",
        signed1,
        signed2,
        "--appearance",
        "seal",
        "--image",
        files["seal.png"]!,
      );
      expect(second.err).toBe("");
      expect(second.code).toBe(0);
      bytes1 = new Uint8Array(await readFile(signed1));
      bytes2 = new Uint8Array(await readFile(signed2));
      lastPage = listPages(readPdf(bytes2)).length;
    });

    it("keeps the first file as a byte prefix of the second (incremental updates)", async () => {
      const original = new Uint8Array(await readFile(files[`${kind}.pdf`]!));
      expect(Buffer.from(bytes1.subarray(0, original.length)).equals(Buffer.from(original))).toBe(true);
      expect(Buffer.from(bytes2.subarray(0, bytes1.length)).equals(Buffer.from(bytes1))).toBe(true);
      expect(readPdf(bytes2).revisions.length).toBe(readPdf(original).revisions.length + 2);
    });

    it("pdfsig: both signatures valid and trusted, the second covers the whole document", async () => {
      const signatures = await pdfsig(signed2, nss);
      expect(signatures).toHaveLength(2);
      for (const signature of signatures) {
        expect(signature.text).toContain("Signature is Valid.");
        expect(signature.text).toContain("Certificate is Trusted.");
        expect(signature.text).toContain("ETSI.CAdES.detached");
      }
      expect(signatures[0]!.signerName).toBe("Trần Thị Bích Ngọc");
      expect(signatures[0]!.totalDocumentSigned).toBe(false);
      expect(signatures[1]!.signerName).toBe(pki.organisation.certificate.subject.commonName);
      expect(signatures[1]!.totalDocumentSigned).toBe(true);
    });

    it("openssl cms -verify accepts each CMS over its byte ranges", async () => {
      expect(await opensslVerify(bytes2, 0, caBundle, dir)).toBe(0);
      expect(await opensslVerify(bytes2, 1, caBundle, dir)).toBe(0);
    });

    it("qpdf --check passes on both signed files", async () => {
      await expect(qpdfCheck(signed1)).resolves.toContain("No syntax or stream encoding errors");
      await expect(qpdfCheck(signed2)).resolves.toContain("No syntax or stream encoding errors");
    });

    it("pdftotext gets the signer's title and name back", async () => {
      const text = await pdfText(signed2, lastPage);
      expect(text).toContain("KT. GIÁM ĐỐC");
      expect(text).toContain("PHÓ GIÁM ĐỐC");
      expect(text).toContain("Trần Thị Bích Ngọc");
    });

    it("renders the seal over the left of the signature: red wins in the overlap, the rest stays blue", async () => {
      const [signerRect, sealRect] = widgetRects(bytes2) as [Rect, Rect];
      const page = listPages(readPdf(bytes2))[lastPage - 1]!;
      const height = page.mediaBox[3] - page.mediaBox[1];
      const before = decodePng(await renderPage(signed1, lastPage, dir));
      const after = decodePng(await renderPage(signed2, lastPage, dir));
      const toPixels = (r: Rect) => ({
        x0: Math.ceil(r[0] - page.mediaBox[0]),
        x1: Math.floor(r[2] - page.mediaBox[0]),
        y0: Math.ceil(height - (r[3] - page.mediaBox[1])),
        y1: Math.floor(height - (r[1] - page.mediaBox[1])),
      });
      const signer = toPixels(signerRect);
      const seal = toPixels(sealRect);
      expect(seal.x0).toBeLessThan(signer.x0 + (signer.x1 - signer.x0) / 2);
      let overlapTakenByRed = 0;
      let signerOnlyBlue = 0;
      let signerOnlyRed = 0;
      for (let y = signer.y0; y < signer.y1; y++) {
        for (let x = signer.x0; x < signer.x1; x++) {
          const inSeal = x >= seal.x0 && x < seal.x1 && y >= seal.y0 && y < seal.y1;
          // Anti-aliased edge pixels of the seal straddle its /Rect: leave a 2-pixel band out.
          const nearSeal = x >= seal.x0 - 2 && x < seal.x1 + 2 && y >= seal.y0 - 2 && y < seal.y1 + 2;
          const now = pixelAt(after, x, y);
          if (inSeal && isBlue(pixelAt(before, x, y)) && isRed(now)) {
            overlapTakenByRed++;
          }
          if (!inSeal && isBlue(now)) {
            signerOnlyBlue++;
          }
          if (!nearSeal && isRed(now)) {
            signerOnlyRed++;
          }
        }
      }
      expect(overlapTakenByRed).toBeGreaterThan(10);
      expect(signerOnlyBlue).toBeGreaterThan(50);
      expect(signerOnlyRed).toBe(0);
    });
  },
);

describe("sign CLI, other cases", () => {
  it("a stamp: pdftotext gets every line back and pdfsig accepts it", async () => {
    const out = join(dir, "stamp.pdf");
    const lines = ["Số: 2491/STC-BCTC", "Sở Tài chính tỉnh Tây Ninh", "2024-03-05T14:02:11+07:00"];
    const result = await signAs(
      "organisation",
      files["classic.pdf"]!,
      out,
      "--appearance",
      "stamp",
      ...lines.flatMap((line) => ["--text", line]),
    );
    expect(result.code).toBe(0);
    const text = await pdfText(out, 1);
    for (const line of lines) {
      expect(text).toContain(line);
    }
    const [signature] = await pdfsig(out, nss);
    expect(signature!.valid).toBe(true);
    expect(signature!.trusted).toBe(true);
  });

  it("a flipped byte inside a signed range: pdfsig says Digest Mismatch and openssl fails", async () => {
    const signed = join(dir, "classic-flip.pdf");
    expect((await signAs("person", files["classic.pdf"]!, signed)).code).toBe(0);
    const bytes = new Uint8Array(await readFile(signed));
    const [, contentsStart, contentsEnd] = readPdf(bytes).signatures()[0]!.byteRange!;
    // A byte in the header's binary comment line (inside the first range), so the file still parses.
    const at = Buffer.from(bytes).indexOf("\n%") + 3;
    expect(at).toBeLessThan(contentsStart!);
    const tampered = Uint8Array.from(bytes);
    tampered[at] = tampered[at]! ^ 0x01;
    const tamperedPath = join(dir, "classic-flipped.pdf");
    await writeFile(tamperedPath, tampered);
    const [signature] = await pdfsig(tamperedPath, nss);
    expect(signature!.text).toContain("Digest Mismatch.");
    expect(await opensslVerify(tampered, 0, caBundle, dir)).not.toBe(0);
    // The same flip after the /Contents gap (second range) is caught too.
    const late = Uint8Array.from(bytes);
    const lateAt = Buffer.from(bytes).indexOf("/Type", contentsEnd);
    late[lateAt + 1] = late[lateAt + 1]! ^ 0x20;
    expect(await opensslVerify(late, 0, caBundle, dir)).not.toBe(0);
  });

  it("external signing round trip: prepare → openssl pkeyutl -sign over the digest → complete", async () => {
    const pdf = new Uint8Array(await readFile(files["xref-stream.pdf"]!));
    const prepared = await preparePdfSignature(pdf, {
      certificate: pki.person.certificate,
      chain: pki.person.chain,
      reason: "Ký số văn bản",
    });
    // The prepared state is plain data: it survives JSON (base64 for bytes) unchanged in meaning.
    expect(prepared.id).toMatch(/^[0-9a-f]{64}$/);
    await writeFile(join(dir, "ext.key"), pki.person.keyPem);
    await writeFile(join(dir, "ext.digest"), prepared.digestToSign);
    await run("openssl", [
      "pkeyutl",
      "-sign",
      "-inkey",
      join(dir, "ext.key"),
      "-pkeyopt",
      "digest:sha256",
      "-in",
      join(dir, "ext.digest"),
      "-out",
      join(dir, "ext.sig"),
    ]);
    const signature = new Uint8Array(await readFile(join(dir, "ext.sig")));
    const signed = await completePdfSignature(prepared, signature);
    const out = join(dir, "external.pdf");
    await writeFile(out, signed);
    const [result] = await pdfsig(out, nss);
    expect(result!.valid).toBe(true);
    expect(result!.trusted).toBe(true);
    expect(result!.totalDocumentSigned).toBe(true);
    await expect(qpdfCheck(out)).resolves.toContain("No syntax or stream encoding errors");
    // A value over something else is refused.
    const wrong = Uint8Array.from(signature);
    wrong[10] = wrong[10]! ^ 0xff;
    await expect(completePdfSignature(prepared, wrong)).rejects.toMatchObject({
      code: "SIGNATURE_VALUE_INVALID",
    });
  });

  it("a too-small placeholder: PLACEHOLDER_TOO_SMALL and no output file", async () => {
    const out = join(dir, "too-small.pdf");
    const before = await readdir(dir);
    const result = await signAs("person", files["classic.pdf"]!, out, "--placeholder-bytes", "200");
    expect(result.code).not.toBe(0);
    expect(result.err).toContain("PLACEHOLDER_TOO_SMALL");
    expect(existsSync(out)).toBe(false);
    expect(await readdir(dir)).toEqual(before);
  });

  it("an unreachable TSA: TSA_UNAVAILABLE and no output file", async () => {
    const out = join(dir, "no-tsa.pdf");
    const result = await signAs(
      "person",
      files["classic.pdf"]!,
      out,
      "--tsa",
      "http://127.0.0.1:9/tsa",
      "--tsa-timeout",
      "3000",
    );
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/TSA_UNAVAILABLE|TSA_BAD_RESPONSE/);
    expect(existsSync(out)).toBe(false);
  });

  it("prints help, and exits 2 on bad arguments, a wrong password or a non-PDF", async () => {
    const help = await cli("sign", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("--appearance");
    expect((await cli("sign", files["classic.pdf"]!)).code).toBe(2);
    const out = join(dir, "never.pdf");
    const base = ["-o", out, "--p12", files["person.p12"]!];
    const badKind = await cli(
      "sign",
      files["classic.pdf"]!,
      ...base,
      "--password",
      pki.person.p12Password,
      "--appearance",
      "x",
    );
    expect(badKind.code).toBe(2);
    expect(badKind.err).toContain("VALIDATION_FAILED");
    const wrongPassword = await cli("sign", files["classic.pdf"]!, ...base, "--password", "wrong");
    expect(wrongPassword.code).toBe(2);
    expect(wrongPassword.err).toContain("KEY_MALFORMED");
    const notPdf = await cli("sign", files["sig.png"]!, ...base, "--password", pki.person.p12Password);
    expect(notPdf.code).toBe(2);
    expect(notPdf.err).toContain("PDF_MALFORMED");
    expect(notPdf.err.split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});
