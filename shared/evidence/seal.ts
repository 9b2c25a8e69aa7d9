/**
 * The daily seal (issue 10 item 8): the heads of the chains, sorted by chain id, are the leaves of
 * an RFC 6962 Merkle tree (leaf data: the head's 32 hash bytes, which already commit to the chain
 * id and seq); the seal document {day, root, count, heads} is signed by the exchange as detached
 * CAdES-T (the timestamp proves the seal existed that day). A letter's chain is then checked against
 * a seal with its inclusion proof: the chain recomputes, reaches the sealed head, and that head is in
 * the signed root. Events after the sealed head are checked by the chain alone.
 */
import type { Tsa } from "../cms/ports.ts";
import { ExchangeError } from "../errors/index.ts";
import type { Certificate } from "../pki/certificate.ts";
import { canonicalBytes, parseCanonical } from "./canonical-json.ts";
import { type ChainEvent, type ChainHead, type ChainProblem, verifyChain } from "./chain.ts";
import { checkEvidenceSignature } from "./check-evidence-signature.ts";
import { MerkleTree, verifyInclusion } from "./merkle.ts";
import { type SignEvidenceOptions, signEvidence } from "./sign-evidence.ts";

/** The seal document; its canonical JSON bytes are what the exchange signs. */
export interface SealDocument {
  /** The day sealed, YYYY-MM-DD (Vietnam time, as the scheduler chooses). */
  readonly day: string;
  /** Merkle tree head over the heads' hashes, lowercase hex. */
  readonly root: string;
  readonly count: number;
  /** Sorted by chain id (UTF-16 code units), one per chain. */
  readonly heads: readonly ChainHead[];
}

/** A chain's head in a seal, with the audit path to the seal's root. */
export interface InclusionProof extends ChainHead {
  /** Leaf index of the head in the seal. */
  readonly index: number;
  /** Leaves in the seal (= the seal's count). */
  readonly size: number;
  /** Audit path, nearest sibling first, lowercase hex. */
  readonly path: readonly string[];
}

/** A seal as stored under evidence/: the document bytes and its detached signature. */
export interface SignedSeal {
  /** seal.json: canonical JSON of the {@link SealDocument}. */
  readonly json: Uint8Array;
  /** seal.p7s: detached CAdES-T (DER) over `json`. */
  readonly p7s: Uint8Array;
}

const HEX64 = /^[0-9a-f]{64}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The seal of a day over the given chain heads, and every chain's inclusion proof.
 * Throws VALIDATION_FAILED for a duplicate chain or a head that is not a SHA-256.
 *
 * @example
 * const { document, proofs } = buildSeal("2026-12-01", heads);
 * const signed = await signSeal(document, { signer, tsa });
 */
export function buildSeal(
  day: string,
  heads: readonly ChainHead[],
): { readonly document: SealDocument; readonly proofs: ReadonlyMap<string, InclusionProof> } {
  if (!DAY.test(day)) {
    throw new ExchangeError("VALIDATION_FAILED", { detail: `day must be YYYY-MM-DD, got ${day}` });
  }
  const sorted = [...heads]
    .map((head) => ({ chain: head.chain, seq: head.seq, hash: head.hash }))
    .sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  sorted.forEach((head, index) => {
    if (!HEX64.test(head.hash) || !Number.isSafeInteger(head.seq) || head.seq < 0) {
      throw new ExchangeError("VALIDATION_FAILED", { detail: `head of ${head.chain}: not a chain head` });
    }
    if (index > 0 && sorted[index - 1]!.chain === head.chain) {
      throw new ExchangeError("VALIDATION_FAILED", { detail: `two heads for chain ${head.chain}` });
    }
  });
  const tree = new MerkleTree(sorted.map((head) => hexBytes(head.hash)));
  const document: SealDocument = { day, root: hexOf(tree.root), count: tree.size, heads: sorted };
  const proofs = new Map<string, InclusionProof>();
  sorted.forEach((head, index) => {
    proofs.set(head.chain, { ...head, index, size: tree.size, path: tree.proof(index).map(hexOf) });
  });
  return { document, proofs };
}

/**
 * The inclusion proof of a chain's head in a seal, recomputed from the seal document (so proofs
 * need not be stored: the seal's heads are enough); undefined when the chain is not in the seal.
 *
 * @example
 * const proof = sealProof(parseSeal(sealJson), letterChain(letterId));
 */
export function sealProof(document: SealDocument, chain: string): InclusionProof | undefined {
  return buildSeal(document.day, document.heads).proofs.get(chain);
}

/**
 * Signs a seal document as detached CAdES-T: a TSA is required, since a seal without a trusted
 * time proves nothing about the day.
 *
 * @example
 * const { json, p7s } = await signSeal(document, { signer: exchangeSigner, tsa });
 */
export async function signSeal(
  document: SealDocument,
  options: SignEvidenceOptions & { readonly tsa: Tsa },
): Promise<SignedSeal> {
  const json = canonicalBytes(document);
  return { json, p7s: await signEvidence(json, options) };
}

/**
 * Reads seal bytes: canonical JSON whose root recomputes from its heads. Throws EVIDENCE_MALFORMED.
 *
 * @example
 * const document = parseSeal(signed.json);
 */
