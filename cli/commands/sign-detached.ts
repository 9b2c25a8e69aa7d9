/**
 * `lienthong sign-detached`: a detached CAdES signature (.p7s) over any file, streamed from disk
 * in constant memory; optionally timestamped (CAdES-T).
 */
import { createReadStream } from "node:fs";
import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { isHashAlgorithm } from "../../shared/cms/algorithms.ts";
import { HttpTsa } from "../../shared/cms/timestamp.ts";
import { ERROR_CODES, type ErrorCode, isExchangeError } from "../../shared/errors/index.ts";
import { signDetached } from "../../shared/signing/sign-detached.ts";
import { SoftwareSigner } from "../../shared/signing/software-signer.ts";
import type { Command } from "../main.ts";

/** Environment variable read when --password is not given (keeps the password out of `ps`). */
const PASSWORD_ENV = "LIENTHONG_P12_PASSWORD";

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

function report(code: ErrorCode, detail?: string): number {
  const info = ERROR_CODES[code];
  console.error(`lienthong sign-detached: ${code}: ${info.en} / ${info.vi}${detail ? ` (${detail})` : ""}`);
  // Unusable input or arguments → 2; a failing service (TSA, signer) → 1.
  return info.status >= 500 ? 1 : 2;
}

async function signCommand(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return report("VALIDATION_FAILED", (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) {
    console.error(USAGE);
    return report("VALIDATION_FAILED", `expected exactly one file to sign, got ${positionals.length}`);
  }
  if (!values.p12) {
    return report("VALIDATION_FAILED", "--p12 <file.p12> is required");
  }
  const password = values.password ?? process.env[PASSWORD_ENV];
  if (password === undefined) {
    return report("VALIDATION_FAILED", `--password is required (or set ${PASSWORD_ENV})`);
  }
  const hashAlgorithm = values.hash ?? "sha256";
  if (!isHashAlgorithm(hashAlgorithm)) {
    return report("VALIDATION_FAILED", `--hash: expected sha256, sha384 or sha512, got '${hashAlgorithm}'`);
  }
  const timeoutMs = values["tsa-timeout"] === undefined ? 15_000 : Number(values["tsa-timeout"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    return report(
      "VALIDATION_FAILED",
      `--tsa-timeout: expected a positive integer, got '${values["tsa-timeout"]}'`,
    );
  }
  if (values.tsa !== undefined && !/^https?:\/\//i.test(values.tsa)) {
    return report("VALIDATION_FAILED", `--tsa: expected an http(s) URL, got '${values.tsa}'`);
  }
  const out = values.out ?? `${file}.p7s`;

  const fileInfo = await stat(file).catch((error: NodeJS.ErrnoException) => error);
  if (fileInfo instanceof Error || !fileInfo.isFile()) {
    return report(
      "VALIDATION_FAILED",
      `cannot read '${file}': ${fileInfo instanceof Error ? fileInfo.code : "not a file"}`,
    );
  }
  const p12 = await readFile(values.p12).catch((error: NodeJS.ErrnoException) => error);
  if (p12 instanceof Error) {
    return report("VALIDATION_FAILED", `cannot read '${values.p12}': ${p12.code ?? p12.message}`);
  }
  const signer = SoftwareSigner.fromPkcs12(new Uint8Array(p12), password);
  const tsa = values.tsa ? new HttpTsa({ url: values.tsa, timeoutMs }) : undefined;
  const signature = await signDetached(createReadStream(file), {
    signer,
    hashAlgorithm,
    ...(tsa ? { tsa } : {}),
  });
  // Write beside the target and rename, so a reader never sees half a signature.
  const temporary = `${out}.${process.pid}.tmp`;
  await writeFile(temporary, signature);
  await rename(temporary, out);
  console.log(
    `${out}: ${signature.length} bytes, signed by ${signer.certificate.subject.text}${tsa ? ", timestamped" : ""}`,
  );
  return 0;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: "string", short: "o" },
      p12: { type: "string" },
      password: { type: "string" },
      tsa: { type: "string" },
      "tsa-timeout": { type: "string" },
      hash: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

export const command: Command = {
  summary: "sign any file with a detached CAdES signature (.p7s)",
  async run(argv: readonly string[]): Promise<number> {
    try {
      return await signCommand(argv);
    } catch (error) {
      if (isExchangeError(error)) {
        return report(error.code, error.detail);
      }
      const info = ERROR_CODES.INTERNAL;
      console.error(
        `lienthong sign-detached: INTERNAL: ${info.en} / ${info.vi} (${(error as Error).message})`,
      );
      return 1;
    }
  },
};
