/**
 * Model → edXML package, in the element order of domain.md (validated against edxml.xsd in the tests),
 * the edXML namespace as default namespace, dates as `yyyy/MM/dd`. Each `extra` part goes back inside
 * the element it came from, after that element's known children.
 */
import { ExchangeError } from "../errors/index.ts";
import { wrapInZip } from "./attachments.ts";
import { writeDate, writeTimestamp } from "./dates.ts";
import {
  businessTypeCode,
  EDXML_NS,
  type EdxmlAttachment,
  type EdxmlExtra,
  type EdxmlLetter,
  type EdxmlOrgan,
  type EdxmlPackage,
  type EdxmlReference,
  type EdxmlStaff,
  type EdxmlStatusPackage,
  statusCode,
} from "./model.ts";
import { escapeXml, writeElement } from "./xml.ts";

const NOT_XML_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

class Writer {
  private readonly parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  private readonly written = new Set<EdxmlExtra>();
  /** The kept parts by the path of their parent, and every path with something kept at or below it. */
  private readonly byPath = new Map<string, EdxmlExtra[]>();
  private readonly occupied = new Set<string>();
  private depth = 0;

  constructor(private readonly extra: readonly EdxmlExtra[]) {
    for (const part of extra) {
      const same = this.byPath.get(part.at);
      if (same) {
        same.push(part);
      } else {
        this.byPath.set(part.at, [part]);
      }
      const steps = part.at.split("/");
      for (let length = 1; length <= steps.length; length += 1) {
        this.occupied.add(steps.slice(0, length).join("/"));
      }
    }
  }

  /** Whether anything is kept for `path` or below it. */
  has(path: string): boolean {
    return this.occupied.has(path);
  }

  open(name: string, path: string, rootNs?: string): void {
    let tag = `<${name}`;
    if (rootNs !== undefined) {
      tag += ` xmlns="${rootNs}"`;
    }
    for (const part of this.byPath.get(path) ?? []) {
      if ("attributes" in part) {
        this.written.add(part);
        for (const [attribute, value] of Object.entries(part.attributes)) {
          tag += ` ${attribute}="${escapeXml(value)}"`;
        }
      }
    }
    this.parts.push(`${"  ".repeat(this.depth)}${tag}>\n`);
    this.depth += 1;
  }

  close(name: string, path: string): void {
    for (const part of this.byPath.get(path) ?? []) {
      if ("element" in part) {
        this.written.add(part);
        this.parts.push(`${"  ".repeat(this.depth)}${writeElement(part.element, EDXML_NS)}\n`);
      }
    }
    this.depth -= 1;
    this.parts.push(`${"  ".repeat(this.depth)}</${name}>\n`);
  }

  /** A container written when `present`, or when something is kept inside it. */
  group(name: string, path: string, present: boolean, body: () => void): void {
    if (!present && !this.has(path)) {
      return;
    }
    this.open(name, path);
    body();
    this.close(name, path);
  }

  /** A text element, written when it has a value or something is kept inside it. */
  leaf(name: string, path: string, value: string | undefined): void {
    if (value !== undefined && NOT_XML_TEXT.test(value)) {
      throw new ExchangeError("VALIDATION_FAILED", {
        detail: `${path}: a control character XML cannot carry`,
      });
    }
    if (!this.has(path)) {
      if (value !== undefined) {
        this.parts.push(`${"  ".repeat(this.depth)}<${name}>${escapeXml(value)}</${name}>\n`);
      }
      return;
    }
    this.open(name, path);
    if (value !== undefined) {
      this.parts.push(`${"  ".repeat(this.depth)}${escapeXml(value)}\n`);
    }
    this.close(name, path);
  }

  leaves(name: string, parent: string, values: readonly string[]): void {
    values.forEach((value, index) => {
      this.leaf(name, `${parent}/${name}[${index}]`, value);
    });
  }

  finish(): string {
    const left = this.extra.filter((part) => !this.written.has(part));
    if (left.length > 0) {
      throw new ExchangeError("VALIDATION_FAILED", {
        detail: `extra parts for elements the package does not have: ${left.map((part) => part.at).join(", ")}`,
      });
    }
    return this.parts.join("");
  }
}

