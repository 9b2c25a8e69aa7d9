/**
 * Verification of signed letters: `validatePdf` (PAdES) and `validateDetached` (CAdES .p7s) give a
 * frozen `ValidationReport` in ETSI EN 319 102-1 terms; `summarise` and `renderReportPdf` turn it into
 * words and paper. Fail-closed: anything not proven good is not TOTAL_PASSED.
 *
 * @example
 * import { summarise, validatePdf } from "../verification/index.ts";
 * const report = await validatePdf(bytes, { trustAnchors: rootsPem, expectedOrganCode: "000.00.11.H53" });
 * console.log(summarise(report, "vi"));
 */
export { type ByteRangeVerdict, checkByteRangeRules, derLength } from "./byte-range-rules.ts";
export {
  type AnalyseOptions,
  analyseChanges,
  CHANGE_POLICIES,
  type Change,
  type ChangeAnalysis,
  type ChangePolicyName,
  docMdpPermission,
  type Painting,
  RULES,
  sameObject,
} from "./changes/index.ts";
export {
  type OrganDirectory,
  type RevocationPolicy,
  resolveOptions,
  type ValidationContext,
  type ValidationOptions,
} from "./options.ts";
export { Outcome } from "./outcome.ts";
export {
  type CertificateSummary,
  type ChangeReport,
  type Check,
  type CheckName,
  type CheckStatus,
  type Coverage,
  deepFreeze,
  type Indication,
  type ModificationLevel,
  type PaintingReport,
  type RevocationSourceName,
  type RevocationSummary,
  type SignatureReport,
  type SignerSummary,
  type SubIndication,
  signedRevisionBytes,
  type TimestampSummary,
  type ValidationReport,
  worstIndication,
} from "./report.ts";
export { type ReportPdfOptions, renderReportPdf } from "./report-pdf.ts";
export { displayTime, type SummaryLanguage, summarise, summariseSignature } from "./summary.ts";
export { type TimestampValidation, validateTimestampToken } from "./timestamp-validation.ts";
export { validateDetached } from "./validate-detached.ts";
export { parsePdfDate, validatePdf } from "./validate-pdf.ts";
export {
  type SignedDataInput,
  type SignedDataResult,
  summariseCertificate,
  validateSignedData,
} from "./validate-signed-data.ts";
