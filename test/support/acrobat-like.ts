/**
 * Countersignatures made the way Acrobat-like writers make them (issue 7, "what was refused that
 * must pass"), by test code, on letters first signed with the project's own signer. One incremental
 * update holds the new signature (placeholder, /ByteRange, CAdES CMS over the byte ranges) and the
 * bookkeeping such writers add in the same update: a font in the AcroForm's /DR, a fresh copy of the
 * page's /Annots, a pre-placed empty signature field filled and locked, a raised catalog /Version
 * with /Extensions, the XMP /Metadata stream rewritten with a new xmp:ModifyDate; and, for the
 * refused twins, the same plus one change that is not bookkeeping.
 *
 * {@link acrobatLikeLetter} makes the unsigned base letters (one revision: everything the edits
 * need is there before anyone signs). {@link acrobatLikeSign} appends the signed update; what goes
 * into it besides the signature dictionary is a list of {@link Edit}s, applied in order to one
 * {@link UpdateSession} (later edits see earlier ones, so edits that touch the same object combine).
 * Nothing is copied from another project.
 *
 * @example
 * const base = await acrobatLikeLetter({ dr: "direct", preplaced: true });
 * const signed = await signAll(base, [person]);
 * const sealed = await acrobatLikeSign(signed, signerOf(organisation), [newSignatureField(), addDrFont()]);
 */
import { type PDFArray, PDFDocument, PDFName, PDFString } from "pdf-lib";
import { createCmsSignature } from "../../shared/cms/create-cms-signature.ts";
import { estimateCmsSize } from "../../shared/cms/estimate-cms-size.ts";
import type { Signer } from "../../shared/cms/ports.ts";
import { hashByteRange } from "../../shared/pdf/byte-range.ts";
import { type UpdateObject, writeIncrementalUpdate } from "../../shared/pdf/incremental-update.ts";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, textString } from "../../shared/pdf/objects.ts";
import { listPages } from "../../shared/pdf/pages.ts";
import { type PdfFile, readPdf } from "../../shared/pdf/read-pdf.ts";
import {
  buildSignatureDictionary,
  embedSignatureContents,
  patchByteRange,
} from "../../shared/pdf/signature-placeholder.ts";
import { decodeStream } from "../../shared/pdf/stream-decode.ts";
import { makeLetterPdf } from "./pdf.ts";

// ---------------------------------------------------------------------------------------------
// Base letters
// ---------------------------------------------------------------------------------------------

/** /T of the pre-placed empty signature field ("Đóng dấu", where the seal goes). */
export const PREPLACED_FIELD = "DongDau";
/** /Rect of the pre-placed field on page 1. */
export const PREPLACED_RECT: readonly [number, number, number, number] = [360, 90, 520, 210];
/** xmp:CreateDate = xmp:ModifyDate of the base letters' XMP packet. */
export const XMP_CREATED = "2025-03-05T14:00:00+07:00";

export interface AcrobatLikeLetterOptions {
  /** Default 1. */
  readonly pages?: number;
  /**
   * The AcroForm's default resources: "none" (no /DR), "direct" (/DR << /Font << /Helv … >> >>),
   * "indirect-font" (/DR << /Font N 0 R >>, the font dictionary its own object). Default "direct".
   */
  readonly dr?: "none" | "direct" | "indirect-font";
  /** Page 1's /Annots (a Link annotation, and the pre-placed widget): in the page or its own object. Default "direct". */
  readonly annots?: "direct" | "indirect";
  /** An empty signature field {@link PREPLACED_FIELD} on page 1 (merged field and widget). Default false. */
  readonly preplaced?: boolean;
  /** A direct array nested this many levels deep in the last page dictionary (/Lienthong.Nested). */
  readonly nestedDepth?: number;
  /** /OpenAction [page 1 /Fit] in the catalog (as many writers set it). Default true. */
  readonly openAction?: boolean;
}

