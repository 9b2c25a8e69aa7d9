/**
 * Canonical JSON (RFC 8785, JSON Canonicalization Scheme): the one byte form of every audit event,
 * receipt and seal document, so that a hash or signature over it can be recomputed by anyone.
 *
 * Hand-written rather than a dependency: the rules are short once the input is restricted to what
 * the evidence documents contain (I-JSON, RFC 7493), ECMAScript's own `JSON.stringify` already
 * serialises strings (§3.2.2.2) and numbers (§3.2.2.3) exactly as JCS requires, and no package can be
 * added to this project. What is left is the key order (§3.2.3: by UTF-16 code units, which is what
 * JavaScript's default string comparison does) and refusing what I-JSON forbids (lone surrogates,
 * non-finite numbers, duplicate keys on parsing).
 */
import { ExchangeError } from "../errors/index.ts";

/** A JSON value as the evidence documents use them. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
/** A JSON object; properties whose value is `undefined` are left out, as JSON.stringify does. */
export interface JsonObject {
  readonly [key: string]: JsonValue | undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The RFC 8785 canonical text of a JSON value. Typed documents (interfaces such as Receipt) are
 * accepted as `object` and checked at run time: anything that is not I-JSON (NaN, Infinity, a
 * bigint, a lone surrogate, a function, a class instance) throws EVIDENCE_MALFORMED.
 *
 * @example
 * canonicalJson({ b: 1, a: "é" }); // '{"a":"é","b":1}'
 */
export function canonicalJson(value: JsonValue | object): string {
  return serialise(value as JsonValue, "$");
}

/**
 * The UTF-8 bytes of {@link canonicalJson}: what is hashed and signed.
 *
 * @example
 * const digest = createHash("sha256").update(canonicalBytes(receipt)).digest();
 */
export function canonicalBytes(value: JsonValue | object): Uint8Array {
  return new Uint8Array(Buffer.from(canonicalJson(value), "utf8"));
}

/**
 * Parses bytes that must be canonical JSON: valid UTF-8, no duplicate keys, and byte for byte what
 * {@link canonicalBytes} makes of the parsed value (so a reformatted or re-ordered document, whose
 * signature would still be checked over other bytes, is refused). Throws EVIDENCE_MALFORMED.
 *
 * @example
 * const receipt = parseCanonical(await readFile("receipt.json"));
 */
export function parseCanonical(bytes: Uint8Array): JsonValue {
  let text: string;
  let value: JsonValue;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new ExchangeError("EVIDENCE_MALFORMED", { detail: "not UTF-8 JSON", cause: error });
  }
  // Duplicate keys vanish in JSON.parse; re-encoding then differs from the input, caught here too.
  if (canonicalJson(value) !== text) {
    throw new ExchangeError("EVIDENCE_MALFORMED", {
      detail: "the JSON is not in RFC 8785 canonical form (key order, spacing, number or string form)",
    });
  }
  return value;
}

function serialise(value: JsonValue, path: string): string {
  if (value === null || typeof value === "boolean") {
    return String(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw malformed(path, `the number ${value} is not JSON`);
    }
    return JSON.stringify(value); // ECMAScript Number::toString, as §3.2.2.3 requires; -0 gives "0"
  }
  if (typeof value === "string") {
    if (LONE_SURROGATE.test(value)) {
      throw malformed(path, "a string holds a lone UTF-16 surrogate (not I-JSON)");
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item: JsonValue, index: number) => serialise(item, `${path}[${index}]`)).join(",")}]`;
  }
  const prototype = typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  if (prototype === Object.prototype || prototype === null) {
    const object = value as JsonObject;
    const members: string[] = [];
    for (const key of Object.keys(object).sort()) {
      const member = object[key];
      if (member !== undefined) {
        members.push(`${serialise(key, path)}:${serialise(member, `${path}.${key}`)}`);
      }
    }
    return `{${members.join(",")}}`;
  }
  throw malformed(path, `a ${typeof value} is not JSON`);
}

function malformed(path: string, detail: string): ExchangeError {
  return new ExchangeError("EVIDENCE_MALFORMED", { detail: `${path}: ${detail}` });
}
