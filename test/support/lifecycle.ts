/**
 * Helpers of the lifecycle, receipt and audit tests (issue 10 items 4, 5, 8): sent letters, the
 * history as the API gives it, byte downloads, and an admin client of the local exchange.
 */
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { LienthongClient } from "../../local/api-client.ts";
import { hashApiKey } from "../../shared/http/index.ts";
import type { DynamoLedger } from "../../shared/storage/dynamo-ledger.ts";
import { letterMetadata, organClients, organCodes, signedPdf } from "./exchange.ts";

export interface HistoryEvent {
  seq: number;
  type: string;
  actor: string;
  status?: string;
  reason?: string;
  data: Record<string, unknown>;
  hash: string;
  prev: string;
}

export interface History {
  letterId: string;
  chains: { chain: string; owner: string; events: HistoryEvent[] }[];
}

/** The organs' integration clients (send) and clerks (statuses), and their codes. */
export function parties() {
  const integration = organClients();
  const clerks = organClients("clerk");
  return { integration, clerks, codes: organCodes() };
}

/** A signed letter sent by `sender` (an integration client of `senderCode`) to `recipients`; its id. */
export async function sendSigned(
  sender: LienthongClient,
  senderCode: string,
  recipients: string[],
): Promise<string> {
  const sent = await sender.sendLetter(
    letterMetadata(recipients),
    await signedPdf(senderCode),
    "cong-van.pdf",
  );
  return sent.id;
}

export function history(client: LienthongClient, id: string, recipient?: string): Promise<History> {
  return client.call<History>(
    "GET",
    `/v1/letters/${id}/history${recipient ? `?recipient=${encodeURIComponent(recipient)}` : ""}`,
  );
}

/** The events of one chain of a history (by its owner: "sender" or a recipient's code). */
export function chainOf(view: History, owner: string): HistoryEvent[] {
  const chain = view.chains.find((candidate) => candidate.owner === owner);
  if (!chain) {
    throw new Error(`no chain of ${owner} in the history of ${view.letterId}`);
  }
  return chain.events;
}

/** GET returning bytes (receipts), with the status and content type. */
export async function download(
  client: LienthongClient,
  path: string,
): Promise<{ status: number; contentType: string; bytes: Uint8Array }> {
  const response = await fetch(`${client.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${client.apiKey}` },
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
}

/** An admin client: the demo admin key when the exchange made one, else a key registered for the test. */
export async function adminClient(ledger: DynamoLedger): Promise<LienthongClient> {
  const url = inject("apiUrl");
  const demo = inject("demoKeys").find((key) => key.role === "admin");
  if (demo) {
    return new LienthongClient(url, demo.apiKey);
  }
  const key = `lt_test_admin_${randomBytes(16).toString("hex")}`;
  await ledger.putApiKey(hashApiKey(key), organCodes()[0]!, "admin");
  return new LienthongClient(url, key);
}
