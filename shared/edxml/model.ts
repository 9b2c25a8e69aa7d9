/**
 * Lienthong's reading of an edXML package (QCVN 102:2016, domain.md "The edXML package"). Field names
 * follow the MessageHeader; dates are ISO (`YYYY-MM-DD`, timestamps `YYYY-MM-DDTHH:mm:ss` in the
 * sender's local time, as sent: edXML carries no zone). What has no field is kept in `extra`.
 */
import { STATUS_CODES, type StatusCode } from "../exchange/status.ts";
import type { XmlElement } from "./xml.ts";

/** The edXML namespace; packages are written with it as the default namespace. */
export const EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

/** An organisation of From/To. `id` is kept as it came, whatever its format (hub ids, tenant ids). */
export interface EdxmlOrgan {
  readonly id: string;
  readonly inCharge?: string;
  readonly name?: string;
  readonly address?: string;
  readonly email?: string;
  readonly telephone?: string;
  readonly fax?: string;
  readonly website?: string;
}

export interface EdxmlStaff {
  readonly department?: string;
  readonly staff?: string;
  readonly mobile?: string;
  readonly email?: string;
}

/** A letter this package answers or concerns (ResponseFor). */
export interface EdxmlReference {
  readonly organId?: string;
  /** Number/notation as one string, e.g. `7816/VPCP-TTĐT`. */
  readonly code?: string;
  readonly promulgationDate?: string;
  readonly documentId?: string;
}

/** BussinessDocType 0–3. */
export type BusinessType = "new" | "revoke" | "update" | "replace";

export const BUSINESS_TYPES: Readonly<Record<string, BusinessType>> = {
  "0": "new",
  "1": "revoke",
  "2": "update",
  "3": "replace",
};

/** The edXML digit of a business type (the inverse of {@link BUSINESS_TYPES}). */
export function businessTypeCode(type: BusinessType): string {
  return Object.keys(BUSINESS_TYPES).find((code) => BUSINESS_TYPES[code] === type)!;
}

export interface EdxmlReceiverChange {
  readonly organId: string;
  /** ReceiverType as sent (0 and 1 in the published samples: kept, not reinterpreted). */
  readonly receiverType?: string;
}

export interface EdxmlReplacement {
  readonly documentId: string;
  readonly organIds: readonly string[];
}

/** TraceHeaderList/Bussiness: what kind of sending this is, and its references. */
export interface EdxmlBusiness {
  readonly type: BusinessType;
  /** The DocumentId the business applies to. */
  readonly documentId?: string;
  /** BussinessDocReason (a revoke's reason). */
  readonly reason?: string;
  readonly paper?: string;
  readonly staff?: EdxmlStaff;
  /** Update (2): BussinessDocumentInfo. */
  readonly documentInfo?: string;
  readonly documentReceiver?: string;
  readonly receivers?: readonly EdxmlReceiverChange[];
  /** Replace (3): ReplacementInfoList. */
  readonly replacements?: readonly EdxmlReplacement[];
}

export interface EdxmlTrace {
  readonly organId: string;
  readonly timestamp?: string;
}

export interface EdxmlOtherInfo {
  readonly priority?: string;
  readonly sphereOfPromulgation?: string;
  readonly typerNotation?: string;
  readonly promulgationAmount?: string;
  readonly pageAmount?: string;
  readonly direction?: string;
  readonly appendixes?: readonly string[];
}

/**
 * An attachment. `bytes` is the file as the clerk gets it: the single entry of a zip wrapper whose
 * content matches the declared name and type (`transfer: "zip"`), otherwise the decoded base64 as it
 * came (`transfer: "base64"`), including a zip that was flagged as not matching.
 */
export interface EdxmlAttachment {
  readonly contentId: string;
  readonly name: string;
  readonly contentType: string;
  readonly description?: string;
  readonly transfer: "base64" | "zip";
  /** Name of the zip entry the bytes were taken from (transfer "zip"). */
  readonly zipEntry?: string;
  readonly bytes: Uint8Array;
}

