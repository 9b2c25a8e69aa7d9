/**
 * `lienthong sign`: PAdES-signs a PDF letter as an incremental update (earlier signatures stay
 * valid), invisibly or with a Decree 30 appearance (signer, seal, stamp); optionally timestamped.
 */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { isHashAlgorithm } from "../../shared/cms/algorithms.ts";
import { HttpTsa } from "../../shared/cms/timestamp.ts";
import { ERROR_CODES, type ErrorCode, isExchangeError } from "../../shared/errors/index.ts";
import type { AppearanceKind, AppearanceOptions } from "../../shared/pdf/appearance/index.ts";
import { stampLines } from "../../shared/pdf/appearance/index.ts";
import { signPdf } from "../../shared/signing/sign-pdf.ts";
import { SoftwareSigner } from "../../shared/signing/software-signer.ts";
import type { Command } from "../main.ts";

/** Environment variable read when --password is not given (keeps the password out of `ps`). */
const PASSWORD_ENV = "LIENTHONG_P12_PASSWORD";
const DEFAULT_REASON = "Ký số văn bản";
const KINDS: readonly AppearanceKind[] = ["signer", "seal", "stamp", "none"];

const USAGE = `lienthong sign — sign a PDF letter (PAdES, incremental update)

Usage: lienthong sign <in.pdf> -o <out.pdf> --p12 <file.p12> [--password <pw>] [options]

Options:
  -o, --out <file>         where to write the signed PDF (required; written atomically)
  --p12 <file>             PKCS#12 with the signer's key, certificate and chain
  --password <pw>          password of the PKCS#12 (default: $${PASSWORD_ENV})
  --reason <text>          /Reason (default: "${DEFAULT_REASON}")
  --location <text>        /Location
  --contact <text>         /ContactInfo
  --appearance <kind>      signer | seal | stamp | none (default: none, an invisible signature)
  --image <file.png>       handwritten signature (signer) or seal (seal) image
  --title <text>           signer: competence and position, lines separated by "\\n"
  --name <text>            signer: full name (default: the certificate's common name)
  --text <line>            stamp: one text line; repeat for more (default: organisation and time)
  --page <n>               1-based page (default: last page for signer/seal, 1 for stamp)
  --field <name>           name of the new signature field (default: SignatureN)
  --tsa <url>              RFC 3161 timestamp authority (PAdES B-T)
  --tsa-timeout <ms>       timeout of the timestamp request (default: 15000)
  --hash <alg>             sha256 (default), sha384 or sha512
  --placeholder-bytes <n>  bytes reserved for the signature (default: estimated from the chain)
  -h, --help               show this help

Nothing is written unless signing (and timestamping) succeeded.`;

function report(code: ErrorCode, detail?: string): number {
  const info = ERROR_CODES[code];
  console.error(`lienthong sign: ${code}: ${info.en} / ${info.vi}${detail ? ` (${detail})` : ""}`);
  // Unusable input or arguments → 2; a failing service (TSA, signer) or an internal error → 1.
  return info.status >= 500 ? 1 : 2;
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
      reason: { type: "string" },
      location: { type: "string" },
      contact: { type: "string" },
      appearance: { type: "string" },
      image: { type: "string" },
      title: { type: "string" },
      name: { type: "string" },
      text: { type: "string", multiple: true },
      page: { type: "string" },
      field: { type: "string" },
      tsa: { type: "string" },
      "tsa-timeout": { type: "string" },
      hash: { type: "string" },
      "placeholder-bytes": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function positiveInteger(value: string | undefined, option: string): number | undefined | Error {
  if (value === undefined) {
    return undefined;
  }
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    return new Error(`${option}: expected a positive integer, got '${value}'`);
  }
  return number;
}

