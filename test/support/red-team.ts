/**
 * The red team's findings against the change analysis (shared/verification/changes), as files the
 * tests make from letters signed with the project's own signer: each forgery changes what poppler
 * shows of a signed page without a new signature (or with a trusted counter-signature that should
 * only add its widget), each control and false alarm is a legitimate file that must pass. Every
 * finding comes with a variant the red team did not write, reaching the same weakness another way.
 *
 * - `a`, `a2`: the AcroForm's /DR is also a dictionary that page content draws from; adding a name
 *   to it ("a font for the form") makes hidden text, or an XObject, appear.
 * - `b`, `b2`: poppler rebuilds a cross-reference it cannot use by scanning the file and takes the
 *   newest `N G obj` it finds, also one hidden in a stream's data: `b` makes it lose `startxref`
 *   (40,000 bytes after the last one), `b2` asks it for an object the file does not define.
 * - `c`: a page's /Annots array is also its /Contents array; the counter-signer's widget appended to
 *   it breaks the page's content.
 * - `d`, `d2`: an empty pre-placed signature field repainted, or used as a resource dictionary,
 *   without being signed.
 * - `g`: a genuine counter-signature whose widget /Rect holds indirect numbers: allowed, and the
 *   report must say where it paints.
 * - `fa1`: a signed page whose /Annots holds direct items, then an ordinary counter-signature.
 * - `e`, `fa2`, `fa3`: controls (a hybrid-reference update poppler reads the same way, linearized
 *   letters, a form letter with a visible seal).
 * - `gap…`: forgeries of the `b` family that the verifier passed when they were written (see each
 *   builder): a definition hidden under a zero-padded object number, padding before the last
 *   %%EOF, a reference with the wrong generation to an object that exists.
 *
 * Nothing is copied from another project.
 *
 * @example
 * const file = await sharedDrFont(await corpusSigners(pki));
 * const report = await validatePdf(file.bytes, options);
 * // poppler shows file.shows on page file.page of file.bytes, not of file.signed
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { UpdateObject } from "../../shared/pdf/incremental-update.ts";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, textString } from "../../shared/pdf/objects.ts";
import { listPages } from "../../shared/pdf/pages.ts";
import { type PdfFile, readPdf } from "../../shared/pdf/read-pdf.ts";
import { decodeStream } from "../../shared/pdf/stream-decode.ts";
import { acrobatLikeLetter, acrobatLikeSign, type Edit, type UpdateSession } from "./acrobat-like.ts";
import { appendUpdate, type CorpusSigners, makeShadowLetter, signAll, signerOf } from "./attacks.ts";
import { sealImage } from "./images.ts";
import { HELVETICA, makeLetterPdf, pageBody, rawPdf, streamBody, textLine } from "./pdf.ts";
import { tempDir } from "./temp-dir.ts";

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export interface RedTeamFile {
  /** The probe's name, e.g. "b-xref-reconstruction", or a variant's ("b-variant-…"). */
  readonly name: string;
  /** The file given to the verifier. */
  readonly bytes: Uint8Array;
  /** The revision the first signature signed: bytes [0, signed.length) of `bytes`. */
  readonly signed: Uint8Array;
  /** The 1-based page whose view the forgery changes (the control keeps). */
  readonly page: number;
  /** Text poppler shows on `page` of `bytes` and not of `signed`, when the change is one of text. */
  readonly shows?: string;
  /** The object the refused change names (changed, or defined where it is hidden), when it is known. */
  readonly target?: number;
  /** The rectangle a genuine later signature paints on `page` ([llx lly urx ury]). */
  readonly painted?: readonly [number, number, number, number];
}

export type RedTeamBuilder = (signers: CorpusSigners) => Promise<RedTeamFile>;

// ---------------------------------------------------------------------------------------------
// Letters written by hand
// ---------------------------------------------------------------------------------------------

/** The line the one-line letters sign, and its forged twin (same length, same place). */
export const SIGNED_LINE = "So 12/UBND-TC: tam ung 28.500.000 dong";
export const FORGED_LINE = "So 12/UBND-TC: tam ung 98.500.000 dong";
/** What of {@link FORGED_LINE} pdftotext shows whole wherever it is drawn over the signed line. */
export const FORGED_AMOUNT = "98.500.000";
/** A line the signed page draws with a font it does not have at signing (poppler draws nothing). */
export const HIDDEN_LINE = "DA DUYET CHI 900.000.000 DONG";

