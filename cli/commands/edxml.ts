/**
 * `lienthong edxml inspect <file> [--json]`: reads an edXML letter or status package offline and prints
 * what Lienthong makes of it (sender, recipients, number/notation, dates, subject, type, business type or
 * status code, attachments with name, type, size and SHA-256 after unwrapping) and the warnings.
 * Exit 0 parsed, 1 parsed with warnings, 2 refused (hostile, malformed, not edXML) or bad arguments.
 * The edXML code is imported only once the arguments are good, so `--help` stays fast.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import {
  businessTypeCode,
  type EdxmlAttachment,
  type EdxmlOrgan,
  type EdxmlPackage,
  type EdxmlReference,
  statusCode,
} from "../../shared/edxml/model.ts";
import { EDXML_WARNINGS, type EdxmlWarning } from "../../shared/edxml/warnings.ts";
import { ERROR_CODES, ExchangeError, isExchangeError } from "../../shared/errors/index.ts";
import type { Command } from "../common.ts";
import { onePositional, parseCommandArgs, readInput, runCommand, UsageError } from "../common.ts";

const USAGE = `lienthong edxml — edXML packages of the national document exchange (QCVN 102:2016)

Usage: lienthong edxml inspect <file.edxml> [--json]
       lienthong edxml export|import …   through the exchange (see lienthong edxml export --help)

Reads a letter or status package offline and prints the sender, recipients, number/notation, dates,
subject, document type, business type (letters) or status code (status packages), the attachments
(name, type, size and SHA-256 after unwrapping a zip wrapper) and the warnings a clerk should see.

Options:
  --json      print the parsed package as JSON (attachments without their bytes; warnings with codes)
  -h, --help  show this help

Example:
  lienthong edxml inspect received/edoc_new.edxml
  lienthong edxml inspect received/status_03.edxml --json | jq .status

Exit status: 0 parsed, 1 parsed with warnings, 2 refused (hostile, malformed or not edXML) or bad arguments.`;

const OPTIONS = { json: { type: "boolean" } } as const;

/** Largest package read (the same as the library's default limit). */
const MAX_BYTES = 25 * 1024 * 1024;

async function edxmlCommand(argv: readonly string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === "--help" || verb === "-h" || verb === "help") {
    console.log(USAGE);
    return verb === undefined ? 2 : 0;
  }
  if (verb === "export" || verb === "import") {
    return (await import("./edxml-remote.ts")).edxmlRemote(verb, rest); // through the exchange
  }
  if (verb !== "inspect") {
    console.error(USAGE);
    throw new UsageError(`unknown edxml command '${verb}' (expected: inspect)`);
  }
  const args = parseCommandArgs(rest, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const path = onePositional(args.positionals, USAGE, "edXML file");
  const json = args.values.json === true;
  // The reader (and its XML parser) only now: --help and bad arguments do not load it.
  const { readEdxml } = await import("../../shared/edxml/read.ts");
  let result: ReturnType<typeof readEdxml>;
  try {
    result = readEdxml(await readPackage(path));
  } catch (error) {
    if (json && isExchangeError(error)) {
      const info = ERROR_CODES[error.code];
      console.log(
        JSON.stringify(
          { refused: { code: error.code, detail: error.detail, en: info.en, vi: info.vi } },
          null,
          2,
        ),
      );
    }
    throw error;
  }
  const { package: pkg, warnings } = result;
  const explained = warnings.map((warning) => ({ ...warning, ...EDXML_WARNINGS[warning.code] }));
  if (json) {
    const codes =
      pkg.kind === "letter"
        ? { businessTypeCode: pkg.business ? businessTypeCode(pkg.business.type) : undefined }
        : { statusCode: statusCode(pkg.status) };
    console.log(JSON.stringify({ ...describePackage(pkg), ...codes, warnings: explained }, null, 2));
  } else {
    console.log(render(pkg, explained));
  }
  return warnings.length > 0 ? 1 : 0;
}

/** The file, refused on its size before it is read. */
async function readPackage(path: string): Promise<Uint8Array> {
  let size: number | undefined;
  try {
    size = statSync(path).size;
  } catch {
    size = undefined; // readInput reports the file that cannot be read
  }
  if (size !== undefined && size > MAX_BYTES) {
    throw new ExchangeError("EDXML_TOO_LARGE", { detail: `${size} bytes, at most ${MAX_BYTES} allowed` });
  }
  return readInput(path, "edXML file");
}

