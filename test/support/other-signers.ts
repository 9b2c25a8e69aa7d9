/**
 * Letters signed by other tools, for test/unit/verification/other-signers.test.ts:
 * @libpdf/core 0.4 (`PDF.load` + `pdf.sign`, an incremental update), @signpdf/signpdf 3.3 with
 * placeholder-pdf-lib and signer-p12 (pdf-lib rewrites the whole file before signing, so it can
 * only make the first signature), and a CMS made by `openssl cms -sign` over the byte ranges of our
 * own placeholder. Plus the two forgeries every genuine letter gets a twin of: one signed byte
 * changed (in a signature's /M), and the first page's content rewritten in a later incremental update.
 *
 * @example
 * const signed = await libpdfSign(await makeLetterPdf({ pages: 1 }), pki.person);
 * const forged = rewritePageContent(signed);
 */
import { P12Signer as LibPdfP12Signer, PDF } from "@libpdf/core";
import { pdflibAddPlaceholder } from "@signpdf/placeholder-pdf-lib";
import { P12Signer } from "@signpdf/signer-p12";
import { SignPdf } from "@signpdf/signpdf";
import { PDFDocument } from "pdf-lib";
import { insertSignaturePlaceholder } from "../../shared/pdf/insert-signature-placeholder.ts";
import { PdfDict, PdfRef, PdfStream } from "../../shared/pdf/objects.ts";
import { listPages } from "../../shared/pdf/pages.ts";
import { readPdf } from "../../shared/pdf/read-pdf.ts";
import { embedSignatureContents } from "../../shared/pdf/signature-placeholder.ts";
import { appendUpdate, signatureAt } from "./attacks.ts";
import { opensslCmsSign } from "./openssl.ts";
import type { IssuedCert } from "./pki.ts";
import type { TempDir } from "./temp-dir.ts";

/** The two /SubFilter values of ISO 32000 / ETSI EN 319 142-1 that the tools write. */
export type SubFilter = "adbe.pkcs7.detached" | "ETSI.CAdES.detached";

/** Options shared by the foreign signers. */
export interface OtherSignerOptions {
  readonly reason?: string;
  /** /M (and, where the tool writes one, the signing-time attribute); default now. */
  readonly signingTime?: Date;
  readonly subFilter?: SubFilter;
}

/**
 * Signs `pdf` with @libpdf/core 0.4 using the certificate's PKCS#12: one incremental update with a
 * new invisible field ("Signature_N"), ETSI.CAdES.detached unless told otherwise. @libpdf/core
 * always writes a signing-time signed attribute beside signing-certificate-v2.
 */
export async function libpdfSign(
  pdf: Uint8Array,
  issued: Pick<IssuedCert, "p12" | "p12Password">,
  options: OtherSignerOptions & { readonly fieldName?: string } = {},
): Promise<Uint8Array> {
  const doc = await PDF.load(pdf);
  const signer = await LibPdfP12Signer.create(issued.p12, issued.p12Password);
  const result = await doc.sign({
    signer,
    reason: options.reason ?? "Ký số văn bản",
    ...(options.signingTime ? { signingTime: options.signingTime } : {}),
    ...(options.subFilter ? { subFilter: options.subFilter } : {}),
    ...(options.fieldName ? { fieldName: options.fieldName } : {}),
  });
  if (result.warnings.length > 0) {
    throw new Error(`@libpdf/core warned: ${JSON.stringify(result.warnings)}`);
  }
  return result.bytes;
}

/**
 * Signs `pdf` the way @signpdf 3.3's README does: pdf-lib loads it, placeholder-pdf-lib adds the
 * field and the signature dictionary (adbe.pkcs7.detached unless told otherwise), pdf-lib saves the
 * whole file again (classic xref, no object streams), and SignPdf fills /ByteRange and /Contents
 * with a CMS from signer-p12 (node-forge: signing-time, no ESS attribute). The default /Reason is
 * ASCII: placeholder-pdf-lib writes it with `PDFString.of`, a literal string that cannot hold
 * Vietnamese. Because of the rewrite any earlier signature of `pdf` is broken: a test of what the
 * verifier makes of that. The new field is always named "Signature1".
 */
export async function signpdfSign(
  pdf: Uint8Array,
  issued: Pick<IssuedCert, "p12" | "p12Password">,
  options: OtherSignerOptions = {},
): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf);
  pdflibAddPlaceholder({
    pdfDoc: doc,
    reason: options.reason ?? "Ky so van ban",
    contactInfo: "",
    name: "",
    location: "",
    ...(options.signingTime ? { signingTime: options.signingTime } : {}),
    ...(options.subFilter ? { subFilter: options.subFilter } : {}),
  });
  const prepared = Buffer.from(await doc.save({ useObjectStreams: false }));
  // A P12Signer is single-use: one per signature.
  const signer = new P12Signer(Buffer.from(issued.p12), { passphrase: issued.p12Password });
  return new Uint8Array(await new SignPdf().sign(prepared, signer, options.signingTime));
}

