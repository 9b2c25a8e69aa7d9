/**
 * Builders for the per-rule tests of the change analysis (test/unit/verification/changes/
 * rules.test.ts): small edits over {@link UpdateSession} of `acrobat-like.ts`, an unsigned update
 * made of edits, and a document timestamp (ETSI EN 319 142-1 §5.4.3: /Type /DocTimeStamp,
 * /SubFilter /ETSI.RFC3161) appended with edits in the same update. Each edit changes one thing, so
 * each test's update touches what its rule judges and nothing else.
 *
 * @example
 * const bytes = unsignedUpdate(signed, [setAcroForm({ SigFlags: 1 })]);
 * const stamped = await timestampUpdate(signed, tsa, [newSignatureField({ rect: [0, 0, 0, 0] })]);
 */

import type { Tsa } from "../../shared/cms/ports.ts";
import { hashByteRange } from "../../shared/pdf/byte-range.ts";
import { writeIncrementalUpdate } from "../../shared/pdf/incremental-update.ts";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, textString } from "../../shared/pdf/objects.ts";
import {
  buildSignatureDictionary,
  embedSignatureContents,
  patchByteRange,
} from "../../shared/pdf/signature-placeholder.ts";
import { type Edit, PREPLACED_FIELD, UpdateSession } from "./acrobat-like.ts";

/** Room for the test TSA's token (about 5 KB with its chain). */
const TIMESTAMP_BYTES = 12_000;

/** One incremental update, signed by nobody, made of `edits` applied in order. */
export function unsignedUpdate(pdf: Uint8Array, edits: readonly Edit[]): Uint8Array {
  const session = new UpdateSession(pdf);
  for (const edit of edits) {
    edit(session);
  }
  return writeIncrementalUpdate(session.file, session.objects()).bytes;
}

/**
 * One incremental update holding a document timestamp by `tsa` over the whole new file, and
 * `edits` (one of them must put `session.signatureRef` into a field, e.g. `newSignatureField`).
 */
