/**
 * `lienthong sign`: PAdES-signs a PDF letter as an incremental update (earlier signatures stay
 * valid), invisibly or with a Decree 30 appearance (signer, seal, stamp); optionally timestamped.
 * A damaged but readable letter without signatures is rewritten as a clean file first, and the
 * output says so; a damaged signed one is refused (PDF_DAMAGED_SIGNED).
 */

import type { HashAlgorithm } from "../../shared/cms/algorithms.ts";
import type { AppearanceKind, AppearanceOptions } from "../../shared/pdf/appearance/index.ts";
import { stampLines } from "../../shared/pdf/appearance/index.ts";
import { type PrehashedPdf, readPdfForSigning, signPdfParts } from "../../shared/signing/sign-pdf.ts";
import type { Command } from "../common.ts";
import {
  onePositional,
  parseCommandArgs,
  positiveInteger,
  readInput,
  runCommand,
  UsageError,
  writeAtomically,
} from "../common.ts";
import { openSigner, PASSWORD_ENV, SIGNER_OPTIONS, signerSettings } from "../signer-options.ts";

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

A damaged but readable file (wrong /Length, wrong cross-reference offsets) with no signature
is rewritten as a clean file before signing, and the output says so; a damaged file that is
already signed is refused, since rewriting it would invalidate its signatures.
Nothing is written unless signing (and timestamping) succeeded.`;

const OPTIONS = {
  out: { type: "string", short: "o" },
  ...SIGNER_OPTIONS,
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
  "placeholder-bytes": { type: "string" },
} as const;

async function signCommand(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const { values, positionals } = args;
  const input = onePositional(positionals, USAGE, "PDF to sign");
  if (!values.out) {
    throw new UsageError("-o <out.pdf> is required");
  }
  const settings = signerSettings(values);
  const kind = (values.appearance ?? "none") as AppearanceKind;
  if (!KINDS.includes(kind)) {
    throw new UsageError(`--appearance: expected ${KINDS.join(", ")}, got '${values.appearance}'`);
  }
  const page = positiveInteger(values.page, "--page");
  const placeholderBytes = positiveInteger(values["placeholder-bytes"], "--placeholder-bytes");

  const pdf = readPdf(input, settings.hashAlgorithm);
  const image = values.image === undefined ? undefined : await readInput(values.image);
  const { signer, tsa } = await openSigner(settings);
  const signingTime = new Date();
  const subject = signer.certificate.subject;
  const appearance: AppearanceOptions = {
    kind,
    page,
    image,
    title: values.title?.replaceAll("\\n", "\n"),
    signerName: kind === "signer" ? (values.name ?? subject.commonName) : values.name,
    lines:
      kind === "stamp"
        ? (values.text ??
          stampLines({ organisation: subject.organization ?? subject.commonName, signingTime }))
        : undefined,
  };
  const signed = await signPdfParts(pdf, {
    signer,
    tsa,
    reason: values.reason ?? DEFAULT_REASON,
    location: values.location,
    contactInfo: values.contact,
    signingTime,
    appearance,
    fieldName: values.field,
    hashAlgorithm: settings.hashAlgorithm,
    placeholderBytes,
    repair: true,
  });
  await writeAtomically(values.out, [signed.base, signed.update]);
  if (signed.repaired) {
    const problems = signed.repaired.problems;
    console.log(
      `${input}: damaged (${problems.slice(0, 3).join("; ")}${problems.length > 3 ? "; …" : ""}); ` +
        "it had no signature and was rewritten as a clean file before signing / " +
        "tệp bị hỏng, chưa có chữ ký, đã được ghi lại thành tệp sạch trước khi ký",
    );
  }
  console.log(
    `${values.out}: signed by ${subject.text}${tsa ? ", timestamped" : ""} (${kind === "none" ? "invisible" : kind})`,
  );
  return 0;
}

/** The input, hashed while read (signing then does not read it again); a {@link UsageError} when it cannot be read. */
function readPdf(path: string, hashAlgorithm: HashAlgorithm | undefined): PrehashedPdf {
  try {
    return readPdfForSigning(path, hashAlgorithm);
  } catch (error) {
    throw new UsageError(`cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export const command: Command = {
  summary: "sign a PDF letter (PAdES)",
  run: (argv) => runCommand("sign", () => signCommand(argv)),
};