function latin1(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

function ref(objectNumber: number, generation = 0): PdfRef {
  return new PdfRef(objectNumber, generation);
}

function name(value: string): PdfName {
  return new PdfName(value);
}

function stream(content: string, entries: Iterable<readonly [string, PdfObject]> = []): PdfStream {
  return new PdfStream(new PdfDict(entries), latin1(content));
}

/** A white box over {@link SIGNED_LINE} and {@link FORGED_LINE} in its place, in page space (font /F1). */
function coverPainting(): string {
  return `q 1 1 1 rg 60 745 500 40 re f 0 g ${textLine(FORGED_LINE)} Q`;
}

/** A page-sized Form XObject painting {@link coverPainting} with `font` as /F1. */
function coverXObject(font: PdfRef): PdfStream {
  return stream(coverPainting(), [
    ["Type", name("XObject")],
    ["Subtype", name("Form")],
    ["BBox", [0, 0, 595, 842]],
    ["Resources", new PdfDict([["Font", new PdfDict([["F1", font]])]])],
  ]);
}

/** The same as an appearance stream for a widget at [60 740 560 790] (its own space). */
function coverAppearance(font: PdfRef): PdfStream {
  return stream(`1 1 1 rg 0 0 500 50 re f BT /F1 16 Tf 0 g 12 20 Td (${FORGED_LINE}) Tj ET`, [
    ["Type", name("XObject")],
    ["Subtype", name("Form")],
    ["BBox", [0, 0, 500, 50]],
    ["Resources", new PdfDict([["Font", new PdfDict([["F1", font]])]])],
  ]);
}

/** Where the cover appearance goes: over {@link SIGNED_LINE}. */
const COVER_RECT = [60, 740, 560, 790] as const;

function nextNumber(file: PdfFile): number {
  return Math.max(file.trailer.getNumber("Size") ?? 1, 1);
}

function dictAt(file: PdfFile, objectNumber: number): PdfDict {
  const value = file.resolve(ref(objectNumber));
  if (!(value instanceof PdfDict)) {
    throw new Error(`object ${objectNumber} is not a dictionary`);
  }
  return value;
}

/** The catalog of the newest revision and its reference. */
function catalogOf(file: PdfFile): { ref: PdfRef; dict: PdfDict } {
  const rootRef = file.trailer.getRef("Root");
  const root = rootRef ? file.resolve(rootRef) : undefined;
  if (!rootRef || !(root instanceof PdfDict)) {
    throw new Error("no catalog");
  }
  return { ref: rootRef, dict: root };
}

// ---------------------------------------------------------------------------------------------
// Hidden object definitions (b, b2)
// ---------------------------------------------------------------------------------------------

/**
 * An object definition to hide in another object's data: `header` (default "N 0 obj"), a stream
 * dictionary, the content, endstream, endobj — a reader that rebuilds the cross-reference by
 * scanning the file finds it; a reader that follows the cross-reference never does.
 */
function hiddenDefinition(objectNumber: number, content: string, header = `${objectNumber} 0 obj`): string {
  return `\n${header}\n<< /Length ${latin1(content).length} >>\nstream\n${content}\nendstream\nendobj\n`;
}

/** A /DSS in the catalog whose only /Certs "certificate" is a stream holding `data`. */
function dssHolding(file: PdfFile, data: string): UpdateObject[] {
  const catalog = catalogOf(file);
  const dss = nextNumber(file);
  return [
    { objectNumber: catalog.ref.objectNumber, value: catalog.dict.with({ DSS: ref(dss) }) },
    { objectNumber: dss, value: new PdfDict([["Certs", [ref(dss + 1)]]]) },
    { objectNumber: dss + 1, value: stream(data) },
  ];
}

/** The first page's first content stream: its reference and its decoded text. */
function firstContent(file: PdfFile): { ref: PdfRef; text: string } {
  const page = listPages(file)[0];
  const contents = page?.dict.get("Contents");
  const content = Array.isArray(contents) ? contents[0] : contents;
  const value = content instanceof PdfRef ? file.resolve(content) : undefined;
  if (!(content instanceof PdfRef) || !(value instanceof PdfStream)) {
    throw new Error("page 1 has no content stream reference");
  }
  return { ref: content, text: Buffer.from(decodeStream(value)).toString("latin1") };
}

/** The one-line letter of `b`: catalog, pages, page, content (object 4), Helvetica. */
function oneLineLetter(): Uint8Array {
  return rawPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R"),
    streamBody(textLine(SIGNED_LINE)),
    HELVETICA,
  ]);
}

// ---------------------------------------------------------------------------------------------
// a, a2: the AcroForm's /DR shared with what content draws from
// ---------------------------------------------------------------------------------------------

/**
 * a (red team): the page's /Resources /Font dictionary is also the AcroForm's /DR /Font. Anyone adds
 * /F9 to it after signing: the line the content draws with /F9 (nothing at signing) appears.
 */
export async function sharedDrFont({ person }: CorpusSigners): Promise<RedTeamFile> {
  const letter = rawPdf([
    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /DR << /Font 5 0 R >> /DA (/F1 0 Tf 0 g) >> >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    pageBody("/Resources << /Font 5 0 R >> /Contents 4 0 R"),
    streamBody(`${textLine(SIGNED_LINE)}\n${textLine(HIDDEN_LINE, 700, "F9")}`),
    "<< /F1 6 0 R >>",
    HELVETICA,
  ]);
  const signed = await signAll(letter, [person]);
  const fonts = dictAt(readPdf(signed), 5);
  const bytes = appendUpdate(signed, [{ objectNumber: 5, value: fonts.with({ F9: ref(6) }) }]);
  return { name: "a-shared-dr-font", bytes, signed, page: 1, shows: HIDDEN_LINE, target: 5 };
}