function writeOrgan(out: Writer, name: string, path: string, organ: EdxmlOrgan): void {
  out.group(name, path, true, () => {
    out.leaf("OrganId", `${path}/OrganId`, organ.id);
    out.leaf("OrganizationInCharge", `${path}/OrganizationInCharge`, organ.inCharge);
    out.leaf("OrganName", `${path}/OrganName`, organ.name);
    out.leaf("OrganAdd", `${path}/OrganAdd`, organ.address);
    out.leaf("Email", `${path}/Email`, organ.email);
    out.leaf("Telephone", `${path}/Telephone`, organ.telephone);
    out.leaf("Fax", `${path}/Fax`, organ.fax);
    out.leaf("Website", `${path}/Website`, organ.website);
  });
}

function writeStaff(out: Writer, path: string, staff: EdxmlStaff | undefined): void {
  out.group("StaffInfo", path, staff !== undefined, () => {
    out.leaf("Department", `${path}/Department`, staff?.department);
    out.leaf("Staff", `${path}/Staff`, staff?.staff);
    out.leaf("Mobile", `${path}/Mobile`, staff?.mobile);
    out.leaf("Email", `${path}/Email`, staff?.email);
  });
}

function writeReference(out: Writer, path: string, reference: EdxmlReference, present: boolean): void {
  out.group("ResponseFor", path, present, () => {
    out.leaf("OrganId", `${path}/OrganId`, reference.organId);
    out.leaf("Code", `${path}/Code`, reference.code);
    out.leaf("PromulgationDate", `${path}/PromulgationDate`, date(reference.promulgationDate));
    out.leaf("DocumentId", `${path}/DocumentId`, reference.documentId);
  });
}

function date(iso: string | undefined): string | undefined {
  return iso === undefined ? undefined : writeDate(iso);
}

function timestamp(iso: string | undefined): string | undefined {
  return iso === undefined ? undefined : writeTimestamp(iso);
}

function someDefined(value: object): boolean {
  return Object.values(value).some((field) => field !== undefined);
}

