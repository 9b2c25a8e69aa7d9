/**
 * `lienthong send <file.pdf> --to <code|name>… --number … --notation … --subject …`: registers a
 * draft, uploads the PDF to the presigned URL (progress on stderr), optionally applies the
 * organ's seal on the exchange (`--sign`, POST /v1/sign: a clerk's key, so `--sign-profile`
 * may name another profile than the sending one), then sends it; prints the letter's id and each
 * recipient's status.
 */
import { basename } from "node:path";
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  fileDigest,
  ok,
  output,
  type Remote,
  RemoteFailure,
  runRemote,
  table,
  uploadFile,
} from "../api-client.ts";
import { assertReadableFile, type Command, onePositional, parseCommandArgs, UsageError } from "../common.ts";

const USAGE = `lienthong send — send a PDF letter to other organs through the exchange

Usage: lienthong send <file.pdf> --to <code|name> [--to …] --number <n> --notation <x> --subject <text> [options]

Letter:
  --to <code|name>       a recipient: an organ code (000.00.11.H53), name or alias, looked up
                         in the directory (GET /v1/organs?q=); repeat for each recipient
  --number <n>           the letter's number (số), e.g. 123
  --notation <x>         its notation (ký hiệu), e.g. UBND-VP
  --subject <text>       its subject (trích yếu)
  --type <text>          document type (default: Công văn)
  --urgency <0-3>        0 normal (default), 1 urgent, 2 very urgent, 3 flash
  --due <yyyy-mm-dd>     answer due by
  --response-for <id>    the letter this one answers
  --sign                 apply the organ's seal on the exchange before sending (POST /v1/sign)
  --sign-profile <name>  the profile whose (clerk) key seals; default: the sending connection
  --appearance <kind>    seal, signer, stamp or none (the exchange's default when not given)
  --attach <file>        an appendix (phụ lục), verified at send like the letter; repeat for more.
                         A signed PDF as it is; any other file with its detached signature beside
                         it as <file>.p7s (lienthong sign-detached <file> -o <file>.p7s)
${CONNECTION_HELP}

Examples:
  lienthong send cong-van.pdf --to 000.00.11.H53 --to "Sở Tài chính" \\
    --number 123 --notation UBND-VP --subject "V/v tổng kết năm 2026"
  lienthong send cv.pdf --to 000.00.11.H53 --number 7 --notation STC --subject "…" --sign --sign-profile van-thu --json
  lienthong send cv.pdf --to 000.00.11.H53 --number 8 --notation STC --subject "…" --attach phu-luc.pdf --attach bang-tinh.xlsx`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  to: { type: "string", multiple: true },
  number: { type: "string" },
  notation: { type: "string" },
  subject: { type: "string" },
  type: { type: "string" },
  urgency: { type: "string" },
  due: { type: "string" },
  "response-for": { type: "string" },
  sign: { type: "boolean" },
  "sign-profile": { type: "string" },
  appearance: { type: "string" },
  attach: { type: "string", multiple: true },
} as const;

const APPEARANCES = ["seal", "signer", "stamp", "none"] as const;
type Appearance = (typeof APPEARANCES)[number];

/**
 * Organ codes for `--to` values, each looked up in the directory (GET /v1/organs?q=, which
 * matches codes, names and aliases): the organ whose code is the value, else the one whose name
 * or alias is, else the only match. Codes are looked up too: organ ids outside the
 * NNN.NN.NN.Xnn pattern exist, and a mistyped code is named here rather than refused at send.
 */
export async function resolveRecipients(remote: Remote, values: readonly string[]): Promise<string[]> {
  const fold = (text: string) => text.normalize("NFC").toLocaleLowerCase("vi");
  const resolve = async (value: string): Promise<string> => {
    const found = await ok(remote.api.GET("/v1/organs", { params: { query: { q: value, limit: "20" } } }));
    const byCode = found.items.find((organ) => organ.code === value);
    if (byCode) {
      return byCode.code;
    }
    const exact = found.items.filter(
      (organ) =>
        fold(organ.name) === fold(value) || (organ.aliases ?? []).some((a) => fold(a) === fold(value)),
    );
    const candidates = exact.length > 0 ? exact : found.items;
    if (candidates.length === 1) {
      return candidates[0]!.code;
    }
    if (candidates.length === 0) {
      throw new UsageError(`--to '${value}': no organ of that code or name in the directory`);
    }
    const list = candidates
      .slice(0, 5)
      .map((organ) => `${organ.code} ${organ.name}`)
      .join("; ");
    throw new UsageError(`--to '${value}' matches ${candidates.length} organs (${list}): give the code`);
  };
  const unique = [...new Set(values)];
  const codes: string[] = [];
  // A few lookups at a time: a letter to a thousand organs must not open a thousand connections.
  for (let start = 0; start < unique.length; start += 8) {
    codes.push(...(await Promise.all(unique.slice(start, start + 8).map(resolve))));
  }
  return [...new Set(codes)];
}

/** Media types of common appendix files, by extension; anything else is application/octet-stream. */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  txt: "text/plain",
  xml: "application/xml",
  zip: "application/zip",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
};

interface Appendix {
  readonly path: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly signature?: {
    readonly path: string;
    readonly name: string;
    readonly size: number;
    readonly sha256: string;
  };
}

