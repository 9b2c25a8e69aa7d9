/**
 * The signature dictionary with its placeholders (ISO 32000-1 §12.8.1 Table 252; ETSI EN 319 142-1
 * §5.3 for /SubFilter /ETSI.CAdES.detached): /Contents is reserved as a zero-filled hex string and
 * /ByteRange as a fixed-width array, both patched in place once the file is laid out.
 */
import { ExchangeError } from "../errors/exchange-error.ts";
import { encodeTextString } from "./objects.ts";
import { formatHexString, formatName } from "./serialize.ts";

export interface SignatureDictionaryOptions {
  /** Bytes reserved for the DER CMS; /Contents takes twice as many hex digits. */
  readonly contentsBytes: number;
  /** Default "ETSI.CAdES.detached" (PAdES); "adbe.pkcs7.detached" for legacy readers. */
  readonly subFilter?: string;
  /** Default "Adobe.PPKLite". */
  readonly filter?: string;
  /** Written as /M; default now. */
  readonly signingTime?: Date;
  /** Time zone of /M in minutes east of UTC; default 420 (Vietnam, UTC+07:00). */
  readonly utcOffsetMinutes?: number;
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  readonly name?: string;
}

export interface SignatureDictionaryBody {
  /** The dictionary body to write as an indirect object. */
  readonly body: Uint8Array;
  /** Offset in `body` of the `<` opening /Contents, and the hex string's length including `<` `>`. */
  readonly contentsAt: number;
  readonly contentsLength: number;
  /** Offset in `body` of the `[` of /ByteRange and the width reserved for the whole array. */
  readonly byteRangeAt: number;
  readonly byteRangeWidth: number;
}

/** Room for four offsets up to 10 digits each (files up to ~9.3 GB). */
const BYTE_RANGE_WIDTH = 1 + 4 * 11;

/**
 * A PDF date "D:YYYYMMDDHHmmSS+07'00'" (§7.9.4) in the given time zone.
 *
 * @example
 * formatPdfDate(new Date("2024-03-05T07:02:11Z")); // "D:20240305140211+07'00'"
 */
export function formatPdfDate(date: Date, utcOffsetMinutes = 420): string {
  const local = new Date(date.getTime() + utcOffsetMinutes * 60_000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, "0");
  const sign = utcOffsetMinutes >= 0 ? "+" : "-";
  const abs = Math.abs(utcOffsetMinutes);
  return (
    `D:${pad(local.getUTCFullYear(), 4)}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}` +
    `${pad(local.getUTCHours())}${pad(local.getUTCMinutes())}${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}'${pad(abs % 60)}'`
  );
}

/** Builds the signature dictionary body with a zeroed /Contents and a blank /ByteRange. */
export function buildSignatureDictionary(options: SignatureDictionaryOptions): SignatureDictionaryBody {
  if (!Number.isSafeInteger(options.contentsBytes) || options.contentsBytes <= 0) {
    throw new RangeError(`contentsBytes must be a positive integer, got ${options.contentsBytes}`);
  }
  const text = (value: string): string => formatHexString(encodeTextString(value));
  let head = `<<${formatName("Type")} /Sig /Filter ${formatName(options.filter ?? "Adobe.PPKLite")}`;
  head += ` /SubFilter ${formatName(options.subFilter ?? "ETSI.CAdES.detached")}`;
  head += ` /M ${text(formatPdfDate(options.signingTime ?? new Date(), options.utcOffsetMinutes ?? 420))}`;
  if (options.name !== undefined) {
    head += ` /Name ${text(options.name)}`;
  }
  if (options.reason !== undefined) {
    head += ` /Reason ${text(options.reason)}`;
  }
  if (options.location !== undefined) {
    head += ` /Location ${text(options.location)}`;
  }
  if (options.contactInfo !== undefined) {
    head += ` /ContactInfo ${text(options.contactInfo)}`;
  }
  head += " /ByteRange ";
  const byteRangeAt = head.length;
  head += `[0 0 0 0]`.padEnd(BYTE_RANGE_WIDTH, " ");
  head += " /Contents ";
  const contentsAt = head.length;
  const contentsLength = 2 + options.contentsBytes * 2;
  const body = Buffer.alloc(contentsAt + contentsLength + 2, 0x30);
  body.write(head, 0, "latin1");
  body[contentsAt] = 0x3c;
  body[contentsAt + contentsLength - 1] = 0x3e;
  body.write(">>", contentsAt + contentsLength, "latin1");
  return { body, contentsAt, contentsLength, byteRangeAt, byteRangeWidth: BYTE_RANGE_WIDTH };
}

/** Writes `byteRange` over the reserved blank at `at` (padding with spaces); in place. */
export function patchByteRange(
  bytes: Uint8Array,
  at: number,
  width: number,
  byteRange: readonly number[],
): void {
  const text = `[${byteRange.join(" ")}]`;
  if (text.length > width) {
    throw new RangeError(`/ByteRange ${text} does not fit its ${width}-byte placeholder`);
  }
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).write(text.padEnd(width, " "), at, "latin1");
}

/**
 * Writes the DER CMS as hex into the reserved /Contents `<…>` at [start, end); the rest stays
 * zero padding. Throws PLACEHOLDER_TOO_SMALL (and writes nothing) when it does not fit.
 */
export function embedSignatureContents(bytes: Uint8Array, start: number, end: number, cms: Uint8Array): void {
  const capacity = Math.floor((end - start - 2) / 2);
  if (cms.length > capacity) {
    throw new ExchangeError("PLACEHOLDER_TOO_SMALL", {
      detail: `the CMS signature is ${cms.length} bytes, the placeholder holds ${capacity}`,
      meta: { required: cms.length, available: capacity },
    });
  }
  if (bytes[start] !== 0x3c || bytes[end - 1] !== 0x3e) {
    throw new RangeError(`[${start}, ${end}) is not a /Contents hex string placeholder`);
  }
  const hex = Buffer.from(cms.buffer, cms.byteOffset, cms.byteLength).toString("hex").toUpperCase();
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).write(hex, start + 1, "latin1");
}
