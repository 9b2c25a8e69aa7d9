/**
 * A clerk-readable summary of a validation report, in Vietnamese or English: the verdict for the
 * letter, then one line per signature — who signed, for which organ, when, the verdict in words and,
 * when it is not valid, why.
 */
import { formatVietnamTime } from "../pdf/appearance/vietnam-time.ts";
import type { Indication, SignatureReport, SubIndication, ValidationReport } from "./report.ts";

export type SummaryLanguage = "vi" | "en";

interface Words {
  readonly verdict: Readonly<Record<Indication, string>>;
  readonly reasons: Readonly<Record<SubIndication, string>>;
  /** Sharper words for FORMAT_FAILURE, by what the first failed check found. */
  readonly formatReasons: { readonly modified: string; readonly unreadable: string };
  readonly letter: string;
  readonly signature: string;
  readonly timestamp: string;
  readonly organ: string;
  readonly signedAt: string;
  readonly provenAt: string;
  readonly notProven: string;
  readonly unknownSigner: string;
  readonly noSignature: string;
  readonly trailingData: string;
  readonly signatureRemoved: string;
  readonly modification: Readonly<Record<SignatureReport["modification"], string>>;
  /** What kinds of allowed change followed a signature, by change class. */
  readonly changeClasses: Readonly<Record<SignatureReport["changes"][number]["class"], string>>;
  readonly afterSigning: string;
  /** "{who} shows an image on page {page} at {rect}". */
  readonly painted: (who: string, page: number, rect: string) => string;
  readonly check: string;
}

