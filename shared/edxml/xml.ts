/**
 * Reading untrusted XML safely, and writing it back. fast-xml-parser does the parsing (with its
 * validator for well-formedness); what is hand-written here is only the hardening around it:
 *
 * - the size is checked on the raw bytes, before anything is decoded;
 * - any markup declaration (`<!DOCTYPE`, `<!ENTITY`, …) is refused before parsing, so no entity can be
 *   declared, expanded or fetched (XXE, billion laughs, quadratic blow-up);
 * - one linear pass over the `<` positions bounds the number of nodes and the length of any text, and
 *   lifts the attachments' base64 (`ContentTransferEncoded`) out of the document: the parser builds
 *   texts one character at a time (measured: 3 s and 800 MB of heap for a 24 MB text), so big texts
 *   never reach it;
 * - the parser's own depth limit (`maxNestedTags`) bounds nesting;
 * - entity handling is off in the parser; the five XML entities and character references are decoded
 *   here, and any other reference is refused.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { ExchangeError } from "../errors/index.ts";

export interface XmlAttribute {
  /** As written, prefix included (`xml:lang`, `Algorithm`). */
  readonly name: string;
  /** Namespace URI of a prefixed attribute; absent for an unprefixed one. */
  readonly ns?: string;
  readonly value: string;
}

export interface XmlElement {
  /** Local name (prefix removed). */
  readonly name: string;
  /** Namespace URI, resolved from the declarations in scope; "" for none. */
  readonly ns: string;
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlNode[];
}

export type XmlNode = XmlElement | { readonly text: string };

export function isElement(node: XmlNode): node is XmlElement {
  return "name" in node;
}

/** Limits on an untrusted package; every one refuses with its own code. */
export interface XmlLimits {
  /** Bytes of the whole package (EDXML_TOO_LARGE). Default 25 MiB. */
  readonly maxBytes: number;
  /** Element nesting (EDXML_TOO_DEEP). Default 64; edXML itself needs about 10. */
  readonly maxDepth: number;
  /** Tags (start, end or empty), comments and CDATA sections: each `<` (EDXML_TOO_MANY_NODES). Default 50,000. */
  readonly maxNodes: number;
  /** Characters of one text outside the attachments' base64 (EDXML_TOO_LARGE). Default 1 MiB. */
  readonly maxTextChars: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 25 * 1024 * 1024,
  maxDepth: 64,
  maxNodes: 50_000,
  maxTextChars: 1024 * 1024,
};

export interface ReadXmlResult {
  readonly root: XmlElement;
  /** Non-whitespace characters before the first `<` were dropped (a producer's stray bytes). */
  readonly strayPrefix: boolean;
  /**
   * The lifted base64 payloads: an element `ContentTransferEncoded` whose text was lifted has one
   * text child `\u0000<index>`, the index into this list.
   */
  readonly payloads: readonly string[];
}

/** Marks a lifted payload in the tree; NUL cannot occur in XML text, so no document forges it. */
export const PAYLOAD_MARK = "\u0000";

const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const ENCODING_DECLARATION = /^<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']/;
const MARKUP_DECLARATION = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
const LIFTED_START =
  /<([A-Za-z_][\w.-]*:)?ContentTransferEncoded(?:\s+[^\s=<>/]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*>/y;
const ENTITY_REFERENCE = /&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][\w.-]*);/g;
const AMPERSAND_WITHOUT_REFERENCE = /&(?!(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][\w.-]*);)/;
const PREDEFINED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };

/**
 * Parses an untrusted XML document within `limits`; throws ExchangeError (EDXML_TOO_LARGE,
 * EDXML_DTD_FORBIDDEN, EDXML_TOO_MANY_NODES, EDXML_TOO_DEEP, EDXML_ENTITY_FORBIDDEN, EDXML_MALFORMED).
 *
 * @example
 * const { root } = readXml(bytes); // root.name === "edXML"
 */