/**
 * a, variant: the /DR /Font is the /Resources /Font of a Form XObject the page draws (not the
 * page's own resources): the XObject's /F9 line appears.
 */
export async function sharedDrFontOfXObject({ person }: CorpusSigners): Promise<RedTeamFile> {
  const letter = rawPdf([
    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /DR << /Font 5 0 R >> /DA (/F1 0 Tf 0 g) >> >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    pageBody("/Resources << /Font << /F1 6 0 R >> /XObject << /Fm 7 0 R >> >> /Contents 4 0 R"),
    streamBody(`${textLine(SIGNED_LINE)}\nq /Fm Do Q`),
    "<< /F1 6 0 R >>",
    HELVETICA,
    streamBody(
      textLine(HIDDEN_LINE, 700, "F9"),
      "/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font 5 0 R >>",
    ),
  ]);
  const signed = await signAll(letter, [person]);
  const fonts = dictAt(readPdf(signed), 5);
  const bytes = appendUpdate(signed, [{ objectNumber: 5, value: fonts.with({ F9: ref(6) }) }]);
  return { name: "a-variant-dr-font-of-xobject", bytes, signed, page: 1, shows: HIDDEN_LINE, target: 5 };
}

/**
 * a2 (red team): the page's /Resources IS the AcroForm's /DR. Anyone adds an /XObject category:
 * the content's `/Fx Do`, a no-op at signing, paints a forged line over the signed one.
 */
export async function sharedDrResources({ person }: CorpusSigners): Promise<RedTeamFile> {
  const letter = rawPdf([
    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /DR 5 0 R /DA (/F1 0 Tf 0 g) >> >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    pageBody("/Resources 5 0 R /Contents 4 0 R"),
    streamBody(`${textLine(SIGNED_LINE)}\nq /Fx Do Q`),
    "<< /Font << /F1 6 0 R >> >>",
    HELVETICA,
  ]);
  return addXObjectToDr(letter, person, "a2-shared-dr-resources");
}

/**
 * a2, variant: the /DR is the /Resources the page inherits from its /Pages node (§7.7.3.4; the
 * page has none of its own).
 */
export async function sharedDrInheritedResources({ person }: CorpusSigners): Promise<RedTeamFile> {
  const letter = rawPdf([
    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /DR 5 0 R /DA (/F1 0 Tf 0 g) >> >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 /Resources 5 0 R >>",
    pageBody("/Contents 4 0 R"),
    streamBody(`${textLine(SIGNED_LINE)}\nq /Fx Do Q`),
    "<< /Font << /F1 6 0 R >> >>",
    HELVETICA,
  ]);
  return addXObjectToDr(letter, person, "a2-variant-inherited-resources");
}

/** Signs `letter` (whose /DR is object 5, Helvetica object 6), then adds /XObject /Fx to object 5. */
async function addXObjectToDr(
  letter: Uint8Array,
  person: CorpusSigners["person"],
  label: string,
): Promise<RedTeamFile> {
  const signed = await signAll(letter, [person]);
  const file = readPdf(signed);
  const cover = nextNumber(file);
  const bytes = appendUpdate(signed, [
    { objectNumber: cover, value: coverXObject(ref(6)) },
    { objectNumber: 5, value: dictAt(file, 5).with({ XObject: new PdfDict([["Fx", ref(cover)]]) }) },
  ]);
  return { name: label, bytes, signed, page: 1, shows: FORGED_AMOUNT, target: 5 };
}

// ---------------------------------------------------------------------------------------------
// b, b2: poppler rebuilds the cross-reference and finds a hidden definition
// ---------------------------------------------------------------------------------------------

/**
 * b (red team): an update adding only validation data — a /DSS whose /Certs stream's data holds
 * "4 0 obj" with the forged line — then 40,000 newlines: poppler no longer finds `startxref`,
 * rebuilds the cross-reference by scanning, and takes the hidden object 4 as the page content.
 */
export async function xrefReconstruction({ person }: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(oneLineLetter(), [person]);
  const update = appendUpdate(
    signed,
    dssHolding(readPdf(signed), hiddenDefinition(4, textLine(FORGED_LINE))),
  );
  const bytes = new Uint8Array(Buffer.concat([update, Buffer.alloc(40_000, 0x0a)]));
  return { name: "b-xref-reconstruction", bytes, signed, page: 1, shows: FORGED_AMOUNT, target: 4 };
}

/**
 * b, variant: the same hidden definition, and the 40,000 bytes of padding (spaces) go between the
 * update's `startxref` offset and its `%%EOF`, so that nothing follows the last %%EOF: poppler still
 * finds no `startxref` near the end of the file and rebuilds.
 */
