/**
 * The audit of the exchange's chains (issue 10 item 8). Once a day the heads of the chains that
 * changed that day (the `AUDIT#<day>` items every append writes) are sealed: a Merkle root signed
 * by the exchange and timestamped (RFC 3161), stored as `evidence/seals/<day>.json|.p7s` (Object
 * Lock in production), and each sealed head is recorded beside its letter. A letter's audit then
 * recomputes each of its chains and checks it against its last seal (signature, timestamp,
 * inclusion proof, the chain passing through the sealed head) and against the head its item
 * records; a changed, removed, reordered or inserted event is named with its chain and seq.
 * Chains not sealed yet (or whose only event is the arrival send wrote) are checked against the
 * stored head alone.
 */
import type { Signer, Tsa } from "../cms/ports.ts";
import { ExchangeError } from "../errors/index.ts";
import { type ChainHead, type ChainProblem, verifyChain } from "../evidence/chain.ts";
import {
  buildSeal,
  parseSeal,
  type SealProblem,
  type SignedSeal,
  sealProof,
  signSeal,
  verifyLetterAgainstSeal,
} from "../evidence/seal.ts";
import { type EventStore, type SealedHead, vietnamDay } from "./event-ports.ts";
import { type ChainLedger, headAfter, letterChains, notFound, type StoredChain } from "./history.ts";
import { BUCKET_LAYOUT, type DocumentStore } from "./ports.ts";

/** Where the daily seals are kept: `evidence/seals/<day>.json` and `.p7s`. */
export const SEAL_PREFIX = `${BUCKET_LAYOUT.evidence}seals/`;

export interface AuditOptions {
  readonly ledger: ChainLedger;
  readonly events: EventStore;
  readonly documents: Pick<DocumentStore, "read" | "write">;
  /** The exchange's own key (its certificate is what a seal must be signed with). */
  readonly signer: () => Promise<Signer>;
  /** Required to seal (a seal without a trusted time proves nothing about its day). */
  readonly tsa?: Tsa;
  readonly now?: () => Date;
}

export interface SealResult {
  readonly day: string;
  readonly root: string;
  readonly count: number;
  readonly json: string;
  readonly p7s: string;
}

/** One chain's audit. */
export interface ChainAudit {
  readonly chain: string;
  readonly owner: string;
  readonly ok: boolean;
  readonly count: number;
  readonly head?: ChainHead;
  readonly sealed?: { readonly day: string; readonly seq: number };
  readonly problem?: {
    readonly kind: string;
    readonly detail: string;
    readonly index?: number;
    readonly seq?: number;
    /** The event concerned, as stored, for people. */
    readonly event?: {
      readonly seq: number;
      readonly type: string;
      readonly at: string;
      readonly actor: string;
    };
  };
}

export interface AuditReport {
  readonly letterId: string;
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly chains: readonly ChainAudit[];
}

export class Audit {
  private readonly now: () => Date;