export function readXml(input: Uint8Array | string, limits: XmlLimits = DEFAULT_XML_LIMITS): ReadXmlResult {
  const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
  if (size > limits.maxBytes) {
    throw new ExchangeError("EDXML_TOO_LARGE", {
      detail: `${size} bytes, at most ${limits.maxBytes} allowed`,
      meta: { size, limit: limits.maxBytes },
    });
  }
  let text = typeof input === "string" ? input : decodeUtf8(input);
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
  }
  if (CONTROL_CHARACTER.test(text)) {
    throw new ExchangeError("EDXML_MALFORMED", { detail: "a control character XML does not allow" });
  }
  const declaration = MARKUP_DECLARATION.exec(text);
  if (declaration) {
    throw new ExchangeError("EDXML_DTD_FORBIDDEN", {
      detail: `<!${declaration[1]} at offset ${declaration.index}`,
    });
  }
  const first = text.indexOf("<");
  const strayPrefix = first > 0 && text.slice(0, first).trim() !== "";
  if (first > 0) {
    text = text.slice(first);
  }
  const encoding = ENCODING_DECLARATION.exec(text)?.[1];
  if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
    throw new ExchangeError("EDXML_MALFORMED", {
      detail: `declared encoding ${encoding}; only UTF-8 is read`,
    });
  }
  const { document, payloads } = liftPayloads(text, limits);
  const valid = XMLValidator.validate(document, { allowBooleanAttributes: false });
  if (valid !== true) {
    throw new ExchangeError("EDXML_MALFORMED", { detail: `${valid.err.msg} (line ${valid.err.line})` });
  }
  if (AMPERSAND_WITHOUT_REFERENCE.test(document)) {
    throw new ExchangeError("EDXML_MALFORMED", { detail: "a bare '&' that starts no reference" });
  }
  let parsed: unknown;
  try {
    parsed = parser(limits.maxDepth).parse(document);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/nested tags/i.test(message)) {
      throw new ExchangeError("EDXML_TOO_DEEP", { detail: `more than ${limits.maxDepth} levels` });
    }
    throw new ExchangeError("EDXML_MALFORMED", { detail: message });
  }
  const top = (parsed as OrderedNode[])
    .map((node) => toNode(node, new Map([["xml", XML_NS]]), ""))
    .filter((node) => node !== undefined && (isElement(node) || node.text.trim() !== ""));
  const [root, ...more] = top;
  if (!root || !isElement(root) || more.length > 0) {
    throw new ExchangeError("EDXML_MALFORMED", { detail: "expected exactly one root element" });
  }
  return { root, strayPrefix, payloads };
}

const XML_NS = "http://www.w3.org/XML/1998/namespace";

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ExchangeError("EDXML_MALFORMED", { detail: "not UTF-8 text" });
  }
}

/** One pass over the `<` positions: node count, text lengths, and the base64 payloads lifted out. */
function liftPayloads(text: string, limits: XmlLimits): { document: string; payloads: string[] } {
  const payloads: string[] = [];
  const parts: string[] = [];
  let copied = 0;
  let nodes = 0;
  let at = text.indexOf("<");
  while (at !== -1) {
    nodes += 1;
    if (nodes > limits.maxNodes) {
      throw new ExchangeError("EDXML_TOO_MANY_NODES", { detail: `more than ${limits.maxNodes} tags` });
    }
    LIFTED_START.lastIndex = at;
    const start = LIFTED_START.exec(text);
    const next = text.indexOf("<", at + 1);
    if (start) {
      const contentStart = at + start[0].length;
      const closing = `</${start[1] ?? ""}ContentTransferEncoded`;
      if (
        next !== -1 &&
        text.startsWith(closing, next) &&
        /^\s*>/.test(text.slice(next + closing.length, next + closing.length + 64))
      ) {
        parts.push(text.slice(copied, contentStart), `${PAYLOAD_MARK}${payloads.length}`);
        payloads.push(text.slice(contentStart, next));
        copied = next;
        at = next;
        continue;
      }
    }
    const end = next === -1 ? text.length : next;
    if (end - at > limits.maxTextChars) {
      throw new ExchangeError("EDXML_TOO_LARGE", {
        detail: `a text of ${end - at} characters outside the attachments, at most ${limits.maxTextChars} allowed`,
      });
    }
    at = next;
  }
  parts.push(text.slice(copied));
  return { document: parts.join(""), payloads };
}

type OrderedNode = Record<string, unknown> & { ":@"?: Record<string, string> };

function parser(maxDepth: number): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "",
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: "#comment",
    cdataPropName: "#cdata",
    maxNestedTags: maxDepth,
  });
}