export async function xrefReconstructionPaddedBeforeEof({ person }: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(oneLineLetter(), [person]);
  const update = appendUpdate(
    signed,
    dssHolding(readPdf(signed), hiddenDefinition(4, textLine(FORGED_LINE))),
  );
  const bytes = padBeforeLastEof(update, 40_000);
  return { name: "b-variant-padding-before-eof", bytes, signed, page: 1, shows: FORGED_AMOUNT, target: 4 };
}

/**
 * GAP (b): the hidden definition of the variant above, with its object number written with leading
 * zeros ("0000000000004 0 obj": poppler reads the number as 4, the verifier's scan for object
 * headers wants at most 10 digits; "4 0000000 obj" and "4<VT>0<VT>obj" slip through the same way),
 * and the padding before `%%EOF` (not after it) as the reason for poppler to rebuild.
 */
export async function gapPaddedObjectNumber({ person }: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(oneLineLetter(), [person]);
  const hidden = hiddenDefinition(4, textLine(FORGED_LINE), "0000000000004 0 obj");
  const bytes = padBeforeLastEof(appendUpdate(signed, dssHolding(readPdf(signed), hidden)), 40_000);
  return { name: "b-gap-zero-padded-object-number", bytes, signed, page: 1, shows: FORGED_AMOUNT };
}

/**
 * GAP (b): nothing hidden in the update at all. The signed letter carries its draft as an
 * uncompressed PDF attachment (whose objects 1–5 are numbered like the letter's, object 4 drawing
 * the forged line); after signing, anyone appends an /Info update padded with 40,000 spaces before
 * its `%%EOF`. poppler rebuilds the cross-reference and takes the attachment's objects 2, 4 and 5,
 * defined after the letter's own.
 */
export async function gapPaddingBeforeEof({ person }: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(letterWithDraftAttachment(), [person]);
  const file = readPdf(signed);
  const info = infoOf(file);
  const update = appendUpdate(signed, [
    {
      objectNumber: info.ref.objectNumber,
      value: info.dict.with({ Keywords: textString("cong van, tam ung") }),
    },
  ]);
  const bytes = padBeforeLastEof(update, 40_000);
  return { name: "b-gap-padding-before-eof", bytes, signed, page: 1, shows: FORGED_AMOUNT };
}

/**
 * The one-line letter with an attachment: its draft, an uncompressed PDF whose objects 1–5 are laid
 * out like the letter's but whose content stream (4) draws {@link FORGED_LINE}. A viewer following
 * the cross-reference never reads the attachment's objects; one that rebuilds it by scanning does.
 */
function letterWithDraftAttachment(): Uint8Array {
  const draft = Buffer.from(
    rawPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R"),
      streamBody(textLine(FORGED_LINE)),
      HELVETICA,
    ]),
  ).toString("latin1");
  return rawPdf(
    [
      "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(du-thao.pdf) 7 0 R] >> >> >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R"),
      streamBody(textLine(SIGNED_LINE)),
      HELVETICA,
      streamBody(draft, "/Type /EmbeddedFile /Subtype /application#2Fpdf"),
      "<< /Type /Filespec /F (du-thao.pdf) /UF (du-thao.pdf) /EF << /F 6 0 R >> >>",
      "<< /Title (Cong van so 12/UBND-TC) /Producer (Lienthong) >>",
    ],
    { trailer: "/Root 1 0 R /Info 8 0 R" },
  );
}

/** `bytes` (ending with "%%EOF\n") with `count` spaces inserted before that last %%EOF. */
function padBeforeLastEof(bytes: Uint8Array, count: number): Uint8Array {
  const tail = latin1("%%EOF\n");
  if (Buffer.compare(Buffer.from(bytes.subarray(bytes.length - tail.length)), tail) !== 0) {
    throw new Error("the file does not end with %%EOF");
  }
  return new Uint8Array(
    Buffer.concat([bytes.subarray(0, bytes.length - tail.length), Buffer.alloc(count, 0x20), tail]),
  );
}

/**
 * b2 (red team): on the pdf-lib letter, one update with allowed-looking changes only: /Info gains
 * /GTS_PDFA1Version pointing to an object nobody defines (poppler reads it while opening the file,
 * fails, rebuilds the cross-reference by scanning), and a /DSS whose /Certs stream hides a copy of
 * the page's content stream, moved 200 pt down.
 */
export async function missingObjectReconstruct({ person }: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(await makeLetterPdf({ pages: 1 }), [person]);
  const file = readPdf(signed);
  const content = firstContent(file);
  const hidden = hiddenDefinition(content.ref.objectNumber, `1 0 0 1 0 -200 cm\n${content.text}`);
  const dss = dssHolding(file, hidden);
  const bytes = appendUpdate(signed, [...dss, infoPointingAt(file, ref(nextNumber(file) + 150))]);
  return { name: "b2-missing-object-reconstruct", bytes, signed, page: 1, target: content.ref.objectNumber };
}