export async function timestampUpdate(
  pdf: Uint8Array,
  tsa: Tsa,
  edits: readonly Edit[],
): Promise<Uint8Array> {
  const session = new UpdateSession(pdf);
  for (const edit of edits) {
    edit(session);
  }
  const dictionary = buildSignatureDictionary({
    contentsBytes: TIMESTAMP_BYTES,
    subFilter: "ETSI.RFC3161",
    reason: "Dấu thời gian",
  });
  const text = Buffer.from(dictionary.body).toString("latin1");
  const at = text.indexOf("/Type /Sig");
  if (at < 0) {
    throw new Error("no /Type /Sig in the signature dictionary");
  }
  const type = "/Type /DocTimeStamp";
  const body = Buffer.concat([
    Buffer.from(dictionary.body.subarray(0, at)),
    Buffer.from(type, "latin1"),
    Buffer.from(dictionary.body.subarray(at + "/Type /Sig".length)),
  ]);
  const shift = type.length - "/Type /Sig".length;
  session.setBody(session.signatureRef, body);
  const update = writeIncrementalUpdate(session.file, session.objects());
  const bytes = update.bytes;
  const bodyOffset = update.bodyOffsets.get(session.signatureRef.objectNumber)!;
  const contentsStart = bodyOffset + shift + dictionary.contentsAt;
  const contentsEnd = contentsStart + dictionary.contentsLength;
  const byteRange = [0, contentsStart, contentsEnd, bytes.length - contentsEnd] as const;
  patchByteRange(bytes, bodyOffset + shift + dictionary.byteRangeAt, dictionary.byteRangeWidth, byteRange);
  const token = await tsa.timestamp(hashByteRange(bytes, byteRange, "sha256"), "sha256");
  embedSignatureContents(bytes, contentsStart, contentsEnd, token);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Edits
// ---------------------------------------------------------------------------------------------

/** Catalog entries set (undefined removes). */
export function setCatalog(changes: Readonly<Record<string, PdfObject | undefined>>): Edit {
  return (session) => session.updateRoot(changes);
}

/** AcroForm entries set where the AcroForm lives (undefined removes). */
export function setAcroForm(changes: Readonly<Record<string, PdfObject | undefined>>): Edit {
  return (session) => session.setForm(session.form().with(changes));
}

/** The AcroForm written again as a new object, the catalog pointing to it (a copy, Acrobat-style). */
export function copyAcroForm(): Edit {
  return (session) => {
    const copy = session.add(session.form());
    session.updateRoot({ AcroForm: copy });
  };
}

/** A DER CRL as a DSS stream. */
function crlStream(crl: Uint8Array): PdfStream {
  return new PdfStream(new PdfDict(), crl);
}

/** A new /DSS in the catalog with /CRLs [the CRL] (ETSI EN 319 142-1 §5.4.2.2). */
export function addDss(crl: Uint8Array): Edit {
  return (session) => {
    const dss = session.add(new PdfDict([["CRLs", [session.add(crlStream(crl))]]]));
    session.updateRoot({ DSS: dss });
  };
}

/** The catalog's existing indirect /DSS gains `key` [the CRL] (a second validation-data update). */
export function extendDss(key: "CRLs" | "Certs", der: Uint8Array): Edit {
  return (session) => {
    const ref = session.root().get("DSS");
    const dss = ref instanceof PdfRef ? session.get(ref) : undefined;
    if (!(ref instanceof PdfRef) || !(dss instanceof PdfDict)) {
      throw new Error("the catalog has no indirect /DSS");
    }
    const current = session.deref(dss.get(key));
    const list = Array.isArray(current) ? current : [];
    session.set(ref, dss.with({ [key]: [...list, session.add(crlStream(der))] }));
  };
}

/**
 * A new /DSS holding (under /Lienthong.Form) a copy of the AcroForm as this update leaves it: an
 * object that is validation data for signatures before this update, and signed for a signature in
 * it. Run it after the edit that adds the new signature field.
 */
export function dssCopyOfForm(): Edit {
  return (session) => {
    const copy = session.add(session.form());
    const dss = session.add(new PdfDict([["Lienthong.Form", copy]]));
    session.updateRoot({ DSS: dss });
  };
}

/** The object the catalog's /DSS /Lienthong.Form points to (see {@link dssCopyOfForm}). */
export function dssFormCopy(session: UpdateSession): PdfRef {
  const dss = session.deref(session.root().get("DSS"));
  const copy = dss instanceof PdfDict ? dss.get("Lienthong.Form") : undefined;
  if (!(copy instanceof PdfRef)) {
    throw new Error("no /DSS /Lienthong.Form");
  }
  return copy;
}

/** The newest field of the AcroForm's /Fields (as this update leaves it) rewritten by `transform`. */
export function editNewestField(transform: (field: PdfDict, session: UpdateSession) => PdfDict): Edit {
  return (session) => {
    const fields = session.deref(session.form().get("Fields"));
    const ref = Array.isArray(fields) ? fields.at(-1) : undefined;
    const field = session.deref(ref);
    if (!(ref instanceof PdfRef) || !(field instanceof PdfDict)) {
      throw new Error("the AcroForm has no field");
    }
    session.set(ref, transform(field, session));
  };
}

/** A new field that is no signature field: a text field in /Fields (on no page). */
export function addTextField(name = "so_tien_moi"): Edit {
  return (session) => {
    const field = session.add(
      new PdfDict([
        ["FT", new PdfName("Tx")],
        ["T", textString(name)],
        ["V", textString("900.000.000")],
        ["Rect", [85, 300, 285, 320]],
      ]),
    );
    session.addField(field);
  };
}

/** A FreeText annotation over the body text of page 1 (not the widget of any signature). */
export function addFreeTextAnnotation(): Edit {
  return (session) => {
    const page = session.page(0);
    const note = session.add(
      new PdfDict([
        ["Type", new PdfName("Annot")],
        ["Subtype", new PdfName("FreeText")],
        ["Rect", [85, 600, 505, 660]],
        ["P", page.ref],
        ["F", 4],
        ["DA", textString("/Helv 12 Tf 0 g")],
        ["Contents", textString("Đã thanh toán 900.000.000 đồng")],
      ]),
    );
    const annotsValue = page.dict.get("Annots");
    const current = session.deref(annotsValue);
    const items = [...(Array.isArray(current) ? current : []), note];
    if (annotsValue instanceof PdfRef) {
      session.set(annotsValue, items);
    } else {
      session.set(page.ref, page.dict.with({ Annots: items }));
    }
  };
}

/** The signed AcroForm's object (its reference in the catalog); throws when the AcroForm is direct. */
export function acroFormRef(session: UpdateSession): PdfRef {
  const value = session.root().get("AcroForm");
  if (!(value instanceof PdfRef)) {
    throw new Error("the AcroForm is not an indirect object");
  }
  return value;
}

/** The pre-placed field {@link PREPLACED_FIELD}: its reference and dictionary as this update leaves it. */
export function preplacedField(session: UpdateSession): { readonly ref: PdfRef; readonly field: PdfDict } {
  const fields = session.deref(session.form().get("Fields"));
  for (const item of Array.isArray(fields) ? fields : []) {
    const field = session.deref(item);
    if (
      item instanceof PdfRef &&
      field instanceof PdfDict &&
      field.getString("T")?.text() === PREPLACED_FIELD
    ) {
      return { ref: item, field };
    }
  }
  throw new Error(`no field ${PREPLACED_FIELD}`);
}

/** An appearance stream painting a white box and a line of text in Helvetica over `width`×`height`. */
export function coverAppearance(session: UpdateSession, width: number, height: number): PdfRef {
  const font = session.add(
    new PdfDict([
      ["Type", new PdfName("Font")],
      ["Subtype", new PdfName("Type1")],
      ["BaseFont", new PdfName("Helvetica")],
    ]),
  );
  return session.add(
    new PdfStream(
      new PdfDict([
        ["Type", new PdfName("XObject")],
        ["Subtype", new PdfName("Form")],
        ["BBox", [0, 0, width, height]],
        ["Resources", new PdfDict([["Font", new PdfDict([["F1", font]])]])],
      ]),
      Buffer.from(
        `q 1 1 1 rg 0 0 ${width} ${height} re f 0 g BT /F1 14 Tf 8 ${height / 2} Td (DA THANH TOAN) Tj ET Q`,
        "latin1",
      ),
    ),
  );
}

/**
 * Prepares the pre-placed empty field before anyone signs: Hidden (/F 2) with an appearance that
 * covers its rectangle with text. A viewer shows nothing of it at signing.
 */
export function hidePreplacedWithAppearance(): Edit {
  return (session) => {
    const { ref, field } = preplacedField(session);
    const rect = field.getArray("Rect") as readonly number[];
    const appearance = coverAppearance(session, rect[2]! - rect[0]!, rect[3]! - rect[1]!);
    session.set(ref, field.with({ F: 2, AP: new PdfDict([["N", appearance]]) }));
  };
}

/** Fills the pre-placed field with this update's signature, keeping its appearance, with /F `flags`. */
export function fillPreplacedKeepingAppearance(flags: number): Edit {
  return (session) => {
    const { ref, field } = preplacedField(session);
    session.set(ref, field.with({ V: session.signatureRef, F: flags }));
    const form = session.form();
    session.setForm(form.with({ SigFlags: (form.getNumber("SigFlags") ?? 0) | 3 }));
  };
}
