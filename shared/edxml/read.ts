/**
 * edXML package → model. Elements are matched by local name in the edXML namespace or none, whatever
 * their prefix; elements in other namespaces, unknown elements, repeated single elements and unknown
 * attributes go to `extra` with the path of their parent, so that the writer puts them back.
 */
import { X509Certificate } from "node:crypto";
import { ExchangeError } from "../errors/index.ts";
import { decodeBase64, unwrapAttachment } from "./attachments.ts";
import { readDate, readTimestamp } from "./dates.ts";
import {
  BUSINESS_TYPES,
  EDXML_NS,
  type EdxmlAttachment,
  type EdxmlBusiness,
  type EdxmlExtra,
  type EdxmlLetter,
  type EdxmlOrgan,
  type EdxmlOtherInfo,
  type EdxmlPackage,
  type EdxmlReference,
  type EdxmlStaff,
  type EdxmlStatusPackage,
  STATUS_BY_CODE,
} from "./model.ts";
import type { EdxmlWarning, EdxmlWarningCode } from "./warnings.ts";
import {
  DEFAULT_XML_LIMITS,
  isElement,
  PAYLOAD_MARK,
  readXml,
  textOf,
  type XmlElement,
  type XmlLimits,
  type XmlNode,
} from "./xml.ts";

export interface ReadEdxmlOptions {
  /** Limits on the XML (see {@link XmlLimits}); defaults in DEFAULT_XML_LIMITS. */
  readonly limits?: Partial<XmlLimits>;
  /** Bytes of all attachments once decoded and unzipped (EDXML_ATTACHMENT_TOO_LARGE). Default 64 MiB. */
  readonly maxAttachmentBytes?: number;
  /**
   * An attachment that cannot be read (no content, not base64, no name) or a manifest entry with no
   * attachment throws EDXML_ATTACHMENT_UNREADABLE instead of being a warning: an import must deliver
   * every file the package lists or nothing (the bridge sets it; a reader for display does not).
   */
  readonly refuseUnreadableAttachments?: boolean;
}

export interface ReadEdxmlResult {
  readonly package: EdxmlPackage;
  readonly warnings: readonly EdxmlWarning[];
}

const XMLDSIG_NS = "http://www.w3.org/2000/09/xmldsig#";

/** State shared by the readers of one package. */
class Context {
  readonly extra: EdxmlExtra[] = [];
  readonly warnings: EdxmlWarning[] = [];
  constructor(
    readonly payloads: readonly string[],
    private readonly strictAttachments = false,
  ) {}
  warn(code: EdxmlWarningCode, detail: string): void {
    this.warnings.push({ code, detail });
  }
  /** An attachment (named `attachment`) that cannot be read: a warning, or the refusal of a strict read. */
  unreadable(code: EdxmlWarningCode, attachment: string, detail: string): void {
    if (this.strictAttachments) {
      throw new ExchangeError("EDXML_ATTACHMENT_UNREADABLE", { detail, meta: { attachment } });
    }
    this.warn(code, detail);
  }
}

function isOurs(element: XmlElement): boolean {
  return element.ns === EDXML_NS || element.ns === "";
}

/** Reads one element's children by local name; what is left over becomes `extra` on {@link finish}. */
class Reader {
  private readonly used = new Set<XmlElement>();
  private readonly extra: EdxmlExtra[] = [];

  constructor(
    readonly element: XmlElement,
    readonly path: string,
    private readonly context: Context,
  ) {}

  private find(name: string): XmlElement[] {
    return this.element.children.filter(
      (child): child is XmlElement =>
        isElement(child) && child.name === name && isOurs(child) && !this.used.has(child),
    );
  }

  /** The first child `name` (later ones stay extra). */
  child(name: string): Reader | undefined {
    const [found] = this.find(name);
    if (!found) {
      return undefined;
    }
    this.used.add(found);
    return new Reader(found, `${this.path}/${name}`, this.context);
  }