/**
 * b2, variant: the hidden copy of the page content goes into the XMP /Metadata stream (rewritten, an
 * XML comment in the packet) instead of a /DSS stream, on an Acrobat-like letter.
 */
export async function missingObjectReconstructInXmp({ person }: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(await acrobatLikeLetter(), [person]);
  const file = readPdf(signed);
  const content = firstContent(file);
  const hidden = hiddenDefinition(content.ref.objectNumber, `1 0 0 1 0 -200 cm\n${content.text}`);
  const metadataRef = catalogOf(file).dict.getRef("Metadata");
  const metadata = metadataRef ? file.resolve(metadataRef) : undefined;
  if (!metadataRef || !(metadata instanceof PdfStream)) {
    throw new Error("the letter has no indirect /Metadata stream");
  }
  const packet = Buffer.from(decodeStream(metadata)).toString("latin1");
  const end = packet.lastIndexOf("<?xpacket end");
  const rewritten = `${packet.slice(0, end)}<!--${hidden}-->\n${packet.slice(end)}`;
  const bytes = appendUpdate(signed, [
    {
      objectNumber: metadataRef.objectNumber,
      value: new PdfStream(
        metadata.dict.with({ Filter: undefined, DecodeParms: undefined }),
        latin1(rewritten),
      ),
    },
    infoPointingAt(file, ref(nextNumber(file) + 150)),
  ]);
  return { name: "b2-variant-hidden-in-xmp", bytes, signed, page: 1, target: content.ref.objectNumber };
}

/**
 * GAP (b2): the letter with its draft attached (see {@link gapPaddingBeforeEof}); after signing,
 * /Info gains /GTS_PDFA1Version pointing to the catalog's object number with generation 1 — an
 * object the file does not define (the catalog is generation 0). poppler reads it while opening the
 * file, finds no such object, rebuilds the cross-reference and shows the attachment's content. The
 * verifier's walk for references to missing objects has already visited object number 1 (as 1 0)
 * and does not look at 1 1 again.
 */
export async function gapWrongGeneration({ person }: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(letterWithDraftAttachment(), [person]);
  const file = readPdf(signed);
  const root = catalogOf(file).ref;
  const bytes = appendUpdate(signed, [infoPointingAt(file, ref(root.objectNumber, root.generation + 1))]);
  return { name: "b2-gap-wrong-generation", bytes, signed, page: 1, shows: FORGED_AMOUNT };
}

/** The trailer's /Info dictionary with /GTS_PDFA1Version set to `target`. */
function infoPointingAt(file: PdfFile, target: PdfRef): UpdateObject {
  const info = infoOf(file);
  return { objectNumber: info.ref.objectNumber, value: info.dict.with({ GTS_PDFA1Version: target }) };
}

/** The trailer's indirect /Info dictionary. */
function infoOf(file: PdfFile): { ref: PdfRef; dict: PdfDict } {
  const infoRef = file.trailer.getRef("Info");
  const info = infoRef ? file.resolve(infoRef) : undefined;
  if (!infoRef || !(info instanceof PdfDict)) {
    throw new Error("the letter has no indirect /Info dictionary");
  }
  return { ref: infoRef, dict: info };
}

// ---------------------------------------------------------------------------------------------
// Counter-signatures with a hand-made widget (c, g)
// ---------------------------------------------------------------------------------------------

interface WidgetOptions {
  /** 0-based page; default 0. */
  readonly page?: number;
  /** /Rect as written (numbers, references); default [0 0 0 0]. */
  readonly rect?: (session: UpdateSession) => PdfObject;
  /** The normal appearance; default none. */
  readonly appearance?: (session: UpdateSession) => PdfRef;
  /** Default 132 (Print | Locked); 4 for a visible one. */
  readonly flags?: number;
}

/** A new signature field merged with its widget on page `page`, appended to that page's /Annots. */
function signatureWidget(options: WidgetOptions): Edit {
  return (session) => {
    const page = session.page(options.page ?? 0);
    const entries: [string, PdfObject][] = [
      ["Type", name("Annot")],
      ["Subtype", name("Widget")],
      ["FT", name("Sig")],
      ["T", textString("DongDauCoQuan")],
      ["V", session.signatureRef],
      ["P", page.ref],
      ["Rect", options.rect ? options.rect(session) : [0, 0, 0, 0]],
      ["F", options.flags ?? 132],
    ];
    if (options.appearance) {
      entries.push(["AP", new PdfDict([["N", options.appearance(session)]])]);
    }
    const widget = session.add(new PdfDict(entries));
    const annotsValue = page.dict.get("Annots");
    const annots = session.deref(annotsValue);
    const items = [...(Array.isArray(annots) ? annots : []), widget];
    if (annotsValue instanceof PdfRef && Array.isArray(annots)) {
      session.set(annotsValue, items);
    } else {
      session.set(page.ref, page.dict.with({ Annots: items }));
    }
    session.addField(widget);
  };
}

