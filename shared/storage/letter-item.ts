/**
 * The letter item's compact form once a send is committed (issue 10 item 3: at most 3 + N write
 * units for N recipients). A write of an item costs one unit per started KB of the item (the larger
 * of before and after, for an update), and a committed letter's file, verification (with its
 * bilingual summary), pending work and appendices are ~1.5 KB of JSON: the commit and the `sent`
 * mark would cost 2–3 units each. They are kept instead as one binary attribute, `packed`: a
 * version byte, then raw DEFLATE (node:zlib) of their JSON with a preset dictionary of what such
 * JSON always contains (keys, prefixes, policy names, summary phrases), ~170 bytes for a typical
 * letter, so the item stays under 1 KB. Only `verification.verdict` stays a plain attribute (the
 * outbox filters on it: dynamo-queries.ts). Drafts stay plain (their conditions read `file.sha256`).
 *
 * Hand-written because no library packs DynamoDB items; the encoding is a pure function of the
 * record and {@link unpackLetter} restores exactly what {@link packLetter} took, so the ledger's
 * readers (and GET letter's answer) see the same letter. The dictionary may never change: a new
 * one needs a new version byte, and the old one must stay readable.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { Letter } from "../exchange/types.ts";

/** The attribute holding the packed fields. */
export const PACKED_ATTRIBUTE = "packed";

/** The fields of a committed letter that go into {@link PACKED_ATTRIBUTE}. */
const PACKED_FIELDS = ["file", "verification", "pending", "attachments", "attachmentsReportKey"] as const;

const VERSION_1 = 1;

/** Version 1's preset dictionary: the shape of the packed JSON (never edit; add a version). */
const DICTIONARY_1 = Buffer.from(
  [
    '"attachments":[{"name":".pdf","contentType":"application/pdf","size":,"sha256":"","signature":{"name":".p7s",',
    '"verification":{"kind":"detached","kind":"pdf","verdict":"TOTAL_PASSED","signatures":[],"accepted":true}}],',
    '"attachmentsReportKey":"evidence/","/attachments-',
    '"unmetRequirements":["person-signature","final-organ-signature"],"policy":"allow-indeterminate",',
    "KHÔNG HỢP LỆ CHƯA XÁC ĐỊNH ĐƯỢC NOT VALID INDETERMINATE TOTAL_FAILED",
    '"subIndication":"NO_CERTIFICATE_CHAIN_FOUND","subIndication":"TRY_LATER","indication":"INDETERMINATE",',
    "chứng thư số, cơ quan, ký lúc (có dấu thời gian), signed at (timestamped) ",
    "(signing time as claimed by the signer) — VALID",
    "(thời gian ký do người ký tự khai) — HỢP LỆ",
    '"summary":{"vi":"Văn bản: HỢP LỆ\\n- Chữ ký 1: Nguyễn Văn (Chủ tịch), cơ quan 000.00.00. – Ủy ban nhân dân tỉnh',
    ', ký lúc /12/2026 ","en":"Letter: VALID\\n- Signature 1: Nguyễn (Chủ tịch), organ 000.00.00. – Ủy ban nhân dân tỉnh',
    ', signed at /12/2026 "},"policy":"record-only","policy":"require-total-passed","policySetting":{"verdicts":"record-only",',
    '"requirePersonSignature":false,"requireFinalOrganSignature":false,"scope":"environment"},',
    '"decision":"delivered","fileSha256":"","pending":{"sourceKey":"incoming/","reportSourceKey":"incoming/',
    '/report-.json","attachmentsReportSourceKey":"incoming//attachments-.json"}}',
    '{"file":{"name":"cong-van.pdf","contentType":"application/pdf","size":,"sha256":"","key":"letters/"},',
    '"verification":{"verdict":"TOTAL_PASSED","checkedAt":"2026-","reportKey":"evidence//verification-.json",',
    '"signatures":[{"name":"Nguyễn Văn","organCode":"000.00.00.H53","indication":"TOTAL_PASSED"}],',
    '"summary":{"vi":"Văn bản: KHÔNG HỢP LỆ\n- văn bản không có chữ ký số","en":"Letter: NOT VALID\n- the letter carries no digital signature"}',
    '"verification":{"verdict":"TOTAL_PASSED","checkedAt":"2026-12-0T:.Z","signatures":[],"summary":{"vi":"Văn bản: HỢP LỆ\n- Chữ ký 1: ',
    '"en":"Letter: VALID\n- Signature 1: "},"policy":"record-only","policySetting":{"verdicts":"record-only",',
    '"requirePersonSignature":false,"requireFinalOrganSignature":false,"scope":"environment"},"decision":"delivered"},',
    '"pending":{"sourceKey":"incoming/","reportSourceKey":"report-"}}',
  ].join(""),
  "utf8",
);

/**
 * The attributes that replace a committed letter's packed fields: `packed`, and the verdict alone
 * as `verification`.
 */