function describeAttachment(attachment: EdxmlAttachment): Record<string, unknown> {
  const { bytes, ...rest } = attachment;
  return { ...rest, size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") };
}

function describePackage(pkg: EdxmlPackage): Record<string, unknown> {
  return pkg.kind === "letter"
    ? { ...pkg, attachments: pkg.attachments.map(describeAttachment) }
    : { ...pkg };
}

function organLine(organ: EdxmlOrgan): string {
  return (organ.name ?? organ.inCharge) ? `${organ.id}  ${organ.name ?? organ.inCharge}` : organ.id;
}

function referenceLine(reference: EdxmlReference): string {
  const parts = [
    reference.code,
    reference.organId && `of ${reference.organId}`,
    reference.promulgationDate && `(${reference.promulgationDate})`,
    reference.documentId && `DocumentId ${reference.documentId}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" ") : "(none)";
}

function render(pkg: EdxmlPackage, warnings: readonly (EdxmlWarning & { en: string; vi: string })[]): string {
  const lines: string[] = [];
  const row = (label: string, value: string | undefined): void => {
    lines.push(`  ${`${label}:`.padEnd(14)}${value ?? "—"}`);
  };
  if (pkg.kind === "letter") {
    lines.push("edXML letter package");
    row("From", organLine(pkg.from));
    if (pkg.to.length === 0) {
      row("To", undefined);
    }
    pkg.to.forEach((organ, index) => {
      row(index === 0 ? "To" : "", organLine(organ));
    });
    const code = [pkg.code.number, pkg.code.notation].filter(Boolean).join("/");
    row("Number", code || undefined);
    row("DocumentId", pkg.documentId);
    row(
      "Promulgated",
      [pkg.promulgation.date, pkg.promulgation.place].filter(Boolean).join(", ") || undefined,
    );
    row("Due", pkg.dueDate);
    row("Subject", pkg.subject);
    const type = pkg.documentType;
    const numbers = [type.type, type.detail].filter(Boolean).join("/");
    row("Type", [type.name, numbers && `(${numbers})`].filter(Boolean).join(" ") || undefined);
    const business = pkg.business;
    row(
      "Business",
      business
        ? `${businessTypeCode(business.type)} ${business.type}${business.reason ? ` — ${business.reason}` : ""}`
        : "(none: a new letter)",
    );
    for (const reference of pkg.responseFor) {
      row("Answers", referenceLine(reference));
    }
    lines.push(`  Attachments (${pkg.attachments.length}):`);
    for (const attachment of pkg.attachments) {
      const file = describeAttachment(attachment);
      const how = attachment.transfer === "zip" ? `unzipped from '${attachment.zipEntry}'` : "as sent";
      lines.push(`    ${attachment.name}  ${attachment.contentType}  ${file.size} bytes  (${how})`);
      lines.push(`      sha256 ${file.sha256}`);
    }
  } else {
    lines.push("edXML status package");
    row("From", organLine(pkg.from));
    pkg.to.forEach((organ, index) => {
      row(index === 0 ? "To" : "", organLine(organ));
    });
    row("Status", `${statusCode(pkg.status)} ${pkg.status}`);
    row("Description", pkg.description);
    row("About", referenceLine(pkg.responseFor));
    row("Timestamp", pkg.timestamp);
    if (pkg.staff) {
      row(
        "Staff",
        [pkg.staff.staff, pkg.staff.department, pkg.staff.email, pkg.staff.mobile].filter(Boolean).join(", "),
      );
    }
  }
  if (pkg.extra.length > 0) {
    lines.push(`  Kept without a field: ${pkg.extra.length} part(s)`);
  }
  lines.push(warnings.length === 0 ? "No warnings." : `Warnings (${warnings.length}):`);
  for (const warning of warnings) {
    lines.push(`  ${warning.code}: ${warning.en} / ${warning.vi}`);
    lines.push(`    ${warning.detail}`);
  }
  return lines.join("\n");
}

export const command: Command = {
  summary: "inspect an edXML letter or status package (QCVN 102:2016) offline",
  run: (argv) => runCommand("edxml", () => edxmlCommand(argv)),
};
