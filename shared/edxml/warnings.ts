/**
 * What an import tells the clerk without refusing the package: stable codes with Vietnamese and
 * English wording. They are data in the import result, never thrown (refusals are ExchangeErrors with
 * the EDXML_* codes of shared/errors/codes.ts).
 */
export const EDXML_WARNINGS = {
  EDXML_TEXT_BEFORE_XML: {
    en: "Stray characters before the XML were ignored.",
    vi: "Bỏ qua các ký tự thừa đứng trước nội dung XML.",
  },
  EDXML_ATTACHMENT_MISMATCH: {
    en: "An attachment's content does not match its declared name and type; it is kept as it came.",
    vi: "Nội dung tệp đính kèm không khớp với tên và kiểu đã khai báo; tệp được giữ nguyên như khi nhận.",
  },
  EDXML_ATTACHMENT_MISSING: {
    en: "The manifest lists an attachment that the package does not carry (or carries empty).",
    vi: "Danh mục có tệp đính kèm mà gói không mang theo (hoặc mang tệp rỗng).",
  },
  EDXML_ATTACHMENT_UNLISTED: {
    en: "The package carries an attachment its manifest does not list; it is kept.",
    vi: "Gói mang tệp đính kèm không có trong danh mục; tệp vẫn được giữ.",
  },
  EDXML_ATTACHMENT_UNREADABLE: {
    en: "An attachment is not valid base64; it is kept as text in the package's extra part, not as a file.",
    vi: "Tệp đính kèm không phải base64 hợp lệ; được giữ dạng văn bản trong phần bổ sung, không thành tệp.",
  },
  EDXML_SIGNATURE_PLACEHOLDER: {
    en: "The package's XML signature is a placeholder (no usable certificate or value): it proves nothing.",
    vi: "Chữ ký XML của gói chỉ là phần giữ chỗ (không có chứng thư hoặc giá trị dùng được): không chứng minh được gì.",
  },
  EDXML_SIGNATURE_NOT_VERIFIED: {
    en: "The package's XML signature was kept but not verified; the letter's own file signatures are what count.",
    vi: "Chữ ký XML của gói được giữ nhưng không được xác thực; chữ ký số trên tệp văn bản mới có giá trị.",
  },
  EDXML_DATE_UNREADABLE: {
    en: "A date is in neither yyyy/MM/dd nor dd/MM/yyyy form; it is kept as it came in the extra part.",
    vi: "Một ngày tháng không theo dạng yyyy/MM/dd hoặc dd/MM/yyyy; được giữ nguyên trong phần bổ sung.",
  },
  EDXML_FIELD_MISSING: {
    en: "A field the exchange needs is missing or empty.",
    vi: "Thiếu hoặc để trống một trường mà hệ thống liên thông cần.",
  },
} as const satisfies Record<string, { readonly en: string; readonly vi: string }>;

export type EdxmlWarningCode = keyof typeof EDXML_WARNINGS;

export interface EdxmlWarning {
  readonly code: EdxmlWarningCode;
  /** What exactly, stating expected versus found (never document content beyond names). */
  readonly detail: string;
}