export function parseSeal(bytes: Uint8Array): SealDocument {
  const value = parseCanonical(bytes) as unknown as SealDocument;
  const shaped =
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).sort().join(",") === "count,day,heads,root" &&
    typeof value.day === "string" &&
    DAY.test(value.day) &&
    typeof value.root === "string" &&
    Array.isArray(value.heads) &&
    value.count === value.heads.length;
  if (!shaped) {
    throw new ExchangeError("EVIDENCE_MALFORMED", {
      detail: "not a seal document {day, root, count, heads}",
    });
  }
  let rebuilt: SealDocument;
  try {
    rebuilt = buildSeal(value.day, value.heads).document;
  } catch (error) {
    throw new ExchangeError("EVIDENCE_MALFORMED", {
      detail: "the seal's heads are not chain heads",
      cause: error,
    });
  }
  if (!Buffer.from(canonicalBytes(rebuilt)).equals(bytes)) {
    throw new ExchangeError("EVIDENCE_MALFORMED", {
      detail: "the seal's root or head order does not recompute from its heads",
    });
  }
  return value;
}

/** Why a seal does not vouch for a chain. */
export interface SealProblem {
  /** SEAL_INVALID: the seal itself fails; NOT_SEALED: the head is not what the seal holds. */
  readonly kind: "SEAL_INVALID" | "NOT_SEALED";
  readonly detail: string;
}

/** Outcome of {@link verifyLetterAgainstSeal}. */
export type SealVerification =
  | {
      readonly ok: true;
      readonly day: string;
      /** The sealed head, found in the chain. */
      readonly sealedHead: ChainHead;
      /** The chain's current head (may be later than the sealed one). */
      readonly head: ChainHead | undefined;
      /** The seal's timestamp time (RFC 3161 genTime). */
      readonly sealedAt: Date;
      readonly signer: Certificate;
    }
  | { readonly ok: false; readonly problem: ChainProblem | SealProblem };

/** Options of {@link verifyLetterAgainstSeal}. */
export interface VerifySealOptions {
  /** The exchange's seal-signing certificates (current and retired). */
  readonly trustedSigners: readonly Certificate[];
  /** When given, the seal's timestamp must come from one of these TSA certificates. */
  readonly trustedTsas?: readonly Certificate[];
}

/**
 * Recomputes a chain (a letter's, or the admin chain) and checks it against a signed seal: the seal
 * is signed by the exchange and timestamped, the proof's head is the seal's entry for this chain and
 * sits under its root, and the chain passes through that head. A changed, removed, reordered or
 * inserted event is reported by name (see verifyChain); never throws for bad data.
 *
 * @example
 * const result = verifyLetterAgainstSeal(events, { json, p7s }, proof, { trustedSigners: [exchangeCert] });
 * if (!result.ok) console.log(result.problem.kind, result.problem.detail);
 */
export function verifyLetterAgainstSeal(
  events: readonly ChainEvent[],
  seal: SignedSeal,
  proof: InclusionProof,
  options: VerifySealOptions,
): SealVerification {
  const signature = checkEvidenceSignature(seal.json, seal.p7s, { ...options, requireTimestamp: true });
  if (!signature.ok) {
    return sealProblem("SEAL_INVALID", signature.detail);
  }
  let document: SealDocument;
  try {
    document = parseSeal(seal.json);
  } catch (error) {
    return sealProblem(
      "SEAL_INVALID",
      error instanceof ExchangeError ? (error.detail ?? error.code) : "unreadable",
    );
  }
  const entry = document.heads[proof.index];
  if (!entry || entry.chain !== proof.chain || entry.seq !== proof.seq || entry.hash !== proof.hash) {
    return sealProblem(
      "NOT_SEALED",
      `the seal of ${document.day} holds no head ${proof.chain} #${proof.seq} at ${proof.index}`,
    );
  }
  let included: boolean;
  try {
    included =
      proof.size === document.count &&
      proof.path.every((hash) => HEX64.test(hash)) &&
      verifyInclusion(
        hexBytes(proof.hash),
        proof.index,
        proof.size,
        proof.path.map(hexBytes),
        hexBytes(document.root),
      );
  } catch {
    included = false;
  }
  if (!included) {
    return sealProblem(
      "NOT_SEALED",
      `the inclusion proof of ${proof.chain} does not lead to the root of ${document.day}`,
    );
  }
  const foreign = events.find((event) => event.chain !== proof.chain);
  if (foreign && events.every((event) => event.chain === foreign.chain)) {
    return sealProblem(
      "NOT_SEALED",
      `the proof is for chain ${proof.chain}, the events are of chain ${foreign.chain}`,
    );
  }
  const sealedHead: ChainHead = { chain: proof.chain, seq: proof.seq, hash: proof.hash };
  const chain = verifyChain(events, { chain: proof.chain, expectedHead: sealedHead });
  if (!chain.ok) {
    return chain;
  }
  return {
    ok: true,
    day: document.day,
    sealedHead,
    head: chain.head,
    sealedAt: signature.timestampTime!,
    signer: signature.signer,
  };
}

function sealProblem(kind: SealProblem["kind"], detail: string): SealVerification {
  return { ok: false, problem: { kind, detail } };
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/**
 * The stable error of a failed verification, for a route or the CLI that must refuse: SEAL_INVALID
 * for a seal that fails, AUDIT_CHAIN_BROKEN for everything else (the problem is kept in `meta`).
 *
 * @example
 * if (!result.ok) throw evidenceError(result.problem);
 */
export function evidenceError(problem: ChainProblem | SealProblem): ExchangeError {
  const code = problem.kind === "SEAL_INVALID" ? "SEAL_INVALID" : "AUDIT_CHAIN_BROKEN";
  const where = "index" in problem ? ` (event ${problem.index})` : "";
  return new ExchangeError(code, { detail: `${problem.kind}${where}: ${problem.detail}`, meta: { problem } });
}
