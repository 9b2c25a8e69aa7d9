/**
 * `lienthong verify`: validates the signatures of a PDF letter (or a detached .p7s over any file) and
 * prints a summary or the JSON report; exit 0 only for TOTAL_PASSED, 1 for failed or indeterminate,
 * 2 for unusable input or arguments (with --json, a file refused as a whole still prints a report
 * with verdict TOTAL_FAILED and the code in `problems`). The verification code is imported only once the arguments are
 * good, and the PDF report renderer only with --report, so that the command starts fast.
 */
import {
  ERROR_CODES,
  type ErrorCodeInfo,
  type ExchangeError,
  isExchangeError,
} from "../../shared/errors/index.ts";
import type { ValidationReport } from "../../shared/verification/report.ts";
import type { Command } from "../common.ts";
import {
  assertReadableFile,
  fail,
  onePositional,
  parseCommandArgs,
  readInput,
  runCommand,
  UsageError,
  writeAtomically,
} from "../common.ts";

/** Environment variable naming a PEM bundle of trusted roots, used when --trust is not given. */
const TRUST_ENV = "LIENTHONG_TRUST_ANCHORS";

const USAGE = `lienthong verify — verify the signatures of a letter

Usage: lienthong verify <file.pdf> [options]
       lienthong verify <file> --p7s <file.p7s> [options]

Options:
  --trust <pem>        PEM bundle of trusted root certificates; repeatable (default: $${TRUST_ENV})
  --crl <file>         a CA's current CRL (DER or PEM); repeatable. With the CAs' CRLs, no network is needed
  --p7s <file>         verify a detached CAdES signature over <file> instead of a PDF
  --detached <file>    the same as --p7s (e.g. a receipt: lienthong verify receipt.json --detached receipt.p7s)
  --organ <code>       the organ that claims to send the letter; every signer must belong to it
  --offline            do not contact OCSP responders or CRL distribution points
  --revocation <mode>  require (default) | prefer | off
  --json               print the JSON report (top-level "verdict", "signatures[].indication" …)
  --report <out.pdf>   also write a printable PDF verification report
  --lang <vi|en>       language of the summary (default: vi)
  -h, --help           show this help

Exit status: 0 valid (TOTAL_PASSED), 1 not valid or indeterminate, 2 unusable input or arguments.`;

const OPTIONS = {
  trust: { type: "string", multiple: true },
  crl: { type: "string", multiple: true },
  p7s: { type: "string" },
  detached: { type: "string" },
  organ: { type: "string" },
  offline: { type: "boolean" },
  revocation: { type: "string" },
  json: { type: "boolean" },
  report: { type: "string" },
  lang: { type: "string" },
} as const;

async function verifyCommand(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const { values, positionals } = args;
  const file = onePositional(positionals, USAGE, "file to verify");
  const lang = values.lang ?? "vi";
  if (lang !== "vi" && lang !== "en") {
    throw new UsageError(`--lang must be vi or en, got '${lang}'`);
  }
  const revocation = values.revocation ?? "require";
  if (revocation !== "require" && revocation !== "prefer" && revocation !== "off") {
    throw new UsageError(`--revocation must be require, prefer or off, got '${revocation}'`);
  }
  const trustFiles = values.trust ?? (process.env[TRUST_ENV] ? [process.env[TRUST_ENV]] : []);
  if (trustFiles.length === 0) {
    return fail("verify", "TRUST_ANCHORS_MISSING", `give --trust <pem> or set ${TRUST_ENV}`);
  }
  const trustPems = await Promise.all(
    trustFiles.map(async (path) => Buffer.from(await readInput(path, "trust bundle")).toString("utf8")),
  );
  const crls = await Promise.all((values.crl ?? []).map((path) => readInput(path, "CRL")));
  const options = {
    trustAnchors: trustPems,
    crls,
    revocation,
    offline: values.offline === true,
    ...(values.organ ? { expectedOrganCode: values.organ } : {}),
  } as const;
  let report: ValidationReport;
  const detached = values.p7s ?? values.detached;
  if (detached) {
    const p7s = await readInput(detached, "signature");
    // Fail early (exit 2) when the file is unreadable; then stream it, never holding it whole.
    await assertReadableFile(file, "file");
    const { createReadStream } = await import("node:fs");
    const { validateDetached } = await import("../../shared/verification/validate-detached.ts");
    report = await validateDetached(createReadStream(file), p7s, options);
  } else {
    const bytes = await readInput(file, "file");
    const { validatePdf } = await import("../../shared/verification/validate-pdf.ts");
    try {
      report = await validatePdf(bytes, options);
    } catch (error) {
      // A file refused as a whole still answers --json with a verdict, for scripts that parse it.
      if (values.json && isExchangeError(error) && ERROR_CODES[error.code].status < 500) {
        console.log(JSON.stringify(refusedReport(error), null, 2));
      }
      throw error;
    }
  }
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const { summarise } = await import("../../shared/verification/summary.ts");
    console.log(summarise(report, lang));
  }
  if (values.report) {
    const { renderReportPdf } = await import("../../shared/verification/report-pdf.ts");
    await writeAtomically(values.report, await renderReportPdf(report, { title: file }));
  }
  return report.verdict === "TOTAL_PASSED" ? 0 : 1;
}

/** The JSON of a file that is not a verifiable PDF at all (PDF_MALFORMED, PDF_TOO_MANY_REVISIONS, …). */
function refusedReport(error: ExchangeError) {
  const info: ErrorCodeInfo = ERROR_CODES[error.code];
  return {
    verdict: "TOTAL_FAILED",
    subIndication: info.etsi ?? "FORMAT_FAILURE",
    problems: [{ code: error.code, detail: error.detail ?? info.en }],
    messages: { en: info.en, vi: info.vi },
    signatures: [],
  };
}

export const command: Command = {
  summary: "verify the signatures of a PDF letter or a detached signature",
  run: (argv) => runCommand("verify", () => verifyCommand(argv)),
};
