/**
 * The structural rules a PDF signature's /ByteRange must obey (ISO 32000-1 §12.8.1; ETSI EN 319 142-1
 * §5.1; the "signature wrapping" attacks of Mladenov et al. 2019): exactly two ranges, the first from
 * offset 0, the gap exactly this signature's /Contents hex string (delimiters included), the end of the
 * second range the end of a revision (after its %%EOF and EOL), zero padding after the CMS inside
 * /Contents, and no overlap with another signature's gap.
 */

import { BER, encodedLength } from "../asn1/der.ts";
import type { PdfFile } from "../pdf/read-pdf.ts";
import type { PdfSignatureInfo } from "../pdf/signatures.ts";
import type { Outcome } from "./outcome.ts";

export interface ByteRangeVerdict {
  /** True when every rule holds: the ranges may be hashed. */
  readonly ok: boolean;
  /** The four numbers, when they are four non-negative integers. */
  readonly byteRange?: readonly [number, number, number, number];
  /** Index of the revision the ranges end with. */
  readonly signedRevision?: number;
  /** The DER of the CMS without the /Contents zero padding. */
  readonly cms?: Uint8Array;
}

/**
 * Length of the CMS SEQUENCE at the start of `bytes` (DER, or BER with indefinite lengths as
 * poppler's and other signers write them), or undefined when it is not one complete element. The
 * one DER reader decides: end-of-contents octets are zeros, like the padding after them.
 */
export function derLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x30) {
    return undefined;
  }
  return encodedLength(bytes, BER);
}

function fourIntegers(
  value: readonly number[] | undefined,
): value is readonly [number, number, number, number] {
  return value !== undefined && value.length === 4 && value.every((n) => Number.isSafeInteger(n) && n >= 0);
}

/**
 * Applies the byte-range rules to `signature`, recording the "byte-range" check in `outcome`.
 *
 * @example
 * const verdict = checkByteRangeRules(pdf, signature, pdf.signatures(), outcome);
 * if (verdict.ok) { hashByteRange(pdf.bytes, verdict.byteRange, "sha256"); }
 */
export function checkByteRangeRules(
  file: PdfFile,
  signature: PdfSignatureInfo,
  all: readonly PdfSignatureInfo[],
  outcome: Outcome,
): ByteRangeVerdict {
  const fail = (code: string, detail: string, extra: Partial<ByteRangeVerdict> = {}): ByteRangeVerdict => {
    outcome.failed("byte-range", code, "TOTAL_FAILED", "FORMAT_FAILURE", detail);
    return { ok: false, ...extra };
  };
  const range = signature.byteRange;
  if (!range) {
    return fail("BYTE_RANGE_MISSING", "the signature dictionary has no /ByteRange array of numbers");
  }
  if (!fourIntegers(range)) {
    return fail(
      "BYTE_RANGE_NOT_TWO_RANGES",
      `expected two ranges (4 non-negative integers), got [${range.join(" ")}]`,
    );
  }
  const [start1, length1, start2, length2] = range;
  const end = start2 + length2;
  if (start1 !== 0) {
    return fail(
      "BYTE_RANGE_NOT_FROM_START",
      `expected the first range to start at 0, it starts at ${start1}`,
      { byteRange: range },
    );
  }
  if (length1 > start2 || end > file.bytes.length) {
    return fail(
      "BYTE_RANGE_OUTSIDE_FILE",
      `ranges [${range.join(" ")}] overlap or reach beyond the file (${file.bytes.length} bytes)`,
      { byteRange: range },
    );
  }
  const contents = signature.contents;
  const offsets = signature.contentsOffsets;
  if (!contents || contents.length === 0 || !offsets) {
    return fail("CONTENTS_MISSING", "the signature has no /Contents hex string at a file offset", {
      byteRange: range,
    });
  }
  if (file.bytes[offsets.start] !== 0x3c || file.bytes[offsets.end - 1] !== 0x3e) {
    return fail("CONTENTS_NOT_HEX_STRING", "/Contents must be a hex string <…>", { byteRange: range });
  }
  if (length1 !== offsets.start || start2 !== offsets.end) {
    return fail(
      "BYTE_RANGE_GAP_MISMATCH",
      `expected the gap to be exactly /Contents at [${offsets.start}, ${offsets.end}), ranges leave [${length1}, ${start2})`,
      { byteRange: range },
    );
  }
  const revision = file.revisions.find((r) => r.endOffset === end);
  if (!revision) {
    return fail(
      "BYTE_RANGE_NOT_AT_REVISION_END",
      `the second range ends at ${end}, which is not the end (after %%EOF) of any revision (${file.revisions.map((r) => r.endOffset).join(", ")})`,
      { byteRange: range },
    );
  }
  if (revision.index !== signature.revision) {
    return fail(
      "SIGNATURE_DICTIONARY_OUTSIDE_SIGNED_REVISION",
      `the signature dictionary is defined in revision ${signature.revision}, the ranges end with revision ${revision.index}`,
      { byteRange: range, signedRevision: revision.index },
    );
  }
  const derEnd = derLength(contents);
  if (derEnd === undefined || derEnd > contents.length) {
    return fail(
      "CONTENTS_NOT_DER",
      "/Contents does not start with a complete CMS SEQUENCE (DER or BER): the signature container cannot be read",
      {
        byteRange: range,
        signedRevision: revision.index,
      },
    );
  }
  for (let i = derEnd; i < contents.length; i++) {
    if (contents[i] !== 0) {
      return fail(
        "CONTENTS_NOT_ZERO_PADDED",
        `expected only zero bytes after the DER (${derEnd} bytes) in /Contents`,
        {
          byteRange: range,
          signedRevision: revision.index,
        },
      );
    }
  }
  for (const other of all) {
    if (other === signature || !fourIntegers(other.byteRange)) {
      continue;
    }
    const gapStart = other.byteRange[1];
    const gapEnd = other.byteRange[2];
    if (other.signatureRef.equals(signature.signatureRef) || (gapStart < start2 && gapEnd > length1)) {
      return fail(
        "BYTE_RANGE_OVERLAPS_OTHER_SIGNATURE",
        `the gap [${length1}, ${start2}) overlaps the gap of signature '${other.fieldName}' [${gapStart}, ${gapEnd})`,
        { byteRange: range, signedRevision: revision.index },
      );
    }
  }
  outcome.passed(
    "byte-range",
    "BYTE_RANGE_OK",
    `[${range.join(" ")}] covers revision ${revision.index + 1} of ${file.revisions.length} except its /Contents`,
  );
  return { ok: true, byteRange: range, signedRevision: revision.index, cms: contents.subarray(0, derEnd) };
}
