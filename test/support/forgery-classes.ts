/**
 * Forgery classes beyond the attack corpus of `attacks.ts`, each aimed at one way a verifier can
 * misjudge what changed after signing (ISO 32000-1 §7.5.6, §7.5.7, §12.8; the roles of objects come
 * from the signed revision, every object it refers to is signed content, objects are resolved as a
 * conforming reader resolves them):
 *
 * 1. `new-role`: an object of the signed revision is given a harmless-looking role by a later
 *    revision (/DSS /Certs, /CRLs, /OCSPs, /VRI or /DSS itself, the trailer's /Info, catalog
 *    /Metadata, AcroForm /DR, /Names, /Outlines, a new signature widget's /AP) and then rewritten.
 * 2. `object-stream-revision`: objects the signed revision keeps in object streams (§7.5.7) are
 *    changed by redefining their container (same number, new offset) without touching their own
 *    cross-reference entries; or moved or repointed to another container that is later redefined.
 * 3. `dangling-reference`: the signed page refers to objects that do not exist at signing (an
 *    XObject, an annotation, a content stream, a font, a graphics state, an XObject's XObject); a
 *    later revision defines them.
 * 4. `timestamp-appearance`: a document timestamp (PAdES, ETSI EN 319 142-1: /DocTimeStamp with
 *    /SubFilter /ETSI.RFC3161) proves no identity, so its widget must paint nothing; the invisible
 *    ones and a genuine visible signature are the controls that must pass.
 * 7. `hidden-change`: the report must not hide a change: an /Info-only revision is not "nothing
 *    added"; a tampered counter-signed letter names the tampering, not the seal's new field.
 *
 * Every file is made here from letters signed with the project's own signer (`signAll`); each
 * forged one changes what a viewer shows (its test checks page 1 with pdftotext or pdftoppm).
 * Revision numbers are 0-based, as in `PdfFile.revisions` (revision 0 = the unsigned letter).
 *
 * @example
 * const bases = await buildForgeryBases(await buildAttackBases(await corpusSigners(pki)));
 * for (const forgery of await buildForgeryCases(bases, tsa.client)) {
 *   const report = await validatePdf(forgery.bytes, options);
 * }
 */
import { PDFArray, PDFDocument, PDFName, PDFRef } from "pdf-lib";
import { createCmsSignature } from "../../shared/cms/create-cms-signature.ts";
import { estimateCmsSize } from "../../shared/cms/estimate-cms-size.ts";
import type { Signer, Tsa } from "../../shared/cms/ports.ts";
import { hashByteRange } from "../../shared/pdf/byte-range.ts";
import { type UpdateObject, writeIncrementalUpdate } from "../../shared/pdf/incremental-update.ts";
import { addToArray } from "../../shared/pdf/insert-signature-placeholder.ts";
import { parseObjectAt } from "../../shared/pdf/lexer.ts";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, textString } from "../../shared/pdf/objects.ts";
import { listPages } from "../../shared/pdf/pages.ts";
import { type PdfFile, readPdf } from "../../shared/pdf/read-pdf.ts";
import { formatObject, serializeBody } from "../../shared/pdf/serialize.ts";
import {
  buildSignatureDictionary,
  embedSignatureContents,
  patchByteRange,
} from "../../shared/pdf/signature-placeholder.ts";
import { decodeStream } from "../../shared/pdf/stream-decode.ts";
import { type AttackBases, appendUpdate, signAll, signerOf } from "./attacks.ts";
import { makeLetterPdf, toXrefStreamPdf } from "./pdf.ts";

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export type ForgeryClass =
  | "new-role"
  | "object-stream-revision"
  | "dangling-reference"
  | "timestamp-appearance"
  | "hidden-change";

/** `[llx lly urx ury]` in PDF user space. */
export type Rect = readonly [number, number, number, number];

/** What a viewer shows differently from the signed letter (page 1 unless `page`). */
export type ViewerChange =
  /** pdftotext of the page shows `shows`, which the signed letter does not. */
  | { readonly kind: "text"; readonly shows: string }
  /** The text may be the same; the pdftoppm render of the page differs. */
  | { readonly kind: "render" }
  /** The document title (pdfinfo) is now `shows`; the pages may look the same. */
  | { readonly kind: "title"; readonly shows: string }
  /** Nothing a viewer shows on the page changes: the render equals the signed letter's. */
  | { readonly kind: "none" }
  /** A legitimate visible change (a new signature's widget): the render differs. */
  | { readonly kind: "signature-widget" };

/** The offending change a report must name. */
export interface Offence {
  /** Revisions (0-based) whose changes are the offence. */
  readonly revisions: readonly number[];
  /** Object numbers the offence is about: the signed object, and what gave it its new role. */
  readonly objects: readonly number[];
  /**
   * What each signature's modifications check detail must say (class 7): name the offence
   * (`mentions`), not an allowed change instead (`notMentions`: the seal's new field).
   */
  readonly detail?: { readonly mentions: RegExp; readonly notMentions: RegExp };
}

export type ForgeryExpectation =
  /** Not TOTAL_PASSED; each of `signatures` fails its modifications check, naming `offence`. */
  | { readonly verdict: "refused"; readonly signatures: readonly number[]; readonly offence?: Offence }
  /**
   * TOTAL_PASSED with no refused change (a control). `painted`: the new visible widget earlier
   * signatures must report; "nothing": they must report no painting (an invisible widget).
   */
  | {
      readonly verdict: "passed";
      readonly painted:
        | { readonly signatures: readonly number[]; readonly page: number; readonly rect: Rect }
        | "nothing";
    }
  /** Any verdict, but the modifications check of each of `signatures` must not say "nothing added". */
  | { readonly verdict: "reported"; readonly signatures: readonly number[] };

export interface ForgeryCase {
  /** Unique, kebab-case. */
  readonly label: string;
  readonly forgeryClass: ForgeryClass;
  readonly description: string;
  /** The correctly signed letter the case starts from: what the signers saw. */
  readonly base: Uint8Array;
  readonly bytes: Uint8Array;
  readonly viewer: ViewerChange;
  readonly expect: ForgeryExpectation;
}

/** The correctly signed letters the forgeries start from. */
export interface ForgeryBases {
  readonly attack: AttackBases;
  /** qpdf xref-stream + object-stream letter (`toXrefStreamPdf`), signed by the person. */
  readonly xrefStreamSigned: Uint8Array;
  /** `xrefStreamSigned` + the organisation's seal. */
  readonly xrefStreamCounterSigned: Uint8Array;
  /** {@link toObjectStreamLetter}: page, its /Contents and /Annots arrays in one object stream, fonts in another; signed by the person. */
  readonly objectStreamSigned: Uint8Array;
  readonly objectStreamCounterSigned: Uint8Array;
  /** {@link makeDanglingLetter} signed by the person. */
  readonly danglingSigned: Uint8Array;
  /** {@link makeDanglingLetter} with a missing last content stream, signed by the person. */
  readonly danglingContentSigned: Uint8Array;
  readonly danglingCounterSigned: Uint8Array;
  /** The dangling letter through {@link toObjectStreamLetter}, signed by the person. */
  readonly danglingObjectStreamSigned: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function latin1(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

function ref(objectNumber: number): PdfRef {
  return new PdfRef(objectNumber);
}

function name(value: string): PdfName {
  return new PdfName(value);
}

/** An unfiltered stream. */
function stream(
  content: string | Uint8Array,
  entries: Iterable<readonly [string, PdfObject]> = [],
): PdfStream {
  return new PdfStream(new PdfDict(entries), typeof content === "string" ? latin1(content) : content);
}

function nextNumber(file: PdfFile): number {
  return Math.max(file.trailer.getNumber("Size") ?? 1, 1);
}

function catalogOf(file: PdfFile): { ref: PdfRef; dict: PdfDict } {
  const rootRef = file.trailer.getRef("Root");
  const root = rootRef ? file.resolve(rootRef) : undefined;
  if (!rootRef || !(root instanceof PdfDict)) {
    throw new Error("no catalog");
  }
  return { ref: rootRef, dict: root };
}

/** The first page: its reference, dictionary, its content stream references and the indirect /Contents array, if any. */
function firstPage(file: PdfFile): {
  ref: PdfRef;
  dict: PdfDict;
  contents: PdfRef[];
  contentsArray?: PdfRef;
} {
  const page = listPages(file)[0];
  if (!page) {
    throw new Error("no page");
  }
  const value = page.dict.get("Contents");
  const resolved = file.deref(value);
  const list = Array.isArray(resolved) ? resolved : [value];
  const contents = list.filter((item): item is PdfRef => item instanceof PdfRef);
  if (contents.length === 0) {
    throw new Error("the first page has no content stream reference");
  }
  return {
    ref: page.ref,
    dict: page.dict,
    contents,
    ...(value instanceof PdfRef && Array.isArray(resolved) ? { contentsArray: value } : {}),
  };
}

/** The page's /Resources /Font entries: resource name → font reference. */
function pageFonts(file: PdfFile, page: PdfDict): Map<string, PdfRef> {
  const resources = file.deref(page.get("Resources"));
  const fonts = resources instanceof PdfDict ? file.deref(resources.get("Font")) : undefined;
  const out = new Map<string, PdfRef>();
  if (fonts instanceof PdfDict) {
    for (const [key, value] of fonts.map) {
      if (value instanceof PdfRef) {
        out.set(key, value);
      }
    }
  }
  return out;
}

/** Unicode text → the font's codes as upper-case hex, from its /ToUnicode bfchar/bfrange (undefined when a character is missing). */
function encodeWithFont(file: PdfFile, fontRef: PdfRef, text: string): string | undefined {
  const font = file.resolve(fontRef);
  const cmap = font instanceof PdfDict ? file.deref(font.get("ToUnicode")) : undefined;
  if (!(cmap instanceof PdfStream)) {
    return undefined;
  }
  const source = Buffer.from(decodeStream(cmap)).toString("latin1");
  const codes = new Map<string, string>();
  const hex = (value: string): number => Number.parseInt(value, 16);
  for (const block of source.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, code, unicode] of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]{4})>/g)) {
      codes.set(String.fromCharCode(hex(unicode!)), code!.toUpperCase());
    }
  }
  for (const block of source.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, low, high, unicode] of block[1]!.matchAll(
      /<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]{4})>/g,
    )) {
      for (let code = hex(low!); code <= hex(high!); code++) {
        const char = String.fromCharCode(hex(unicode!) + code - hex(low!));
        codes.set(char, code.toString(16).toUpperCase().padStart(low!.length, "0"));
      }
    }
  }
  let out = "";
  for (const char of text) {
    const code = codes.get(char);
    if (code === undefined) {
      return undefined;
    }
    out += code;
  }
  return out;
}