async function readInput(path: string): Promise<Uint8Array | Error> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => error);
  if (bytes instanceof Error) {
    return new Error(`cannot read '${path}': ${bytes.code ?? bytes.message}`);
  }
  return new Uint8Array(bytes);
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
  const [input, ...extra] = positionals;
  if (!input || extra.length > 0) {
    console.error(USAGE);
    return report("VALIDATION_FAILED", `expected exactly one PDF to sign, got ${positionals.length}`);
  }
  if (!values.out) {
    return report("VALIDATION_FAILED", "-o <out.pdf> is required");
  }
  if (!values.p12) {
    return report("VALIDATION_FAILED", "--p12 <file.p12> is required");
  }
  const password = values.password ?? process.env[PASSWORD_ENV];
  if (password === undefined) {
    return report("VALIDATION_FAILED", `--password is required (or set ${PASSWORD_ENV})`);
  }
  const kind = (values.appearance ?? "none") as AppearanceKind;
  if (!KINDS.includes(kind)) {
    return report(
      "VALIDATION_FAILED",
      `--appearance: expected ${KINDS.join(", ")}, got '${values.appearance}'`,
    );
  }
  const hashAlgorithm = values.hash ?? "sha256";
  if (!isHashAlgorithm(hashAlgorithm)) {
    return report("VALIDATION_FAILED", `--hash: expected sha256, sha384 or sha512, got '${hashAlgorithm}'`);
  }
  const page = positiveInteger(values.page, "--page");
  const timeoutMs = positiveInteger(values["tsa-timeout"], "--tsa-timeout") ?? 15_000;
  const placeholderBytes = positiveInteger(values["placeholder-bytes"], "--placeholder-bytes");
  for (const value of [page, timeoutMs, placeholderBytes]) {
    if (value instanceof Error) {
      return report("VALIDATION_FAILED", value.message);
    }
  }
  if (values.tsa !== undefined && !/^https?:\/\//i.test(values.tsa)) {
    return report("VALIDATION_FAILED", `--tsa: expected an http(s) URL, got '${values.tsa}'`);
  }

  const pdf = await readInput(input);
  const p12 = await readInput(values.p12);
  const image = values.image === undefined ? undefined : await readInput(values.image);
  for (const value of [pdf, p12, image]) {
    if (value instanceof Error) {
      return report("VALIDATION_FAILED", value.message);
    }
  }
  const signer = SoftwareSigner.fromPkcs12(p12 as Uint8Array, password);
  const signingTime = new Date();
  const subject = signer.certificate.subject;
  const appearance: AppearanceOptions = {
    kind,
    page: page as number | undefined,
    image: image as Uint8Array | undefined,
    title: values.title?.replaceAll("\\n", "\n"),
    signerName: kind === "signer" ? (values.name ?? subject.commonName) : values.name,
    lines:
      kind === "stamp"
        ? (values.text ??
          stampLines({ organisation: subject.organization ?? subject.commonName, signingTime }))
        : undefined,
  };
  const tsa = values.tsa ? new HttpTsa({ url: values.tsa, timeoutMs: timeoutMs as number }) : undefined;
  const signed = await signPdf(pdf as Uint8Array, {
    signer,
    tsa,
    reason: values.reason ?? DEFAULT_REASON,
    location: values.location,
    contactInfo: values.contact,
    signingTime,
    appearance,
    fieldName: values.field,
    hashAlgorithm,
    placeholderBytes: placeholderBytes as number | undefined,
  });
  // Write beside the target and rename, so that a failure never leaves half a file behind.
  const temporary = join(dirname(values.out), `.${process.pid}.${Date.now()}.lienthong-sign.tmp`);
  try {
    await writeFile(temporary, signed);
    await rename(temporary, values.out);
  } catch (error) {
    await rm(temporary, { force: true });
    return report(
      "VALIDATION_FAILED",
      `cannot write '${values.out}': ${(error as NodeJS.ErrnoException).code}`,
    );
  }
  console.log(
    `${values.out}: signed by ${subject.text}${tsa ? ", timestamped" : ""} (${kind === "none" ? "invisible" : kind})`,
  );
  return 0;
}

export const command: Command = {
  summary: "sign a PDF letter (PAdES)",
  async run(argv: readonly string[]): Promise<number> {
    try {
      return await signCommand(argv);
    } catch (error) {
      if (isExchangeError(error)) {
        return report(error.code, error.detail);
      }
      const info = ERROR_CODES.INTERNAL;
      console.error(`lienthong sign: INTERNAL: ${info.en} / ${info.vi} (${(error as Error).message})`);
      return 1;
    }
  },
};