  /**
   * Maps every child `name` with `map`; an element it returns undefined for is kept whole as extra.
   * Indices in paths count the mapped ones, as the writer does.
   */
  children<T>(name: string, map: (reader: Reader) => T | undefined): T[] {
    const out: T[] = [];
    for (const found of this.find(name)) {
      this.used.add(found);
      const reader = new Reader(found, `${this.path}/${name}[${out.length}]`, this.context);
      const value = map(reader);
      if (value === undefined) {
        this.keep(found);
      } else {
        reader.finish();
        out.push(value);
      }
    }
    return out;
  }

  /** The trimmed text of child `name`; undefined when absent or empty. */
  text(name: string): string | undefined {
    const reader = this.child(name);
    if (!reader) {
      return undefined;
    }
    reader.finish();
    return reader.value();
  }

  /** Child `name` read as a date; an unreadable one is flagged and kept as extra. */
  date(name: string, read: (raw: string) => string | undefined = readDate): string | undefined {
    const reader = this.child(name);
    const raw = reader?.value();
    if (!reader || raw === undefined) {
      reader?.finish();
      return undefined;
    }
    const value = read(raw);
    if (value === undefined) {
      this.context.warn("EDXML_DATE_UNREADABLE", `${reader.path}: '${raw}'`);
      this.keep(reader.element);
      return undefined;
    }
    reader.finish();
    return value;
  }

  texts(name: string): string[] {
    return this.children(name, (reader) => reader.value());
  }

  value(): string | undefined {
    const text = textOf(this.element);
    return text === "" ? undefined : text;
  }

  /** Marks a child as read elsewhere. */
  consume(element: XmlElement): void {
    this.used.add(element);
  }

  /** Keeps a child element whole as extra of this element. */
  keep(element: XmlElement): void {
    this.used.add(element);
    this.extra.push({ at: this.path, element: restorePayloads(element, this.context.payloads) });
  }

  /** Moves what was not read to the package's extra part (children's extras first, as written). */
  finish(): void {
    const attributes: Record<string, string> = {};
    let any = false;
    for (const attribute of this.element.attributes) {
      attributes[attribute.name] = attribute.value;
      any = true;
    }
    if (any) {
      this.context.extra.push({ at: this.path, attributes });
    }
    for (const child of this.element.children) {
      if (isElement(child) && !this.used.has(child)) {
        this.keep(child);
      }
    }
    this.context.extra.push(...this.extra);
    this.extra.length = 0;
  }
}