/** The amount on the letter as signed (body line 1) and as forged. */
export const AMOUNT = { signed: "28,5%", forged: "98,5%" } as const;

/** A new text, not on the letter, painted in a standard font by appearances and XObjects. */
export const FORGED_TEXT = "DA THANH TOAN 900.000.000 DONG";

/** The page font (resource name and reference) that can write the amount. */
function amountFont(file: PdfFile, page: PdfDict): { resource: string; font: PdfRef } {
  for (const [resource, font] of pageFonts(file, page)) {
    if (encodeWithFont(file, font, AMOUNT.signed) && encodeWithFont(file, font, AMOUNT.forged)) {
      return { resource, font };
    }
  }
  throw new Error("no page font writes the amount");
}

/** A page font other than `font` (for glyph swapping). */
function otherFont(file: PdfFile, page: PdfDict, font: PdfRef): PdfRef {
  for (const candidate of pageFonts(file, page).values()) {
    if (!candidate.equals(font)) {
      return candidate;
    }
  }
  throw new Error("the page has one font only");
}

/** The page's content stream that draws the amount, and a copy of it (unfiltered) drawing the forged amount. */
function forgedContent(file: PdfFile): { ref: PdfRef; value: PdfStream } {
  const page = firstPage(file);
  const { font } = amountFont(file, page.dict);
  const signed = encodeWithFont(file, font, AMOUNT.signed)!;
  const forged = encodeWithFont(file, font, AMOUNT.forged)!;
  for (const contentRef of page.contents) {
    const content = file.resolve(contentRef);
    if (!(content instanceof PdfStream)) {
      continue;
    }
    const text = Buffer.from(decodeStream(content)).toString("latin1");
    if (text.toUpperCase().includes(signed)) {
      const replaced = text.replace(new RegExp(signed, "i"), forged);
      return {
        ref: contentRef,
        value: new PdfStream(
          content.dict.with({ Filter: undefined, DecodeParms: undefined, Length: undefined }),
          latin1(replaced),
        ),
      };
    }
  }
  throw new Error(`no content stream of page 1 draws ${AMOUNT.signed}`);
}

/** A new content stream drawing the forged amount with the page's own font, below the body. */
function forgedAmountLine(file: PdfFile): PdfStream {
  const page = firstPage(file);
  const { resource, font } = amountFont(file, page.dict);
  const hex = encodeWithFont(file, font, AMOUNT.forged)!;
  return stream(`q 0.8 0 0 rg BT ${formatObject(name(resource))} 16 Tf 85 570 Td <${hex}> Tj ET Q`);
}

/** The regular Type0 font of the page with the other font's descendant: same codes, other glyphs. */
function glyphSwappedFont(file: PdfFile, fontNumberIn?: number): { ref: PdfRef; value: PdfDict } {
  const page = firstPage(file);
  const regular = fontNumberIn !== undefined ? ref(fontNumberIn) : amountFont(file, page.dict).font;
  const bold = otherFont(file, page.dict, regular);
  const regularDict = file.resolve(regular);
  const boldDict = file.resolve(bold);
  if (!(regularDict instanceof PdfDict) || !(boldDict instanceof PdfDict)) {
    throw new Error("fonts are not dictionaries");
  }
  const descendants = boldDict.get("DescendantFonts");
  if (descendants === undefined) {
    throw new Error("the other font is not a Type0 font");
  }
  return { ref: regular, value: regularDict.with({ DescendantFonts: descendants }) };
}

const HELVETICA = (): PdfDict =>
  new PdfDict([
    ["Type", name("Font")],
    ["Subtype", name("Type1")],
    ["BaseFont", name("Helvetica")],
    ["Encoding", name("WinAnsiEncoding")],
  ]);

/** Where the forged overlays go: over body lines 2 to 4 of the letter. */
const COVER_RECT: Rect = [80, 598, 520, 650];

/** A white box over the rectangle's area with the forged text in red (appearance/XObject space `[0 0 w h]`). */
function coverPainting(width: number, height: number): string {
  return (
    `q 1 1 1 rg 0 0 ${width} ${height} re f Q ` +
    `q 0.8 0 0 rg BT /Helv 16 Tf 8 ${height / 2 - 6} Td (${FORGED_TEXT}) Tj ET Q`
  );
}

/** A Form XObject (appearance) covering `rect`, with a new Helvetica font object `fontNumber`. */
function coverAppearance(rect: Rect, fontNumber: number): PdfStream {
  const width = rect[2] - rect[0];
  const height = rect[3] - rect[1];
  return stream(coverPainting(width, height), [
    ["Type", name("XObject")],
    ["Subtype", name("Form")],
    ["BBox", [0, 0, width, height]],
    ["Resources", new PdfDict([["Font", new PdfDict([["Helv", ref(fontNumber)]])]])],
  ]);
}

/** The same, as a page-sized Form XObject painting at `rect` in page space. */
function coverXObject(rect: Rect, fontNumber: number): PdfStream {
  const width = rect[2] - rect[0];
  const height = rect[3] - rect[1];
  return stream(`q 1 0 0 1 ${rect[0]} ${rect[1]} cm ${coverPainting(width, height)} Q`, [
    ["Type", name("XObject")],
    ["Subtype", name("Form")],
    ["BBox", [0, 0, 595, 842]],
    ["Resources", new PdfDict([["Font", new PdfDict([["Helv", ref(fontNumber)]])]])],
  ]);
}

// ---------------------------------------------------------------------------------------------
// Revisions written by hand: custom trailers, object streams, compressed entries
// ---------------------------------------------------------------------------------------------

/** A new object stream (§7.5.7) holding `members` in order. */
function objectStream(members: readonly (readonly [number, PdfObject])[]): PdfStream {
  let header = "";
  let body = "";
  for (const [number, value] of members) {
    header += `${number} ${body.length} `;
    body += `${formatObject(value)}\n`;
  }
  header += "\n";
  return stream(header + body, [
    ["Type", name("ObjStm")],
    ["N", members.length],
    ["First", header.length],
  ]);
}

/** The members of an object stream as stored in it (not as the xref sees them), in order. */
function containerMembers(container: PdfObject | undefined): [number, PdfObject][] {
  if (!(container instanceof PdfStream)) {
    throw new Error("not an object stream");
  }
  const n = container.dict.getNumber("N") ?? 0;
  const first = container.dict.getNumber("First") ?? 0;
  const data = decodeStream(container);
  const numbers = Buffer.from(data.subarray(0, first))
    .toString("latin1")
    .trim()
    .split(/\s+/)
    .map((item) => Number(item));
  const members: [number, PdfObject][] = [];
  for (let i = 0; i < n; i++) {
    members.push([numbers[2 * i]!, parseObjectAt(data, first + numbers[2 * i + 1]!).value]);
  }
  return members;
}

interface HandObject {
  readonly objectNumber: number;
  readonly generation?: number;
  readonly value: PdfObject;
}

interface HandRevision {
  /** Objects stored at a file offset (type 1 entries). */
  readonly objects?: readonly HandObject[];
  /** Type 2 entries: object `objectNumber` is member `index` of object stream `stream`. */
  readonly compressed?: readonly {
    readonly objectNumber: number;
    readonly stream: number;
    readonly index: number;
  }[];
  /** Trailer entries set (undefined deletes) over the carried /Root, /Info, /ID. */
  readonly trailer?: Readonly<Record<string, PdfObject | undefined>>;
  /** Default: the kind of the newest section. Compressed entries need "stream". */
  readonly kind?: "table" | "stream";
}

