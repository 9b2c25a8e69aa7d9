/**
 * Signing: adapters of the Signer and Tsa ports of shared/cms/ports.ts (software key, AWS KMS, HTTP
 * TSA; the port types are re-exported here), and detached
 * CAdES signing of streams. (`signPdf` is added here by the PDF package.)
 *
 * @example
 * import { SoftwareSigner, signDetached } from "../signing/index.ts";
 * const p7s = await signDetached(fs.createReadStream(path), { signer: SoftwareSigner.fromPkcs12(p12, pw) });
 */

export type { HashAlgorithm, Signer, SignRequest, Tsa } from "../cms/ports.ts";
export { HttpTsa, type HttpTsaOptions } from "./http-tsa.ts";
export { type KmsSignClient, KmsSigner, type KmsSignerOptions } from "./kms-signer.ts";
export {
  type CompletePdfSignatureOptions,
  completePdfSignature,
  type PreparedPdfSignature,
  type PreparePdfSignatureOptions,
  preparePdfSignature,
} from "./pdf-external.ts";
export { type ByteStream, hashStream, type SignDetachedOptions, signDetached } from "./sign-detached.ts";
export {
  type PdfRepairReport,
  type PrehashedPdf,
  readPdfForSigning,
  type SignPdfOptions,
  type SignPdfResult,
  signPdf,
  signPdfParts,
} from "./sign-pdf.ts";
export { SoftwareSigner } from "./software-signer.ts";
