/**
 * `validatePdf`: every signature of a PDF letter (PAdES, ETSI EN 319 142-1; ISO 32000-1 §12.8),
 * judged fail-closed. Per signature: byte-range rules, CMS, digest, signature value, ESS reference,
 * timestamp, key usage, validity, chain, revocation, organ binding, and what changed afterwards.
 *
 * Imports go to the source files of the other packages (not their index) so that the CLI's
 * `verify` loads only what verification needs.
 */
import { ByteRangeDigester } from "../pdf/byte-range.ts";
import { lastIndexOfAscii } from "../pdf/lexer.ts";
import { PdfDict, type PdfObject, PdfStream } from "../pdf/objects.ts";
import { type PdfFile, readPdf } from "../pdf/read-pdf.ts";
import type { PdfSignatureInfo } from "../pdf/signatures.ts";
import { decodeStream } from "../pdf/stream-decode.ts";
import { type Certificate, parseCertificate } from "../pki/certificate.ts";
import { type Crl, parseCrl } from "../pki/crl.ts";
import { checkByteRangeRules } from "./byte-range-rules.ts";
import type { ChangePolicyName } from "./changes/index.ts";
import {
  analyseChanges,
  type Change,
  docMdpPermission,
  type Painting,
  signatureObjects,
} from "./changes/index.ts";
import { resolveOptions, type ValidationContext, type ValidationOptions } from "./options.ts";
import { Outcome } from "./outcome.ts";
import {
  type Coverage,
  deepFreeze,
  type ModificationLevel,
  type RevocationSummary,
  type SignatureReport,
  type ValidationReport,
  worstIndication,
} from "./report.ts";
import { validateTimestampToken } from "./timestamp-validation.ts";
import { summariseCertificate, validateSignedData } from "./validate-signed-data.ts";

const SIGNATURE_SUBFILTERS = new Set(["adbe.pkcs7.detached", "ETSI.CAdES.detached"]);
const TIMESTAMP_SUBFILTER = "ETSI.RFC3161";

/**
 * Parses a PDF date (ISO 32000-1 §7.9.4), e.g. "D:20240305140211+07'00'", to a Date; undefined when
 * it is not one.
 */
export function parsePdfDate(text: string | undefined): Date | undefined {
  if (!text) {
    return undefined;
  }
  const match = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-])?(\d{2})?'?(\d{2})?'?$/.exec(
    text.trim(),
  );
  if (!match) {
    return undefined;
  }
  const [, y, mo = "01", d = "01", h = "00", mi = "00", s = "00", sign, zh = "00", zm = "00"] = match;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (sign === "+" || sign === "-") {
    const offset = (Number(zh) * 60 + Number(zm)) * 60_000;
    ms += sign === "+" ? -offset : offset;
  }
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Certificates and CRLs of the document security store (ETSI EN 319 142-1 §5.4.2), best effort. */
function readDss(file: PdfFile): { certificates: Certificate[]; crls: Crl[] } {
  const certificates: Certificate[] = [];
  const crls: Crl[] = [];
  try {
    const root = file.deref(file.trailer.get("Root"));
    const dss = root instanceof PdfDict ? file.deref(root.get("DSS")) : undefined;
    if (!(dss instanceof PdfDict)) {
      return { certificates, crls };
    }
    const streams = (key: string): PdfStream[] => {
      const list = file.deref(dss.get(key));
      return Array.isArray(list)
        ? list
            .map((item: PdfObject) => file.deref(item))
            .filter((item): item is PdfStream => item instanceof PdfStream)
        : [];
    };
    for (const stream of streams("Certs").slice(0, 1000)) {
      try {
        certificates.push(parseCertificate(decodeStream(stream, { maxBytes: 1 << 20 })));
      } catch {
        // an unreadable DSS entry is ignored: it can only add candidates, never trust
      }
    }
    for (const stream of streams("CRLs").slice(0, 100)) {
      try {
        crls.push(parseCrl(decodeStream(stream, { maxBytes: 64 << 20 })));
      } catch {
        // idem
      }
    }
  } catch {
    // a broken DSS is ignored; revision analysis judges whether it may be there at all
  }
  return { certificates, crls };
}

/**
 * Bytes after the last revision's %%EOF that a reader might act on: any non-whitespace byte, and all
 * of them when they are more than {@link MAX_TRAILING_WHITESPACE} (a reader that looks for
 * `startxref` only near the end then rebuilds the cross-reference by scanning, and may show hidden
 * definitions).
 */