export const WORDS: Readonly<Record<SummaryLanguage, Words>> = {
  vi: {
    verdict: { TOTAL_PASSED: "HỢP LỆ", TOTAL_FAILED: "KHÔNG HỢP LỆ", INDETERMINATE: "CHƯA XÁC ĐỊNH ĐƯỢC" },
    reasons: {
      FORMAT_FAILURE: "cấu trúc chữ ký hoặc tệp không hợp lệ",
      HASH_FAILURE: "nội dung văn bản đã bị thay đổi sau khi ký",
      SIG_CRYPTO_FAILURE: "giá trị chữ ký số không đúng",
      REVOKED: "chứng thư số đã bị thu hồi",
      EXPIRED: "chứng thư số đã hết hạn",
      NOT_YET_VALID: "chứng thư số chưa có hiệu lực",
      NO_SIGNING_CERTIFICATE_FOUND: "không xác định được chứng thư số của người ký",
      NO_CERTIFICATE_CHAIN_FOUND: "chứng thư số không do tổ chức chứng thực tin cậy cấp",
      CHAIN_CONSTRAINTS_FAILURE: "chứng thư số không được phép dùng để ký số",
      SIG_CONSTRAINTS_FAILURE: "chữ ký không đáp ứng yêu cầu (ví dụ: người ký không thuộc cơ quan gửi)",
      CRYPTO_CONSTRAINTS_FAILURE: "thuật toán mật mã không còn đủ an toàn",
      TIMESTAMP_ORDER_FAILURE: "thứ tự các dấu thời gian không hợp lệ",
      TRY_LATER: "chưa kiểm tra được tình trạng thu hồi chứng thư số; đề nghị kiểm tra lại sau",
    },
    formatReasons: {
      modified: "văn bản đã bị sửa đổi sau khi ký",
      unreadable: "không đọc được chữ ký số (định dạng không được hỗ trợ hoặc dữ liệu chữ ký bị hỏng)",
    },
    letter: "Văn bản",
    signature: "Chữ ký",
    timestamp: "Dấu thời gian",
    organ: "cơ quan",
    signedAt: "ký lúc",
    provenAt: "có dấu thời gian",
    notProven: "thời gian ký do người ký tự khai",
    unknownSigner: "không rõ người ký",
    noSignature: "văn bản không có chữ ký số",
    trailingData: "có dữ liệu lạ sau phần cuối tệp",
    signatureRemoved: "một chữ ký số đã có trong văn bản đã bị gỡ bỏ sau đó",
    modification: {
      none: "không có thay đổi sau khi ký",
      "signatures-and-validation-data": "sau khi ký chỉ thêm chữ ký hoặc dữ liệu kiểm tra",
      "form-filling": "sau khi ký chỉ điền biểu mẫu",
      other: "văn bản đã bị sửa đổi sau khi ký",
    },
    changeClasses: {
      bookkeeping: "thông tin kỹ thuật của tệp",
      metadata: "thông tin mô tả tài liệu",
      validation: "dữ liệu kiểm tra chữ ký hoặc dấu thời gian",
      signature: "chữ ký số mới",
      form: "nội dung điền vào biểu mẫu",
      content: "nội dung văn bản",
    },
    afterSigning: "sau khi ký có thêm",
    painted: (who, page, rect) => `  · ${who} hiển thị hình chữ ký tại trang ${page}, vùng ${rect}`,
    check: "kiểm tra",
  },
  en: {
    verdict: { TOTAL_PASSED: "VALID", TOTAL_FAILED: "NOT VALID", INDETERMINATE: "INDETERMINATE" },
    reasons: {
      FORMAT_FAILURE: "the signature or file structure is not valid",
      HASH_FAILURE: "the document content was changed after signing",
      SIG_CRYPTO_FAILURE: "the signature value is wrong",
      REVOKED: "the certificate has been revoked",
      EXPIRED: "the certificate has expired",
      NOT_YET_VALID: "the certificate is not yet valid",
      NO_SIGNING_CERTIFICATE_FOUND: "the signer's certificate cannot be identified",
      NO_CERTIFICATE_CHAIN_FOUND: "the certificate was not issued by a trusted certification authority",
      CHAIN_CONSTRAINTS_FAILURE: "the certificate may not be used for signing",
      SIG_CONSTRAINTS_FAILURE:
        "the signature does not meet the requirements (e.g. the signer is not of the sending organ)",
      CRYPTO_CONSTRAINTS_FAILURE: "the cryptographic algorithm is no longer secure enough",
      TIMESTAMP_ORDER_FAILURE: "the timestamps are out of order",
      TRY_LATER: "the certificate's revocation status could not be obtained; check again later",
    },
    formatReasons: {
      modified: "the letter was changed after signing",
      unreadable: "the digital signature cannot be read (an unsupported format, or damaged signature data)",
    },
    letter: "Letter",
    signature: "Signature",
    timestamp: "Document timestamp",
    organ: "organ",
    signedAt: "signed at",
    provenAt: "timestamped",
    notProven: "signing time as claimed by the signer",
    unknownSigner: "unknown signer",
    noSignature: "the letter carries no digital signature",
    trailingData: "unknown data follows the end of the file",
    signatureRemoved: "a signature the letter once held was removed afterwards",
    modification: {
      none: "no changes after signing",
      "signatures-and-validation-data": "only signatures or validation data added after signing",
      "form-filling": "only form fields filled after signing",
      other: "the letter was modified after signing",
    },
    changeClasses: {
      bookkeeping: "file bookkeeping",
      metadata: "document information",
      validation: "validation data or timestamps",
      signature: "new signatures",
      form: "form field values",
      content: "letter content",
    },
    afterSigning: "added after signing",
    painted: (who, page, rect) => `  · ${who} shows a signature image on page ${page}, area ${rect}`,
    check: "check",
  },
};

/** Vietnam local time for people, e.g. "2024-03-05 14:02:11 (+07:00)". */
export function displayTime(iso: string | undefined): string | undefined {
  if (!iso) {
    return undefined;
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return undefined;
  }
  return formatVietnamTime(date).replace("T", " ").replace("+07:00", " (+07:00)");
}

/** The first failed (else unknown) check of a signature, for the "why". */
export function firstProblem(signature: SignatureReport): SignatureReport["checks"][number] | undefined {
  return (
    signature.checks.find((check) => check.status === "failed") ??
    signature.checks.find((check) => check.status === "unknown")
  );
}