export function packLetter(letter: Letter): {
  readonly packed: Uint8Array;
  readonly verification?: { readonly verdict: string };
} {
  const fields = withoutDerivable(
    letter,
    Object.fromEntries(
      PACKED_FIELDS.flatMap((name) => (letter[name] === undefined ? [] : [[name, letter[name]]])),
    ),
  );
  const deflated = deflateRawSync(Buffer.from(JSON.stringify(fields), "utf8"), {
    level: 9,
    dictionary: DICTIONARY_1,
  });
  const packed = new Uint8Array(deflated.length + 1);
  packed[0] = VERSION_1;
  packed.set(deflated, 1);
  return {
    packed,
    ...(letter.verification ? { verification: { verdict: letter.verification.verdict } } : {}),
  };
}

/**
 * A stored record as the exchange knows it: a letter's packed fields restored ({@link unpackLetter}),
 * a copy's `updatedAt` restored (not stored while it equals `deliveredAt`, its arrival, so that a
 * copy with its arrival event and index keys stays under 1 KB: see `copyRecord`).
 */
export function unpackItem<T extends Record<string, unknown>>(record: T): T {
  if (record["entity"] === "delivery") {
    return record["updatedAt"] === undefined && typeof record["deliveredAt"] === "string"
      ? { ...record, updatedAt: record["deliveredAt"] }
      : record;
  }
  return unpackLetter(record);
}

/** What a copy stores: `updatedAt` only once it differs from `deliveredAt` ({@link unpackItem}). */
export function copyRecord<T extends { readonly deliveredAt: string; readonly updatedAt: string }>(
  copy: T,
): Omit<T, "updatedAt"> & { updatedAt?: string } {
  if (copy.updatedAt !== copy.deliveredAt) {
    return copy;
  }
  const { updatedAt: _same, ...rest } = copy;
  return rest;
}

/**
 * A stored letter record with its packed fields restored (a record without them is returned as
 * it is). `pending` is dropped once the letter is `sent`: the `sent` mark does not rewrite the
 * packed attribute, and pending work of a finished send means nothing.
 */
export function unpackLetter<T extends Record<string, unknown>>(record: T): T {
  const packed = record[PACKED_ATTRIBUTE];
  if (!(packed instanceof Uint8Array)) {
    return record;
  }
  if (packed[0] !== VERSION_1) {
    throw new Error(`letter item packed with unknown version ${packed[0]}`);
  }
  const fields = JSON.parse(
    inflateRawSync(packed.subarray(1), { dictionary: DICTIONARY_1 }).toString("utf8"),
  ) as Record<string, unknown>;
  const { [PACKED_ATTRIBUTE]: _packed, ...rest } = record;
  const restored: Record<string, unknown> = { ...rest, ...withDerived(String(record["id"]), fields) };
  if (restored["state"] !== "sending") {
    delete restored["pending"];
  }
  return restored as T;
}

type Fields = Record<string, unknown> & {
  file?: Record<string, unknown>;
  verification?: Record<string, unknown>;
  pending?: Record<string, unknown>;
};

/**
 * Values the letter's id and file SHA-256 determine are left out (the content address, the
 * verified file's hash, the report keys' fixed parts) and restored by {@link withDerived}.
 */
function withoutDerivable(letter: Letter, fields: Fields): Fields {
  const { id } = letter;
  const sha = letter.file.sha256;
  const file = { ...fields.file };
  if (file["key"] === `letters/${id}/${sha}`) {
    delete file["key"];
  }
  const verification = fields.verification ? { ...fields.verification } : undefined;
  if (verification?.["fileSha256"] === sha) {
    delete verification["fileSha256"];
  }
  const report = `evidence/${id}/${sha}/verification-`;
  if (typeof verification?.["reportKey"] === "string" && verification["reportKey"].startsWith(report)) {
    verification["reportKey"] = verification["reportKey"].slice(report.length);
  }
  const pending = fields.pending ? { ...fields.pending } : undefined;
  const source = `incoming/${id}/${sha}/`;
  if (typeof pending?.["reportSourceKey"] === "string" && pending["reportSourceKey"].startsWith(source)) {
    pending["reportSourceKey"] = pending["reportSourceKey"].slice(source.length);
  }
  return {
    ...fields,
    file,
    ...(verification ? { verification } : {}),
    ...(pending ? { pending } : {}),
  };
}

function withDerived(id: string, fields: Fields): Fields {
  const file = { ...fields.file };
  const sha = String(file["sha256"]);
  file["key"] ??= `letters/${id}/${sha}`;
  const verification = fields.verification ? { ...fields.verification } : undefined;
  if (verification) {
    verification["fileSha256"] ??= sha;
    const key = verification["reportKey"];
    if (typeof key === "string" && !key.includes("/")) {
      verification["reportKey"] = `evidence/${id}/${sha}/verification-${key}`;
    }
  }
  const pending = fields.pending ? { ...fields.pending } : undefined;
  const source = pending?.["reportSourceKey"];
  if (pending && typeof source === "string" && !source.includes("/")) {
    pending["reportSourceKey"] = `incoming/${id}/${sha}/${source}`;
  }
  return {
    ...fields,
    file,
    ...(verification ? { verification } : {}),
    ...(pending ? { pending } : {}),
  };
}
