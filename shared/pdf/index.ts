/**
 * PDF core: a parser over the file's bytes (objects, cross-reference tables and streams, object
 * streams, revisions), the incremental-update writer, and the signature placeholder and byte-range
 * helpers. Visible appearances live in `./appearance/`.
 *
 * @example
 * import { readPdf } from "../pdf/index.ts";
 * const pdf = readPdf(bytes);
 * for (const signature of pdf.signatures()) console.log(signature.fieldName, signature.revision);
 */
export { ByteRangeDigester, byteRangeSlices, checkByteRange, hashByteRange } from "./byte-range.ts";
export {
  type IncrementalUpdateOptions,
  type IncrementalUpdateResult,
  type UpdateObject,
  writeIncrementalUpdate,
} from "./incremental-update.ts";
export {
  APPEARANCE_KIND_KEY,
  type InsertSignaturePlaceholderOptions,
  insertSignaturePlaceholder,
  type SignaturePlaceholder,
} from "./insert-signature-placeholder.ts";
export { type IndirectObject, PdfLexer, parseIndirectObject, parseObjectAt } from "./lexer.ts";
export {
  decodeTextString,
  encodeTextString,
  PdfDict,
  PdfName,
  type PdfObject,
  PdfRef,
  PdfStream,
  PdfString,
  textString,
} from "./objects.ts";
export { listPages, type PdfPage } from "./pages.ts";
export { type PdfFile, type PdfRevision, type ResolvedObject, readPdf } from "./read-pdf.ts";
export { formatHexString, formatName, formatNumber, formatObject, serializeBody } from "./serialize.ts";
export {
  buildSignatureDictionary,
  embedSignatureContents,
  formatPdfDate,
  patchByteRange,
  type SignatureDictionaryBody,
  type SignatureDictionaryOptions,
} from "./signature-placeholder.ts";
export type { PdfSignatureInfo } from "./signatures.ts";
export {
  DEFAULT_MAX_DECODED_BYTES,
  type DecodeStreamOptions,
  decodeStream,
  unpredict,
} from "./stream-decode.ts";
export { readXrefSection, type XrefEntry, type XrefSection } from "./xref.ts";