  constructor(private readonly options: AuditOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Seals the heads of the chains that changed on `day` (default: today, Vietnam time). */
  async seal(day: string = vietnamDay(this.now())): Promise<SealResult> {
    const { tsa } = this.options;
    if (!tsa) {
      throw new ExchangeError("SEAL_NOT_AVAILABLE", {
        detail: "no timestamp authority is configured (TSA_URL)",
      });
    }
    const heads = await this.options.events.headsChangedOn(day);
    const { document } = buildSeal(day, heads);
    const signed = await signSeal(document, { signer: await this.options.signer(), tsa });
    const keys = sealKeys(day);
    // The bytes first, the pointers after: a pointer never names a seal that is not stored.
    await this.options.documents.write(keys.json, signed.json, "application/json");
    await this.options.documents.write(keys.p7s, signed.p7s, "application/pkcs7-signature");
    await this.options.events.markSealed(day, document.heads);
    return { day, root: document.root, count: document.count, ...keys };
  }

  /** Recomputes every chain of a letter and checks it against its seal and its stored head. */
  async verifyLetter(id: string): Promise<AuditReport> {
    const { ledger, events } = this.options;
    const letter = await ledger.getLetter(id);
    if (!letter || letter.state === "draft") {
      throw notFound(id);
    }
    const [chains, sealed] = await Promise.all([
      ledger.listDeliveries(id).then((copies) => letterChains(events, letter, copies)),
      events.sealedHeads(id),
    ]);
    const seals = new Map<string, Promise<SignedSeal | undefined>>();
    const sealOf = (day: string) => {
      let seal = seals.get(day);
      if (!seal) {
        seal = this.readSeal(day);
        seals.set(day, seal);
      }
      return seal;
    };
    const signer = sealed.size > 0 ? await this.options.signer() : undefined;
    const audits: ChainAudit[] = [];
    for (const chain of chains) {
      const sealedHead = sealed.get(chain.chain);
      audits.push(
        await this.audit(chain, sealedHead, sealedHead ? await sealOf(sealedHead.day) : undefined, signer),
      );
    }
    return {
      letterId: id,
      ok: audits.every((audit) => audit.ok),
      checkedAt: this.now().toISOString(),
      chains: audits,
    };
  }

  private async audit(
    chain: StoredChain,
    sealedHead: SealedHead | undefined,
    seal: SignedSeal | undefined,
    signer: Signer | undefined,
  ): Promise<ChainAudit> {
    const base = { chain: chain.chain, owner: chain.owner, count: chain.events.length };
    const sealedAt = sealedHead ? { sealed: { day: sealedHead.day, seq: sealedHead.seq } } : {};
    if (sealedHead) {
      const proof = seal ? proofIn(seal, chain.chain) : undefined;
      if (!seal || !proof || !signer) {
        return this.failed(chain, base, sealedAt, {
          kind: "NOT_SEALED",
          detail: `the seal of ${sealedHead.day} is missing or does not hold chain ${chain.chain}`,
        });
      }
      const result = verifyLetterAgainstSeal(chain.events, seal, proof, {
        trustedSigners: [signer.certificate],
      });
      if (!result.ok) {
        return this.failed(chain, base, sealedAt, result.problem);
      }
    }
    const first = chain.events[0];
    const expectedHead = first ? headAfter(first, chain.storedHead) : undefined;
    const result = verifyChain(chain.events, {
      chain: chain.chain,
      ...(expectedHead ? { expectedHead, endsAtExpectedHead: true } : {}),
    });
    if (!result.ok) {
      return this.failed(chain, base, sealedAt, result.problem);
    }
    return { ...base, ...sealedAt, ok: true, ...(result.head ? { head: result.head } : {}) };
  }

  private failed(
    chain: StoredChain,
    base: Pick<ChainAudit, "chain" | "owner" | "count">,
    sealedAt: Pick<ChainAudit, "sealed">,
    problem: ChainProblem | SealProblem,
  ): ChainAudit {
    const index = "index" in problem ? problem.index : undefined;
    const stored = index === undefined ? undefined : chain.events[index];
    return {
      ...base,
      ...sealedAt,
      ok: false,
      problem: {
        kind: problem.kind,
        detail: problem.detail,
        ...(index === undefined ? {} : { index }),
        ...("seq" in problem && problem.seq !== undefined ? { seq: problem.seq } : {}),
        ...(stored
          ? { event: { seq: stored.seq, type: stored.type, at: stored.at, actor: stored.actor } }
          : {}),
      },
    };
  }

  private async readSeal(day: string): Promise<SignedSeal | undefined> {
    const keys = sealKeys(day);
    const [json, p7s] = await Promise.all([
      this.options.documents.read(keys.json),
      this.options.documents.read(keys.p7s),
    ]);
    // Fresh copies: a store may hand out views into a shared buffer (Node's Buffer pool), and the
    // DER reader expects its bytes to start at offset 0 of their buffer.
    return json && p7s ? { json: new Uint8Array(json), p7s: new Uint8Array(p7s) } : undefined;
  }
}

/** The chain's inclusion proof in a stored seal; undefined when the seal is unreadable or lacks it. */
function proofIn(seal: SignedSeal, chain: string) {
  try {
    return sealProof(parseSeal(seal.json), chain);
  } catch {
    return undefined; // a seal that does not parse vouches for nothing: reported as NOT_SEALED
  }
}

export function sealKeys(day: string): { readonly json: string; readonly p7s: string } {
  return { json: `${SEAL_PREFIX}${day}.json`, p7s: `${SEAL_PREFIX}${day}.p7s` };
}
