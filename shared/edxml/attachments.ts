/**
 * Attachments as producers send them: base64 of the file, or base64 of a zip holding the file as its
 * one entry (a widely used library does this and labels the part `application/zip` while the manifest
 * keeps the real type). A wrapper is unwrapped only when its entry agrees with the declared name and
 * type; anything else is kept as it came and flagged. Contents are recognised by their first bytes.
 */
import { unzipSync, zipSync } from "fflate";
import { ExchangeError } from "../errors/index.ts";

type Kind = "pdf" | "ole" | "zip" | "png" | "jpeg" | "gif" | "tiff" | "xml" | "rtf";

const EXTENSIONS: Readonly<Record<string, Kind>> = {
  pdf: "pdf",
  doc: "ole",
  xls: "ole",
  ppt: "ole",
  docx: "zip",
  xlsx: "zip",
  pptx: "zip",
  odt: "zip",
  ods: "zip",
  odp: "zip",
  zip: "zip",
  png: "png",
  jpg: "jpeg",
  jpeg: "jpeg",
  gif: "gif",
  tif: "tiff",
  tiff: "tiff",
  xml: "xml",
  edxml: "xml",
  rtf: "rtf",
};

/** The content type of a file whose extension and first bytes agree (for a zip labelled twice). */
const TYPE_OF_EXTENSION: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  doc: "application/msword",
  xls: "application/vnd.ms-excel",
  ppt: "application/vnd.ms-powerpoint",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  odt: "application/vnd.oasis.opendocument.text",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  tif: "image/tiff",
  tiff: "image/tiff",
  xml: "application/xml",
  edxml: "application/xml",
  rtf: "application/rtf",
};

const ZIP_TYPES = new Set(["application/zip", "application/x-zip-compressed", "application/x-zip"]);

export function isZipType(type: string | undefined): boolean {
  return type !== undefined && ZIP_TYPES.has(type.trim().toLowerCase());
}

function kindOfType(type: string | undefined): Kind | undefined {
  const value = (type ?? "").trim().toLowerCase();
  if (value === "application/pdf") {
    return "pdf";
  }
  if (
    value === "application/msword" ||
    value === "application/vnd.ms-excel" ||
    value === "application/vnd.ms-powerpoint"
  ) {
    return "ole";
  }
  if (
    ZIP_TYPES.has(value) ||
    value.startsWith("application/vnd.openxmlformats") ||
    value.startsWith("application/vnd.oasis.opendocument")
  ) {
    return "zip";
  }
  if (value === "image/png" || value === "image/gif" || value === "image/tiff") {
    return value.slice(6) as Kind;
  }
  if (value === "image/jpeg") {
    return "jpeg";
  }
  if (value === "application/xml" || value === "text/xml") {
    return "xml";
  }
  return undefined;
}

function extension(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? "" : base.slice(dot + 1).toLowerCase();
}

function startsWith(bytes: Uint8Array, ...prefix: number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}