/** An element (or attributes of a known element) that has no field, with the path of its parent. */
export type EdxmlExtra =
  | { readonly at: string; readonly element: XmlElement }
  | { readonly at: string; readonly attributes: Readonly<Record<string, string>> };

export interface EdxmlLetter {
  readonly kind: "letter";
  readonly from: EdxmlOrgan;
  readonly to: readonly EdxmlOrgan[];
  /** UUID or composite `OrganId,yyyy/MM/dd,Number/Notation`, as sent (see {@link parseDocumentId}). */
  readonly documentId?: string;
  readonly code: { readonly number?: string; readonly notation?: string };
  readonly promulgation: { readonly place?: string; readonly date?: string };
  readonly documentType: { readonly type?: string; readonly detail?: string; readonly name?: string };
  readonly subject?: string;
  readonly content?: string;
  readonly signer?: { readonly competence?: string; readonly position?: string; readonly fullName?: string };
  readonly dueDate?: string;
  readonly otherInfo?: EdxmlOtherInfo;
  readonly responseFor: readonly EdxmlReference[];
  /** As sent: producers use 1/2/3 or 0/1/2 (domain.md). */
  readonly steeringType?: string;
  readonly toPlaces: readonly string[];
  readonly traces: readonly EdxmlTrace[];
  /** Absent when the package has no Bussiness block (a consumer treats it as a new letter). */
  readonly business?: EdxmlBusiness;
  readonly attachments: readonly EdxmlAttachment[];
  readonly extra: readonly EdxmlExtra[];
}

/** Status codes of status packages (domain.md's table). */
export type EdxmlStatus =
  | "arrived"
  | "refused"
  | "accepted"
  | "assigned"
  | "processing"
  | "finished"
  | "recall-requested"
  | "recall-agreed"
  | "recall-refused";

export const STATUS_BY_CODE: Readonly<Record<string, EdxmlStatus>> = {
  "01": "arrived",
  "02": "refused",
  "03": "accepted",
  "04": "assigned",
  "05": "processing",
  "06": "finished",
  "13": "recall-requested",
  "15": "recall-agreed",
  "16": "recall-refused",
};

/** The two-digit StatusCode of a status (the inverse of {@link STATUS_BY_CODE}). */
export function statusCode(status: EdxmlStatus): string {
  return Object.keys(STATUS_BY_CODE).find((code) => STATUS_BY_CODE[code] === status)!;
}

export interface EdxmlStatusPackage {
  readonly kind: "status";
  readonly from: EdxmlOrgan;
  /** Receivers, where a producer names them (the published samples do not). */
  readonly to: readonly EdxmlOrgan[];
  readonly responseFor: EdxmlReference;
  readonly staff?: EdxmlStaff;
  readonly status: EdxmlStatus;
  readonly description?: string;
  readonly timestamp?: string;
  readonly extra: readonly EdxmlExtra[];
}

export type EdxmlPackage = EdxmlLetter | EdxmlStatusPackage;

/**
 * Splits a composite DocumentId `OrganId,yyyy/MM/dd,Number/Notation`; undefined for a UUID or any other
 * form (which is kept as it came).
 *
 * @example
 * parseDocumentId("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT")
 * // { organId: "000.00.00.G22", date: "2015/09/30", code: "7816/VPCP-TTĐT" }
 */
export function parseDocumentId(
  documentId: string,
): { readonly organId: string; readonly date: string; readonly code: string } | undefined {
  const match = /^([^,]+),([^,]+),(.+)$/.exec(documentId.trim());
  if (!match) {
    return undefined;
  }
  return { organId: match[1]!.trim(), date: match[2]!.trim(), code: match[3]!.trim() };
}

/**
 * The delivery status of the exchange (shared/exchange/status.ts) a status package reports, for
 * 01–06; undefined for the recall codes 13/15/16, which belong to the sender's flows.
 */
export function deliveryStatus(status: EdxmlStatus): StatusCode | undefined {
  const code = statusCode(status);
  return (STATUS_CODES as readonly string[]).includes(code) ? (code as StatusCode) : undefined;
}