// ---------------------------------------------------------------------------------------------
// c: /Annots that is also content
// ---------------------------------------------------------------------------------------------

/**
 * c (red team): page 2's /Annots array object is also its /Contents array. The trusted
 * counter-signer appends its tiny widget to page 2's /Annots: a dictionary in /Contents, and poppler
 * shows page 2 blank.
 */
export async function annotsIsContents(signers: CorpusSigners): Promise<RedTeamFile> {
  const letter = rawPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [7 0 R 3 0 R] /Count 2 >>",
    pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R /Annots 6 0 R"),
    streamBody(textLine(SIGNED_LINE)),
    HELVETICA,
    "[4 0 R]",
    pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 8 0 R"),
    streamBody(textLine("Kinh gui: So Tai chinh")),
  ]);
  const signed = await signAll(letter, [signers.person]);
  const bytes = await acrobatLikeSign(signed, signerOf(signers.organisation), [
    signatureWidget({ page: 1, rect: () => [10, 10, 11, 11] }),
  ]);
  return { name: "c-annots-is-contents", bytes, signed, page: 2, target: 6 };
}

/**
 * c, variant: page 2's /Annots array object is page 1's /Contents array (another page's content).
 * The counter-signer's widget goes on page 2, as it may; page 1 loses its content.
 */
export async function annotsIsOtherPagesContents(signers: CorpusSigners): Promise<RedTeamFile> {
  const letter = rawPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R 7 0 R] /Count 2 >>",
    pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R"),
    streamBody(textLine(SIGNED_LINE)),
    HELVETICA,
    "[4 0 R]",
    pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 8 0 R /Annots 6 0 R"),
    streamBody(textLine("Noi nhan: Bo Tai chinh")),
  ]);
  const signed = await signAll(letter, [signers.person]);
  const bytes = await acrobatLikeSign(signed, signerOf(signers.organisation), [
    signatureWidget({ page: 1, rect: () => [10, 10, 11, 11] }),
  ]);
  return { name: "c-variant-annots-is-other-pages-contents", bytes, signed, page: 1, target: 6 };
}

// ---------------------------------------------------------------------------------------------
// d, d2: an empty signature field changed without being signed
// ---------------------------------------------------------------------------------------------

/** The letter of `d`: an empty signature field (object 6) whose widget lies over the signed line. */
function emptyFieldLetter(field: string): Uint8Array {
  return rawPdf([
    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] >> >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    pageBody("/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R /Annots [6 0 R]"),
    streamBody(textLine(SIGNED_LINE)),
    HELVETICA,
    field,
  ]);
}

/**
 * d (red team): a pre-placed empty signature field whose /Rect lies over the body (invisible at
 * signing) gets an appearance that covers the amount with another, and stays unsigned.
 */
export async function emptySignatureFieldAppearance({ person }: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(
    emptyFieldLetter(
      "<< /Type /Annot /Subtype /Widget /FT /Sig /T (ChuKyLanhDao) /Rect [60 740 560 790] /F 4 /P 3 0 R >>",
    ),
    [person],
  );
  const file = readPdf(signed);
  const appearance = nextNumber(file);
  const bytes = appendUpdate(signed, [
    { objectNumber: appearance, value: coverAppearance(ref(5)) },
    { objectNumber: 6, value: dictAt(file, 6).with({ AP: new PdfDict([["N", ref(appearance)]]) }) },
  ]);
  return { name: "d-empty-sigfield-ap", bytes, signed, page: 1, shows: FORGED_AMOUNT, target: 6 };
}

/**
 * d, variant: the empty field has no appearance; only its /MK (appearance characteristics) changes —
 * a black background — and poppler, drawing a field without /AP from /MK, blacks out the amount.
 */
export async function emptySignatureFieldMk({ person }: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(
    emptyFieldLetter(
      "<< /Type /Annot /Subtype /Widget /FT /Sig /T (ChuKyLanhDao) /Rect [60 740 560 790] /F 4 /P 3 0 R >>",
    ),
    [person],
  );
  const file = readPdf(signed);
  const bytes = appendUpdate(signed, [
    {
      objectNumber: 6,
      value: dictAt(file, 6).with({
        MK: new PdfDict([
          ["BG", [0, 0, 0]],
          ["BC", [0, 0, 0]],
        ]),
      }),
    },
  ]);
  return { name: "d-variant-empty-sigfield-mk", bytes, signed, page: 1, target: 6 };
}

/**
 * d2 (red team): the page's /Resources /XObject dictionary IS a pre-placed empty signature field
 * (listed in /Fields, no widget). Anyone sets its /SV (allowed on an empty field) to a Form XObject:
 * the content's `/SV Do`, a no-op at signing, paints the forged line.
 */
