/**
 * Evidence for Lienthong: the audit chain (hash-chained events per letter and for admin changes),
 * signed receipts of status changes, and the daily Merkle seal, all over RFC 8785 canonical JSON
 * and signed as detached CAdES through cms's Signer and Tsa ports. Pure: no storage, no AWS; the
 * exchange stores what these functions return.
 *
 * @example
 * import { appendEvent, issueReceipt, statusEvent } from "../evidence/index.ts";
 * const event = appendEvent(head, statusEvent({ letterId, letterSha256, recipient, status: "01", at, actingOrgan: "exchange" }));
 * const { json, p7s } = await issueReceipt(event, { signer });
 */
export {
  canonicalBytes,
  canonicalJson,
  type JsonObject,
  type JsonValue,
  parseCanonical,
} from "./canonical-json.ts";
export {
  ADMIN_CHAIN,
  appendEvent,
  type ChainEvent,
  type ChainHead,
  type ChainProblem,
  type ChainProblemKind,
  type ChainVerification,
  deliveryChain,
  type EventInput,
  eventHash,
  GENESIS,
  headOf,
  letterChain,
  parseChainId,
  type VerifyChainOptions,
  verifyChain,
} from "./chain.ts";
export {
  type CheckEvidenceSignatureOptions,
  checkEvidenceSignature,
  type EvidenceSignatureCheck,
} from "./check-evidence-signature.ts";
export { leafHash, MerkleTree, nodeHash, verifyInclusion } from "./merkle.ts";
export {
  issueReceipt,
  parseReceipt,
  type Receipt,
  receiptFor,
  receiptMatchesEvent,
  type SignedReceipt,
  STATUS_EVENT,
  type StatusChange,
  statusEvent,
} from "./receipt.ts";
export {
  buildSeal,
  evidenceError,
  type InclusionProof,
  parseSeal,
  type SealDocument,
  type SealProblem,
  type SealVerification,
  type SignedSeal,
  sealProof,
  signSeal,
  type VerifySealOptions,
  verifyLetterAgainstSeal,
} from "./seal.ts";
export { type SignEvidenceOptions, signEvidence } from "./sign-evidence.ts";
