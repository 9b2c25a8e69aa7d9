/**
 * The `lienthong` command. Each subcommand lives in its own module and is loaded only when
 * called, so that `lienthong verify` does not pay for the code of `lienthong pki`.
 */
import type { Command } from "./common.ts";

export type { Command };

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  admin: () => import("./commands/admin.ts"),
  audit: () => import("./commands/audit.ts"),
  download: () => import("./commands/download.ts"),
  edxml: () => import("./commands/edxml.ts"),
  inbox: () => import("./commands/inbox.ts"),
  login: () => import("./commands/login.ts"),
  outbox: () => import("./commands/outbox.ts"),
  pki: () => import("./commands/pki.ts"),
  receipts: () => import("./commands/receipts.ts"),
  recall: () => import("./commands/recall.ts"),
  send: () => import("./commands/send.ts"),
  show: () => import("./commands/show.ts"),
  sign: () => import("./commands/sign.ts"),
  "sign-detached": () => import("./commands/sign-detached.ts"),
  status: () => import("./commands/status.ts"),
  verify: () => import("./commands/verify.ts"),
  webhooks: () => import("./commands/webhooks.ts"),
};

const USAGE = `lienthong — sign, verify and exchange official letters

Usage: lienthong <command> [options]

Local commands (no exchange needed):
  edxml inspect   inspect an edXML letter or status package (QCVN 102:2016) offline
  pki init        create a demo/test PKI (root CA, intermediate, organ and person certificates)
  sign            sign a PDF letter (PAdES)
  sign-detached   sign any file with a detached CAdES signature (.p7s)
  verify          verify the signatures of a PDF or a detached signature

Exchange commands (a profile from 'lienthong login', or --url/--key, or LIENTHONG_URL/LIENTHONG_KEY):
  login           check an API key and save it as a profile
  send            send a PDF letter to other organs (upload, optional seal, send)
  inbox           list the letters your organ received
  outbox          list the letters your organ sent
  show            show a letter and the status of each copy
  download        download a letter's PDF, checked against its SHA-256
  status          record your organ's status of a received letter (03 accepted, 02 refused…)
  recall          ask the recipients for a sent letter back
  receipts        list (and download) a letter's signed receipts
  edxml export    a letter (or a copy's status) as an edXML package; edxml import sends one
  webhooks        register, list, test and remove webhook endpoints
  audit verify    check a letter's audit chain against the daily seal (admin)
  admin           organs, API keys, certificates, trust anchors, webhook dead letters, send policy (admin)

Exit status of exchange commands: 0 ok, 1 refused or failed by the exchange, 2 usage or local
error, 3 exchange unreachable. --json on each prints one JSON document on stdout.

Run 'lienthong <command> --help' for a command's options.`;

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`lienthong: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  const { command } = await load();
  return command.run(rest);
}