function trailingData(file: PdfFile): number {
  const last = file.revisions[file.revisions.length - 1]!;
  let junk = 0;
  for (let i = last.endOffset; i < file.bytes.length; i++) {
    const byte = file.bytes[i]!;
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09 && byte !== 0x00 && byte !== 0x0c) {
      junk++;
    }
  }
  const trailing = file.bytes.length - last.endOffset;
  if (trailing > MAX_TRAILING_WHITESPACE) {
    return trailing;
  }
  // Padding before the last %%EOF is the same trick: the last `startxref` must sit near the end.
  const startxref = lastIndexOfAscii(file.bytes, "startxref", Math.max(0, file.bytes.length - 4096));
  const tail = startxref < 0 ? file.bytes.length : file.bytes.length - startxref;
  return tail > MAX_TRAILING_WHITESPACE + 64 ? tail : junk;
}

/** Whitespace after the last %%EOF that is still harmless (writers add a line end or a little padding). */
const MAX_TRAILING_WHITESPACE = 1024;

/** "2 signature, 1 metadata change(s): SIGNATURE_FIELD_ADDED, INFO_UPDATED". */
function describeChanges(changes: readonly Change[]): string {
  const counts = new Map<string, number>();
  for (const change of changes) {
    counts.set(change.class, (counts.get(change.class) ?? 0) + 1);
  }
  const codes = [...new Set(changes.map((change) => change.code))];
  return `${[...counts].map(([name, count]) => `${count} ${name}`).join(", ")} change(s): ${codes.join(", ")}`;
}

/** Fills in who painted each widget: the signer of the signature whose dictionary it shows. */
function nameThePainters(reports: SignatureReport[], signatures: readonly PdfSignatureInfo[]): void {
  const byObject = new Map<number, SignatureReport>();
  for (const [index, signature] of signatures.entries()) {
    byObject.set(signature.signatureRef.objectNumber, reports[index]!);
  }
  for (const report of reports) {
    for (const painting of report.paintedAfter as Painting[]) {
      const painter =
        painting.signatureObject === undefined ? undefined : byObject.get(painting.signatureObject);
      if (painter) {
        Object.assign(painting, {
          by: painter.index,
          ...(painter.signer?.name ? { signer: painter.signer.name } : {}),
        });
      }
    }
  }
}

const NO_REVOCATION: RevocationSummary = { source: "none", status: "unknown" };

interface DocumentFacts {
  readonly file: PdfFile;
  readonly signatures: readonly PdfSignatureInfo[];
  readonly dss: { certificates: Certificate[]; crls: Crl[] };
  readonly junkBytes: number;
  /** Hashes the file once for all signatures and the document digest. */
  readonly digester: ByteRangeDigester;
  readonly changePolicy?: ChangePolicyName;
  /** Revision of the certification signature and its DocMDP /P. */
  readonly certification?: { readonly revision: number; readonly permission: 1 | 2 | 3 };
}