export async function signatureFieldAsXObjectMap({ person }: CorpusSigners): Promise<RedTeamFile> {
  const letter = rawPdf([
    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] >> >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    pageBody("/Resources << /Font << /F1 5 0 R >> /XObject 6 0 R >> /Contents 4 0 R"),
    streamBody(`${textLine(SIGNED_LINE)}\nq /SV Do Q`),
    HELVETICA,
    "<< /FT /Sig /T (ChuKyLanhDao) >>",
  ]);
  const signed = await signAll(letter, [person]);
  const file = readPdf(signed);
  const cover = nextNumber(file);
  const bytes = appendUpdate(signed, [
    { objectNumber: cover, value: coverXObject(ref(5)) },
    { objectNumber: 6, value: dictAt(file, 6).with({ SV: ref(cover) }) },
  ]);
  return { name: "d2-sigfield-as-xobject-map", bytes, signed, page: 1, shows: FORGED_AMOUNT, target: 6 };
}

/**
 * d2, variant: the empty signature field is the page's /Resources /Font dictionary; the content draws
 * a line with font /Lock, absent at signing. Anyone gives the field a /Lock entry (a field-lock
 * dictionary that is also a font): the line appears.
 */
export async function signatureFieldAsFontMap({ person }: CorpusSigners): Promise<RedTeamFile> {
  const letter = rawPdf([
    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] >> >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    pageBody("/Resources << /Font 6 0 R >> /Contents 4 0 R"),
    streamBody(`${textLine(SIGNED_LINE)}\n${textLine(HIDDEN_LINE, 700, "Lock")}`),
    HELVETICA,
    "<< /FT /Sig /T (ChuKyLanhDao) /F1 5 0 R >>",
  ]);
  const signed = await signAll(letter, [person]);
  const file = readPdf(signed);
  const lock = nextNumber(file);
  const bytes = appendUpdate(signed, [
    {
      objectNumber: lock,
      value: new PdfDict([
        ["Type", name("Font")],
        ["Subtype", name("Type1")],
        ["BaseFont", name("Helvetica")],
        ["Encoding", name("WinAnsiEncoding")],
        ["Action", name("All")],
      ]),
    },
    { objectNumber: 6, value: dictAt(file, 6).with({ Lock: ref(lock) }) },
  ]);
  return { name: "d2-variant-sigfield-as-font-map", bytes, signed, page: 1, shows: HIDDEN_LINE, target: 6 };
}

// ---------------------------------------------------------------------------------------------
// g: a genuine counter-signature with an indirect /Rect
// ---------------------------------------------------------------------------------------------

/**
 * g (red team): the trusted counter-signer's visible widget has /Rect [a b c d] with each number its
 * own object; its appearance covers the amount. Allowed (a signature may paint its widget), and the
 * report must say it paints [60 740 560 790] on page 1.
 */
export async function indirectRect(signers: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(oneLineLetter(), [signers.person]);
  const bytes = await acrobatLikeSign(signed, signerOf(signers.organisation), [
    signatureWidget({
      rect: (session) => COVER_RECT.map((value) => session.add(value)),
      appearance: (session) => session.add(coverAppearance(ref(5))),
      flags: 4,
    }),
  ]);
  return { name: "g-indirect-rect", bytes, signed, page: 1, painted: COVER_RECT };
}

/**
 * g, variant: the /Rect is itself an indirect array, its corners given upper-right first
 * ([560 790 60 740], §7.9.5 allows either pair) and one of them indirect.
 */
export async function indirectRectArray(signers: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(oneLineLetter(), [signers.person]);
  const bytes = await acrobatLikeSign(signed, signerOf(signers.organisation), [
    signatureWidget({
      rect: (session) => session.add([560, session.add(790), 60, 740]),
      appearance: (session) => session.add(coverAppearance(ref(5))),
      flags: 4,
    }),
  ]);
  return { name: "g-variant-indirect-rect-array", bytes, signed, page: 1, painted: COVER_RECT };
}

// ---------------------------------------------------------------------------------------------
// fa1: direct items in a signed /Annots
// ---------------------------------------------------------------------------------------------

const DIRECT_LINK =
  "<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /Border [0 0 0] /A << /S /URI /URI (https://vanban.chinhphu.vn) >> >>";

/** A one-line letter whose page /Annots is `annots` (written as is), signed then counter-signed by signPdf. */
async function counterSignedWithAnnots(
  signers: CorpusSigners,
  annots: string,
  extraBodies: readonly string[],
  label: string,
): Promise<RedTeamFile> {
  const letter = rawPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    pageBody(`/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R /Annots ${annots}`),
    streamBody(textLine(SIGNED_LINE)),
    HELVETICA,
    ...extraBodies,
  ]);
  const signed = await signAll(letter, [signers.person]);
  const bytes = await signAll(signed, [signers.organisation]);
  return { name: label, bytes, signed, page: 1 };
}

