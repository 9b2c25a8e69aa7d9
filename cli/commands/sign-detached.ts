/**
 * `lienthong sign-detached`: a detached CAdES signature (.p7s) over any file, streamed from disk
 * in constant memory; optionally timestamped (CAdES-T).
 */
import { createReadStream } from "node:fs";
import { signDetached } from "../../shared/signing/sign-detached.ts";
import type { Command } from "../common.ts";
import {
  assertReadableFile,
  onePositional,
  parseCommandArgs,
  runCommand,
  writeAtomically,
} from "../common.ts";
import { openSigner, PASSWORD_ENV, SIGNER_OPTIONS, signerSettings } from "../signer-options.ts";

const USAGE = `lienthong sign-detached — sign any file with a detached CAdES signature (.p7s)

Usage: lienthong sign-detached <file> --p12 <file.p12> [--password <pw>] [-o <out.p7s>] [--tsa <url>]

Options:
  -o, --out <file>      where to write the DER signature (default: <file>.p7s)
  --p12 <file>          PKCS#12 with the signer's key, certificate and chain
  --password <pw>       password of the PKCS#12 (default: $${PASSWORD_ENV})
  --tsa <url>           RFC 3161 timestamp authority to add a signature timestamp (CAdES-T)
  --tsa-timeout <ms>    timeout of the timestamp request (default: 15000)
  --hash <alg>          sha256 (default), sha384 or sha512
  -h, --help            show this help

Nothing is written unless signing (and timestamping) succeeded.
Verify with: openssl cms -verify -binary -inform DER -in <out.p7s> -content <file> -CAfile <root.pem>`;

const OPTIONS = { out: { type: "string", short: "o" }, ...SIGNER_OPTIONS } as const;

async function signCommand(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const { values, positionals } = args;
  const file = onePositional(positionals, USAGE, "file to sign");
  const settings = signerSettings(values);
  const out = values.out ?? `${file}.p7s`;
  await assertReadableFile(file);
  const { signer, tsa } = await openSigner(settings);
  const signature = await signDetached(createReadStream(file), {
    signer,
    hashAlgorithm: settings.hashAlgorithm,
    ...(tsa ? { tsa } : {}),
  });
  await writeAtomically(out, signature);
  console.log(
    `${out}: ${signature.length} bytes, signed by ${signer.certificate.subject.text}${tsa ? ", timestamped" : ""}`,
  );
  return 0;
}

export const command: Command = {
  summary: "sign any file with a detached CAdES signature (.p7s)",
  run: (argv) => runCommand("sign-detached", () => signCommand(argv)),
};