/** Puts lifted base64 back into an element kept as extra. */
function restorePayloads(element: XmlElement, payloads: readonly string[]): XmlElement {
  const children: XmlNode[] = element.children.map((child) => {
    if (isElement(child)) {
      return restorePayloads(child, payloads);
    }
    return child.text.startsWith(PAYLOAD_MARK)
      ? { text: payloads[Number(child.text.slice(1))] ?? "" }
      : child;
  });
  return { ...element, children };
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/**
 * Reads an edXML letter or status package. Throws ExchangeError for a package refused as a whole
 * (hostile or malformed XML, not edXML); returns the model and the warnings for the clerk.
 *
 * @example
 * const { package: pkg, warnings } = readEdxml(await readFile("letter.edxml"));
 * if (pkg.kind === "letter") console.log(pkg.code.number, pkg.code.notation);
 */
export function readEdxml(input: Uint8Array | string, options: ReadEdxmlOptions = {}): ReadEdxmlResult {
  const limits = { ...DEFAULT_XML_LIMITS, ...options.limits };
  const { root, strayPrefix, payloads } = readXml(input, limits);
  const context = new Context(payloads, options.refuseUnreadableAttachments);
  if (strayPrefix) {
    context.warn("EDXML_TEXT_BEFORE_XML", "characters before the first '<' were dropped");
  }
  if (root.name !== "edXML" || !isOurs(root)) {
    throw new ExchangeError("EDXML_NOT_EDXML", { detail: `root element ${root.name} in '${root.ns}'` });
  }
  const top = new Reader(root, "edXML", context);
  const envelope = top.child("edXMLEnvelope");
  const header = envelope?.child("edXMLHeader");
  const message = header?.child("MessageHeader");
  if (!envelope || !header || !message) {
    throw new ExchangeError("EDXML_NOT_EDXML", { detail: "no edXMLEnvelope/edXMLHeader/MessageHeader" });
  }
  const isStatus = message.element.children.some(
    (child) => isElement(child) && child.name === "StatusCode" && isOurs(child),
  );
  const pkg = isStatus
    ? readStatus(message, context)
    : readLetter(top, envelope, header, message, context, options.maxAttachmentBytes ?? 64 * 1024 * 1024);
  checkSignature(header.element, context);
  message.finish();
  header.finish();
  envelope.finish();
  top.finish();
  return { package: { ...pkg, extra: context.extra } as EdxmlPackage, warnings: context.warnings };
}

function readOrgan(reader: Reader): EdxmlOrgan | undefined {
  const id = reader.text("OrganId");
  if (id === undefined) {
    return undefined;
  }
  return defined({
    id,
    inCharge: reader.text("OrganizationInCharge"),
    name: reader.text("OrganName"),
    address: reader.text("OrganAdd"),
    email: reader.text("Email"),
    telephone: reader.text("Telephone"),
    fax: reader.text("Fax"),
    website: reader.text("Website"),
  });
}

function readFrom(message: Reader): EdxmlOrgan {
  const reader = message.child("From");
  const from = reader && readOrgan(reader);
  if (!reader || !from) {
    throw new ExchangeError("EDXML_NOT_EDXML", { detail: "MessageHeader/From/OrganId is missing or empty" });
  }
  reader.finish();
  return from;
}

function readStaff(reader: Reader | undefined): EdxmlStaff | undefined {
  if (!reader) {
    return undefined;
  }
  const staff = defined({
    department: reader.text("Department"),
    staff: reader.text("Staff"),
    mobile: reader.text("Mobile"),
    email: reader.text("Email"),
  });
  reader.finish();
  return staff;
}

function readReference(reader: Reader): EdxmlReference {
  return defined({
    organId: reader.text("OrganId"),
    code: reader.text("Code"),
    promulgationDate: reader.date("PromulgationDate"),
    documentId: reader.text("DocumentId"),
  });
}

function readStatus(message: Reader, context: Context): Omit<EdxmlStatusPackage, "extra"> {
  const from = readFrom(message);
  const to = message.children("To", readOrgan);
  const responseForReader = message.child("ResponseFor");
  const responseFor = responseForReader ? readReference(responseForReader) : {};
  responseForReader?.finish();
  if (!responseForReader) {
    context.warn("EDXML_FIELD_MISSING", "MessageHeader/ResponseFor: the letter this status is about");
  }
  const codeReader = message.child("StatusCode")!;
  const code = codeReader.value() ?? "";
  codeReader.finish();
  const status = STATUS_BY_CODE[code.padStart(2, "0")];
  if (status === undefined) {
    throw new ExchangeError("EDXML_NOT_EDXML", {
      detail: `StatusCode '${code}' is not one of 01–06, 13, 15, 16`,
    });
  }
  return defined({
    kind: "status" as const,
    from,
    to,
    responseFor,
    staff: readStaff(message.child("StaffInfo")),
    status,
    description: message.text("Description"),
    timestamp: message.date("Timestamp", readTimestamp),
  });
}

function readLetter(
  top: Reader,
  envelope: Reader,
  header: Reader,
  message: Reader,
  context: Context,
  maxAttachmentBytes: number,
): Omit<EdxmlLetter, "extra"> {
  const from = readFrom(message);
  const to = message.children("To", (reader) => {
    const organ = readOrgan(reader);
    if (!organ) {
      context.warn("EDXML_FIELD_MISSING", `${reader.path}: a recipient without OrganId, kept as extra`);
    }
    return organ;
  });
  const documentId = message.text("DocumentId");
  const codeReader = message.child("Code");
  const code: EdxmlLetter["code"] = codeReader
    ? defined({ number: codeReader.text("CodeNumber"), notation: codeReader.text("CodeNotation") })
    : {};
  codeReader?.finish();
  const promulgationReader = message.child("PromulgationInfo");
  const promulgation: EdxmlLetter["promulgation"] = promulgationReader
    ? defined({ place: promulgationReader.text("Place"), date: promulgationReader.date("PromulgationDate") })
    : {};
  promulgationReader?.finish();
  const typeReader = message.child("DocumentType");
  const documentType: EdxmlLetter["documentType"] = typeReader
    ? defined({
        type: typeReader.text("Type"),
        detail: typeReader.text("TypeDetail"),
        name: typeReader.text("TypeName"),
      })
    : {};
  typeReader?.finish();
  const subject = message.text("Subject");
  const content = message.text("Content");
  const signerReader = message.child("SignerInfo");
  const signer = signerReader
    ? defined({
        competence: signerReader.text("Competence"),
        position: signerReader.text("Position"),
        fullName: signerReader.text("FullName"),
      })
    : undefined;
  signerReader?.finish();
  const dueDate = message.date("DueDate");
  const placesReader = message.child("ToPlaces");
  const toPlaces = placesReader ? placesReader.texts("Place") : [];
  placesReader?.finish();
  const otherInfo = readOtherInfo(message.child("OtherInfo"));
  const responseFor = message.children("ResponseFor", readReference);
  const steeringType = message.text("SteeringType");

  const traceList = header.child("TraceHeaderList");
  const traces = traceList
    ? traceList.children("TraceHeader", (reader) => {
        const organId = reader.text("OrganId");
        return organId === undefined
          ? undefined
          : defined({ organId, timestamp: reader.date("Timestamp", readTimestamp) });
      })
    : [];
  const business = traceList ? readBusiness(traceList.child("Bussiness")) : undefined;
  traceList?.finish();

  const attachments = readAttachments(top, envelope, context, maxAttachmentBytes);

  for (const [field, value] of [
    ["MessageHeader/To", to.length > 0 ? "ok" : undefined],
    ["MessageHeader/Code/CodeNumber", code.number],
    ["MessageHeader/Code/CodeNotation", code.notation],
    ["MessageHeader/PromulgationInfo/PromulgationDate", promulgation.date],
    ["MessageHeader/Subject", subject],
  ] as const) {
    if (value === undefined) {
      context.warn("EDXML_FIELD_MISSING", field);
    }
  }
  return defined({
    kind: "letter" as const,
    from,
    to,
    documentId,
    code,
    promulgation,
    documentType,
    subject,
    content,
    signer,
    dueDate,
    otherInfo,
    responseFor,
    steeringType,
    toPlaces,
    traces,
    business,
    attachments,
  });
}

function readOtherInfo(reader: Reader | undefined): EdxmlOtherInfo | undefined {
  if (!reader) {
    return undefined;
  }
  const priority = reader.text("Priority");
  const sphereOfPromulgation = reader.text("SphereOfPromulgation");
  const typerNotation = reader.text("TyperNotation");
  const promulgationAmount = reader.text("PromulgationAmount");
  const pageAmount = reader.text("PageAmount");
  const direction = reader.text("Direction");
  const appendixesReader = reader.child("Appendixes");
  const appendixes = appendixesReader?.texts("Appendix");
  appendixesReader?.finish();
  reader.finish();
  return defined({
    priority,
    sphereOfPromulgation,
    typerNotation,
    promulgationAmount,
    pageAmount,
    direction,
    appendixes,
  });
}

function readBusiness(reader: Reader | undefined): EdxmlBusiness | undefined {
  if (!reader) {
    return undefined;
  }
  const documentId = reader.text("DocumentId");
  const raw = reader.text("BussinessDocType") ?? "";
  const type = BUSINESS_TYPES[raw];
  if (type === undefined) {
    throw new ExchangeError("EDXML_NOT_EDXML", { detail: `BussinessDocType '${raw}' is not one of 0–3` });
  }
  const reason = reader.text("BussinessDocReason");
  const paper = reader.text("Paper");
  const staff = readStaff(reader.child("StaffInfo"));
  const info = reader.child("BussinessDocumentInfo");
  let documentInfo: string | undefined;
  let documentReceiver: string | undefined;
  let receivers: EdxmlBusiness["receivers"];
  if (info) {
    documentInfo = info.text("DocumentInfo");
    documentReceiver = info.text("DocumentReceiver");
    const list = info.child("ReceiverList");
    receivers = list?.children("Receiver", (receiver) => {
      const organId = receiver.text("OrganId");
      return organId === undefined
        ? undefined
        : defined({ organId, receiverType: receiver.text("ReceiverType") });
    });
    list?.finish();
    info.finish();
  }
  const replacementList = reader.child("ReplacementInfoList");
  const replacements = replacementList?.children("ReplacementInfo", (replacement) => {
    const replaced = replacement.text("DocumentId");
    const organs = replacement.child("OrganIdList");
    const organIds = organs ? organs.texts("OrganId") : [];
    organs?.finish();
    return replaced === undefined ? undefined : { documentId: replaced, organIds };
  });
  replacementList?.finish();
  reader.finish();
  return defined({
    type,
    documentId,
    reason,
    paper,
    staff,
    documentInfo,
    documentReceiver,
    receivers,
    replacements,
  });
}

interface ManifestEntry {
  readonly element: XmlElement;
  readonly contentId?: string;
  readonly contentType?: string;
  readonly description?: string;
  readonly name?: string;
}

/** The trimmed text of an element's first child `name`, without consuming it. */
function peek(element: XmlElement, name: string): string | undefined {
  const found = element.children.find(
    (child): child is XmlElement => isElement(child) && child.name === name && isOurs(child),
  );
  const text = found ? textOf(found) : "";
  return text === "" ? undefined : text;
}

function readAttachments(
  top: Reader,
  envelope: Reader,
  context: Context,
  maxBytes: number,
): EdxmlAttachment[] {
  const body = envelope.child("edXMLBody");
  const manifest = body?.child("edXMLManifest");
  const references: ManifestEntry[] = (manifest?.element.children ?? [])
    .filter((child): child is XmlElement => isElement(child) && child.name === "Reference" && isOurs(child))
    .map((element) =>
      defined({
        element,
        contentId: peek(element, "ContentId"),
        contentType: peek(element, "ContentType"),
        description: peek(element, "Description"),
        name: peek(element, "AttachmentName"),
      }),
    );
  // References by ContentId (or, without one, by name), in manifest order: each is matched once.
  const byKey = new Map<string, ManifestEntry[]>();
  for (const entry of references) {
    const key = entry.contentId === undefined ? `name:${entry.name}` : `id:${entry.contentId}`;
    const same = byKey.get(key);
    if (same) {
      same.push(entry);
    } else {
      byKey.set(key, [entry]);
    }
  }
  const matched = new Map<ManifestEntry, number>();
  let kept = 0;
  const encoded = top.child("AttachmentEncoded");
  let budget = maxBytes;
  const attachments = encoded
    ? encoded.children("Attachment", (reader) => {
        const contentId = reader.text("ContentId");
        const ownName = reader.text("AttachmentName");
        const ownDescription = reader.text("Description");
        const ownType = reader.text("ContentType");
        const reference = byKey
          .get(contentId === undefined ? `name:${ownName}` : `id:${contentId}`)
          ?.find((entry) => !matched.has(entry));
        const name = reference?.name ?? ownName;
        const payloadReader = reader.child("ContentTransferEncoded");
        const payloadText = payloadReader?.value();
        payloadReader?.finish();
        const payload = payloadText?.startsWith(PAYLOAD_MARK)
          ? (context.payloads[Number(payloadText.slice(1))] ?? "")
          : payloadText;
        const label = `attachment '${name ?? contentId ?? "?"}'`;
        const which = name ?? contentId ?? reader.path;
        if (payload === undefined || payload.trim() === "") {
          context.unreadable("EDXML_ATTACHMENT_MISSING", which, `${label}: no content`);
          return undefined;
        }
        const bytes = decodeBase64(payload, budget);
        if (bytes === undefined) {
          context.unreadable("EDXML_ATTACHMENT_UNREADABLE", which, `${label}: not base64`);
          return undefined;
        }
        if (name === undefined) {
          context.unreadable(
            "EDXML_FIELD_MISSING",
            which,
            `${reader.path}: ${label} has no name, kept as extra`,
          );
          return undefined;
        }
        if (!reference) {
          context.warn("EDXML_ATTACHMENT_UNLISTED", `${label} is not in the manifest`);
        }
        budget -= bytes.byteLength;
        const file = unwrapAttachment({
          name,
          manifestType: reference?.contentType,
          attachmentType: ownType,
          bytes,
          maxInflated: budget,
        });
        if (file.transfer === "zip") {
          budget -= file.bytes.byteLength;
        }
        if (file.mismatch !== undefined) {
          context.warn("EDXML_ATTACHMENT_MISMATCH", `${label}: ${file.mismatch}`);
        }
        if (reference) {
          matched.set(reference, kept);
        }
        kept += 1;
        return defined({
          contentId: contentId ?? reference?.contentId ?? name,
          name,
          contentType: file.contentType,
          description: reference?.description ?? ownDescription,
          transfer: file.transfer,
          zipEntry: file.zipEntry,
          bytes: file.bytes,
        });
      })
    : [];
  encoded?.finish();
  if (manifest) {
    // The writer writes attachment i's reference as Reference[i]; what a reference has beyond the
    // four fields stays extra there. A reference without its attachment is kept whole.
    for (const entry of references) {
      const index = matched.get(entry);
      if (index === undefined) {
        context.unreadable(
          "EDXML_ATTACHMENT_MISSING",
          entry.name ?? entry.contentId ?? "?",
          `the manifest lists '${entry.name ?? entry.contentId ?? "?"}', not in the package`,
        );
        manifest.keep(entry.element);
        continue;
      }
      manifest.consume(entry.element);
      const reader = new Reader(entry.element, `${manifest.path}/Reference[${index}]`, context);
      for (const field of ["ContentId", "ContentType", "Description", "AttachmentName"]) {
        reader.text(field);
      }
      reader.finish();
    }
    manifest.finish();
  }
  body?.finish();
  return attachments;
}

/** Flags the envelope's XML signature: a placeholder, or kept but not verified. It stays extra. */
function checkSignature(header: XmlElement, context: Context): void {
  const signature = header.children.find(
    (child): child is XmlElement =>
      isElement(child) && child.name === "Signature" && (isOurs(child) || child.ns === XMLDSIG_NS),
  );
  if (!signature) {
    return;
  }
  const value = descendantText(signature, "SignatureValue");
  const certificate = descendantText(signature, "X509Certificate");
  let problem: string | undefined;
  if (!value) {
    problem = "no SignatureValue";
  } else if (!certificate) {
    problem = "no X509Certificate";
  } else {
    try {
      new X509Certificate(Buffer.from(certificate.replace(/\s+/g, ""), "base64"));
    } catch {
      problem = `X509Certificate '${certificate.slice(0, 16)}…' is not a certificate`;
    }
  }
  if (problem) {
    context.warn("EDXML_SIGNATURE_PLACEHOLDER", problem);
  } else {
    context.warn("EDXML_SIGNATURE_NOT_VERIFIED", "XMLDSig on the envelope is not checked by Lienthong");
  }
}

function descendantText(element: XmlElement, name: string): string | undefined {
  for (const child of element.children) {
    if (isElement(child)) {
      if (child.name === name) {
        return textOf(child) || undefined;
      }
      const found = descendantText(child, name);
      if (found !== undefined) {
        return found;
      }
    }
  }
  return undefined;
}
