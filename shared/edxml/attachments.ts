/**
 * Attachments as producers send them: base64 of the file, or base64 of a zip holding the file as its
 * one entry (a widely used library does this and labels the part `application/zip` while the manifest
 * keeps the real type). A wrapper is unwrapped only when its entry agrees with the declared name and
 * type; anything else is kept as it came and flagged. Contents are recognised by their first bytes.
 */
import { Unzip, UnzipInflate, unzipSync, zipSync } from "fflate";
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

/** Bytes of zip fed to the inflater at a time: one push inflates at most ~1032 × this (DEFLATE's ceiling). */
const ZIP_CHUNK = 4 * 1024;
/** Inflated bytes allowed per byte of zip (beyond {@link RATIO_FLOOR}): PDFs and office files stay far below. */
export const MAX_ZIP_RATIO = 100;
const RATIO_FLOOR = 1024 * 1024;

/** How many bytes the last {@link zipEntries} call inflated (for tests: the bound holds on bytes, not time). */
export const zipStats = { inflated: 0 };

/**
 * The number of files in a zip (directories skipped) and the first one, or undefined when the zip
 * cannot be read. Sizes in a zip are the sender's claims: the central directory's are checked
 * first (nothing inflated), then the first entry is inflated as a stream, a chunk at a time, and
 * refused (EDXML_ATTACHMENT_TOO_LARGE) as soon as its output passes the least of its declared sizes,
 * the package's remaining budget and {@link MAX_ZIP_RATIO} times the zip's own size — so a bomb
 * costs at most one chunk's inflation beyond the limit, whatever it declares.
 */
function zipEntries(
  bytes: Uint8Array,
  maxInflated: number,
): { count: number; first: { name: string; bytes: Uint8Array } | undefined } | undefined {
  zipStats.inflated = 0;
  const tooLarge = (detail: string) => new ExchangeError("EDXML_ATTACHMENT_TOO_LARGE", { detail });
  // The central directory: names and declared sizes, without inflating anything.
  let count = 0;
  let declared: { name: string; originalSize: number } | undefined;
  try {
    unzipSync(bytes, {
      filter: (file) => {
        if (!file.name.endsWith("/")) {
          count += 1;
          declared ??= { name: file.name, originalSize: file.originalSize };
        }
        return false;
      },
    });
  } catch {
    return undefined;
  }
  if (!declared) {
    return { count, first: undefined };
  }
  if (declared.originalSize > maxInflated) {
    throw tooLarge(
      `a zipped attachment of ${declared.originalSize} bytes once unzipped, at most ${maxInflated} allowed`,
    );
  }
  const limit = Math.min(
    declared.originalSize,
    maxInflated,
    Math.max(RATIO_FLOOR, MAX_ZIP_RATIO * bytes.byteLength),
  );
  const chunks: Uint8Array[] = [];
  let refused: ExchangeError | undefined;
  let broken = false;
  let done = false;
  const unzip = new Unzip((file) => {
    if (file.name !== declared?.name || chunks.length > 0 || done || broken) {
      return; // only the central directory's first file is inflated
    }
    const local = file.originalSize ?? limit;
    file.ondata = (error, chunk, final) => {
      if (error || refused || broken) {
        broken ||= error !== null;
        return;
      }
      zipStats.inflated += chunk.byteLength;
      if (zipStats.inflated > Math.min(limit, local)) {
        refused = tooLarge(
          `a zipped attachment inflates past ${Math.min(limit, local)} bytes (its declared size ${Math.min(declared?.originalSize ?? 0, local)}, the package's budget ${maxInflated}, at most ${MAX_ZIP_RATIO} times its ${bytes.byteLength} bytes of zip)`,
        );
        return;
      }
      chunks.push(chunk);
      done ||= final;
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    for (let at = 0; at < bytes.byteLength && !refused && !broken && !done; at += ZIP_CHUNK) {
      unzip.push(bytes.subarray(at, at + ZIP_CHUNK), at + ZIP_CHUNK >= bytes.byteLength);
    }
  } catch {
    broken = true;
  }
  if (refused) {
    throw refused;
  }
  const inflated = chunks.length === 1 ? chunks[0]! : concat(chunks);
  if (broken || !done || inflated.byteLength !== declared.originalSize) {
    return undefined;
  }
  return { count, first: { name: declared.name, bytes: inflated } };
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The one-entry zip an attachment travelled in (transfer "zip"), for writing it back the same way. */
export function wrapInZip(entryName: string, bytes: Uint8Array): Uint8Array {
  return zipSync({ [entryName]: bytes }, { level: 6, mtime: new Date(Date.UTC(2000, 0, 1)) });
}
