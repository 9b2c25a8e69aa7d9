/**
 * The `lienthong` command. Each subcommand lives in its own module and is loaded only when
 * called, so that `lienthong verify` does not pay for the code of `lienthong pki`.
 */
import type { Command } from "./common.ts";

export type { Command };

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  audit: () => import("./commands/audit.ts"),
  edxml: () => import("./commands/edxml.ts"),
  pki: () => import("./commands/pki.ts"),
  sign: () => import("./commands/sign.ts"),
  "sign-detached": () => import("./commands/sign-detached.ts"),
  verify: () => import("./commands/verify.ts"),
};

const USAGE = `lienthong — sign, verify and exchange official letters

Usage: lienthong <command> [options]

Commands:
  edxml inspect   inspect an edXML letter or status package (QCVN 102:2016) offline
  pki init        create a demo/test PKI (root CA, intermediate, organ and person certificates)
  sign            sign a PDF letter (PAdES)
  sign-detached   sign any file with a detached CAdES signature (.p7s)
  verify          verify the signatures of a PDF or a detached signature

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
