/**
 * The one registry of error codes. A code is SCREAMING_SNAKE, never changes meaning, and carries
 * its HTTP status and a message for people in Vietnamese and English. `etsi` records the
 * ETSI EN 319 102-1 sub-indication a code corresponds to, where there is one.
 *
 * Add a code here, nowhere else; `http/` maps it to a response from this table alone.
 */
export interface ErrorCodeInfo {
  readonly status: number;
  readonly en: string;
  readonly vi: string;
  readonly etsi?: string;
}

export const ERROR_CODES = {
  // Request shape and authentication
  VALIDATION_FAILED: {
    status: 400,
    en: "The request is not valid.",
    vi: "Yêu cầu không hợp lệ.",
  },
  MALFORMED_JSON: {
    status: 400,
    en: "The request body is not valid JSON.",
    vi: "Nội dung yêu cầu không phải JSON hợp lệ.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    en: "The request body is not of a type this route accepts (see Content-Type).",
    vi: "Kiểu nội dung yêu cầu không được chấp nhận (xem Content-Type).",
  },
  UNAUTHENTICATED: {
    status: 401,
    en: "A valid API key is required (Authorization: Bearer <key>).",
    vi: "Cần khóa API hợp lệ (Authorization: Bearer <khóa>).",
  },
  FORBIDDEN: {
    status: 403,
    en: "Your organ is not allowed to do this.",
    vi: "Cơ quan của bạn không được phép thực hiện thao tác này.",
  },
  ROLE_NOT_ALLOWED: {
    status: 403,
    en: "This API key's role may not do this; use a key of a role that may (see the API's roles).",
    vi: "Vai trò của khóa API này không được phép thực hiện thao tác này; hãy dùng khóa có vai trò được phép.",
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    en: "There is no such API route.",
    vi: "Không có đường dẫn API này.",
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    en: "The file or request is larger than allowed.",
    vi: "Tệp hoặc yêu cầu vượt quá dung lượng cho phép.",
  },

  // Letters and deliveries
  LETTER_NOT_FOUND: {
    status: 404,
    en: "No such letter, or it is not addressed to your organ.",
    vi: "Không tìm thấy văn bản, hoặc văn bản không gửi cho cơ quan của bạn.",
  },
  ORGAN_NOT_FOUND: {
    status: 422,
    en: "A recipient organ code is not in the organ directory.",
    vi: "Mã định danh cơ quan nhận không có trong danh bạ.",
  },
  LETTER_ALREADY_SENT: {
    status: 409,
    en: "This letter has already been sent.",
    vi: "Văn bản này đã được gửi.",
  },
  LETTER_CHANGED: {
    status: 409,
    en: "The letter changed while this request was being carried out; try again.",
    vi: "Văn bản đã thay đổi trong khi đang xử lý yêu cầu; vui lòng thử lại.",
  },
  UPLOAD_MISSING: {
    status: 409,
    en: "The letter's file has not been uploaded yet.",
    vi: "Tệp của văn bản chưa được tải lên.",
  },
  UPLOAD_SIZE_MISMATCH: {
    status: 422,
    en: "The uploaded file's size differs from the size declared for the letter.",
    vi: "Kích thước tệp đã tải lên khác với kích thước đã khai báo.",
  },
  UPLOAD_CHECKSUM_MISMATCH: {
    status: 422,
    en: "The uploaded file's SHA-256 differs from the checksum declared for the letter.",
    vi: "Mã băm SHA-256 của tệp đã tải lên khác với mã băm đã khai báo.",
  },
  STATUS_NOT_ALLOWED: {
    status: 409,
    en: "This status change is not allowed from the delivery's current status.",
    vi: "Không được chuyển sang trạng thái này từ trạng thái hiện tại.",
  },
  INVALID_CURSOR: {
    status: 400,
    en: "The pagination cursor is not valid.",
    vi: "Con trỏ phân trang không hợp lệ.",
  },

  // PDF, CMS and signing
  PDF_MALFORMED: {
    status: 422,
    en: "The file is not a readable PDF.",
    vi: "Tệp không phải là PDF đọc được.",
    etsi: "FORMAT_FAILURE",
  },
  PDF_TOO_MANY_REVISIONS: {
    status: 422,
    en: "The PDF has too many incremental updates to be checked; save it again as a new file and sign it again.",
    vi: "Tệp PDF có quá nhiều lần cập nhật nối tiếp để kiểm tra; hãy lưu thành tệp mới rồi ký lại.",
    etsi: "FORMAT_FAILURE",
  },
  PDF_ENCRYPTED: {
    status: 422,
    en: "Encrypted PDF files cannot be signed or verified.",
    vi: "Không thể ký hoặc xác thực tệp PDF đã mã hóa.",
    etsi: "FORMAT_FAILURE",
  },
  PLACEHOLDER_TOO_SMALL: {
    status: 500,
    en: "The signature does not fit into the space reserved for it.",
    vi: "Chữ ký không vừa vùng dành sẵn cho chữ ký.",
  },
  CMS_MALFORMED: {
    status: 422,
    en: "The signature data (CMS) cannot be read.",
    vi: "Không đọc được dữ liệu chữ ký (CMS).",
    etsi: "FORMAT_FAILURE",
  },
  CERT_MALFORMED: {
    status: 422,
    en: "The certificate cannot be read.",
    vi: "Không đọc được chứng thư số.",
    etsi: "FORMAT_FAILURE",
  },
  KEY_MALFORMED: {
    status: 422,
    en: "The private key or PKCS#12 file cannot be read (wrong password?).",
    vi: "Không đọc được khóa bí mật hoặc tệp PKCS#12 (sai mật khẩu?).",
  },
  KEY_UNSUPPORTED: {
    status: 422,
    en: "This key type or size is not supported for signing (RSA 2048–4096, ECDSA P-256/P-384).",
    vi: "Loại hoặc độ dài khóa không được hỗ trợ để ký (RSA 2048–4096, ECDSA P-256/P-384).",
  },
  SIGNER_FAILED: {
    status: 502,
    en: "The signing service did not return a signature.",
    vi: "Dịch vụ ký số không trả về chữ ký.",
  },
  TSA_UNAVAILABLE: {
    status: 503,
    en: "The timestamp authority could not be reached; nothing was signed.",
    vi: "Không kết nối được máy chủ cấp dấu thời gian; văn bản chưa được ký.",
  },
  TSA_BAD_RESPONSE: {
    status: 502,
    en: "The timestamp authority's answer is not a valid timestamp for this signature.",
    vi: "Phản hồi của máy chủ cấp dấu thời gian không hợp lệ.",
  },
  SIGNING_SESSION_NOT_FOUND: {
    status: 404,
    en: "No prepared signature with this id (it may have expired).",
    vi: "Không có phiên ký chuẩn bị với mã này (có thể đã hết hạn).",
  },
  SIGNING_SESSION_SPENT: {
    status: 409,
    en: "This prepared signature has had too many wrong signature values; prepare the signature again.",
    vi: "Phiên ký đã nhận quá nhiều giá trị chữ ký sai; hãy chuẩn bị lại chữ ký.",
  },
  SIGNING_SESSION_USED: {
    status: 409,
    en: "This prepared signature has already been completed.",
    vi: "Phiên ký này đã được hoàn tất.",
  },
  SIGNATURE_VALUE_INVALID: {
    status: 422,
    en: "The returned signature value does not match the prepared document and certificate.",
    vi: "Giá trị chữ ký trả về không khớp với tài liệu và chứng thư đã chuẩn bị.",
    etsi: "SIG_CRYPTO_FAILURE",
  },
  APPEARANCE_INVALID: {
    status: 422,
    en: "The signature appearance options cannot be used (placement, page or text).",
    vi: "Không dùng được các tùy chọn hiển thị chữ ký (vị trí, trang hoặc nội dung chữ).",
  },
  APPEARANCE_IMAGE_INVALID: {
    status: 422,
    en: "The signature or seal image is not a readable PNG file.",
    vi: "Ảnh chữ ký hoặc ảnh con dấu không phải tệp PNG đọc được.",
  },
  APPEARANCE_FONT_INVALID: {
    status: 422,
    en: "The font cannot be read, or has no glyph for a character of the appearance text.",
    vi: "Không đọc được phông chữ, hoặc phông chữ thiếu ký tự cần hiển thị.",
  },
  APPEARANCE_FONT_UNAVAILABLE: {
    status: 500,
    en: "The default font for signature appearances is not installed.",
    vi: "Phông chữ mặc định để hiển thị chữ ký chưa được cài đặt.",
  },

  // Trust, revocation and verification (VERIFY)
  CRL_MALFORMED: {
    status: 422,
    en: "The certificate revocation list (CRL) cannot be read.",
    vi: "Không đọc được danh sách chứng thư bị thu hồi (CRL).",
    etsi: "FORMAT_FAILURE",
  },
  OCSP_MALFORMED: {
    status: 502,
    en: "The OCSP responder's answer cannot be read.",
    vi: "Không đọc được phản hồi của máy chủ OCSP.",
    etsi: "TRY_LATER",
  },
  REVOCATION_UNAVAILABLE: {
    status: 503,
    en: "The revocation status could not be obtained (CRL or OCSP server unreachable).",
    vi: "Không lấy được tình trạng thu hồi chứng thư (không kết nối được máy chủ CRL hoặc OCSP).",
    etsi: "TRY_LATER",
  },
  TRUST_ANCHORS_MISSING: {
    status: 400,
    en: "No trusted root certificates are configured (give --trust <pem>).",
    vi: "Chưa cấu hình chứng thư gốc tin cậy (dùng --trust <pem>).",
  },
  SIGNATURE_NOT_FOUND: {
    status: 422,
    en: "The file carries no signature to verify.",
    vi: "Tệp không có chữ ký số để xác thực.",
    etsi: "FORMAT_FAILURE",
  },
  SIGNATURE_POLICY_FAILED: {
    status: 422,
    en:
      "The letter was not sent: its signatures did not pass verification. Nothing was delivered and " +
      "the letter is kept unsent; read the verification report, correct or sign the file again, then send it again.",
    vi:
      "Văn bản chưa được gửi vì chữ ký số không đạt kết quả xác thực. Văn bản chưa được chuyển đến " +
      "cơ quan nào và vẫn được giữ ở trạng thái chưa gửi; hãy xem báo cáo xác thực, sửa hoặc ký lại tệp, rồi gửi lại.",
  },

  // Dependencies (DynamoDB, S3): an outage or throttling, answered 503 with Retry-After
  DEPENDENCY_UNAVAILABLE: {
    status: 503,
    en: "A service the exchange depends on is unavailable or overloaded. Try again shortly (see Retry-After).",
    vi: "Một dịch vụ mà hệ thống phụ thuộc đang không sẵn sàng hoặc quá tải. Vui lòng thử lại sau (xem Retry-After).",
  },

  // Evidence: receipts, the audit chain and its daily seals (shared/evidence)
  EVIDENCE_MALFORMED: {
    status: 422,
    en: "The receipt, audit event or seal is not in the canonical form the exchange writes.",
    vi: "Biên nhận, sự kiện nhật ký hoặc niêm phong không đúng định dạng chuẩn của hệ thống.",
  },
  AUDIT_CHAIN_BROKEN: {
    status: 409,
    en: "The audit chain does not verify: an event was changed, removed, reordered or inserted, or it does not lead to the sealed head.",
    vi: "Chuỗi nhật ký không toàn vẹn: có sự kiện bị sửa, xóa, đổi thứ tự hoặc chèn thêm, hoặc không khớp với bản niêm phong.",
  },
  SEAL_INVALID: {
    status: 422,
    en: "The daily seal's signature or timestamp does not verify, or it was not signed by the exchange.",
    vi: "Chữ ký số hoặc dấu thời gian của bản niêm phong hằng ngày không hợp lệ, hoặc không do hệ thống ký.",
  },

  // Organ status and who may act on a letter (shared/exchange/exchange.ts)
  ORGAN_INACTIVE: {
    status: 403,
    en: "Your organ is no longer active in the directory (inactive or merged): its keys may read its letters but not create, send, sign or set statuses.",
    vi: "Cơ quan của bạn không còn hoạt động trong danh bạ (ngừng hoạt động hoặc đã sáp nhập): khóa của cơ quan chỉ được đọc văn bản, không được tạo, gửi, ký hoặc cập nhật trạng thái.",
  },
  RECIPIENT_INACTIVE: {
    status: 409,
    en: "Some recipients are no longer active organs (inactive or merged since the draft was made). Nothing was delivered; address the letter to their successors and send it again.",
    vi: "Một số nơi nhận không còn là cơ quan đang hoạt động (đã ngừng hoạt động hoặc sáp nhập sau khi tạo dự thảo). Văn bản chưa được chuyển đến nơi nào; hãy gửi đến cơ quan kế thừa rồi gửi lại.",
  },
  NOT_A_RECIPIENT: {
    status: 403,
    en: "Only a recipient sets statuses: the sender of a letter reads its recipients' statuses but does not set them.",
    vi: "Chỉ nơi nhận mới cập nhật trạng thái: cơ quan gửi xem được trạng thái của nơi nhận nhưng không được cập nhật.",
  },
  LETTER_NOT_VERIFIED: {
    status: 409,
    en: "The letter has no verification report yet: one is kept at each send attempt (verify it now with POST /v1/letters/{id}/verify).",
    vi: "Văn bản chưa có báo cáo xác thực: báo cáo được lưu ở mỗi lần gửi (có thể xác thực ngay bằng POST /v1/letters/{id}/verify).",
  },

  // edXML packages (QCVN 102:2016): refusals of a package as a whole. What the clerk should see but
  // does not stop the import (mismatched attachments, placeholder signatures…) are warnings of
  // shared/edxml/warnings.ts, not errors.
  EDXML_TOO_LARGE: {
    status: 413,
    en: "The edXML package is larger than allowed; it was refused before being read.",
    vi: "Gói edXML vượt quá dung lượng cho phép; gói bị từ chối trước khi đọc.",
  },
  EDXML_DTD_FORBIDDEN: {
    status: 422,
    en: "The edXML package declares a DOCTYPE or entities, which edXML never needs (refused: external entities and entity expansion).",
    vi: "Gói edXML có khai báo DOCTYPE hoặc thực thể, điều mà edXML không bao giờ cần (bị từ chối: thực thể ngoài và khai triển thực thể).",
  },
  EDXML_ENTITY_FORBIDDEN: {
    status: 422,
    en: "The edXML package refers to an entity other than the five of XML or a character reference.",
    vi: "Gói edXML tham chiếu một thực thể ngoài năm thực thể chuẩn của XML hoặc tham chiếu ký tự.",
  },
  EDXML_TOO_DEEP: {
    status: 422,
    en: "The edXML package nests elements deeper than allowed.",
    vi: "Gói edXML lồng các phần tử sâu quá mức cho phép.",
  },
  EDXML_TOO_MANY_NODES: {
    status: 422,
    en: "The edXML package has more elements than allowed.",
    vi: "Gói edXML có nhiều phần tử quá mức cho phép.",
  },
  EDXML_MALFORMED: {
    status: 422,
    en: "The edXML package is not well-formed XML.",
    vi: "Gói edXML không phải XML hợp lệ về cú pháp.",
  },
  EDXML_NOT_EDXML: {
    status: 422,
    en: "The file is not an edXML letter or status package (QCVN 102:2016), or lacks a part every package needs.",
    vi: "Tệp không phải gói văn bản hoặc gói trạng thái edXML (QCVN 102:2016), hoặc thiếu thành phần bắt buộc.",
  },
  EDXML_ATTACHMENT_TOO_LARGE: {
    status: 413,
    en: "An attachment of the edXML package is larger than allowed once decoded or unzipped.",
    vi: "Một tệp đính kèm của gói edXML vượt quá dung lượng cho phép sau khi giải mã hoặc giải nén.",
  },

  // Signing damaged files (issue 9 item 14): an unsigned file is repaired by rewriting it; a signed one cannot be
  PDF_DAMAGED_SIGNED: {
    status: 422,
    en: "The PDF is damaged and already signed: repairing it would rewrite the file and invalidate the existing signatures, so it cannot be signed. Ask the sender for an intact copy.",
    vi: "Tệp PDF bị hỏng và đã có chữ ký số: sửa tệp sẽ phải ghi lại toàn bộ tệp và làm mất hiệu lực các chữ ký đã có, nên không thể ký tiếp. Hãy đề nghị bên gửi cung cấp bản còn nguyên vẹn.",
    etsi: "FORMAT_FAILURE",
  },

  // Webhooks (issue 11 item 2): endpoints an organ registers and the messages parked in the dead-letter queue
  WEBHOOK_URL_INVALID: {
    status: 422,
    en: "The webhook URL is not allowed: it must be an absolute https URL to a public host, without credentials (plain http only to this machine in the local runtime).",
    vi: "URL webhook không được chấp nhận: phải là URL https tuyệt đối tới máy chủ công khai, không chứa thông tin đăng nhập (chỉ dùng http tới chính máy này khi chạy cục bộ).",
  },
  WEBHOOK_ADDRESS_FORBIDDEN: {
    status: 422,
    en: "The webhook was not sent: the receiver's host name resolves to a loopback, private, link-local or otherwise non-public address. Point it at a public address; the delivery is retried on the usual schedule.",
    vi: "Webhook không được gửi: tên máy chủ nhận phân giải ra địa chỉ loopback, nội bộ, link-local hoặc không công khai. Hãy trỏ tên này tới một địa chỉ công khai; việc gửi sẽ được thử lại theo lịch thông thường.",
  },
  WEBHOOK_EVENTS_INVALID: {
    status: 422,
    en: "The webhook's events must be a non-empty list of letter.received, status.changed, recall.requested, receipt.issued.",
    vi: "Danh sách sự kiện của webhook phải khác rỗng và chỉ gồm letter.received, status.changed, recall.requested, receipt.issued.",
  },
  WEBHOOK_ENDPOINT_NOT_FOUND: {
    status: 404,
    en: "There is no such webhook endpoint for this organ.",
    vi: "Không có điểm nhận webhook này của cơ quan.",
  },
  WEBHOOK_ENDPOINT_LIMIT: {
    status: 409,
    en: "This organ already has the most webhook endpoints allowed (10); delete one it no longer uses before registering another.",
    vi: "Cơ quan đã có số điểm nhận webhook tối đa được phép (10); hãy xóa một điểm không còn dùng trước khi đăng ký điểm mới.",
  },
  WEBHOOK_MESSAGE_NOT_FOUND: {
    status: 404,
    en: "There is no such webhook message.",
    vi: "Không có thông điệp webhook này.",
  },
  WEBHOOK_MESSAGE_NOT_DEAD: {
    status: 409,
    en: "The webhook message is not in the dead-letter queue, so it cannot be redelivered (it is still being retried or was delivered).",
    vi: "Thông điệp webhook không nằm trong hàng đợi thư chết nên không thể gửi lại (vẫn đang được thử lại hoặc đã gửi thành công).",
  },

  // Administration (shared/exchange/administration.ts): the directory, keys, certificates, anchors, policy
  ADMIN_ORGAN_NOT_FOUND: {
    status: 404,
    en: "There is no organ with this code in the directory.",
    vi: "Không có cơ quan có mã định danh này trong danh bạ.",
  },
  ADMIN_ORGAN_EXISTS: {
    status: 409,
    en: "An organ with this code is already in the directory (organs are never deleted; update it instead).",
    vi: "Mã định danh này đã có trong danh bạ (cơ quan không bị xóa; hãy cập nhật thông tin).",
  },
  ADMIN_ORGAN_STATE: {
    status: 409,
    en: "The organ is not in a state that allows this: only an active organ is deactivated or merged, and only into another active organ.",
    vi: "Trạng thái cơ quan không cho phép thao tác này: chỉ cơ quan đang hoạt động mới được ngừng hoạt động hoặc sáp nhập, và chỉ vào một cơ quan khác đang hoạt động.",
  },
  API_KEY_NOT_FOUND: {
    status: 404,
    en: "There is no API key with this id.",
    vi: "Không có khóa API có mã này.",
  },
  API_KEY_NOT_LIVE: {
    status: 409,
    en: "This API key is revoked, expired or already rotated: it cannot be rotated; rotate its successor or create a new key.",
    vi: "Khóa API này đã bị thu hồi, hết hạn hoặc đã được thay nên không thể thay khóa; hãy thay khóa kế tiếp hoặc tạo khóa mới.",
  },
  ADMIN_CERTIFICATE_NOT_FOUND: {
    status: 404,
    en: "This certificate is not bound to the organ.",
    vi: "Chứng thư số này chưa được gắn với cơ quan.",
  },
  ADMIN_TRUST_ANCHOR_NOT_FOUND: {
    status: 404,
    en: "This certificate is not a trust anchor of the exchange.",
    vi: "Chứng thư số này không phải là chứng thư gốc tin cậy của hệ thống.",
  },
  ADMIN_KEY_EXISTS: {
    status: 409,
    en: "An admin key already exists: the first admin key is made once per deployment; further keys come from an admin.",
    vi: "Đã có khóa quản trị: khóa quản trị đầu tiên chỉ được tạo một lần cho mỗi hệ thống; các khóa khác do quản trị viên tạo.",
  },
  ADMIN_ORGAN_INACTIVE: {
    status: 409,
    en: "The organ is inactive or merged: it gets no new API keys, certificates, children or send policy; a merged organ's successor is named (meta.successor).",
    vi: "Cơ quan đã ngừng hoạt động hoặc đã sáp nhập: không được cấp thêm khóa API, chứng thư số, đơn vị trực thuộc hay chính sách gửi; cơ quan kế thừa (nếu có) được nêu trong meta.successor.",
  },
  ADMIN_ORGAN_PARENT_CYCLE: {
    status: 409,
    en: "This parent would make the organ its own parent or ancestor: the directory's hierarchy must stay a tree.",
    vi: "Cơ quan cấp trên này khiến cơ quan trở thành cấp trên của chính nó: cây tổ chức trong danh bạ không được có vòng lặp.",
  },
  ADMIN_ALIAS_TAKEN: {
    status: 409,
    en: "This code, name or alias is already another organ's code, name or alias (case, diacritics, fullwidth forms and invisible characters ignored): a directory search must find one organ.",
    vi: "Mã, tên hoặc tên gọi khác này đã là mã, tên hoặc tên gọi khác của một cơ quan khác (không phân biệt hoa thường, dấu, chữ toàn khổ và ký tự ẩn): tra cứu danh bạ phải ra đúng một cơ quan.",
  },
  ADMIN_CERTIFICATE_REFUSED: {
    status: 422,
    en: "The certificate cannot be bound: give exactly one end-entity certificate (its issuing CAs may follow) that names this organ or none, chains to a trust anchor, is valid now, not revoked, and not bound to another organ (meta.reason).",
    vi: "Không gắn được chứng thư số: cần đúng một chứng thư số thuê bao (có thể kèm các CA cấp phát) mang mã của cơ quan này hoặc không mang mã cơ quan nào, dẫn tới chứng thư gốc tin cậy, còn hiệu lực, chưa bị thu hồi và chưa gắn với cơ quan khác (meta.reason).",
  },
  ADMIN_TRUST_ANCHOR_REFUSED: {
    status: 422,
    en: "A trust anchor must be one CA certificate (basicConstraints cA=TRUE, keyUsage keyCertSign when present).",
    vi: "Chứng thư gốc tin cậy phải là đúng một chứng thư số của tổ chức cấp chứng thư (basicConstraints cA=TRUE, keyUsage có keyCertSign nếu có).",
  },
  ADMIN_CHANGE_CONFLICT: {
    status: 409,
    en: "Other administrative changes were being recorded at the same time; nothing was changed. Try again.",
    vi: "Có thay đổi quản trị khác đang được ghi cùng lúc; chưa có gì thay đổi. Vui lòng thử lại.",
  },

  // Lifecycle, receipts and audit (issue 10 items 4, 5, 8: shared/exchange/lifecycle.ts, receipts.ts, audit.ts)
  STATUS_CONFLICT: {
    status: 409,
    en: "Another change to this copy was recorded at the same moment; only one is kept. Read the letter again, then decide.",
    vi: "Một thay đổi khác đối với bản văn bản này vừa được ghi nhận cùng lúc; chỉ một thay đổi được giữ. Hãy xem lại văn bản rồi quyết định.",
  },
  LETTER_REVOKED: {
    status: 409,
    en: "The letter was revoked by its sender: it is frozen on every side and its status can no longer change.",
    vi: "Văn bản đã bị bên gửi thu hồi: văn bản bị khóa ở mọi nơi và không thể thay đổi trạng thái nữa.",
  },
  LETTER_RECALLED: {
    status: 409,
    en: "The recipient agreed to give this letter back (recall/update): its copy is frozen and its status can no longer change.",
    vi: "Nơi nhận đã đồng ý trả lại văn bản (thu hồi/cập nhật): bản văn bản bị khóa và không thể thay đổi trạng thái nữa.",
  },
  RECALL_NOT_PENDING: {
    status: 409,
    en: "The sender has not asked for this letter back (status 13), so there is no recall/update to agree to (15) or refuse (16).",
    vi: "Bên gửi chưa đề nghị thu hồi/cập nhật văn bản (trạng thái 13) nên không có đề nghị nào để đồng ý (15) hoặc từ chối (16).",
  },
  NOT_THE_SENDER: {
    status: 403,
    en: "Only the letter's sender may do this (recall, revoke, replace or update a letter).",
    vi: "Chỉ cơ quan gửi văn bản mới được thực hiện thao tác này (thu hồi, hủy, thay thế hoặc cập nhật văn bản).",
  },
  LETTER_NOT_SENT: {
    status: 409,
    en: "The letter has not been sent (yet): a draft has no recipients' copies to recall, revoke, replace or update.",
    vi: "Văn bản chưa được gửi: bản dự thảo chưa có bản nào ở nơi nhận để thu hồi, hủy, thay thế hoặc cập nhật.",
  },
  RECEIPT_NOT_FOUND: {
    status: 404,
    en: "There is no such receipt for this letter (receipts are named <recipient>/<seq>.json or .p7s, as the receipts list gives them).",
    vi: "Không có biên nhận này của văn bản (biên nhận có dạng <nơi nhận>/<số thứ tự>.json hoặc .p7s, như danh sách biên nhận liệt kê).",
  },
  SEAL_NOT_AVAILABLE: {
    status: 503,
    en: "The audit seal cannot be made here: the exchange has no signing key or timestamp authority configured.",
    vi: "Không thể lập niêm phong nhật ký: hệ thống chưa được cấu hình khóa ký hoặc dịch vụ cấp dấu thời gian.",
  },

  // Queries and statistics (issue 10 items 9 and 10)
  STATS_ORGAN_NOT_ALLOWED: {
    status: 403,
    en: "This key reads its own organ's statistics only; an admin key reads another organ's or all organs'.",
    vi: "Khóa này chỉ xem được thống kê của chính cơ quan mình; khóa quản trị mới xem được của cơ quan khác hoặc toàn bộ.",
  },

  // Idempotency and numbering (issue 10 items 6 and 7)
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    en: "This Idempotency-Key was already used by your organ for a different request (within 24 hours).",
    vi: "Khóa Idempotency-Key này đã được cơ quan của bạn dùng cho một yêu cầu khác (trong 24 giờ).",
  },
  IDEMPOTENCY_KEY_IN_PROGRESS: {
    status: 409,
    en: "A request with this Idempotency-Key is still being processed; retry once it has finished.",
    vi: "Yêu cầu với khóa Idempotency-Key này đang được xử lý; hãy thử lại khi yêu cầu đó hoàn tất.",
  },
  IDEMPOTENCY_SECRET_NOT_REPLAYABLE: {
    status: 409,
    en: "The request with this Idempotency-Key already succeeded, but its answer held a one-time secret that is never kept, so it cannot be shown again.",
    vi: "Yêu cầu với khóa Idempotency-Key này đã thành công, nhưng câu trả lời chứa một khóa bí mật chỉ hiển thị một lần và không được lưu lại, nên không thể hiển thị lại.",
  },
  LETTER_NUMBER_TAKEN: {
    status: 409,
    en: "Your organ already has a letter with this number and notation this year.",
    vi: "Cơ quan của bạn đã có văn bản mang số và ký hiệu này trong năm.",
  },

  // edXML through the exchange (issue 11 item 1: shared/edxml/exchange-bridge.ts, POST /v1/edxml).
  EDXML_SENDER_MISMATCH: {
    status: 403,
    en: "The edXML package's sender (From) is not the organ this API key acts for: an organ imports only its own packages.",
    vi: "Đơn vị gửi (From) của gói edXML không phải cơ quan của khóa API này: mỗi cơ quan chỉ nhập gói của chính mình.",
  },
  EDXML_ROLE_NOT_ALLOWED: {
    status: 403,
    en: "This API key's role may not import this kind of edXML package: a letter package is a send (integration keys), a status package a status change (clerk keys).",
    vi: "Vai trò của khóa API này không được nhập loại gói edXML này: gói văn bản là thao tác gửi (khóa integration), gói trạng thái là cập nhật trạng thái (khóa clerk).",
  },
  EDXML_NO_PDF: {
    status: 422,
    en: "The edXML letter package has no PDF attachment: the exchange sends signed PDF letters only. Nothing was created.",
    vi: "Gói văn bản edXML không có tệp đính kèm PDF: hệ thống chỉ gửi văn bản PDF có chữ ký số. Không có văn bản nào được tạo.",
  },
  EDXML_DOCUMENT_CONFLICT: {
    status: 409,
    en: "The package's DocumentId names a letter of your organ that has another file.",
    vi: "Mã văn bản (DocumentId) của gói trỏ tới một văn bản của cơ quan bạn có tệp khác.",
  },
  EDXML_STATUS_NOT_APPLICABLE: {
    status: 422,
    en: "This status cannot be imported: 01 is recorded by the exchange on arrival, and 13 is the sender's recall request (POST /v1/letters/{id}/recall).",
    vi: "Không thể nhập trạng thái này: 01 do hệ thống ghi khi văn bản đến, còn 13 là yêu cầu thu hồi của bên gửi (POST /v1/letters/{id}/recall).",
  },
  EDXML_ATTACHMENT_UNSIGNED: {
    status: 422,
    en: "An attachment of the edXML letter package is not a PDF and has no detached signature (<name>.p7s) in the package, so it cannot be verified. Nothing was created.",
    vi: "Một tệp đính kèm của gói văn bản edXML không phải PDF và không có chữ ký số rời (<tên tệp>.p7s) trong gói nên không thể xác thực. Không có văn bản nào được tạo.",
  },

  EDXML_ATTACHMENT_UNREADABLE: {
    status: 422,
    en: "An attachment of the edXML letter package cannot be read (not base64, no content, no name), or the manifest lists one the package does not hold: the import never leaves one out. Nothing was created.",
    vi: "Một tệp đính kèm của gói văn bản edXML không đọc được (không phải base64, không có nội dung, không có tên), hoặc danh mục liệt kê một tệp không có trong gói: hệ thống không bỏ sót tệp nào khi nhập. Không có văn bản nào được tạo.",
  },

  // Internal
  INTERNAL: {
    status: 500,
    en: "Something went wrong on our side. The request was not carried out.",
    vi: "Hệ thống gặp lỗi. Yêu cầu chưa được thực hiện.",
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function errorInfo(code: ErrorCode): ErrorCodeInfo {
  return ERROR_CODES[code];
}