function writeLetterHeader(out: Writer, path: string, letter: EdxmlLetter): void {
  const m = `${path}/MessageHeader`;
  out.group("MessageHeader", m, true, () => {
    writeOrgan(out, "From", `${m}/From`, letter.from);
    letter.to.forEach((organ, index) => {
      writeOrgan(out, "To", `${m}/To[${index}]`, organ);
    });
    out.leaf("DocumentId", `${m}/DocumentId`, letter.documentId);
    out.group("Code", `${m}/Code`, someDefined(letter.code), () => {
      out.leaf("CodeNumber", `${m}/Code/CodeNumber`, letter.code.number);
      out.leaf("CodeNotation", `${m}/Code/CodeNotation`, letter.code.notation);
    });
    out.group("PromulgationInfo", `${m}/PromulgationInfo`, someDefined(letter.promulgation), () => {
      out.leaf("Place", `${m}/PromulgationInfo/Place`, letter.promulgation.place);
      out.leaf("PromulgationDate", `${m}/PromulgationInfo/PromulgationDate`, date(letter.promulgation.date));
    });
    out.group("DocumentType", `${m}/DocumentType`, someDefined(letter.documentType), () => {
      out.leaf("Type", `${m}/DocumentType/Type`, letter.documentType.type);
      out.leaf("TypeDetail", `${m}/DocumentType/TypeDetail`, letter.documentType.detail);
      out.leaf("TypeName", `${m}/DocumentType/TypeName`, letter.documentType.name);
    });
    out.leaf("Subject", `${m}/Subject`, letter.subject);
    out.leaf("Content", `${m}/Content`, letter.content);
    const signer = letter.signer;
    out.group("SignerInfo", `${m}/SignerInfo`, signer !== undefined, () => {
      out.leaf("Competence", `${m}/SignerInfo/Competence`, signer?.competence);
      out.leaf("Position", `${m}/SignerInfo/Position`, signer?.position);
      out.leaf("FullName", `${m}/SignerInfo/FullName`, signer?.fullName);
    });
    out.leaf("DueDate", `${m}/DueDate`, date(letter.dueDate));
    out.group("ToPlaces", `${m}/ToPlaces`, letter.toPlaces.length > 0, () => {
      out.leaves("Place", `${m}/ToPlaces`, letter.toPlaces);
    });
    const other = letter.otherInfo;
    const o = `${m}/OtherInfo`;
    out.group("OtherInfo", o, other !== undefined, () => {
      out.leaf("Priority", `${o}/Priority`, other?.priority);
      out.leaf("SphereOfPromulgation", `${o}/SphereOfPromulgation`, other?.sphereOfPromulgation);
      out.leaf("TyperNotation", `${o}/TyperNotation`, other?.typerNotation);
      out.leaf("PromulgationAmount", `${o}/PromulgationAmount`, other?.promulgationAmount);
      out.leaf("PageAmount", `${o}/PageAmount`, other?.pageAmount);
      out.leaf("Direction", `${o}/Direction`, other?.direction);
      out.group("Appendixes", `${o}/Appendixes`, other?.appendixes !== undefined, () => {
        out.leaves("Appendix", `${o}/Appendixes`, other?.appendixes ?? []);
      });
    });
    letter.responseFor.forEach((reference, index) => {
      writeReference(out, `${m}/ResponseFor[${index}]`, reference, true);
    });
    out.leaf("SteeringType", `${m}/SteeringType`, letter.steeringType);
  });
  const t = `${path}/TraceHeaderList`;
  const business = letter.business;
  out.group("TraceHeaderList", t, letter.traces.length > 0 || business !== undefined, () => {
    letter.traces.forEach((trace, index) => {
      const p = `${t}/TraceHeader[${index}]`;
      out.group("TraceHeader", p, true, () => {
        out.leaf("OrganId", `${p}/OrganId`, trace.organId);
        out.leaf("Timestamp", `${p}/Timestamp`, timestamp(trace.timestamp));
      });
    });
    const b = `${t}/Bussiness`;
    out.group("Bussiness", b, business !== undefined, () => {
      if (!business) {
        return;
      }
      out.leaf("DocumentId", `${b}/DocumentId`, business.documentId);
      out.leaf("BussinessDocType", `${b}/BussinessDocType`, businessTypeCode(business.type));
      out.leaf("BussinessDocReason", `${b}/BussinessDocReason`, business.reason);
      out.leaf("Paper", `${b}/Paper`, business.paper);
      writeStaff(out, `${b}/StaffInfo`, business.staff);
      const i = `${b}/BussinessDocumentInfo`;
      const hasInfo =
        business.documentInfo !== undefined ||
        business.documentReceiver !== undefined ||
        business.receivers !== undefined;
      out.group("BussinessDocumentInfo", i, hasInfo, () => {
        out.leaf("DocumentInfo", `${i}/DocumentInfo`, business.documentInfo);
        out.leaf("DocumentReceiver", `${i}/DocumentReceiver`, business.documentReceiver);
        out.group("ReceiverList", `${i}/ReceiverList`, business.receivers !== undefined, () => {
          (business.receivers ?? []).forEach((receiver, index) => {
            const p = `${i}/ReceiverList/Receiver[${index}]`;
            out.group("Receiver", p, true, () => {
              out.leaf("OrganId", `${p}/OrganId`, receiver.organId);
              out.leaf("ReceiverType", `${p}/ReceiverType`, receiver.receiverType);
            });
          });
        });
      });
      const r = `${b}/ReplacementInfoList`;
      out.group("ReplacementInfoList", r, business.replacements !== undefined, () => {
        (business.replacements ?? []).forEach((replacement, index) => {
          const p = `${r}/ReplacementInfo[${index}]`;
          out.group("ReplacementInfo", p, true, () => {
            out.leaf("DocumentId", `${p}/DocumentId`, replacement.documentId);
            out.group("OrganIdList", `${p}/OrganIdList`, replacement.organIds.length > 0, () => {
              out.leaves("OrganId", `${p}/OrganIdList`, replacement.organIds);
            });
          });
        });
      });
    });
  });
}