/** Each `--attach` file with its digest, and the `.p7s` beside a file that is not a PDF. */
async function appendices(paths: readonly string[]): Promise<Appendix[]> {
  const list: Appendix[] = [];
  for (const path of paths) {
    await assertReadableFile(path, "attachment");
    const extension = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? "";
    const contentType = MEDIA_TYPES[extension] ?? "application/octet-stream";
    const digest = await fileDigest(path);
    let signature: Appendix["signature"];
    if (contentType !== "application/pdf") {
      const p7s = `${path}.p7s`;
      try {
        await assertReadableFile(p7s, "detached signature");
      } catch {
        throw new UsageError(
          `--attach '${path}': a file that is not a PDF needs its detached signature beside it as '${p7s}' (lienthong sign-detached '${path}' -o '${p7s}' …)`,
        );
      }
      signature = { path: p7s, name: basename(p7s), ...(await fileDigest(p7s)) };
    }
    list.push({ path, name: basename(path), contentType, ...digest, ...(signature ? { signature } : {}) });
  }
  return list;
}

function urgency(value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!/^[0-3]$/.test(value)) {
    throw new UsageError(`--urgency: expected 0, 1, 2 or 3, got '${value}'`);
  }
  return Number(value);
}

async function send(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const { values, positionals } = args;
  const path = onePositional(positionals, USAGE, "PDF file");
  const missing = (["number", "notation", "subject"] as const).filter((name) => !values[name]);
  if (!values.to?.length) {
    missing.unshift("to" as never);
  }
  if (missing.length > 0) {
    throw new UsageError(`missing ${missing.map((name) => `--${name}`).join(", ")}`);
  }
  const appearance = values.appearance;
  if (appearance !== undefined && !(APPEARANCES as readonly string[]).includes(appearance)) {
    throw new UsageError(`--appearance: expected one of ${APPEARANCES.join(", ")}, got '${appearance}'`);
  }
  await assertReadableFile(path, "letter");
  const remote = connect(values);
  const sealer = values.sign
    ? values["sign-profile"]
      ? connect({ profile: values["sign-profile"] })
      : remote
    : undefined;
  const digest = await fileDigest(path);
  const attached = await appendices(values.attach ?? []);
  const recipients = await resolveRecipients(remote, values.to ?? []);
  const level = urgency(values.urgency);

  const created = await ok(
    remote.api.POST("/v1/letters", {
      body: {
        code: { number: values.number!, notation: values.notation! },
        documentType: values.type ?? "Công văn",
        subject: values.subject!,
        recipients,
        ...(level !== undefined ? { urgency: level } : {}),
        ...(values.due ? { dueDate: values.due } : {}),
        ...(values["response-for"] ? { responseFor: values["response-for"] } : {}),
        file: {
          name: basename(path),
          contentType: "application/pdf",
          size: digest.size,
          sha256: digest.sha256,
        },
        ...(attached.length > 0
          ? {
              attachments: attached.map((a) => ({
                name: a.name,
                contentType: a.contentType,
                size: a.size,
                sha256: a.sha256,
                ...(a.signature
                  ? {
                      signature: {
                        name: a.signature.name,
                        size: a.signature.size,
                        sha256: a.signature.sha256,
                      },
                    }
                  : {}),
              })),
            }
          : {}),
      },
    }),
  );
  const id = created.letter.id;
  await uploadFile(created.upload, path, `upload ${basename(path)}`);
  for (const appendix of attached) {
    const target = created.attachments?.find((a) => a.sha256 === appendix.sha256);
    if (!target) {
      throw new RemoteFailure(
        "UNEXPECTED_RESPONSE",
        `the exchange gave no upload for the attachment ${appendix.name}`,
      );
    }
    await uploadFile(target.upload, appendix.path, `upload ${appendix.name}`);
    if (appendix.signature && target.signature) {
      await uploadFile(target.signature.upload, appendix.signature.path, `upload ${appendix.signature.name}`);
    }
  }
  const sealed = sealer
    ? await ok(
        sealer.api.POST("/v1/sign", {
          body: { letterId: id, ...(appearance ? { appearance: { kind: appearance as Appearance } } : {}) },
        }),
      )
    : undefined;
  const sent = await ok(remote.api.POST("/v1/letters/{id}/send", { params: { path: { id } } }));
  output(values.json, sent, () =>
    [
      `sent letter ${sent.id} (${sent.code.number}/${sent.code.notation}: ${sent.subject})`,
      ...(sealed ? [`sealed by ${sealed.signer.name ?? sealed.signer.organCode ?? "the organ"}`] : []),
      `verdict: ${sent.verification?.verdict ?? "not verified"}`,
      ...(sent.attachments ?? []).map(
        (a) => `attachment ${a.name}: ${a.verification?.verdict ?? "not verified"}`,
      ),
      table(
        ["RECIPIENT", "STATUS"],
        sent.deliveries.map((delivery) => [
          delivery.organCode,
          `${delivery.status} ${delivery.statusLabel.en}`,
        ]),
      ),
    ].join("\n"),
  );
  return 0;
}

export const command: Command = {
  summary: "send a PDF letter to other organs",
  run: (argv) => runRemote("send", argv, () => send(argv)),
};