async function validateOne(
  facts: DocumentFacts,
  signature: PdfSignatureInfo,
  index: number,
  context: ValidationContext,
): Promise<SignatureReport> {
  const { file } = facts;
  const outcome = new Outcome();
  const isTimestamp = signature.subFilter === TIMESTAMP_SUBFILTER;
  const claimed = parsePdfDate(signature.signingTime);
  let result: Awaited<ReturnType<typeof validateSignedData>> | undefined;
  let modification: ModificationLevel = "other";
  let changes: readonly Change[] = [];
  let paintings: readonly Painting[] = [];
  let coverage: Coverage = "unclear";
  let docTimestamp: { genTime?: Date; tsa?: Certificate; valid: boolean } | undefined;
  const verdict = checkByteRangeRules(file, signature, facts.signatures, outcome);
  const certificationLevel = docMdpPermission(file, signature.signatureRef);
  try {
    if (verdict.ok && verdict.byteRange && verdict.cms && verdict.signedRevision !== undefined) {
      const range = verdict.byteRange;
      const digests = new Map<string, Uint8Array>();
      const contentDigest = (hash: string): Uint8Array => {
        let value = digests.get(hash);
        if (!value) {
          value = facts.digester.digest(range, hash);
          digests.set(hash, value);
        }
        return value;
      };
      if (isTimestamp) {
        const ts = await validateTimestampToken(verdict.cms, contentDigest, context);
        docTimestamp = {
          ...(ts.genTime ? { genTime: ts.genTime } : {}),
          ...(ts.tsa ? { tsa: ts.tsa } : {}),
          valid: ts.valid,
        };
        if (ts.valid) {
          outcome.passed("timestamp", "DOCUMENT_TIMESTAMP_VALID", ts.detail);
        } else {
          const sub = ts.code === "TIMESTAMP_IMPRINT_MISMATCH" ? "HASH_FAILURE" : "SIG_CRYPTO_FAILURE";
          const indication = ts.code === "TIMESTAMP_TSA_UNTRUSTED" ? "INDETERMINATE" : "TOTAL_FAILED";
          outcome.failed(
            "timestamp",
            ts.code,
            indication,
            indication === "INDETERMINATE" ? "NO_CERTIFICATE_CHAIN_FOUND" : sub,
            ts.detail,
          );
        }
      } else if (!signature.subFilter || !SIGNATURE_SUBFILTERS.has(signature.subFilter)) {
        outcome.failed(
          "cms-structure",
          "SUBFILTER_UNSUPPORTED",
          "TOTAL_FAILED",
          "FORMAT_FAILURE",
          `expected /SubFilter ETSI.CAdES.detached or adbe.pkcs7.detached, got ${signature.subFilter ?? "none"}`,
        );
      } else {
        result = await validateSignedData(
          {
            cms: verdict.cms,
            contentDigest,
            requireSigningCertificateV2: signature.subFilter === "ETSI.CAdES.detached",
            documentCertificates: facts.dss.certificates,
            documentCrls: facts.dss.crls,
          },
          context,
          outcome,
        );
      }
      const docMdp =
        facts.certification && verdict.signedRevision >= facts.certification.revision
          ? facts.certification.permission
          : undefined;
      const analysis = analyseChanges(file, verdict.signedRevision, {
        ...(docMdp ? { docMdp } : {}),
        ...(facts.changePolicy ? { policy: facts.changePolicy } : {}),
      });
      modification = analysis.modification;
      changes = analysis.changes;
      paintings = analysis.paintings;
      if (facts.junkBytes > 0) {
        modification = "other";
        outcome.failed(
          "modifications",
          "DATA_AFTER_LAST_EOF",
          "TOTAL_FAILED",
          "FORMAT_FAILURE",
          `${facts.junkBytes} bytes follow the last %%EOF outside any revision (non-whitespace, or more whitespace than a writer adds)`,
        );
      } else if (modification === "other") {
        const first = analysis.changes.find((change) => change.verdict === "refused")!;
        const more = analysis.changes.filter((change) => change.verdict === "refused").length - 1;
        outcome.failed(
          "modifications",
          `MODIFIED_AFTER_SIGNING_${first.code}`,
          "TOTAL_FAILED",
          "FORMAT_FAILURE",
          `${first.revision !== undefined ? `revision ${first.revision + 1}: ` : ""}${first.detail}${more > 0 ? ` (and ${more} more refused change(s))` : ""}`,
        );
      } else {
        outcome.passed(
          "modifications",
          analysis.changes.length === 0 ? "NO_MODIFICATIONS" : "ALLOWED_MODIFICATIONS",
          analysis.changes.length === 0
            ? "nothing was added after this signature"
            : `after signing only allowed changes: ${describeChanges(analysis.changes)}`,
        );
      }
      const fileEnd = range[2] + range[3];
      const trailingWhitespaceOnly =
        facts.junkBytes === 0 && verdict.signedRevision === file.revisions.length - 1;
      coverage =
        fileEnd === file.bytes.length || trailingWhitespaceOnly
          ? "whole-file"
          : modification === "other"
            ? "unclear"
            : "revision";
      if (certificationLevel !== undefined) {
        outcome.passed(
          "docmdp",
          "CERTIFICATION_SIGNATURE",
          `certification signature, DocMDP /P ${certificationLevel}`,
        );
      }
    }
  } catch (error) {
    // Fail closed: anything unexpected about this signature is a format failure, not a crash.
    outcome.failed(
      "cms-structure",
      "UNPROCESSABLE_SIGNATURE",
      "TOTAL_FAILED",
      "FORMAT_FAILURE",
      (error as Error).message,
    );
  }
  const { indication, subIndication } = outcome.result();
  const claimedSigningTime = claimed ?? result?.cmsSigningTime;
  const signer =
    result?.signer ??
    (docTimestamp?.tsa
      ? {
          certificate: summariseCertificate(docTimestamp.tsa),
          ...(docTimestamp.tsa.subject.commonName ? { name: docTimestamp.tsa.subject.commonName } : {}),
        }
      : undefined);
  const proven = result?.provenSigningTime ?? (docTimestamp?.valid ? docTimestamp.genTime : undefined);
  return {
    index,
    kind: isTimestamp ? "document-timestamp" : "pdf-signature",
    indication,
    ...(subIndication ? { subIndication } : {}),
    checks: outcome.checks,
    fieldName: signature.fieldName,
    ...(signature.subFilter ? { subFilter: signature.subFilter } : {}),
    ...(signature.reason ? { reason: signature.reason } : {}),
    ...(signature.location ? { location: signature.location } : {}),
    ...(result?.hashAlgorithm ? { hashAlgorithm: result.hashAlgorithm } : {}),
    ...(signer ? { signer } : {}),
    chain: result?.chain ?? [],
    ...(claimedSigningTime ? { claimedSigningTime: claimedSigningTime.toISOString() } : {}),
    ...(proven ? { provenSigningTime: proven.toISOString() } : {}),
    ...(result?.timestamp
      ? { timestamp: result.timestamp }
      : docTimestamp?.genTime
        ? {
            timestamp: {
              genTime: docTimestamp.genTime.toISOString(),
              ...(docTimestamp.tsa ? { tsa: docTimestamp.tsa.subject.text } : {}),
              valid: docTimestamp.valid,
            },
          }
        : {}),
    revocation: result?.revocation ?? NO_REVOCATION,
    coverage,
    modification,
    changes,
    paintedAfter: paintings.map((painting) => ({ ...painting })),
    ...(verdict.byteRange ? { byteRange: [...verdict.byteRange] } : {}),
    ...(verdict.signedRevision !== undefined
      ? {
          signedRevision: {
            revision: verdict.signedRevision,
            length: file.revisions[verdict.signedRevision]!.endOffset,
          },
        }
      : {}),
    ...(certificationLevel !== undefined ? { certificationLevel } : {}),
  };
}