/** What the first bytes say the content is; undefined when they say nothing known. */
export function sniff(bytes: Uint8Array): Kind | undefined {
  if (startsWith(bytes, 0x25, 0x50, 0x44, 0x46, 0x2d)) {
    return "pdf";
  }
  if (startsWith(bytes, 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) {
    return "ole";
  }
  if (startsWith(bytes, 0x50, 0x4b, 0x03, 0x04) || startsWith(bytes, 0x50, 0x4b, 0x05, 0x06)) {
    return "zip";
  }
  if (startsWith(bytes, 0x89, 0x50, 0x4e, 0x47)) {
    return "png";
  }
  if (startsWith(bytes, 0xff, 0xd8, 0xff)) {
    return "jpeg";
  }
  if (startsWith(bytes, 0x47, 0x49, 0x46, 0x38)) {
    return "gif";
  }
  if (startsWith(bytes, 0x49, 0x49, 0x2a, 0x00) || startsWith(bytes, 0x4d, 0x4d, 0x00, 0x2a)) {
    return "tiff";
  }
  if (startsWith(bytes, 0x7b, 0x5c, 0x72, 0x74, 0x66)) {
    return "rtf";
  }
  const head = new TextDecoder()
    .decode(bytes.subarray(0, 64))
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (head.startsWith("<?xml")) {
    return "xml";
  }
  return undefined;
}

/** Where the first bytes contradict the name or the (non-zip) type: what they say, else undefined. */
function contradiction(bytes: Uint8Array, name: string, type: string | undefined): string | undefined {
  const found = sniff(bytes);
  if (found === undefined) {
    return undefined;
  }
  const byName = EXTENSIONS[extension(name)];
  const byType = isZipType(type) ? undefined : kindOfType(type);
  if (byName !== undefined && byName !== found) {
    return `the content is ${found}, the name '${name}' says ${byName}`;
  }
  if (byType !== undefined && byType !== found) {
    return `the content is ${found}, the type ${type} says ${byType}`;
  }
  return undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes base64 (whitespace ignored); undefined when it is not base64. Refuses before decoding
 * when the result would exceed `maxBytes` (EDXML_ATTACHMENT_TOO_LARGE).
 */
export function decodeBase64(text: string, maxBytes: number): Uint8Array | undefined {
  const compact = /\s/.test(text) ? text.replace(/\s+/g, "") : text;
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    return undefined;
  }
  const size = (compact.length / 4) * 3;
  if (size > maxBytes + 2) {
    throw new ExchangeError("EDXML_ATTACHMENT_TOO_LARGE", {
      detail: `about ${size} bytes, at most ${maxBytes} allowed`,
    });
  }
  const buffer = Buffer.from(compact, "base64");
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export interface UnwrapInput {
  readonly name: string;
  readonly manifestType: string | undefined;
  readonly attachmentType: string | undefined;
  readonly bytes: Uint8Array;
  /** Budget for inflated bytes left in this package. */
  readonly maxInflated: number;
}

export interface UnwrapResult {
  readonly bytes: Uint8Array;
  readonly contentType: string;
  readonly transfer: "base64" | "zip";
  readonly zipEntry?: string;
  /** Set when the content does not match the declared name and type (EDXML_ATTACHMENT_MISMATCH). */
  readonly mismatch?: string;
}

/**
 * Takes a decoded attachment apart: unwraps a single-entry zip that agrees with the declared name and
 * type, and otherwise keeps the bytes as they came, saying why when they disagree.
 *
 * @example
 * const file = unwrapAttachment({ name: "a.pdf", manifestType: "application/pdf", attachmentType: "application/zip", bytes, maxInflated: 1 << 26 });
 */
export function unwrapAttachment(input: UnwrapInput): UnwrapResult {
  const { name, manifestType, attachmentType, bytes } = input;
  const declared = [manifestType, attachmentType].find((type) => type && !isZipType(type))?.trim();
  const labelledZip = isZipType(manifestType) || isZipType(attachmentType);
  const asCame = (mismatch?: string): UnwrapResult => ({
    bytes,
    contentType: declared ?? (labelledZip ? "application/zip" : "application/octet-stream"),
    transfer: "base64",
    ...(mismatch === undefined ? {} : { mismatch }),
  });
  if (sniff(bytes) !== "zip") {
    return asCame(contradiction(bytes, name, declared));
  }
  const zip = zipEntries(bytes, input.maxInflated);
  const entry = zip?.count === 1 ? zip.first : undefined;
  const sameExtension = entry !== undefined && extension(entry.name) === extension(name);
  const agrees =
    entry !== undefined &&
    (sameExtension || extension(entry.name) === "") &&
    contradiction(entry.bytes, name, declared) === undefined;
  if (EXTENSIONS[extension(name)] === "zip" && !(sameExtension && agrees)) {
    // A .zip, .docx, .odt … is itself a zip: nothing to unwrap, nothing to flag.
    return asCame();
  }
  if (!agrees) {
    const why =
      zip === undefined
        ? "the zip cannot be opened"
        : entry === undefined
          ? `the zip holds ${zip.count} files, not one`
          : `the zip holds '${entry.name}', not '${name}'${describeContent(entry.bytes, name, declared)}`;
    return asCame(why);
  }
  const confirmed =
    sniff(entry.bytes) === EXTENSIONS[extension(name)] ? TYPE_OF_EXTENSION[extension(name)] : undefined;
  return {
    bytes: entry.bytes,
    contentType: declared ?? confirmed ?? "application/octet-stream",
    transfer: "zip",
    zipEntry: entry.name,
  };
}

function describeContent(bytes: Uint8Array, name: string, declared: string | undefined): string {
  const why = contradiction(bytes, name, declared);
  return why === undefined ? "" : ` (${why})`;
}

/**
 * The number of files in a zip (directories skipped) and the first one, inflated only when its
 * declared size fits the budget (else EDXML_ATTACHMENT_TOO_LARGE); undefined when the zip cannot be
 * read. fflate inflates into a buffer of the declared size, so the declared size bounds memory.
 */
function zipEntries(
  bytes: Uint8Array,
  maxInflated: number,
): { count: number; first: { name: string; bytes: Uint8Array } | undefined } | undefined {
  let count = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (file) => {
        if (file.name.endsWith("/")) {
          return false;
        }
        count += 1;
        if (count > 1) {
          return false;
        }
        if (file.originalSize > maxInflated) {
          throw new ExchangeError("EDXML_ATTACHMENT_TOO_LARGE", {
            detail: `a zipped attachment of ${file.originalSize} bytes once unzipped, at most ${maxInflated} allowed`,
          });
        }
        return true;
      },
    });
  } catch (error) {
    if (error instanceof ExchangeError) {
      throw error;
    }
    return undefined;
  }
  const [first] = Object.entries(files);
  return { count, first: first && { name: first[0], bytes: first[1] } };
}

/** The one-entry zip an attachment travelled in (transfer "zip"), for writing it back the same way. */
export function wrapInZip(entryName: string, bytes: Uint8Array): Uint8Array {
  return zipSync({ [entryName]: bytes }, { level: 6, mtime: new Date(Date.UTC(2000, 0, 1)) });
}
