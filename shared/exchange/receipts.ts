/**
 * Receipts of a letter's status changes (issue 10 item 5), for its sender and each recipient (its
 * own copy's): every `delivery.status` event of a copy's chain, the arrival (01) included. They are
 * produced on request, not stored: `issueReceipt` is deterministic (canonical JSON, signing-time =
 * the event's time, RSA PKCS#1 v1.5), so a receipt downloaded twice, or years later with the same
 * key, is the same bytes, and the status routes stay free of CMS. Before signing, the copy's chain
 * is recomputed up to its recorded head: the exchange never signs an event that was tampered with.
 */
import type { Signer } from "../cms/ports.ts";
import { ExchangeError } from "../errors/index.ts";
import type { ChainEvent } from "../evidence/chain.ts";
import { verifyChain } from "../evidence/chain.ts";
import { issueReceipt, type Receipt, receiptFor } from "../evidence/receipt.ts";
import { evidenceError } from "../evidence/seal.ts";
import { STATUS_EVENT } from "../evidence/status-event.ts";
import type { EventStore } from "./event-ports.ts";
import { type ChainLedger, headAfter, type StoredChain, visibleChains } from "./history.ts";
import { EVENT_STATUS_LABELS, type RecallCode, type StatusCode } from "./status.ts";
import type { Caller } from "./types.ts";

export interface ReceiptsOptions {
  readonly ledger: ChainLedger;
  readonly events: Pick<EventStore, "storedEvents">;
  /** The exchange's own key (built on first download: listing needs none). */
  readonly signer: () => Promise<Signer>;
}

export interface ReceiptEntry extends Receipt {
  readonly seq: number;
  readonly statusLabel?: { readonly vi: string; readonly en: string };
  /** Paths of the receipt's bytes and detached signature. */
  readonly json: string;
  readonly p7s: string;
}

const FILE = /^(\d{1,6})\.(json|p7s)$/;

export class Receipts {
  constructor(private readonly options: ReceiptsOptions) {}

  /** `GET /v1/letters/{id}/receipts[?recipient=]`: every receipt the caller may read, by copy and seq. */
  async list(caller: Caller, id: string, recipient?: string): Promise<{ readonly items: ReceiptEntry[] }> {
    const { chains } = await visibleChains(this.options.ledger, this.options.events, caller, id, recipient);
    const items = chains
      .filter((chain) => chain.owner !== "sender")
      .flatMap((chain) =>
        chain.events
          .filter((event) => event.type === STATUS_EVENT)
          .map((event): ReceiptEntry => {
            const receipt = receiptFor(event);
            const base = `/v1/letters/${id}/receipts/${chain.owner}/${event.seq}`;
            const label = EVENT_STATUS_LABELS[receipt.status as StatusCode | RecallCode];
            return {
              ...receipt,
              seq: event.seq,
              ...(label ? { statusLabel: label } : {}),
              json: `${base}.json`,
              p7s: `${base}.p7s`,
            };
          }),
      );
    return { items };
  }

  /**
   * `GET /v1/letters/{id}/receipts/{recipient}/{seq}.json|.p7s`: the receipt's canonical JSON or its
   * detached CAdES signature (`openssl cms -verify -binary -inform DER -in x.p7s -content x.json`).
   */
  async download(
    caller: Caller,
    id: string,
    recipient: string,
    file: string,
  ): Promise<{ readonly bytes: Uint8Array; readonly contentType: string }> {
    const match = FILE.exec(file);
    const { chains } = await visibleChains(this.options.ledger, this.options.events, caller, id, recipient);
    const chain = chains.find((candidate) => candidate.owner === recipient);
    const seq = match ? Number(match[1]) : -1;
    const event = chain?.events.find((candidate) => candidate.seq === seq);
    if (!match || !chain || !event || event.type !== STATUS_EVENT) {
      throw new ExchangeError("RECEIPT_NOT_FOUND", {
        detail: `no receipt ${recipient}/${file} of letter ${id}`,
      });
    }
    assertIntact(chain);
    const signed = await issueReceipt(event, { signer: await this.options.signer() });
    return match[2] === "json"
      ? { bytes: signed.json, contentType: "application/json" }
      : { bytes: signed.p7s, contentType: "application/pkcs7-signature" };
  }
}

/** The chain recomputes and reaches the head its item records: AUDIT_CHAIN_BROKEN otherwise. */
function assertIntact(chain: StoredChain): void {
  const first: ChainEvent | undefined = chain.events[0];
  const expectedHead = first ? headAfter(first, chain.storedHead) : undefined;
  const result = verifyChain(chain.events, {
    chain: chain.chain,
    ...(expectedHead ? { expectedHead, endsAtExpectedHead: true } : {}),
  });
  if (!result.ok) {
    throw evidenceError(result.problem);
  }
}