/**
 * Validates every signature of a PDF and returns a frozen report. Throws only for input that is not
 * a readable PDF (PDF_MALFORMED, PDF_ENCRYPTED) or unusable options (CERT_MALFORMED, CRL_MALFORMED,
 * TRUST_ANCHORS_MISSING); every signature problem is reported, never thrown.
 *
 * @example
 * const report = await validatePdf(bytes, { trustAnchors: rootPem, crls: [intermediateCrl], offline: true });
 * if (report.verdict !== "TOTAL_PASSED") { refuse(report) }
 */
export async function validatePdf(bytes: Uint8Array, options: ValidationOptions): Promise<ValidationReport> {
  const context = resolveOptions(options);
  const file = readPdf(bytes);
  const signatures = file.signatures();
  let certification: DocumentFacts["certification"];
  for (const signature of signatures) {
    const permission = docMdpPermission(file, signature.signatureRef);
    if (permission !== undefined) {
      certification = { revision: signature.revision, permission };
      break;
    }
  }
  const facts: DocumentFacts = {
    file,
    signatures,
    dss: readDss(file),
    junkBytes: trailingData(file),
    ...(options.changePolicy ? { changePolicy: options.changePolicy } : {}),
    digester: new ByteRangeDigester(bytes),
    ...(certification ? { certification } : {}),
  };
  const reports: SignatureReport[] = [];
  for (const [index, signature] of signatures.entries()) {
    reports.push(await validateOne(facts, signature, index, context));
  }
  nameThePainters(reports, signatures);
  const problems: { code: string; detail: string }[] = [];
  const signed = reports.some((report) => report.kind === "pdf-signature");
  if (!signed) {
    problems.push({
      code: "NO_SIGNATURE",
      detail: "the PDF has no signed signature field (a document timestamp alone is no signature)",
    });
  }
  const listed = new Set(signatures.map((signature) => signature.signatureRef.objectNumber));
  const removed = signatureObjects(file).filter(({ object }) => !listed.has(object));
  for (const { object, revision } of removed) {
    problems.push({
      code: "SIGNATURE_REMOVED",
      detail: `revision ${revision + 1} holds a signature (object ${object}) that the letter no longer lists`,
    });
  }
  if (facts.junkBytes > 0) {
    problems.push({
      code: "DATA_AFTER_LAST_EOF",
      detail: `${facts.junkBytes} bytes after the last %%EOF (non-whitespace, or more whitespace than a writer adds)`,
    });
  }
  const verdict =
    signed && removed.length === 0
      ? worstIndication(reports.map((report) => report.indication))
      : "TOTAL_FAILED";
  return deepFreeze({
    verdict,
    validationTime: context.validationTime.toISOString(),
    document: {
      kind: "pdf",
      sha256: Buffer.from(facts.digester.digest([0, bytes.length], "sha256")).toString("hex"),
      size: bytes.length,
      revisions: file.revisions.length,
    },
    policy: {
      revocation: context.revocation,
      ...(context.expectedOrganCode ? { expectedOrganCode: context.expectedOrganCode } : {}),
    },
    problems,
    signatures: reports,
  });
}
