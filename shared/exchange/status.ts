import { ExchangeError } from "../errors/index.ts";

/**
 * Delivery status codes of QCVN 102:2016 status packages (domain.md). A delivery starts at 01
 * when the letter reaches the recipient's inbox; the recipient's clerk moves it on from there.
 * Recall/update codes (13, 15, 16) are the sender-initiated handshake ({@link RECALL_CODES}):
 * they are kept beside the copy's status (`recall`), which they do not move.
 */
export const STATUS_CODES = ["01", "02", "03", "04", "05", "06"] as const;
export type StatusCode = (typeof STATUS_CODES)[number];

export const STATUS_LABELS: Readonly<Record<StatusCode, { readonly vi: string; readonly en: string }>> = {
  "01": { vi: "Đã đến", en: "Arrived" },
  "02": { vi: "Từ chối tiếp nhận", en: "Refused" },
  "03": { vi: "Đã tiếp nhận, vào sổ", en: "Accepted and registered" },
  "04": { vi: "Đã phân công xử lý", en: "Assigned to a handler" },
  "05": { vi: "Đang xử lý", en: "Being processed" },
  "06": { vi: "Hoàn thành", en: "Finished" },
};

/** The recall/update handshake: the sender asks (13), each recipient agrees (15) or refuses (16). */
export const RECALL_CODES = ["13", "15", "16"] as const;
export type RecallCode = (typeof RECALL_CODES)[number];
/** What a recipient answers to a recall/update request (through the status route). */
export const RECALL_ANSWERS = ["15", "16"] as const;
export type RecallAnswer = (typeof RECALL_ANSWERS)[number];

/** The label of every status an event of a copy's chain may record. */
export const EVENT_STATUS_LABELS: Readonly<
  Record<StatusCode | RecallCode, { readonly vi: string; readonly en: string }>
> = {
  ...STATUS_LABELS,
  "13": { vi: "Đề nghị thu hồi/cập nhật", en: "Sender asks for the letter back (recall/update)" },
  "15": { vi: "Đồng ý thu hồi/cập nhật", en: "Recipient agrees to the recall/update" },
  "16": { vi: "Từ chối thu hồi/cập nhật", en: "Recipient refuses the recall/update" },
};

export function isRecallAnswer(status: string): status is RecallAnswer {
  return (RECALL_ANSWERS as readonly string[]).includes(status);
}

/** Which status a delivery may move to from which. Refusal (02) and finishing (06) are final. */
const TRANSITIONS: Readonly<Record<StatusCode, readonly StatusCode[]>> = {
  "01": ["02", "03"],
  "02": [],
  "03": ["04", "05", "06"],
  "04": ["05", "06"],
  "05": ["06"],
  "06": [],
};

/** The statuses from which `to` may be reached; a conditional write uses them. */
export function allowedPredecessors(to: StatusCode): StatusCode[] {
  return STATUS_CODES.filter((from) => TRANSITIONS[from].includes(to));
}

export function assertTransition(from: StatusCode, to: StatusCode): void {
  if (!TRANSITIONS[from].includes(to)) {
    throw new ExchangeError("STATUS_NOT_ALLOWED", {
      detail: `cannot change status from ${from} to ${to}; allowed from ${from}: ${TRANSITIONS[from].join(", ") || "none (final)"}`,
      meta: { from, to },
    });
  }
}
