/**
 * CMS SignedData for Lienthong (RFC 5652): CAdES-BES / PAdES B-B building with ESS
 * signing-certificate-v2 (RFC 5035), two-phase external signing, RFC 3161 timestamps (B-T),
 * parsing and per-SignerInfo cryptographic checks. SignedData is built with forge.asn1
 * (asn1-builder.ts); parsing, checking and timestamp handling use the DER reader of
 * shared/asn1/der.ts only, so that verification never loads node-forge. node:crypto for hashing
 * and keys.
 *
 * @example
 * import { createCmsSignature, parseSignedData, verifySignerInfo } from "../cms/index.ts";
 * const cms = await createCmsSignature({ contentDigest, signer, tsa });
 * const info = parseSignedData(cms).signerInfos[0]!;
 */
export {
  digest,
  HASH_ALGORITHMS,
  type HashAlgorithm,
  hashNameForOid,
  isHashAlgorithm,
  OID,
} from "./algorithms.ts";
export { type CreateCmsSignatureOptions, createCmsSignature } from "./create-cms-signature.ts";
export { type EstimateCmsSizeOptions, estimateCmsSize, TIMESTAMP_ALLOWANCE } from "./estimate-cms-size.ts";
export {
  type EssCertId,
  type ParsedSignedData,
  type ParsedSignerInfo,
  parseSignedData,
  type SignerIdentifier,
} from "./parse.ts";
export type { Signer, SignRequest, Tsa } from "./ports.ts";
export {
  type CompleteCmsOptions,
  completeCmsSignature,
  completeWithCms,
  type PrepareCmsSignatureOptions,
  type PreparedCmsSignature,
  prepareCmsSignature,
} from "./prepare-cms-signature.ts";
export { timestampAttribute } from "./signed-data.ts";
export { addUnsignedAttribute } from "./signer-info-edit.ts";
export {
  buildTimeStampRequest,
  checkTimestampToken,
  parseTimeStampResponse,
  parseTimestampToken,
  type TimeStampRequestOptions,
  type TimeStampResponse,
  type TimestampToken,
  type TokenExpectations,
  timestampSignatureValue,
} from "./timestamp.ts";
export { checkSignatureValue, essMatches, type SignerInfoCheck, verifySignerInfo } from "./verify.ts";