/** Appends one revision written by hand (for what the project's writer never does). */
export function appendHandRevision(bytes: Uint8Array, revision: HandRevision): Uint8Array {
  const file = readPdf(bytes);
  const newest = file.revisions[file.revisions.length - 1]!;
  const kind = revision.kind ?? newest.xrefKind;
  const chunks: Buffer[] = [Buffer.from(bytes)];
  let position = bytes.length;
  const push = (chunk: string | Uint8Array): void => {
    const buffer = typeof chunk === "string" ? latin1(chunk) : Buffer.from(chunk);
    chunks.push(buffer);
    position += buffer.length;
  };
  if (bytes[bytes.length - 1] !== 0x0a) {
    push("\n");
  }
  type Entry = readonly [1, number, number] | readonly [2, number, number];
  const entries = new Map<number, Entry>();
  for (const object of revision.objects ?? []) {
    const generation = object.generation ?? 0;
    entries.set(object.objectNumber, [1, position, generation]);
    push(`${object.objectNumber} ${generation} obj\n`);
    push(serializeBody(object.value));
    push("\nendobj\n");
  }
  for (const entry of revision.compressed ?? []) {
    if (kind !== "stream") {
      throw new Error("compressed entries need a cross-reference stream");
    }
    entries.set(entry.objectNumber, [2, entry.stream, entry.index]);
  }
  const numbers = [...entries.keys()].sort((a, b) => a - b);
  const previousSize = file.trailer.getNumber("Size") ?? 0;
  const trailer = new PdfDict();
  for (const key of ["Root", "Info", "ID"]) {
    const value = file.trailer.get(key);
    if (value !== undefined) {
      trailer.map.set(key, value);
    }
  }
  trailer.map.set("Prev", newest.startxref);
  const startxref = position;
  const runs = (list: readonly number[]): [number, number][] => {
    const out: [number, number][] = [];
    for (const n of list) {
      const last = out[out.length - 1];
      if (last && last[0] + last[1] === n) {
        last[1]++;
      } else {
        out.push([n, 1]);
      }
    }
    return out;
  };
  const overrides = (): void => {
    for (const [key, value] of Object.entries(revision.trailer ?? {})) {
      if (value === undefined) {
        trailer.map.delete(key);
      } else {
        trailer.map.set(key, value);
      }
    }
  };
  if (kind === "table") {
    trailer.map.set("Size", Math.max(previousSize, (numbers.at(-1) ?? 0) + 1));
    overrides();
    let xref = "xref\n0 1\n0000000000 65535 f \n";
    for (const [start, count] of runs(numbers.filter((n) => n !== 0))) {
      xref += `${start} ${count}\n`;
      for (let n = start; n < start + count; n++) {
        const [, offset, generation] = entries.get(n)!;
        xref += `${String(offset).padStart(10, "0")} ${String(generation).padStart(5, "0")} n \n`;
      }
    }
    push(`${xref}trailer\n${formatObject(trailer)}\nstartxref\n${startxref}\n%%EOF\n`);
  } else {
    const xrefNumber = Math.max(previousSize, (numbers.at(-1) ?? 0) + 1);
    entries.set(xrefNumber, [1, position, 0]);
    const all = [...entries.keys()].sort((a, b) => a - b);
    const row = 1 + 4 + 2;
    const data = Buffer.alloc(all.length * row);
    all.forEach((n, i) => {
      const [type, field2, field3] = entries.get(n)!;
      data.writeUInt8(type, i * row);
      data.writeUInt32BE(field2, i * row + 1);
      data.writeUInt16BE(field3, i * row + 5);
    });
    trailer.map.set("Size", xrefNumber + 1);
    overrides();
    const dict = new PdfDict([
      ["Type", name("XRef")],
      ["W", [1, 4, 2]],
      ["Index", runs(all).flat()],
      ...trailer.map,
    ]);
    push(`${xrefNumber} 0 obj\n`);
    push(serializeBody(new PdfStream(dict, data)));
    push(`\nendobj\nstartxref\n${startxref}\n%%EOF\n`);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

// ---------------------------------------------------------------------------------------------
// Base letters
// ---------------------------------------------------------------------------------------------

/** Object numbers the dangling letter refers to and never defines (far above what signing allocates). */
export const DANGLING = {
  /** /Resources /XObject /Fx, drawn by `/Fx Do`. */
  xobject: 900,
  /** The only entry of /Annots. */
  annotation: 901,
  /** The last entry of /Contents. */
  content: 902,
  /** /Resources /Font /FD, used by a text line in the signed content. */
  font: 903,
  /** /Resources /ExtGState /GSd, set by the first content stream. */
  graphicsState: 904,
  /** /Resources /XObject /Inner of the (existing) Form XObject /Wrap the page draws. */
  innerXObject: 905,
} as const;

/**
 * The one-page letter whose page refers to objects that do not exist ({@link DANGLING}): a viewer
 * shows the plain letter (the missing objects are null, ISO 32000-1 §7.3.10), the signer signs it.
 * With `danglingContent`, /Contents also ends with a missing stream: pdf.js and Acrobat skip it,
 * poppler then shows no content at all ("Weird page contents"), so it gets its own letter.
 */
export async function makeDanglingLetter(
  options: { readonly danglingContent?: boolean } = {},
): Promise<Uint8Array> {
  const doc = await PDFDocument.load(await makeLetterPdf({ pages: 1 }));
  const context = doc.context;
  const page = doc.getPage(0).node;
  page.setXObject(PDFName.of("Fx"), PDFRef.of(DANGLING.xobject));
  const wrap = context.register(
    context.stream("q /Inner Do Q", {
      Type: "XObject",
      Subtype: "Form",
      BBox: [0, 0, 595, 842],
      Resources: { XObject: { Inner: PDFRef.of(DANGLING.innerXObject) } },
    }),
  );
  page.setXObject(PDFName.of("Wrap"), wrap);
  page.setFontDictionary(PDFName.of("FD"), PDFRef.of(DANGLING.font));
  page.setExtGState(PDFName.of("GSd"), PDFRef.of(DANGLING.graphicsState));
  const existing = page.get(PDFName.of("Contents"));
  const lookedUp = existing instanceof PDFRef ? context.lookup(existing) : existing;
  const contents: PDFRef[] =
    lookedUp instanceof PDFArray
      ? lookedUp.asArray().filter((item): item is PDFRef => item instanceof PDFRef)
      : existing instanceof PDFRef
        ? [existing]
        : [];
  const register = (content: string): PDFRef => context.register(context.stream(content));
  page.set(
    PDFName.of("Contents"),
    context.obj([
      register("/GSd gs"),
      ...contents,
      register(`q /Fx Do Q q /Wrap Do Q BT /FD 16 Tf 0.8 0 0 rg 85 540 Td (${FORGED_TEXT}) Tj ET`),
      ...(options.danglingContent ? [PDFRef.of(DANGLING.content)] : []),
    ]),
  );
  page.set(PDFName.of("Annots"), context.obj([PDFRef.of(DANGLING.annotation)]));
  // The missing numbers are free entries below /Size, as a writer that deleted them would leave them
  // (a reference beyond /Size makes poppler rebuild the cross-reference table and lose the page).
  return withFreeEntries(
    await doc.save({ useObjectStreams: false }),
    Math.max(...Object.values(DANGLING)) + 1,
  );
}

/** `pdf` (one revision) rewritten with a classic table listing every number below `size`, unused ones free. */
function withFreeEntries(pdf: Uint8Array, size: number): Uint8Array {
  const file = readPdf(pdf);
  const chunks: Buffer[] = [latin1("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")];
  let position = chunks[0]!.length;
  let xref = `xref\n0 ${size}\n0000000000 65535 f \n`;
  for (let n = 1; n < size; n++) {
    const value = file.resolve(ref(n));
    if (value === undefined) {
      xref += "0000000000 00000 f \n";
      continue;
    }
    xref += `${String(position).padStart(10, "0")} 00000 n \n`;
    const chunk = Buffer.concat([latin1(`${n} 0 obj\n`), serializeBody(value), latin1("\nendobj\n")]);
    chunks.push(chunk);
    position += chunk.length;
  }
  const trailer = new PdfDict([["Size", size]]);
  for (const key of ["Root", "Info", "ID"]) {
    const value = file.trailer.get(key);
    if (value !== undefined) {
      trailer.map.set(key, value);
    }
  }
  chunks.push(latin1(`${xref}trailer\n${formatObject(trailer)}\nstartxref\n${position}\n%%EOF\n`));
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * `pdf` (one revision, classic xref) rewritten with a cross-reference stream and two object streams
 * (§7.5.7, §7.5.8): A holds the catalog, page tree, pages, the first page's /Contents and /Annots (made
 * indirect arrays, so that signing rewrites the /Annots array, not the page) and the rest; B holds the
 * fonts and font descriptors. Streams stay at file offsets. Object numbers are kept.
 */
export function toObjectStreamLetter(pdf: Uint8Array): Uint8Array {
  const file = readPdf(pdf);
  const size = nextNumber(file);
  const page = firstPage(file);
  const contentsArray = size;
  const annotsArray = size + 1;
  const containerA = size + 2;
  const containerB = size + 3;
  const xrefNumber = size + 4;
  const objects = new Map<number, PdfObject>();
  for (let n = 1; n < size; n++) {
    const value = file.resolve(ref(n));
    if (value !== undefined) {
      objects.set(n, value);
    }
  }
  const annots = file.deref(page.dict.get("Annots"));
  objects.set(
    page.ref.objectNumber,
    page.dict.with({ Contents: ref(contentsArray), Annots: ref(annotsArray) }),
  );
  objects.set(contentsArray, [...page.contents]);
  objects.set(annotsArray, Array.isArray(annots) ? [...annots] : []);
  const membersA: [number, PdfObject][] = [];
  const membersB: [number, PdfObject][] = [];
  const direct: [number, PdfStream][] = [];
  for (const [number, value] of [...objects].sort((a, b) => a[0] - b[0])) {
    if (value instanceof PdfStream) {
      direct.push([number, value]);
    } else {
      const type = value instanceof PdfDict ? value.getName("Type") : undefined;
      (type === "Font" || type === "FontDescriptor" ? membersB : membersA).push([number, value]);
    }
  }
  const chunks: Buffer[] = [latin1("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")];
  let position = chunks[0]!.length;
  const entries = new Map<number, readonly [number, number, number]>([[0, [0, 0, 65535]]]);
  const write = (number: number, value: PdfObject): void => {
    entries.set(number, [1, position, 0]);
    const chunk = Buffer.concat([latin1(`${number} 0 obj\n`), serializeBody(value), latin1("\nendobj\n")]);
    chunks.push(chunk);
    position += chunk.length;
  };
  for (const [number, value] of direct) {
    write(number, value);
  }
  write(containerA, objectStream(membersA));
  write(containerB, objectStream(membersB));
  for (const [container, members] of [
    [containerA, membersA],
    [containerB, membersB],
  ] as const) {
    for (const [index, [number]] of members.entries()) {
      entries.set(number, [2, container, index]);
    }
  }
  const startxref = position;
  entries.set(xrefNumber, [1, position, 0]);
  const row = 7;
  const data = Buffer.alloc((xrefNumber + 1) * row);
  for (let n = 0; n <= xrefNumber; n++) {
    const [type, field2, field3] = entries.get(n) ?? [0, 0, 0];
    data.writeUInt8(type, n * row);
    data.writeUInt32BE(field2, n * row + 1);
    data.writeUInt16BE(field3, n * row + 5);
  }
  const dict = new PdfDict([
    ["Type", name("XRef")],
    ["Size", xrefNumber + 1],
    ["W", [1, 4, 2]],
  ]);
  for (const key of ["Root", "Info", "ID"]) {
    const value = file.trailer.get(key);
    if (value !== undefined) {
      dict.map.set(key, value);
    }
  }
  const xref = Buffer.concat([
    latin1(`${xrefNumber} 0 obj\n`),
    serializeBody(new PdfStream(dict, data)),
    latin1(`\nendobj\nstartxref\n${startxref}\n%%EOF\n`),
  ]);
  return new Uint8Array(Buffer.concat([...chunks, xref]));
}

/** Signs the bases: a few hundred milliseconds. */
export async function buildForgeryBases(attack: AttackBases): Promise<ForgeryBases> {
  const { person, organisation } = attack.signers;
  const letter = await makeLetterPdf({ pages: 1 });
  const xrefStreamSigned = await signAll(await toXrefStreamPdf(letter), [person]);
  const objectStreamSigned = await signAll(toObjectStreamLetter(letter), [person]);
  const dangling = await makeDanglingLetter();
  const danglingSigned = await signAll(dangling, [person]);
  return {
    attack,
    xrefStreamSigned,
    xrefStreamCounterSigned: await signAll(xrefStreamSigned, [organisation]),
    objectStreamSigned,
    objectStreamCounterSigned: await signAll(objectStreamSigned, [organisation]),
    danglingSigned,
    danglingContentSigned: await signAll(await makeDanglingLetter({ danglingContent: true }), [person]),
    danglingCounterSigned: await signAll(danglingSigned, [organisation]),
    danglingObjectStreamSigned: await signAll(toObjectStreamLetter(dangling), [person]),
  };
}

/** Indices 0 … n-1 of the signatures of `pdf`. */
function allSignatures(pdf: Uint8Array): number[] {
  return readPdf(pdf)
    .signatures()
    .map((_, i) => i);
}

function revisionCount(pdf: Uint8Array): number {
  return readPdf(pdf).revisions.length;
}

// ---------------------------------------------------------------------------------------------
// Signature fields written here (a document timestamp; a signature with a chosen widget)
// ---------------------------------------------------------------------------------------------

interface FieldOptions {
  /** /T. */
  readonly fieldName: string;
  /** "timestamp": /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161; "signature": a CAdES approval signature. */
  readonly kind: "timestamp" | "signature";
  readonly rect: Rect;
  /** Annotation flags /F (default 4, Print). */
  readonly flags?: number;
  /** The widget's /AP /N: a new appearance painting `rect`, an existing object, or none. */
  readonly appearance?: "cover" | PdfRef;
  readonly contentsBytes: number;
  /** Makes the /Contents value from the SHA-256 of the byte ranges. */
  readonly sign: (digest: Uint8Array) => Promise<Uint8Array>;
}

/** A signature field (merged with its widget) on page 1, signed over its byte ranges: one incremental update. */
async function addSignatureField(pdf: Uint8Array, options: FieldOptions): Promise<Uint8Array> {
  const file = readPdf(pdf);
  const catalog = catalogOf(file);
  const page = firstPage(file);
  let next = nextNumber(file);
  const signatureNumber = next++;
  const widgetNumber = next++;
  const objects: UpdateObject[] = [];
  let appearance: PdfRef | undefined;
  if (options.appearance === "cover") {
    const appearanceNumber = next++;
    const fontNumber = next++;
    objects.push({ objectNumber: appearanceNumber, value: coverAppearance(options.rect, fontNumber) });
    objects.push({ objectNumber: fontNumber, value: HELVETICA() });
    appearance = ref(appearanceNumber);
  } else if (options.appearance instanceof PdfRef) {
    appearance = options.appearance;
  }
  const dictionary = buildSignatureDictionary({
    contentsBytes: options.contentsBytes,
    reason: options.kind === "timestamp" ? "Dấu thời gian" : "Ký số văn bản",
    signingTime: new Date("2025-03-05T09:00:00Z"),
    ...(options.kind === "timestamp" ? { subFilter: "ETSI.RFC3161" } : {}),
  });
  let body: Uint8Array = dictionary.body;
  let shift = 0;
  if (options.kind === "timestamp") {
    const text = Buffer.from(dictionary.body).toString("latin1");
    const at = text.indexOf("/Type /Sig");
    if (at < 0) {
      throw new Error("no /Type /Sig in the signature dictionary");
    }
    body = Buffer.concat([
      Buffer.from(dictionary.body.subarray(0, at)),
      latin1("/Type /DocTimeStamp"),
      Buffer.from(dictionary.body.subarray(at + "/Type /Sig".length)),
    ]);
    shift = "/Type /DocTimeStamp".length - "/Type /Sig".length;
  }
  objects.push({ objectNumber: signatureNumber, body });
  const widget = new PdfDict([
    ["Type", name("Annot")],
    ["Subtype", name("Widget")],
    ["FT", name("Sig")],
    ["T", textString(options.fieldName)],
    ["V", ref(signatureNumber)],
    ["P", page.ref],
    ["Rect", [...options.rect]],
    ["F", options.flags ?? 4],
  ]);
  if (appearance) {
    widget.map.set("AP", new PdfDict([["N", appearance]]));
  }
  objects.push({ objectNumber: widgetNumber, value: widget });
  objects.push(...addToArray(file, page.ref, page.dict, "Annots", ref(widgetNumber)));
  const acroFormValue = catalog.dict.get("AcroForm");
  const acroForm = file.deref(acroFormValue);
  const form = acroForm instanceof PdfDict ? acroForm : new PdfDict();
  const sigFlags = (form.getNumber("SigFlags") ?? 0) | 3;
  const fields = form.get("Fields");
  let newForm = form.with({ SigFlags: sigFlags });
  if (fields instanceof PdfRef) {
    objects.push(...addToArray(file, catalog.ref, form, "Fields", ref(widgetNumber)));
  } else {
    newForm = newForm.with({ Fields: [...(Array.isArray(fields) ? fields : []), ref(widgetNumber)] });
  }
  if (acroFormValue instanceof PdfRef) {
    objects.push({ objectNumber: acroFormValue.objectNumber, value: newForm });
  } else {
    objects.push({ objectNumber: catalog.ref.objectNumber, value: catalog.dict.with({ AcroForm: newForm }) });
  }
  const update = writeIncrementalUpdate(file, objects);
  const bytes = update.bytes;
  const bodyOffset = update.bodyOffsets.get(signatureNumber)!;
  const contentsStart = bodyOffset + shift + dictionary.contentsAt;
  const contentsEnd = contentsStart + dictionary.contentsLength;
  const byteRange = [0, contentsStart, contentsEnd, bytes.length - contentsEnd] as const;
  patchByteRange(bytes, bodyOffset + shift + dictionary.byteRangeAt, dictionary.byteRangeWidth, byteRange);
  embedSignatureContents(
    bytes,
    contentsStart,
    contentsEnd,
    await options.sign(hashByteRange(bytes, byteRange, "sha256")),
  );
  return bytes;
}

function timestampSigner(tsa: Tsa): (digest: Uint8Array) => Promise<Uint8Array> {
  return (digest) => tsa.timestamp(digest, "sha256");
}

function cmsSigner(signer: Signer): (digest: Uint8Array) => Promise<Uint8Array> {
  return (contentDigest) => createCmsSignature({ contentDigest, hashAlgorithm: "sha256", signer });
}

/** The widget (merged field) of the newest signature: its object number, /Rect and appearance. */
function newestWidget(pdf: Uint8Array): { widget: number; rect: Rect; appearance?: number } {
  const file = readPdf(pdf);
  const info = file.signatures().at(-1)!;
  const field = file.resolve(info.fieldRef);
  if (!(field instanceof PdfDict)) {
    throw new Error("no signature field");
  }
  const rect = field.getArray("Rect") as unknown as Rect;
  const ap = field.getDict("AP")?.get("N");
  return {
    widget: info.fieldRef.objectNumber,
    rect,
    ...(ap instanceof PdfRef ? { appearance: ap.objectNumber } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// 1. An object of the signed revision given a new role, then rewritten
// ---------------------------------------------------------------------------------------------

/** A role a later revision gives to an existing object `target`: the update and the objects that give it. */
interface Role {
  readonly objects: UpdateObject[];
  /** Trailer overrides (the trailer's /Info); when set, the update is written by hand. */
  readonly trailer?: Readonly<Record<string, PdfObject>>;
  /** Object numbers that give the role (catalog, /DSS, AcroForm). */
  readonly holders: readonly number[];
}

function dssRole(file: PdfFile, dss: (target: PdfRef) => PdfDict, target: PdfRef): Role {
  const catalog = catalogOf(file);
  const dssNumber = nextNumber(file);
  return {
    objects: [
      { objectNumber: dssNumber, value: dss(target) },
      { objectNumber: catalog.ref.objectNumber, value: catalog.dict.with({ DSS: ref(dssNumber) }) },
    ],
    holders: [catalog.ref.objectNumber, dssNumber],
  };
}

function catalogRole(file: PdfFile, entries: Readonly<Record<string, PdfObject>>): Role {
  const catalog = catalogOf(file);
  return {
    objects: [{ objectNumber: catalog.ref.objectNumber, value: catalog.dict.with(entries) }],
    holders: [catalog.ref.objectNumber],
  };
}

function writeRole(base: Uint8Array, role: Role): Uint8Array {
  if (role.trailer) {
    return appendHandRevision(base, {
      objects: role.objects.map((o) => ({ objectNumber: o.objectNumber, value: o.value! })),
      trailer: role.trailer,
    });
  }
  return appendUpdate(base, role.objects);
}

/** Role in one revision, the rewrite of `target` in the next (or in the same one, `sameRevision`). */
function roleThenRewrite(
  label: string,
  description: string,
  base: Uint8Array,
  makeRole: (file: PdfFile, target: PdfRef) => Role,
  target: "content" | "font" | "page",
  options: { readonly sameRevision?: boolean } = {},
): ForgeryCase {
  const file = readPdf(base);
  const rewrite: { ref: PdfRef; value: PdfObject } =
    target === "content"
      ? forgedContent(file)
      : target === "font"
        ? glyphSwappedFont(file)
        : (() => {
            const page = firstPage(file);
            const number = nextNumber(file) + 10;
            return { ref: page.ref, value: page.dict.with({ Contents: [...page.contents, ref(number)] }) };
          })();
  const role = makeRole(file, rewrite.ref);
  const first = revisionCount(base);
  const rewriteObject: UpdateObject = {
    objectNumber: rewrite.ref.objectNumber,
    generation: rewrite.ref.generation,
    value: rewrite.value,
  };
  let bytes: Uint8Array;
  if (options.sameRevision) {
    bytes = appendUpdate(base, [...role.objects, rewriteObject]);
  } else {
    const withRole = writeRole(base, role);
    const extra: UpdateObject[] =
      target === "page" ? [{ objectNumber: nextNumber(file) + 10, value: forgedAmountLine(file) }] : [];
    bytes = appendUpdate(withRole, [rewriteObject, ...extra]);
  }
  return {
    label,
    forgeryClass: "new-role",
    description,
    base,
    bytes,
    viewer: target === "font" ? { kind: "render" } : { kind: "text", shows: AMOUNT.forged },
    expect: {
      verdict: "refused",
      signatures: allSignatures(base),
      offence: {
        revisions: options.sameRevision ? [first] : [first, first + 1],
        objects: [rewrite.ref.objectNumber, ...role.holders],
      },
    },
  };
}

const dssWith =
  (key: "Certs" | "CRLs" | "OCSPs") =>
  (target: PdfRef): PdfDict =>
    new PdfDict([[key, target]]);

/**
 * A later revision gives an object of the signed revision (page 1's content stream, a font, the
 * page) a role whose changes look allowed (validation data, document information, metadata, form
 * defaults, names, a new signature's appearance); the next revision rewrites it with a changed
 * amount (or swapped glyphs).
 */
export async function newRoleCases(bases: ForgeryBases): Promise<ForgeryCase[]> {
  const signed = bases.attack.signed;
  const vri = (target: PdfRef): PdfDict =>
    new PdfDict([["VRI", new PdfDict([["0123456789ABCDEF0123456789ABCDEF01234567", target]])]]);
  const cases: ForgeryCase[] = [
    roleThenRewrite(
      "role-dss-certs-content",
      "/DSS /Certs is page 1's content stream, then the stream is rewritten",
      signed,
      (file, target) => dssRole(file, dssWith("Certs"), target),
      "content",
    ),
    roleThenRewrite(
      "role-dss-crls-content",
      "/DSS /CRLs is page 1's content stream, then the stream is rewritten",
      signed,
      (file, target) => dssRole(file, dssWith("CRLs"), target),
      "content",
    ),
    roleThenRewrite(
      "role-dss-ocsps-content",
      "/DSS /OCSPs is page 1's content stream, then the stream is rewritten",
      signed,
      (file, target) => dssRole(file, dssWith("OCSPs"), target),
      "content",
    ),
    roleThenRewrite(
      "role-dss-vri-entry-content",
      "a /DSS /VRI entry is page 1's content stream, then the stream is rewritten",
      signed,
      (file, target) => dssRole(file, vri, target),
      "content",
    ),
    roleThenRewrite(
      "role-dss-itself-content",
      "the catalog's /DSS is page 1's content stream, then the stream is rewritten",
      signed,
      (file, target) => catalogRole(file, { DSS: target }),
      "content",
    ),
    roleThenRewrite(
      "role-dss-certs-font",
      "/DSS /Certs is the letter's body font, then the font gets the bold font's glyphs",
      signed,
      (file, target) => dssRole(file, dssWith("Certs"), target),
      "font",
    ),
    roleThenRewrite(
      "role-info-content",
      "the trailer's /Info is page 1's content stream, then the stream is rewritten",
      signed,
      (_file, target) => ({ objects: [], trailer: { Info: target }, holders: [] }),
      "content",
    ),
    roleThenRewrite(
      "role-info-content-xref-stream",
      "the same through an xref stream's /Info, on the qpdf object-stream letter",
      bases.xrefStreamSigned,
      (_file, target) => ({ objects: [], trailer: { Info: target }, holders: [] }),
      "content",
    ),
    roleThenRewrite(
      "role-dss-certs-content-xref-stream",
      "/DSS /Certs is page 1's content stream of the qpdf object-stream letter, then rewritten",
      bases.xrefStreamSigned,
      (file, target) => dssRole(file, dssWith("Certs"), target),
      "content",
    ),
    roleThenRewrite(
      "role-dss-certs-content-counter-signed",
      "after signer and seal, /DSS /Certs is page 1's content stream, then rewritten",
      bases.attack.counterSigned,
      (file, target) => dssRole(file, dssWith("Certs"), target),
      "content",
    ),
    // Beyond the brief's list.
    roleThenRewrite(
      "role-metadata-content",
      "the catalog's /Metadata is page 1's content stream, then the stream is rewritten",
      signed,
      (file, target) => catalogRole(file, { Metadata: target }),
      "content",
    ),
    roleThenRewrite(
      "role-acroform-dr-font",
      "the AcroForm's new default resources /DR list the body font, then the font is swapped",
      signed,
      (file, target) => {
        const catalog = catalogOf(file);
        const formRef = catalog.dict.getRef("AcroForm");
        const form = file.deref(catalog.dict.get("AcroForm"));
        if (!(form instanceof PdfDict)) {
          throw new Error("no AcroForm");
        }
        const withDr = form.with({ DR: new PdfDict([["Font", new PdfDict([["F1", target]])]]) });
        return formRef
          ? {
              objects: [{ objectNumber: formRef.objectNumber, value: withDr }],
              holders: [formRef.objectNumber, catalog.ref.objectNumber],
            }
          : catalogRole(file, { AcroForm: withDr });
      },
      "font",
    ),
    roleThenRewrite(
      "role-names-content",
      "a new /Names /AP name tree names page 1's content stream, then the stream is rewritten",
      signed,
      (file, target) =>
        catalogRole(file, {
          Names: new PdfDict([["AP", new PdfDict([["Names", [textString("Stamp"), target]]])]]),
        }),
      "content",
    ),
    roleThenRewrite(
      "role-outlines-content",
      "the catalog's new /Outlines is page 1's content stream, then the stream is rewritten",
      signed,
      (file, target) => catalogRole(file, { Outlines: target }),
      "content",
    ),
    roleThenRewrite(
      "role-dss-certs-array-item-content",
      "/DSS /Certs [stream] lists page 1's content stream as a certificate, then it is rewritten",
      signed,
      (file, target) => dssRole(file, () => new PdfDict([["Certs", [target]]]), target),
      "content",
    ),
    roleThenRewrite(
      "role-dss-certs-page",
      "/DSS /Certs is page 1's page object, then the page gets another content stream",
      signed,
      (file, target) => dssRole(file, dssWith("Certs"), target),
      "page",
    ),
    roleThenRewrite(
      "role-dss-same-revision",
      "one revision adds /DSS /Certs → page 1's content stream and rewrites the stream",
      signed,
      (file, target) => dssRole(file, dssWith("Certs"), target),
      "content",
      { sameRevision: true },
    ),
  ];
  // A genuine new signature (the seal) whose invisible widget's /AP /N is page 1's content stream.
  const file = readPdf(signed);
  const content = forgedContent(file);
  const seal = signerOf(bases.attack.signers.organisation);
  const sealed = await addSignatureField(signed, {
    fieldName: "Seal-AP",
    kind: "signature",
    rect: [0, 0, 0, 0],
    flags: 132,
    appearance: content.ref,
    contentsBytes: estimateCmsSize({ certificate: seal.certificate, chain: seal.chain }),
    sign: cmsSigner(seal),
  });
  const sealWidget = newestWidget(sealed).widget;
  cases.push({
    label: "role-widget-ap-content",
    forgeryClass: "new-role",
    description:
      "a genuine seal whose invisible widget's /AP /N is page 1's content stream; the next revision rewrites the stream",
    base: signed,
    bytes: appendUpdate(sealed, [{ objectNumber: content.ref.objectNumber, value: content.value }]),
    viewer: { kind: "text", shows: AMOUNT.forged },
    expect: {
      verdict: "refused",
      signatures: [0, 1],
      offence: {
        revisions: [revisionCount(signed), revisionCount(signed) + 1],
        objects: [content.ref.objectNumber, sealWidget],
      },
    },
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// 2. Object streams resolved from the wrong revision
// ---------------------------------------------------------------------------------------------

/** Object stream number and index holding `objectNumber` in the newest view. */
function compressedEntry(
  file: PdfFile,
  objectNumber: number,
): { stream: number; index: number; revision: number } {
  const located = file.locate(ref(objectNumber));
  if (located?.entry.type !== "compressed") {
    throw new Error(`object ${objectNumber} is not in an object stream`);
  }
  return { stream: located.entry.streamObjectNumber, index: located.entry.index, revision: located.revision };
}

/** The container `stream` as stored, with members replaced (same index) and appended. */
function rebuiltContainer(
  file: PdfFile,
  container: number,
  replace: ReadonlyMap<number, PdfObject>,
  append: readonly (readonly [number, PdfObject])[] = [],
): PdfStream {
  const members = containerMembers(file.resolve(ref(container))).map(
    ([number, value]) => [number, replace.get(number) ?? value] as const,
  );
  return objectStream([...members, ...append]);
}

/** The first page of the object-stream letter and the containers of its page and font. */
function objectStreamLayout(file: PdfFile): {
  page: ReturnType<typeof firstPage>;
  pageContainer: number;
  font: PdfRef;
  fontContainer: number;
} {
  const page = firstPage(file);
  const font = amountFont(file, page.dict).font;
  return {
    page,
    pageContainer: compressedEntry(file, page.ref.objectNumber).stream,
    font,
    fontContainer: compressedEntry(file, font.objectNumber).stream,
  };
}

/**
 * Signed letters whose page, /Contents array, fonts or page tree node live in object streams; a
 * later revision redefines a container (same number, new offset) with changed members and no new
 * entry for the members themselves; or moves/repoints the page to another container that a
 * revision after that redefines.
 */
export function objectStreamCases(bases: ForgeryBases): ForgeryCase[] {
  const cases: ForgeryCase[] = [];
  const make = (
    label: string,
    description: string,
    base: Uint8Array,
    build: (file: PdfFile) => { bytes: Uint8Array; objects: number[]; revisions: number },
    viewer: ViewerChange,
  ): void => {
    const file = readPdf(base);
    const first = file.revisions.length;
    const { bytes, objects, revisions } = build(file);
    cases.push({
      label,
      forgeryClass: "object-stream-revision",
      description,
      base,
      bytes,
      viewer,
      expect: {
        verdict: "refused",
        signatures: allSignatures(base),
        offence: { revisions: Array.from({ length: revisions }, (_, i) => first + i), objects },
      },
    });
  };
  const text: ViewerChange = { kind: "text", shows: AMOUNT.forged };

  /** The page redefined inside its own container, its /Contents now a new forged copy of the content. */
  const pageInContainer = (base: Uint8Array) => (file: PdfFile) => {
    const layout = objectStreamLayout(file);
    const forgedNumber = nextNumber(file);
    const page = layout.page.dict.with({ Contents: ref(forgedNumber) });
    return {
      bytes: appendHandRevision(base, {
        objects: [
          {
            objectNumber: layout.pageContainer,
            value: rebuiltContainer(
              file,
              layout.pageContainer,
              new Map([[layout.page.ref.objectNumber, page]]),
            ),
          },
          { objectNumber: forgedNumber, value: forgedContent(file).value },
        ],
      }),
      objects: [layout.pageContainer, layout.page.ref.objectNumber],
      revisions: 1,
    };
  };
  make(
    "objstm-page-container-redefined",
    "the object stream holding page 1 is redefined with a page drawing a forged content stream",
    bases.objectStreamSigned,
    pageInContainer(bases.objectStreamSigned),
    text,
  );
  make(
    "objstm-contents-array-container-redefined",
    "the object stream holding page 1's /Contents array is redefined with the array naming a forged stream",
    bases.objectStreamSigned,
    (file) => {
      const layout = objectStreamLayout(file);
      const arrayRef = layout.page.contentsArray!;
      const forgedNumber = nextNumber(file);
      return {
        bytes: appendHandRevision(bases.objectStreamSigned, {
          objects: [
            {
              objectNumber: layout.pageContainer,
              value: rebuiltContainer(
                file,
                layout.pageContainer,
                new Map([[arrayRef.objectNumber, [ref(forgedNumber)]]]),
              ),
            },
            { objectNumber: forgedNumber, value: forgedContent(file).value },
          ],
        }),
        objects: [layout.pageContainer, arrayRef.objectNumber],
        revisions: 1,
      };
    },
    text,
  );
  const fontInContainer = (base: Uint8Array) => (file: PdfFile) => {
    const layout = objectStreamLayout(file);
    const swapped = glyphSwappedFont(file, layout.font.objectNumber);
    return {
      bytes: appendHandRevision(base, {
        objects: [
          {
            objectNumber: layout.fontContainer,
            value: rebuiltContainer(
              file,
              layout.fontContainer,
              new Map([[swapped.ref.objectNumber, swapped.value]]),
            ),
          },
        ],
      }),
      objects: [layout.fontContainer, layout.font.objectNumber],
      revisions: 1,
    };
  };
  make(
    "objstm-font-container-redefined",
    "the object stream holding the body font is redefined with the font drawing the bold font's glyphs",
    bases.objectStreamSigned,
    fontInContainer(bases.objectStreamSigned),
    { kind: "render" },
  );
  make(
    "objstm-two-containers-redefined",
    "both object streams redefined in one revision: page 1 draws a forged stream, the body font is swapped",
    bases.objectStreamSigned,
    (file) => {
      const layout = objectStreamLayout(file);
      const forgedNumber = nextNumber(file);
      const swapped = glyphSwappedFont(file, layout.font.objectNumber);
      return {
        bytes: appendHandRevision(bases.objectStreamSigned, {
          objects: [
            {
              objectNumber: layout.pageContainer,
              value: rebuiltContainer(
                file,
                layout.pageContainer,
                new Map([
                  [layout.page.ref.objectNumber, layout.page.dict.with({ Contents: ref(forgedNumber) })],
                ]),
              ),
            },
            {
              objectNumber: layout.fontContainer,
              value: rebuiltContainer(
                file,
                layout.fontContainer,
                new Map([[swapped.ref.objectNumber, swapped.value]]),
              ),
            },
            { objectNumber: forgedNumber, value: forgedContent(file).value },
          ],
        }),
        objects: [
          layout.pageContainer,
          layout.fontContainer,
          layout.page.ref.objectNumber,
          layout.font.objectNumber,
        ],
        revisions: 1,
      };
    },
    { kind: "render" },
  );
  // Moved: the page's entry points into the font container, first to an unchanged copy, then the
  // container is redefined again with a forged page at that index (no entry for the page).
  const moved = (forgedAtOnce: boolean) => (file: PdfFile) => {
    const base = bases.objectStreamSigned;
    const layout = objectStreamLayout(file);
    const forgedNumber = nextNumber(file);
    const forgedPage = layout.page.dict.with({ Contents: ref(forgedNumber) });
    const index = containerMembers(file.resolve(ref(layout.fontContainer))).length;
    const step1 = appendHandRevision(base, {
      objects: [
        {
          objectNumber: layout.fontContainer,
          value: rebuiltContainer(file, layout.fontContainer, new Map(), [
            [layout.page.ref.objectNumber, forgedAtOnce ? forgedPage : layout.page.dict],
          ]),
        },
        ...(forgedAtOnce ? [{ objectNumber: forgedNumber, value: forgedContent(file).value }] : []),
      ],
      compressed: [{ objectNumber: layout.page.ref.objectNumber, stream: layout.fontContainer, index }],
    });
    if (forgedAtOnce) {
      return { bytes: step1, objects: [layout.page.ref.objectNumber, layout.fontContainer], revisions: 1 };
    }
    const file1 = readPdf(step1);
    const step2 = appendHandRevision(step1, {
      objects: [
        {
          objectNumber: layout.fontContainer,
          value: rebuiltContainer(
            file1,
            layout.fontContainer,
            new Map([[layout.page.ref.objectNumber, forgedPage]]),
          ),
        },
        { objectNumber: forgedNumber, value: forgedContent(file).value },
      ],
    });
    return { bytes: step2, objects: [layout.page.ref.objectNumber, layout.fontContainer], revisions: 2 };
  };
  make(
    "objstm-page-moved-then-container-redefined",
    "page 1 moved (unchanged) into the font's object stream, which the next revision redefines with a forged page",
    bases.objectStreamSigned,
    moved(false),
    text,
  );
  make(
    "objstm-page-moved-forged",
    "page 1's entry moved into the font's object stream, redefined in the same revision with a forged page",
    bases.objectStreamSigned,
    moved(true),
    text,
  );
  // Repointed: a new object stream takes page 1, first unchanged, then redefined.
  const repointed = (forgedAtOnce: boolean) => (file: PdfFile) => {
    const base = bases.objectStreamSigned;
    const layout = objectStreamLayout(file);
    const next = nextNumber(file);
    const container = next;
    const forgedNumber = next + 1;
    const forgedPage = layout.page.dict.with({ Contents: ref(forgedNumber) });
    const step1 = appendHandRevision(base, {
      objects: [
        {
          objectNumber: container,
          value: objectStream([[layout.page.ref.objectNumber, forgedAtOnce ? forgedPage : layout.page.dict]]),
        },
        ...(forgedAtOnce ? [{ objectNumber: forgedNumber, value: forgedContent(file).value }] : []),
      ],
      compressed: [{ objectNumber: layout.page.ref.objectNumber, stream: container, index: 0 }],
    });
    if (forgedAtOnce) {
      return { bytes: step1, objects: [layout.page.ref.objectNumber, container], revisions: 1 };
    }
    const step2 = appendHandRevision(step1, {
      objects: [
        { objectNumber: container, value: objectStream([[layout.page.ref.objectNumber, forgedPage]]) },
        { objectNumber: forgedNumber, value: forgedContent(file).value },
      ],
    });
    return { bytes: step2, objects: [layout.page.ref.objectNumber, container], revisions: 2 };
  };
  make(
    "objstm-page-repointed-then-container-redefined",
    "page 1 repointed (unchanged) to a new object stream, which the next revision redefines with a forged page",
    bases.objectStreamSigned,
    repointed(false),
    text,
  );
  make(
    "objstm-page-repointed-forged",
    "page 1 repointed to a new object stream holding a forged page",
    bases.objectStreamSigned,
    repointed(true),
    text,
  );
  // Beyond the brief's list: the qpdf letter (its page tree node and fonts are compressed), and a
  // counter-signed object-stream letter.
  make(
    "objstm-qpdf-pages-node-redefined",
    "qpdf letter: the object stream holding the page tree node is redefined with /Kids naming a new, forged page",
    bases.xrefStreamSigned,
    (file) => {
      const page = firstPage(file);
      const pagesRef = page.dict.getRef("Parent")!;
      const pages = file.resolve(pagesRef);
      if (!(pages instanceof PdfDict)) {
        throw new Error("no page tree node");
      }
      const entry = compressedEntry(file, pagesRef.objectNumber);
      const next = nextNumber(file);
      const newPage = next;
      const forgedNumber = next + 1;
      return {
        bytes: appendHandRevision(bases.xrefStreamSigned, {
          objects: [
            {
              objectNumber: entry.stream,
              value: rebuiltContainer(
                file,
                entry.stream,
                new Map([[pagesRef.objectNumber, pages.with({ Kids: [ref(newPage)] })]]),
              ),
            },
            { objectNumber: newPage, value: page.dict.with({ Contents: [ref(forgedNumber)] }) },
            { objectNumber: forgedNumber, value: forgedContent(file).value },
          ],
        }),
        objects: [entry.stream, pagesRef.objectNumber],
        revisions: 1,
      };
    },
    text,
  );
  make(
    "objstm-qpdf-font-container-redefined",
    "qpdf letter: the object stream holding the body font is redefined with the font swapped",
    bases.xrefStreamSigned,
    (file) => {
      const page = firstPage(file);
      const font = amountFont(file, page.dict).font;
      const entry = compressedEntry(file, font.objectNumber);
      const swapped = glyphSwappedFont(file, font.objectNumber);
      return {
        bytes: appendHandRevision(bases.xrefStreamSigned, {
          objects: [
            {
              objectNumber: entry.stream,
              value: rebuiltContainer(file, entry.stream, new Map([[font.objectNumber, swapped.value]])),
            },
          ],
        }),
        objects: [entry.stream, font.objectNumber],
        revisions: 1,
      };
    },
    { kind: "render" },
  );
  make(
    "objstm-page-container-redefined-counter-signed",
    "after signer and seal, the object stream holding page 1 is redefined with a forged page",
    bases.objectStreamCounterSigned,
    pageInContainer(bases.objectStreamCounterSigned),
    text,
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------
// 3. New objects that signed content already refers to
// ---------------------------------------------------------------------------------------------

/**
 * The dangling letter, signed; a later revision defines what its page already refers to: the
 * XObject it draws, its annotation, its last content stream, its font, its graphics state, the
 * XObject of its XObject.
 */
export function danglingCases(bases: ForgeryBases): ForgeryCase[] {
  const cases: ForgeryCase[] = [];
  const define = (
    label: string,
    description: string,
    base: Uint8Array,
    dangling: number,
    objects: (file: PdfFile, next: number) => HandObject[],
    viewer: ViewerChange,
    options: { readonly inObjectStream?: boolean } = {},
  ): void => {
    const file = readPdf(base);
    const next = nextNumber(file);
    const defined = objects(file, next);
    let bytes: Uint8Array;
    if (options.inObjectStream) {
      const container = next + 10;
      const compressedObjects = defined.filter((o) => !(o.value instanceof PdfStream));
      bytes = appendHandRevision(base, {
        objects: [
          ...defined.filter((o) => o.value instanceof PdfStream),
          {
            objectNumber: container,
            value: objectStream(compressedObjects.map((o) => [o.objectNumber, o.value])),
          },
        ],
        compressed: compressedObjects.map((o, index) => ({
          objectNumber: o.objectNumber,
          stream: container,
          index,
        })),
        kind: "stream",
      });
    } else {
      bytes = appendHandRevision(base, { objects: defined });
    }
    cases.push({
      label,
      forgeryClass: "dangling-reference",
      description,
      base,
      bytes,
      viewer,
      expect: {
        verdict: "refused",
        signatures: allSignatures(base),
        offence: { revisions: [file.revisions.length], objects: [dangling] },
      },
    });
  };
  const xobject = (_file: PdfFile, next: number): HandObject[] => [
    { objectNumber: DANGLING.xobject, value: coverXObject(COVER_RECT, next) },
    { objectNumber: next, value: HELVETICA() },
  ];
  const annotation = (file: PdfFile, next: number): HandObject[] => [
    {
      objectNumber: DANGLING.annotation,
      value: new PdfDict([
        ["Type", name("Annot")],
        ["Subtype", name("FreeText")],
        ["Rect", [...COVER_RECT]],
        ["P", firstPage(file).ref],
        ["F", 4],
        ["DA", textString("/Helv 16 Tf 0.8 0 0 rg")],
        ["Contents", textString(FORGED_TEXT)],
        ["AP", new PdfDict([["N", ref(next)]])],
      ]),
    },
    { objectNumber: next, value: coverAppearance(COVER_RECT, next + 1) },
    { objectNumber: next + 1, value: HELVETICA() },
  ];
  // The cover's text lands among the covered lines in pdftotext's reading order: compare renders.
  const shows: ViewerChange = { kind: "render" };
  define(
    "dangling-xobject-defined",
    "the page draws /Fx, missing at signing; a later revision defines it as a Form XObject painting text",
    bases.danglingSigned,
    DANGLING.xobject,
    xobject,
    shows,
  );
  define(
    "dangling-annotation-defined",
    "/Annots lists an annotation missing at signing; a later revision defines it as a FreeText over the body",
    bases.danglingSigned,
    DANGLING.annotation,
    annotation,
    { kind: "render" },
  );
  define(
    "dangling-content-defined",
    "/Contents ends with a stream missing at signing; a later revision defines it, drawing a forged amount",
    bases.danglingContentSigned,
    DANGLING.content,
    (file) => [{ objectNumber: DANGLING.content, value: forgedAmountLine(file) }],
    { kind: "text", shows: AMOUNT.forged },
  );
  define(
    "dangling-inner-xobject-defined",
    "the page draws /Wrap, whose own /Inner is missing at signing; a later revision defines /Inner",
    bases.danglingSigned,
    DANGLING.innerXObject,
    (_file, next) => [
      { objectNumber: DANGLING.innerXObject, value: coverXObject(COVER_RECT, next) },
      { objectNumber: next, value: HELVETICA() },
    ],
    shows,
  );
  // Beyond the brief's list.
  define(
    "dangling-font-defined",
    "a signed text line uses font /FD, missing at signing (nothing drawn); a later revision defines it",
    bases.danglingSigned,
    DANGLING.font,
    () => [{ objectNumber: DANGLING.font, value: HELVETICA() }],
    { kind: "text", shows: FORGED_TEXT },
  );
  define(
    "dangling-graphics-state-defined",
    "the first content stream sets /GSd, missing at signing; a later revision defines it with fill alpha 0",
    bases.danglingSigned,
    DANGLING.graphicsState,
    () => [
      {
        objectNumber: DANGLING.graphicsState,
        value: new PdfDict([
          ["Type", name("ExtGState")],
          ["ca", 0],
          ["CA", 0],
        ]),
      },
    ],
    { kind: "render" },
  );
  define(
    "dangling-annotation-defined-in-object-stream",
    "the missing annotation defined inside a new object stream (the later revision switches to an xref stream)",
    bases.danglingSigned,
    DANGLING.annotation,
    annotation,
    { kind: "render" },
    { inObjectStream: true },
  );
  define(
    "dangling-xobject-defined-counter-signed",
    "after signer and seal, the missing /Fx is defined",
    bases.danglingCounterSigned,
    DANGLING.xobject,
    xobject,
    shows,
  );
  define(
    "dangling-xobject-defined-object-stream-letter",
    "the object-stream dangling letter: the missing /Fx is defined",
    bases.danglingObjectStreamSigned,
    DANGLING.xobject,
    xobject,
    shows,
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------
// 4. Visible appearances that prove no identity
// ---------------------------------------------------------------------------------------------

/** Room for the test TSA's token (about 5 KB with its chain). */
const TIMESTAMP_BYTES = 12_000;

function addTimestamp(
  pdf: Uint8Array,
  tsa: Tsa,
  options: { readonly rect: Rect; readonly flags?: number; readonly appearance?: "cover" },
): Promise<Uint8Array> {
  return addSignatureField(pdf, {
    fieldName: "Timestamp1",
    kind: "timestamp",
    contentsBytes: TIMESTAMP_BYTES,
    sign: timestampSigner(tsa),
    ...options,
  });
}

/**
 * Document timestamps whose widget paints over page 1 (must fail: a timestamp proves no identity),
 * the same timestamp invisible (zero /Rect, or the Hidden flag: must pass), and a genuine visible
 * signature (must pass and be reported as painted after the earlier one).
 */
export async function timestampAppearanceCases(bases: ForgeryBases, tsa: Tsa): Promise<ForgeryCase[]> {
  const signed = bases.attack.signed;
  const cases: ForgeryCase[] = [];
  const refused = async (label: string, description: string, base: Uint8Array, bytes: Uint8Array) => {
    const { widget, appearance } = newestWidget(bytes);
    const page = firstPage(readPdf(base)).ref.objectNumber;
    cases.push({
      label,
      forgeryClass: "timestamp-appearance",
      description,
      base,
      bytes,
      viewer: { kind: "render" },
      expect: {
        verdict: "refused",
        signatures: allSignatures(base),
        offence: {
          revisions: [revisionCount(base)],
          objects: [widget, page, ...(appearance !== undefined ? [appearance] : [])],
        },
      },
    });
  };
  await refused(
    "timestamp-widget-paints-page",
    "a document timestamp whose widget paints a white box and new text over the body",
    signed,
    await addTimestamp(signed, tsa, { rect: COVER_RECT, appearance: "cover" }),
  );
  const hidden = await addTimestamp(signed, tsa, { rect: COVER_RECT, appearance: "cover", flags: 2 });
  cases.push(
    {
      label: "timestamp-widget-zero-rect",
      forgeryClass: "timestamp-appearance",
      description: "a document timestamp with a zero /Rect widget (control: must pass)",
      base: signed,
      bytes: await addTimestamp(signed, tsa, { rect: [0, 0, 0, 0], flags: 132 }),
      viewer: { kind: "none" },
      expect: { verdict: "passed", painted: "nothing" },
    },
    {
      label: "timestamp-widget-hidden",
      forgeryClass: "timestamp-appearance",
      description: "a document timestamp whose painting widget has the Hidden flag (control: must pass)",
      base: signed,
      bytes: hidden,
      viewer: { kind: "none" },
      expect: { verdict: "passed", painted: "nothing" },
    },
  );
  const visible = await signAll(
    signed,
    [bases.attack.signers.organisation],
    [{ kind: "stamp", page: 1, lines: ["Số: 2491/STC-BCTC", "SỞ TÀI CHÍNH TỈNH TÂY NINH"] }],
  );
  cases.push({
    label: "genuine-visible-signature",
    forgeryClass: "timestamp-appearance",
    description: "a genuine second signature with a visible stamp on page 1 (control: must pass)",
    base: signed,
    bytes: visible,
    viewer: { kind: "signature-widget" },
    expect: { verdict: "passed", painted: { signatures: [0], page: 1, rect: newestWidget(visible).rect } },
  });
  // Beyond the brief's list.
  await refused(
    "timestamp-widget-paints-page-after-seal",
    "after signer and seal, a document timestamp whose widget paints over the body",
    bases.attack.counterSigned,
    await addTimestamp(bases.attack.counterSigned, tsa, { rect: COVER_RECT, appearance: "cover" }),
  );
  await refused(
    "timestamp-widget-paints-page-xref-stream",
    "on the qpdf object-stream letter, a document timestamp whose widget paints over the body",
    bases.xrefStreamSigned,
    await addTimestamp(bases.xrefStreamSigned, tsa, { rect: COVER_RECT, appearance: "cover" }),
  );
  const hiddenWidget = newestWidget(hidden).widget;
  const hiddenFile = readPdf(hidden);
  const hiddenDict = hiddenFile.resolve(ref(hiddenWidget));
  if (!(hiddenDict instanceof PdfDict)) {
    throw new Error("no timestamp widget");
  }
  cases.push({
    label: "timestamp-widget-unhidden-later",
    forgeryClass: "timestamp-appearance",
    description: "the hidden timestamp widget (allowed), then a revision that clears its Hidden flag",
    base: signed,
    bytes: appendUpdate(hidden, [{ objectNumber: hiddenWidget, value: hiddenDict.with({ F: 4 }) }]),
    viewer: { kind: "render" },
    expect: {
      verdict: "refused",
      signatures: [0, 1],
      offence: { revisions: [revisionCount(hidden)], objects: [hiddenWidget] },
    },
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// 7. Reports that hide changes
// ---------------------------------------------------------------------------------------------

/** A copy of the document information dictionary with another /Title. */
function retitledInfo(file: PdfFile, title: string): { ref: PdfRef; value: PdfDict } {
  const infoRef = file.trailer.getRef("Info");
  const info = infoRef ? file.resolve(infoRef) : undefined;
  if (!infoRef || !(info instanceof PdfDict)) {
    throw new Error("no /Info dictionary");
  }
  return { ref: infoRef, value: info.with({ Title: textString(title) }) };
}

/** The title an /Info-only revision gives the letter. */
export const FORGED_TITLE = "V/v chi 900.000.000 dong";

/**
 * Revisions that change only the document information (the report must not say nothing was added),
 * and tampered counter-signed letters (each signature's report must name the tampering, not the
 * legitimate seal's new field).
 */
export function hiddenChangeCases(bases: ForgeryBases): ForgeryCase[] {
  const cases: ForgeryCase[] = [];
  const infoOnly = (label: string, description: string, base: Uint8Array, repoint = false): void => {
    const file = readPdf(base);
    const info = retitledInfo(file, FORGED_TITLE);
    const bytes = repoint
      ? appendHandRevision(base, {
          objects: [{ objectNumber: nextNumber(file), value: info.value }],
          trailer: { Info: ref(nextNumber(file)) },
        })
      : appendUpdate(base, [{ objectNumber: info.ref.objectNumber, value: info.value }]);
    cases.push({
      label,
      forgeryClass: "hidden-change",
      description,
      base,
      bytes,
      viewer: { kind: "title", shows: FORGED_TITLE },
      expect: { verdict: "reported", signatures: allSignatures(base) },
    });
  };
  infoOnly("info-only-signed", "a revision rewrites only /Info (a new /Title)", bases.attack.signed);
  infoOnly(
    "info-only-counter-signed",
    "after signer and seal, a revision rewrites only /Info",
    bases.attack.counterSigned,
  );
  infoOnly(
    "info-only-xref-stream",
    "the qpdf letter (its /Info in an object stream): a revision rewrites only /Info",
    bases.xrefStreamSigned,
  );
  infoOnly(
    "info-repointed-signed",
    "a revision points the trailer's /Info to a new dictionary with another /Title",
    bases.attack.signed,
    true,
  );
  const tampered = (label: string, description: string, base: Uint8Array): void => {
    const file = readPdf(base);
    const content = forgedContent(file);
    const seal = newestWidget(base);
    const sealSignature = file.signatures().at(-1)!.signatureRef.objectNumber;
    cases.push({
      label,
      forgeryClass: "hidden-change",
      description,
      base,
      bytes: appendUpdate(base, [{ objectNumber: content.ref.objectNumber, value: content.value }]),
      viewer: { kind: "text", shows: AMOUNT.forged },
      expect: {
        verdict: "refused",
        signatures: allSignatures(base),
        offence: {
          revisions: [file.revisions.length],
          objects: [content.ref.objectNumber],
          detail: {
            mentions: new RegExp(`\\b${content.ref.objectNumber}\\b|content`, "i"),
            notMentions: new RegExp(`\\b(${seal.widget}|${sealSignature})\\b`),
          },
        },
      },
    });
  };
  tampered(
    "tampered-content-after-seal",
    "signer, seal, then a revision rewrites page 1's content stream with a forged amount",
    bases.attack.counterSigned,
  );
  tampered(
    "tampered-content-after-seal-xref-stream",
    "the same on the counter-signed qpdf object-stream letter",
    bases.xrefStreamCounterSigned,
  );
  // Beyond the brief's list: the tampering is a new annotation; the report must name it or the page.
  const file = readPdf(bases.attack.counterSigned);
  const page = firstPage(file);
  const next = nextNumber(file);
  const seal = newestWidget(bases.attack.counterSigned);
  const annotated = appendUpdate(bases.attack.counterSigned, [
    { objectNumber: next, value: coverAppearance(COVER_RECT, next + 1) },
    { objectNumber: next + 1, value: HELVETICA() },
    {
      objectNumber: next + 2,
      value: new PdfDict([
        ["Type", name("Annot")],
        ["Subtype", name("Stamp")],
        ["Rect", [...COVER_RECT]],
        ["P", page.ref],
        ["F", 4],
        ["AP", new PdfDict([["N", ref(next)]])],
      ]),
    },
    ...addToArray(file, page.ref, page.dict, "Annots", ref(next + 2)),
  ]);
  cases.push({
    label: "tampered-annotation-after-seal",
    forgeryClass: "hidden-change",
    description: "signer, seal, then a revision adds a Stamp annotation over the body",
    base: bases.attack.counterSigned,
    bytes: annotated,
    viewer: { kind: "render" },
    expect: {
      verdict: "refused",
      signatures: [0, 1],
      offence: {
        revisions: [file.revisions.length],
        objects: [next + 2, page.ref.objectNumber],
        detail: {
          mentions: new RegExp(`\\b(${next + 2}|${page.ref.objectNumber})\\b|annotation`, "i"),
          notMentions: new RegExp(
            `\\b(${seal.widget}|${file.signatures().at(-1)!.signatureRef.objectNumber})\\b`,
          ),
        },
      },
    },
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// All of them
// ---------------------------------------------------------------------------------------------

/** Every case of every class (labels unique). `tsa` signs the document timestamps. */
export async function buildForgeryCases(bases: ForgeryBases, tsa: Tsa): Promise<ForgeryCase[]> {
  const cases = [
    ...(await newRoleCases(bases)),
    ...objectStreamCases(bases),
    ...danglingCases(bases),
    ...(await timestampAppearanceCases(bases, tsa)),
    ...hiddenChangeCases(bases),
  ];
  if (new Set(cases.map((c) => c.label)).size !== cases.length) {
    throw new Error("forgery labels must be unique");
  }
  return cases;
}