function decodeReferences(value: string): string {
  if (!value.includes("&")) {
    return value;
  }
  return value.replace(ENTITY_REFERENCE, (_match, name: string) => {
    if (name.startsWith("#")) {
      const code = name[1] === "x" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      if (!isXmlChar(code)) {
        throw new ExchangeError("EDXML_MALFORMED", {
          detail: `character reference &${name}; is not an XML character`,
        });
      }
      return String.fromCodePoint(code);
    }
    const predefined = PREDEFINED[name];
    if (predefined === undefined) {
      throw new ExchangeError("EDXML_ENTITY_FORBIDDEN", { detail: `&${name};` });
    }
    return predefined;
  });
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Converts one node of fast-xml-parser's ordered output, resolving namespace prefixes in scope. */
function toNode(
  node: OrderedNode,
  scope: ReadonlyMap<string, string>,
  defaultNs: string,
): XmlNode | undefined {
  const key = Object.keys(node).find((name) => name !== ":@");
  if (key === undefined || key === "#comment") {
    return undefined;
  }
  const content = node[key] as OrderedNode[] | string;
  if (key === "#text") {
    return { text: decodeReferences(String(content)) };
  }
  if (key === "#cdata") {
    const texts = (content as OrderedNode[]).map((part) => String(part["#text"] ?? ""));
    return { text: texts.join("") };
  }
  const raw = node[":@"] ?? {};
  let inner = scope;
  let innerDefault = defaultNs;
  const attributes: XmlAttribute[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const decoded = decodeReferences(value);
    if (name === "xmlns") {
      innerDefault = decoded;
    } else if (name.startsWith("xmlns:")) {
      inner = new Map(inner);
      (inner as Map<string, string>).set(name.slice(6), decoded);
    }
  }
  for (const [name, value] of Object.entries(raw)) {
    if (name === "xmlns" || name.startsWith("xmlns:")) {
      continue;
    }
    const colon = name.indexOf(":");
    const ns = colon === -1 ? undefined : inner.get(name.slice(0, colon));
    attributes.push({ name, value: decodeReferences(value), ...(ns === undefined ? {} : { ns }) });
  }
  const colon = key.indexOf(":");
  const prefix = colon === -1 ? undefined : key.slice(0, colon);
  const ns = prefix === undefined ? innerDefault : (inner.get(prefix) ?? "");
  const children: XmlNode[] = [];
  for (const child of Array.isArray(content) ? content : []) {
    const converted = toNode(child, inner, innerDefault);
    if (converted) {
      children.push(converted);
    }
  }
  return { name: colon === -1 ? key : key.slice(colon + 1), ns, attributes, children };
}

/** The text content of an element (its text children joined), trimmed. */
export function textOf(element: XmlElement): string {
  let text = "";
  for (const child of element.children) {
    if (!isElement(child)) {
      text += child.text;
    }
  }
  return text.trim();
}

/** Escapes text for element content or a double-quoted attribute. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"\r]/g, (char) =>
    char === "&"
      ? "&amp;"
      : char === "<"
        ? "&lt;"
        : char === ">"
          ? "&gt;"
          : char === '"'
            ? "&quot;"
            : "&#13;",
  );
}

/**
 * Writes an element kept as it came (an `extra` part), declaring its namespace where it differs from
 * the enclosing default namespace `contextNs`. Prefixes are not kept; namespaces are.
 */
export function writeElement(element: XmlElement, contextNs: string): string {
  let out = `<${element.name}`;
  if (element.ns !== contextNs) {
    out += ` xmlns="${escapeXml(element.ns)}"`;
  }
  const declared = new Set<string>();
  for (const attribute of element.attributes) {
    const colon = attribute.name.indexOf(":");
    if (colon !== -1 && attribute.ns !== undefined && attribute.ns !== XML_NS) {
      const prefix = attribute.name.slice(0, colon);
      if (!declared.has(prefix)) {
        declared.add(prefix);
        out += ` xmlns:${prefix}="${escapeXml(attribute.ns)}"`;
      }
    }
    const name =
      colon !== -1 && attribute.ns === undefined ? attribute.name.slice(colon + 1) : attribute.name;
    out += ` ${name}="${escapeXml(attribute.value)}"`;
  }
  if (element.children.length === 0) {
    return `${out}/>`;
  }
  out += ">";
  for (const child of element.children) {
    out += isElement(child) ? writeElement(child, element.ns) : escapeXml(child.text);
  }
  return `${out}</${element.name}>`;
}