/** Which signed attributes `openssl cms -sign` writes. */
export type OpensslAttributes =
  /** Its default: contentType, signingTime, smimeCapabilities, messageDigest. */
  | "default"
  /** `-cades`: the default plus ESS signing-certificate-v2 (CAdES-BES). */
  | "cades"
  /** `-noattr`: none; the signature value is over the content digest itself. */
  | "none";

/**
 * A PDF signature whose CMS is made by `openssl cms -sign -binary -outform DER` (SHA-256, the
 * signer's chain included): our placeholder (an incremental update with the field and a zeroed
 * /Contents), the two byte ranges written to a file for openssl, its DER embedded in /Contents.
 */
export async function opensslSignPdf(
  pdf: Uint8Array,
  issued: Pick<IssuedCert, "certPem" | "keyPem" | "chain">,
  temp: TempDir,
  options: OtherSignerOptions & { readonly attributes: OpensslAttributes; readonly name: string },
): Promise<Uint8Array> {
  const placeholder = await insertSignaturePlaceholder(pdf, {
    contentsBytes: 8192,
    subFilter: options.subFilter ?? "adbe.pkcs7.detached",
    reason: options.reason ?? "Ký số văn bản",
    ...(options.signingTime ? { signingTime: options.signingTime } : {}),
  });
  const { bytes, contentsStart, contentsEnd } = placeholder;
  const [a, b, c, d] = placeholder.byteRange;
  const content = Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]);
  const extra = { default: [], cades: ["-cades"], none: ["-noattr"] }[options.attributes];
  const cms = await opensslCmsSign(temp, issued, content, options.name, extra);
  embedSignatureContents(bytes, contentsStart, contentsEnd, cms);
  return bytes;
}

/** A different decimal digit, as a latin1 byte. */
function otherDigit(digit: number): number {
  return digit === 0x31 ? 0x30 : 0x31;
}

/**
 * A copy of `pdf` with one byte of the `index`-th signature's own signed content changed: the last
 * digit of the seconds of its /M ("D:YYYYMMDDHHmmSS…", as a literal or a hex string, whichever
 * the tool wrote). The file still parses; the digests of that signature and of every later one
 * (which cover its revision too) break, earlier ones stay intact.
 */
export function changeSignedByte(pdf: Uint8Array, index: number): Uint8Array {
  const info = signatureAt(pdf, index);
  const { start, end } = info.dictionary;
  if (start < 0 || !info.contentsOffsets) {
    throw new Error(`signature #${index} is not a plain object in the file`);
  }
  const text = Buffer.from(pdf.subarray(start, end)).toString("latin1");
  const match = /\/M\s*([(<])/.exec(text);
  if (!match) {
    throw new Error(`signature #${index} has no /M string`);
  }
  const open = start + match.index + match[0].length - 1;
  // "D:" then 14 digits: the seconds' last digit is the 16th character of the date.
  const at = match[1] === "(" ? open + 1 + 15 : open + 1 + 15 * 2 + 1;
  const copy = new Uint8Array(pdf);
  if (copy[at]! < 0x30 || copy[at]! > 0x39) {
    throw new Error(`signature #${index}: /M is not a full PDF date`);
  }
  copy[at] = otherDigit(copy[at]!);
  return copy;
}

/** The text a forger draws over the signed page. */
export const FORGED_PAGE_TEXT = "DA THANH TOAN 900.000.000 DONG";

/**
 * A copy of `pdf` with one more incremental update (our writer, same xref kind as the newest
 * section) that gives the first page's content stream object a new body: the forger's text. No
 * signature covers the update.
 */
export function rewritePageContent(pdf: Uint8Array, text = FORGED_PAGE_TEXT): Uint8Array {
  const file = readPdf(pdf);
  const page = listPages(file)[0];
  if (!page) {
    throw new Error("no page");
  }
  const contents = page.dict.get("Contents");
  const ref = contents instanceof PdfRef ? contents : Array.isArray(contents) ? contents[0] : undefined;
  if (!(ref instanceof PdfRef)) {
    throw new Error("the first page has no content stream reference");
  }
  const data = Buffer.from(`BT /F1 24 Tf 85 600 Td (${text}) Tj ET\n`, "latin1");
  return appendUpdate(pdf, [
    {
      objectNumber: ref.objectNumber,
      generation: ref.generation,
      value: new PdfStream(new PdfDict([["Length", data.length]]), data),
    },
  ]);
}