/** An XMP packet with the given xmp:ModifyDate (and MetadataDate). */
export function xmpPacket(modifyDate: string): string {
  return (
    `<?xpacket begin="\u00ef\u00bb\u00bf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n` +
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n` +
    `<xmp:CreateDate>${XMP_CREATED}</xmp:CreateDate>\n` +
    `<xmp:ModifyDate>${modifyDate}</xmp:ModifyDate>\n` +
    `<xmp:MetadataDate>${modifyDate}</xmp:MetadataDate>\n` +
    `<dc:format>application/pdf</dc:format>\n` +
    `</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>`
  );
}

let letters: Map<number, Promise<Uint8Array>> | undefined;

function letter(pages: number): Promise<Uint8Array> {
  letters ??= new Map();
  let found = letters.get(pages);
  if (!found) {
    found = makeLetterPdf({ pages });
    letters.set(pages, found);
  }
  return found;
}

/**
 * An unsigned one-revision letter (pdf-lib, classic xref, header %PDF-1.4) with what Acrobat-like
 * countersignatures touch: an indirect AcroForm with /DA (and /DR, see the options), a Link
 * annotation on page 1, /OpenAction [page 1 /Fit] (unless turned off), an uncompressed XMP
 * /Metadata stream, and
 * optionally a pre-placed empty signature field and a deeply nested direct array.
 */
export async function acrobatLikeLetter(options: AcrobatLikeLetterOptions = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.load(await letter(options.pages ?? 1), { updateMetadata: false });
  const context = doc.context;
  const pages = doc.getPages();
  const first = pages[0]!;
  const helvetica = context.register(
    context.obj({ Type: "Font", Subtype: "Type1", BaseFont: "Helvetica", Encoding: "WinAnsiEncoding" }),
  );
  const fonts = context.obj({ Helv: helvetica });
  const fields = context.obj([]);
  const form = context.obj({ Fields: fields, DA: PDFString.of("/Helv 0 Tf 0 g") });
  const dr = options.dr ?? "direct";
  if (dr === "direct") {
    form.set(PDFName.of("DR"), context.obj({ Font: fonts }));
  } else if (dr === "indirect-font") {
    form.set(PDFName.of("DR"), context.obj({ Font: context.register(fonts) }));
  }
  const link = context.register(
    context.obj({
      Type: "Annot",
      Subtype: "Link",
      Rect: [85, 40, 300, 55],
      Border: [0, 0, 0],
      F: 4,
      A: { S: "URI", URI: PDFString.of("https://vanban.chinhphu.vn") },
    }),
  );
  const annots = context.obj([link]);
  if (options.preplaced) {
    const widget = context.register(
      context.obj({
        Type: "Annot",
        Subtype: "Widget",
        FT: "Sig",
        T: PDFString.of(PREPLACED_FIELD),
        Rect: [...PREPLACED_RECT],
        F: 4,
        P: first.ref,
      }),
    );
    annots.push(widget);
    fields.push(widget);
  }
  first.node.set(PDFName.of("Annots"), options.annots === "indirect" ? context.register(annots) : annots);
  doc.catalog.set(PDFName.of("AcroForm"), context.register(form));
  if (options.openAction ?? true) {
    doc.catalog.set(PDFName.of("OpenAction"), context.obj([first.ref, "Fit"]));
  }
  const metadata = context.stream(xmpPacket(XMP_CREATED), { Type: "Metadata", Subtype: "XML" });
  doc.catalog.set(PDFName.of("Metadata"), context.register(metadata));
  if (options.nestedDepth) {
    let nested: PDFArray = context.obj([0]);
    for (let level = 1; level < options.nestedDepth; level++) {
      nested = context.obj([nested]);
    }
    pages[pages.length - 1]!.node.set(PDFName.of("Lienthong.Nested"), nested);
  }
  const bytes = await doc.save({ useObjectStreams: false, updateFieldAppearances: false });
  // A PDF 1.4 header, so that the countersignature's /Version 1.7 raises it (same length: offsets stay).
  if (Buffer.from(bytes.subarray(0, 8)).toString("latin1") === "%PDF-1.7") {
    bytes.set(Buffer.from("%PDF-1.4", "latin1"), 0);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// One update, edited in place
// ---------------------------------------------------------------------------------------------

/** The update being built: new objects and new versions of old ones, over the file as it is. */
export class UpdateSession {
  readonly file: PdfFile;
  /** The new signature dictionary (its body is written by {@link acrobatLikeSign}). */
  readonly signatureRef: PdfRef;
  private readonly pending = new Map<number, UpdateObject>();
  private next: number;

  constructor(bytes: Uint8Array) {
    this.file = readPdf(bytes);
    this.next = Math.max(this.file.trailer.getNumber("Size") ?? 1, 1);
    this.signatureRef = this.allocate();
  }

  allocate(): PdfRef {
    return new PdfRef(this.next++);
  }

  /** The object as this update leaves it so far. */
  get(ref: PdfRef): PdfObject | undefined {
    const pending = this.pending.get(ref.objectNumber);
    if (pending && (pending.generation ?? 0) === ref.generation && pending.value !== undefined) {
      return pending.value;
    }
    return this.file.resolve(ref);
  }

  deref(value: PdfObject | undefined): PdfObject | undefined {
    return value instanceof PdfRef ? this.get(value) : value;
  }

  set(ref: PdfRef, value: PdfObject): void {
    this.pending.set(ref.objectNumber, {
      objectNumber: ref.objectNumber,
      generation: ref.generation,
      value,
    });
  }

  /** Writes `body` (the bytes between `N G obj` and `endobj`) as the object's new version. */
  setBody(ref: PdfRef, body: Uint8Array): void {
    this.pending.set(ref.objectNumber, { objectNumber: ref.objectNumber, generation: ref.generation, body });
  }

  /** A new object. */
  add(value: PdfObject): PdfRef {
    const ref = this.allocate();
    this.set(ref, value);
    return ref;
  }

  get rootRef(): PdfRef {
    const ref = this.file.trailer.getRef("Root");
    if (!ref) {
      throw new Error("the trailer has no /Root reference");
    }
    return ref;
  }

  root(): PdfDict {
    const root = this.get(this.rootRef);
    if (!(root instanceof PdfDict)) {
      throw new Error("the catalog is not a dictionary");
    }
    return root;
  }

  updateRoot(changes: Readonly<Record<string, PdfObject | undefined>>): void {
    this.set(this.rootRef, this.root().with(changes));
  }

  /** Page `index` (0-based) as this update leaves it so far. */
  page(index = 0): { readonly ref: PdfRef; readonly dict: PdfDict } {
    const page = listPages(this.file)[index];
    if (!page) {
      throw new Error(`no page ${index + 1}`);
    }
    const dict = this.get(page.ref);
    if (!(dict instanceof PdfDict)) {
      throw new Error(`page ${index + 1} is not a dictionary`);
    }
    return { ref: page.ref, dict };
  }

  /** The AcroForm dictionary as this update leaves it so far. */
  form(): PdfDict {
    const form = this.deref(this.root().get("AcroForm"));
    if (!(form instanceof PdfDict)) {
      throw new Error("the letter has no AcroForm");
    }
    return form;
  }

  /** Writes a new version of the AcroForm where it lives: its own object, or the catalog. */
  setForm(form: PdfDict): void {
    const value = this.root().get("AcroForm");
    if (value instanceof PdfRef) {
      this.set(value, form);
    } else {
      this.updateRoot({ AcroForm: form });
    }
  }

  /** Appends `item` to the AcroForm's /Fields (the array object when indirect) and sets /SigFlags 3. */
  addField(item: PdfRef): void {
    const form = this.form();
    const fieldsValue = form.get("Fields");
    const fields = this.deref(fieldsValue);
    const list = Array.isArray(fields) ? fields : [];
    const sigFlags = (form.getNumber("SigFlags") ?? 0) | 3;
    if (fieldsValue instanceof PdfRef && Array.isArray(fields)) {
      this.set(fieldsValue, [...list, item]);
      this.setForm(form.with({ SigFlags: sigFlags }));
    } else {
      this.setForm(form.with({ Fields: [...list, item], SigFlags: sigFlags }));
    }
  }

  objects(): UpdateObject[] {
    return [...this.pending.values()];
  }
}

/** One change in the update. */
export type Edit = (session: UpdateSession) => void;

/** The appearance of a seal widget: a red frame (no fonts needed). */
function sealAppearance(width: number, height: number): PdfStream {
  return new PdfStream(
    new PdfDict([
      ["Type", new PdfName("XObject")],
      ["Subtype", new PdfName("Form")],
      ["BBox", [0, 0, width, height]],
    ]),
    Buffer.from(`q 0.8 0 0 RG 3 w 4 4 ${width - 8} ${height - 8} re S Q`, "latin1"),
  );
}

// ---------------------------------------------------------------------------------------------
// Edits
// ---------------------------------------------------------------------------------------------

export interface NewSignatureFieldOptions {
  /** Default "Seal". */
  readonly name?: string;
  /** Default [85, 90, 245, 210] on page 1. */
  readonly rect?: readonly [number, number, number, number];
  /**
   * How the widget gets into page 1's /Annots: "extend" rewrites the array where it is (the page,
   * or the array object); "copy" writes an extended copy, Acrobat-style — a new direct array in a
   * new version of the page, or a new array object the page then points to. Default "extend".
   */
  readonly annots?: "extend" | "copy";
  /** Refused twins of "copy": the copy leaves out the Link annotation, or also adds a FreeText one. */
  readonly dropLink?: boolean;
  readonly addFreeText?: boolean;
}

/** A new signature field (merged with its widget, /F Print|Locked, an appearance) on page 1. */
export function newSignatureField(options: NewSignatureFieldOptions = {}): Edit {
  return (session) => {
    const page = session.page(0);
    const rect = options.rect ?? [85, 90, 245, 210];
    const appearance = session.add(sealAppearance(rect[2] - rect[0], rect[3] - rect[1]));
    const widget = session.add(
      new PdfDict([
        ["Type", new PdfName("Annot")],
        ["Subtype", new PdfName("Widget")],
        ["FT", new PdfName("Sig")],
        ["T", textString(options.name ?? "Seal")],
        ["V", session.signatureRef],
        ["P", page.ref],
        ["Rect", [...rect]],
        ["F", 132],
        ["AP", new PdfDict([["N", appearance]])],
      ]),
    );
    const annotsValue = page.dict.get("Annots");
    const current = session.deref(annotsValue);
    let items = Array.isArray(current) ? [...current] : [];
    if (options.dropLink) {
      items = items.filter((item) => {
        const annotation = session.deref(item);
        return !(annotation instanceof PdfDict && annotation.getName("Subtype") === "Link");
      });
    }
    if (options.addFreeText) {
      items.push(
        session.add(
          new PdfDict([
            ["Type", new PdfName("Annot")],
            ["Subtype", new PdfName("FreeText")],
            ["Rect", [85, 600, 505, 660]],
            ["P", page.ref],
            ["F", 4],
            ["DA", textString("/Helv 12 Tf 0 g")],
            ["Contents", textString("Đã thanh toán 900.000.000 đồng")],
          ]),
        ),
      );
    }
    items.push(widget);
    if ((options.annots ?? "extend") === "extend" && annotsValue instanceof PdfRef) {
      session.set(annotsValue, items);
    } else if (options.annots === "copy" && annotsValue instanceof PdfRef) {
      session.set(page.ref, page.dict.with({ Annots: session.add(items) }));
    } else {
      session.set(page.ref, page.dict.with({ Annots: items }));
    }
    session.addField(widget);
  };
}

export interface FillPreplacedOptions {
  /** Refused twin: the field is also moved to this /Rect. */
  readonly moveRect?: readonly [number, number, number, number];
}

/**
 * Signs the pre-placed empty field {@link PREPLACED_FIELD} as Acrobat does: /V, a new appearance,
 * /F Print|Locked, /Ff ReadOnly, a /Lock field-lock dictionary (its own object, §12.7.4.5 Table
 * 233) and /MK colours.
 */
export function fillPreplacedField(options: FillPreplacedOptions = {}): Edit {
  return (session) => {
    const fields = session.deref(session.form().get("Fields"));
    const ref = (Array.isArray(fields) ? fields : []).find((item) => {
      const field = session.deref(item);
      return field instanceof PdfDict && field.getString("T")?.text() === PREPLACED_FIELD;
    });
    const field = session.deref(ref);
    if (!(ref instanceof PdfRef) || !(field instanceof PdfDict)) {
      throw new Error(`no field ${PREPLACED_FIELD}`);
    }
    const rect = options.moveRect ?? PREPLACED_RECT;
    const appearance = session.add(sealAppearance(rect[2] - rect[0], rect[3] - rect[1]));
    const lock = session.add(
      new PdfDict([
        ["Type", new PdfName("SigFieldLock")],
        ["Action", new PdfName("All")],
      ]),
    );
    session.set(
      ref,
      field.with({
        V: session.signatureRef,
        AP: new PdfDict([["N", appearance]]),
        F: 132,
        Ff: 1,
        Lock: lock,
        MK: new PdfDict([
          ["BC", [0.8, 0, 0]],
          ["BG", [1, 1, 1]],
        ]),
        ...(options.moveRect ? { Rect: [...options.moveRect] } : {}),
      }),
    );
    const form = session.form();
    session.setForm(form.with({ SigFlags: (form.getNumber("SigFlags") ?? 0) | 3 }));
  };
}

export interface AddDrFontOptions {
  /** Default "HeBo" (Helvetica-Bold, what the appearance would use). */
  readonly name?: string;
  /** Refused twin: the existing entry of this name is pointed at another font. */
  readonly replace?: string;
}

/**
 * A font added to the AcroForm's /DR /Font: /DR created when absent, the /Font dictionary
 * rewritten where it lives (its own object, or inside /DR).
 */
export function addDrFont(options: AddDrFontOptions = {}): Edit {
  return (session) => {
    const font = (baseFont: string): PdfRef =>
      session.add(
        new PdfDict([
          ["Type", new PdfName("Font")],
          ["Subtype", new PdfName("Type1")],
          ["BaseFont", new PdfName(baseFont)],
          ["Encoding", new PdfName("WinAnsiEncoding")],
        ]),
      );
    const added: Record<string, PdfObject> = { [options.name ?? "HeBo"]: font("Helvetica-Bold") };
    if (options.replace) {
      added[options.replace] = font("Courier");
    }
    const form = session.form();
    const drValue = form.get("DR");
    const dr = session.deref(drValue);
    if (!(dr instanceof PdfDict)) {
      session.setForm(form.with({ DR: new PdfDict([["Font", new PdfDict(Object.entries(added))]]) }));
      return;
    }
    const fontsValue = dr.get("Font");
    const fonts = session.deref(fontsValue);
    const extended = (fonts instanceof PdfDict ? fonts : new PdfDict()).with(added);
    if (fontsValue instanceof PdfRef) {
      session.set(fontsValue, extended);
    } else if (drValue instanceof PdfRef) {
      session.set(drValue, dr.with({ Font: extended }));
    } else {
      session.setForm(form.with({ DR: dr.with({ Font: extended }) }));
    }
  };
}

export interface RaiseVersionOptions {
  /** Refused twin: /OpenAction is changed too. */
  readonly openAction?: PdfObject;
}

/** The catalog's /Version raised to 1.7 with /Extensions << /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 >> >>. */
export function raiseVersion(options: RaiseVersionOptions = {}): Edit {
  return (session) => {
    session.updateRoot({
      Version: new PdfName("1.7"),
      Extensions: new PdfDict([
        [
          "ADBE",
          new PdfDict([
            ["BaseVersion", new PdfName("1.7")],
            ["ExtensionLevel", 8],
          ]),
        ],
      ]),
      ...(options.openAction !== undefined ? { OpenAction: options.openAction } : {}),
    });
  };
}

/** A JavaScript /OpenAction, for the refused twin of {@link raiseVersion}. */
export function javaScriptOpenAction(): PdfDict {
  return new PdfDict([
    ["S", new PdfName("JavaScript")],
    ["JS", textString("app.alert('Văn bản đã được phê duyệt');")],
  ]);
}

/** The XMP /Metadata stream rewritten (same object number) with a new xmp:ModifyDate and MetadataDate. */
export function updateXmpMetadata(modifyDate = "2025-03-05T14:03:11+07:00"): Edit {
  return (session) => {
    const ref = session.root().getRef("Metadata");
    const stream = ref ? session.get(ref) : undefined;
    if (!ref || !(stream instanceof PdfStream)) {
      throw new Error("the catalog has no indirect /Metadata stream");
    }
    const text = Buffer.from(decodeStream(stream)).toString("latin1");
    const updated = text
      .replace(/<xmp:ModifyDate>[^<]*<\/xmp:ModifyDate>/, `<xmp:ModifyDate>${modifyDate}</xmp:ModifyDate>`)
      .replace(
        /<xmp:MetadataDate>[^<]*<\/xmp:MetadataDate>/,
        `<xmp:MetadataDate>${modifyDate}</xmp:MetadataDate>`,
      );
    if (updated === text) {
      throw new Error("the XMP packet has no xmp:ModifyDate");
    }
    session.set(
      ref,
      new PdfStream(
        stream.dict.with({ Filter: undefined, DecodeParms: undefined }),
        Buffer.from(updated, "latin1"),
      ),
    );
  };
}

/** Page `index` (0-based) written again byte for byte as it is in the file (the same object, re-emitted). */
export function reemitPage(index: number): Edit {
  return (session) => {
    const page = listPages(session.file)[index];
    const located = page ? session.file.locate(page.ref) : undefined;
    if (!page || located?.start === undefined || located.end === undefined) {
      throw new Error(`page ${index + 1} is not a plain object in the file`);
    }
    const text = Buffer.from(session.file.bytes.subarray(located.start, located.end)).toString("latin1");
    const body = /^\s*\d+\s+\d+\s+obj\b([\s\S]*)\bendobj\s*$/.exec(text)?.[1]?.trim();
    if (body === undefined) {
      throw new Error(`page ${index + 1} is not an 'N G obj … endobj' object`);
    }
    session.setBody(page.ref, Buffer.from(body, "latin1"));
  };
}

// ---------------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------------

export interface AcrobatLikeSignOptions {
  /** /M; default now. */
  readonly signingTime?: Date;
  /** Default "Đóng dấu". */
  readonly reason?: string;
}

/**
 * Appends one signed incremental update to `pdf`: the edits (one of them must put
 * `session.signatureRef` into a field: {@link newSignatureField} or {@link fillPreplacedField}),
 * the signature dictionary, the /ByteRange over the whole new file and a CAdES signature by `signer`.
 */
export async function acrobatLikeSign(
  pdf: Uint8Array,
  signer: Signer,
  edits: readonly Edit[],
  options: AcrobatLikeSignOptions = {},
): Promise<Uint8Array> {
  const session = new UpdateSession(pdf);
  for (const edit of edits) {
    edit(session);
  }
  const dictionary = buildSignatureDictionary({
    contentsBytes: estimateCmsSize({ certificate: signer.certificate, chain: signer.chain }),
    reason: options.reason ?? "Đóng dấu",
    ...(options.signingTime ? { signingTime: options.signingTime } : {}),
  });
  session.setBody(session.signatureRef, dictionary.body);
  const update = writeIncrementalUpdate(session.file, session.objects());
  const bytes = update.bytes;
  const bodyOffset = update.bodyOffsets.get(session.signatureRef.objectNumber)!;
  const contentsStart = bodyOffset + dictionary.contentsAt;
  const contentsEnd = contentsStart + dictionary.contentsLength;
  const byteRange = [0, contentsStart, contentsEnd, bytes.length - contentsEnd] as const;
  patchByteRange(bytes, bodyOffset + dictionary.byteRangeAt, dictionary.byteRangeWidth, byteRange);
  const contentDigest = hashByteRange(bytes, byteRange, "sha256");
  const cms = await createCmsSignature({ contentDigest, hashAlgorithm: "sha256", signer });
  embedSignatureContents(bytes, contentsStart, contentsEnd, cms);
  return bytes;
}
