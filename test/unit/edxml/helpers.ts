/**
 * Shared by the edXML tests: the published fixtures (../shared/fixtures/edxml beside the repository),
 * xmllint against the package schemas, and a small builder of synthetic packages.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { tempDir } from "../../support/temp-dir.ts";

const run = promisify(execFile);

export const FIXTURES = resolve(import.meta.dirname, "../../../../shared/fixtures/edxml");
export const SCHEMAS = resolve(import.meta.dirname, "../../../shared/edxml/schema");

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

/** Validates XML text with `xmllint --schema`; resolves to its verdict and messages. */
export async function xmllint(
  xml: string,
  kind: "letter" | "status",
): Promise<{ readonly valid: boolean; readonly output: string }> {
  const temp = await tempDir("lienthong-edxml-");
  try {
    const file = await temp.file("package.xml", xml);
    try {
      const { stderr } = await run("xmllint", [
        "--noout",
        "--schema",
        join(SCHEMAS, `edxml-${kind}.xsd`),
        file,
      ]);
      return { valid: true, output: stderr };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error("xmllint is not installed (Debian/Ubuntu: apt-get install libxml2-utils)");
      }
      return { valid: false, output: String((error as { stderr?: string }).stderr ?? error) };
    }
  } finally {
    await temp.cleanup();
  }
}

const NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

export interface SyntheticAttachment {
  readonly name: string;
  readonly manifestType?: string;
  readonly attachmentType?: string;
  readonly base64: string;
  readonly contentId?: string;
}

/**
 * A letter package written by hand the way producers write them: `p` is the element prefix ("" for
 * the default namespace), `header` replaces the MessageHeader's content when given.
 */
export function syntheticLetter(options: {
  readonly p?: string;
  readonly header?: string;
  readonly trace?: string;
  readonly signature?: string;
  readonly attachments?: readonly SyntheticAttachment[];
  readonly manifest?: string;
}): string {
  const p = options.p === undefined || options.p === "" ? "" : `${options.p}:`;
  const declaration = p === "" ? `xmlns="${NS}"` : `xmlns:${p.slice(0, -1)}="${NS}"`;
  const e = (name: string, content: string): string => `<${p}${name}>${content}</${p}${name}>`;
  const header =
    options.header ??
    e("From", e("OrganId", "000.00.00.G22") + e("OrganName", "Văn phòng Chính phủ")) +
      e("To", e("OrganId", "000.00.11.H53")) +
      e("DocumentId", "000.00.00.G22,2024/03/05,12/VPCP-TTĐT") +
      e("Code", e("CodeNumber", "12") + e("CodeNotation", "VPCP-TTĐT")) +
      e("PromulgationInfo", e("Place", "Hà Nội") + e("PromulgationDate", "2024/03/05")) +
      e("Subject", "V/v thử nghiệm");
  const attachments = options.attachments ?? [];
  const manifest =
    options.manifest ??
    attachments
      .map((a, i) =>
        e(
          "Reference",
          e("ContentId", a.contentId ?? `cid:${i}`) +
            e("ContentType", a.manifestType ?? "application/pdf") +
            e("AttachmentName", a.name),
        ),
      )
      .join("");
  const encoded = attachments
    .map((a, i) =>
      e(
        "Attachment",
        e("ContentId", a.contentId ?? `cid:${i}`) +
          e("AttachmentName", a.name) +
          e("ContentType", a.attachmentType ?? a.manifestType ?? "application/pdf") +
          e("ContentTransferEncoded", a.base64),
      ),
    )
    .join("");
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${p}edXML ${declaration}>` +
    e(
      "edXMLEnvelope",
      e("edXMLHeader", e("MessageHeader", header) + (options.trace ?? "") + (options.signature ?? "")) +
        e("edXMLBody", e("edXMLManifest", manifest)),
    ) +
    (encoded === "" ? "" : e("AttachmentEncoded", encoded)) +
    `</${p}edXML>`
  );
}