/** Check codes that mean the signature container itself could not be read. */
const UNREADABLE = new Set([
  "CMS_UNREADABLE",
  "CONTENTS_NOT_DER",
  "SUBFILTER_UNSUPPORTED",
  "UNPROCESSABLE_SIGNATURE",
]);

/** The reason in words: FORMAT_FAILURE says whether the letter was changed or the signature is unreadable. */
function reason(sub: SubIndication, code: string | undefined, w: Words): string {
  if (sub === "FORMAT_FAILURE" && code) {
    if (code.startsWith("MODIFIED_AFTER_SIGNING_") || code === "DATA_AFTER_LAST_EOF") {
      return w.formatReasons.modified;
    }
    if (UNREADABLE.has(code)) {
      return w.formatReasons.unreadable;
    }
  }
  return w.reasons[sub];
}

/** One line for one signature. */
export function summariseSignature(signature: SignatureReport, lang: SummaryLanguage = "vi"): string {
  const w = WORDS[lang];
  const label = signature.kind === "document-timestamp" ? w.timestamp : w.signature;
  const who = signature.signer?.name ?? signature.signer?.certificate.subject ?? w.unknownSigner;
  const title = signature.signer?.title ? ` (${signature.signer.title})` : "";
  const organ = signature.signer?.organCode
    ? `, ${w.organ} ${signature.signer.organCode}${signature.signer.organization ? ` – ${signature.signer.organization}` : ""}`
    : signature.signer?.organization
      ? `, ${signature.signer.organization}`
      : "";
  const proven = displayTime(signature.provenSigningTime);
  const claimed = displayTime(signature.claimedSigningTime);
  const when = proven
    ? `, ${w.signedAt} ${proven} (${w.provenAt})`
    : claimed
      ? `, ${w.signedAt} ${claimed} (${w.notProven})`
      : "";
  let line = `${label} ${signature.index + 1}: ${who}${title}${organ}${when} — ${w.verdict[signature.indication]}`;
  if (signature.indication !== "TOTAL_PASSED" && signature.subIndication) {
    const problem = firstProblem(signature);
    line += `: ${reason(signature.subIndication, problem?.code, w)}${problem ? ` [${problem.code}]` : ""}`;
  } else if (signature.changes.length > 0) {
    const classes = [...new Set(signature.changes.map((change) => w.changeClasses[change.class]))];
    line += ` (${w.afterSigning}: ${classes.join(", ")})`;
  }
  for (const painting of signature.paintedAfter) {
    const who = `${label} ${(painting.by ?? -1) + 1 || "?"}${painting.signer ? ` (${painting.signer})` : ""}`;
    line += `\n${w.painted(who, painting.page, `[${painting.rect.map((n) => Math.round(n)).join(" ")}]`)}`;
  }
  return line;
}

/**
 * A short human summary of the report: the letter's verdict, then one line per signature.
 *
 * @example
 * console.log(summarise(report, "vi"));
 * // Văn bản: HỢP LỆ
 * // Chữ ký 1: Trần Thị Bích Ngọc (Phó Giám đốc), cơ quan 000.00.11.H53 – …, ký lúc … — HỢP LỆ
 */
export function summarise(report: ValidationReport, lang: SummaryLanguage = "vi"): string {
  const w = WORDS[lang];
  const lines = [`${w.letter}: ${w.verdict[report.verdict]}`];
  for (const problem of report.problems) {
    if (problem.code === "NO_SIGNATURE") {
      lines.push(`- ${w.noSignature}`);
    } else if (problem.code === "DATA_AFTER_LAST_EOF") {
      lines.push(`- ${w.trailingData}`);
    } else if (problem.code === "SIGNATURE_REMOVED") {
      lines.push(`- ${w.signatureRemoved} [${problem.detail}]`);
    }
  }
  for (const signature of report.signatures) {
    lines.push(summariseSignature(signature, lang));
  }
  return lines.join("\n");
}
