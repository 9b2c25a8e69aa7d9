import { ExchangeError } from "../errors/index.ts";

/**
 * Delivery status codes of QCVN 102:2016 status packages (domain.md). A delivery starts at 01
 * when the letter reaches the recipient's inbox; the recipient's clerk moves it on from there.
 * Recall/update codes (13, 15, 16) belong to the sender-initiated flows and are not set here.
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