/** fa1 (red team): a direct Link annotation in the signed page's /Annots. */
export function directLinkAnnotation(signers: CorpusSigners): Promise<RedTeamFile> {
  return counterSignedWithAnnots(signers, `[${DIRECT_LINK}]`, [], "fa1-direct-link");
}

/** fa1 (red team): a null left in the signed page's /Annots where an annotation was deleted. */
export function nullAnnotation(signers: CorpusSigners): Promise<RedTeamFile> {
  return counterSignedWithAnnots(signers, "[null]", [], "fa1-null-item");
}

/**
 * fa1, variant: /Annots is its own array object (the counter-signer extends that object), holding a
 * direct visible Text annotation (a note icon), a null, and a reference to a Link annotation.
 */
export function directItemsInAnnotsObject(signers: CorpusSigners): Promise<RedTeamFile> {
  const note =
    "<< /Type /Annot /Subtype /Text /Rect [520 780 540 800] /F 4 /Contents (Da xem) /Name /Comment /C [1 1 0] >>";
  return counterSignedWithAnnots(
    signers,
    "6 0 R",
    [`[${note} null 7 0 R]`, DIRECT_LINK],
    "fa1-variant-direct-items-in-annots-object",
  );
}

// ---------------------------------------------------------------------------------------------
// Controls
// ---------------------------------------------------------------------------------------------

/**
 * e (red team's control): a hybrid-reference update (§7.5.8.4) whose table marks the content stream
 * (object 4) free while its /XRefStm stream lists a byte-identical copy: the verifier takes the
 * stream's entry, poppler the table's free one and then rebuilds, finding the same copy. Nothing
 * changed: must pass, and poppler shows the signed letter.
 */
export async function hybridFreeEntry({ person }: CorpusSigners): Promise<RedTeamFile> {
  const content = streamBody(textLine(SIGNED_LINE));
  const signed = await signAll(oneLineLetter(), [person]);
  const file = readPdf(signed);
  const previous = file.revisions[file.revisions.length - 1]!.startxref;
  const size = nextNumber(file);
  const root = catalogOf(file).ref;
  let text = "\n";
  const copyAt = signed.length + text.length;
  text += `4 0 obj\n${content}\nendobj\n`;
  const streamAt = signed.length + text.length;
  const row = Buffer.alloc(7);
  row.writeUInt8(1, 0);
  row.writeUInt32BE(copyAt, 1);
  row.writeUInt16BE(0, 5);
  text +=
    `${size} 0 obj\n<< /Type /XRef /Size ${size + 1} /W [1 4 2] /Index [4 1] /Length ${row.length} >>\n` +
    `stream\n${row.toString("latin1")}\nendstream\nendobj\n`;
  const xrefAt = signed.length + text.length;
  text +=
    `xref\n4 1\n0000000000 00001 f \n${size} 1\n${String(streamAt).padStart(10, "0")} 00000 n \n` +
    `trailer\n<< /Size ${size + 1} /Root ${root.objectNumber} ${root.generation} R /Prev ${previous} /XRefStm ${streamAt} >>\n` +
    `startxref\n${xrefAt}\n%%EOF\n`;
  const bytes = new Uint8Array(Buffer.concat([signed, latin1(text)]));
  return { name: "e-hybrid-free", bytes, signed, page: 1 };
}

/**
 * fa2 (red team's control): a linearized two-page letter (qpdf --linearize, optionally with object
 * streams), signed then counter-signed by signPdf.
 */
export async function linearizedLetter(signers: CorpusSigners, objectStreams: boolean): Promise<RedTeamFile> {
  const letter = await qpdf(
    await makeLetterPdf({ pages: 2 }),
    objectStreams ? ["--linearize", "--object-streams=generate"] : ["--linearize"],
  );
  const signed = await signAll(letter, [signers.person]);
  const bytes = await signAll(signed, [signers.organisation]);
  return { name: objectStreams ? "fa2-linearized-objstm" : "fa2-linearized", bytes, signed, page: 1 };
}

/** `pdf` rewritten by qpdf with `args`. */
async function qpdf(pdf: Uint8Array, args: readonly string[]): Promise<Uint8Array> {
  const work = await tempDir("lienthong-red-team-");
  try {
    const input = await work.file("in.pdf", pdf);
    const output = join(work.dir, "out.pdf");
    await run("qpdf", [...args, input, output]);
    return new Uint8Array(await readFile(output));
  } finally {
    await work.cleanup();
  }
}

/**
 * fa3 (red team's control): the corpus "shadow" letter (filled and empty text fields, optional
 * content, a shared XObject) signed, then counter-signed with a visible seal.
 */
export async function formCounterSigned(signers: CorpusSigners): Promise<RedTeamFile> {
  const signed = await signAll(await makeShadowLetter(), [signers.person]);
  const bytes = await signAll(signed, [signers.organisation], [{ kind: "seal", image: sealImage() }]);
  return { name: "fa3-form-countersigned", bytes, signed, page: 1 };
}