function encodeAttachment(attachment: EdxmlAttachment): string {
  const bytes =
    attachment.transfer === "zip"
      ? wrapInZip(attachment.zipEntry ?? attachment.name, attachment.bytes)
      : attachment.bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function writeAttachments(out: Writer, attachments: readonly EdxmlAttachment[]): void {
  const body = "edXML/edXMLEnvelope/edXMLBody";
  const manifest = `${body}/edXMLManifest`;
  out.group("edXMLBody", body, attachments.length > 0, () => {
    out.group("edXMLManifest", manifest, attachments.length > 0, () => {
      attachments.forEach((attachment, index) => {
        const p = `${manifest}/Reference[${index}]`;
        out.group("Reference", p, true, () => {
          out.leaf("ContentId", `${p}/ContentId`, attachment.contentId);
          out.leaf("ContentType", `${p}/ContentType`, attachment.contentType);
          out.leaf("Description", `${p}/Description`, attachment.description);
          out.leaf("AttachmentName", `${p}/AttachmentName`, attachment.name);
        });
      });
    });
  });
}

function writeEncoded(out: Writer, attachments: readonly EdxmlAttachment[]): void {
  const encoded = "edXML/AttachmentEncoded";
  out.group("AttachmentEncoded", encoded, attachments.length > 0, () => {
    attachments.forEach((attachment, index) => {
      const p = `${encoded}/Attachment[${index}]`;
      out.group("Attachment", p, true, () => {
        out.leaf("ContentId", `${p}/ContentId`, attachment.contentId);
        out.leaf("AttachmentName", `${p}/AttachmentName`, attachment.name);
        out.leaf("Description", `${p}/Description`, attachment.description);
        out.leaf(
          "ContentType",
          `${p}/ContentType`,
          attachment.transfer === "zip" ? "application/zip" : attachment.contentType,
        );
        out.leaf("ContentTransferEncoded", `${p}/ContentTransferEncoded`, encodeAttachment(attachment));
      });
    });
  });
}

function writeStatusHeader(out: Writer, path: string, status: EdxmlStatusPackage): void {
  const m = `${path}/MessageHeader`;
  out.group("MessageHeader", m, true, () => {
    writeOrgan(out, "From", `${m}/From`, status.from);
    status.to.forEach((organ, index) => {
      writeOrgan(out, "To", `${m}/To[${index}]`, organ);
    });
    writeReference(out, `${m}/ResponseFor`, status.responseFor, someDefined(status.responseFor));
    writeStaff(out, `${m}/StaffInfo`, status.staff);
    out.leaf("StatusCode", `${m}/StatusCode`, statusCode(status.status));
    out.leaf("Description", `${m}/Description`, status.description);
    out.leaf("Timestamp", `${m}/Timestamp`, timestamp(status.timestamp));
  });
}

/**
 * Writes a letter or status package as edXML (UTF-8 text). Throws ExchangeError VALIDATION_FAILED
 * for a model XML cannot carry (control characters, extra parts with no element to go in).
 *
 * @example
 * const xml = writeEdxml(readEdxml(bytes).package);
 */
export function writeEdxml(pkg: EdxmlPackage): string {
  const out = new Writer(pkg.extra);
  out.open("edXML", "edXML", EDXML_NS);
  const envelope = "edXML/edXMLEnvelope";
  out.group("edXMLEnvelope", envelope, true, () => {
    const header = `${envelope}/edXMLHeader`;
    out.group("edXMLHeader", header, true, () => {
      if (pkg.kind === "letter") {
        writeLetterHeader(out, header, pkg);
      } else {
        writeStatusHeader(out, header, pkg);
      }
    });
    if (pkg.kind === "letter") {
      writeAttachments(out, pkg.attachments);
    } else {
      out.group("edXMLBody", `${envelope}/edXMLBody`, false, () => undefined);
    }
  });
  if (pkg.kind === "letter") {
    writeEncoded(out, pkg.attachments);
  } else {
    out.group("AttachmentEncoded", "edXML/AttachmentEncoded", false, () => undefined);
  }
  out.close("edXML", "edXML");
  return out.finish();
}
