/**
 * edXML packages of the national document exchange (QCVN 102:2016): reading letter and status packages
 * into Lienthong's model with the warnings a clerk should see, and writing them back. No AWS, no I/O.
 */
export { isZipType, sniff } from "./attachments.ts";
export { readDate, readTimestamp } from "./dates.ts";
export {
  BUSINESS_TYPES,
  type BusinessType,
  businessTypeCode,
  deliveryStatus,
  EDXML_NS,
  type EdxmlAttachment,
  type EdxmlBusiness,
  type EdxmlExtra,
  type EdxmlLetter,
  type EdxmlOrgan,
  type EdxmlOtherInfo,
  type EdxmlPackage,
  type EdxmlReceiverChange,
  type EdxmlReference,
  type EdxmlReplacement,
  type EdxmlStaff,
  type EdxmlStatus,
  type EdxmlStatusPackage,
  type EdxmlTrace,
  parseDocumentId,
  STATUS_BY_CODE,
  statusCode,
} from "./model.ts";
export { type ReadEdxmlOptions, type ReadEdxmlResult, readEdxml } from "./read.ts";
export { EDXML_WARNINGS, type EdxmlWarning, type EdxmlWarningCode } from "./warnings.ts";
export { writeEdxml } from "./write.ts";
export {
  DEFAULT_XML_LIMITS,
  type XmlAttribute,
  type XmlElement,
  type XmlLimits,
  type XmlNode,
} from "./xml.ts";
