/**
 * Adds an unsigned attribute to the (single) SignerInfo of an existing SignedData without
 * touching anything that is signed. Unsigned attributes are outside the signature (RFC 5652
 * §5.3), so this is how CAdES-T / PAdES B-T timestamps are added to a CMS made elsewhere.
 * Works on BER input: untouched elements are copied byte for byte, only the enclosing headers
 * are rewritten (definite lengths, which BER allows to mix with indefinite ones).
 */
import { ExchangeError } from "../errors/index.ts";
import { type Asn1, encode } from "./asn1-builder.ts";
import {
  Asn1Error,
  childrenOf,
  concatBytes,
  elementBytes,
  expectTag,
  isContext,
  readNode,
  Tag,
} from "./asn1-reader.ts";

/**
 * Returns a new ContentInfo whose only SignerInfo carries `attribute` among its unsigned
 * attributes. Throws CMS_MALFORMED when the input is not a SignedData with exactly one SignerInfo.
 *
 * @example
 * const withTimestamp = addUnsignedAttribute(cms, timestampAttribute(token));
 */
export function addUnsignedAttribute(cmsDer: Uint8Array, attribute: Asn1): Uint8Array {
  try {
    return rebuild(cmsDer, encode(attribute));
  } catch (error) {
    if (error instanceof ExchangeError) {
      throw error;
    }
    throw new ExchangeError("CMS_MALFORMED", {
      detail: `cannot add an unsigned attribute: ${error instanceof Asn1Error ? error.message : "unexpected structure"}`,
      cause: error,
    });
  }
}

function rebuild(bytes: Uint8Array, attribute: Uint8Array): Uint8Array {
  const contentInfo = expectTag(readNode(bytes), Tag.sequence, "ContentInfo");
  const [type, explicit] = childrenOf(bytes, contentInfo);
  if (!type || !isContext(explicit, 0)) {
    throw new Asn1Error("ContentInfo without [0] content");
  }
  const [signedData] = childrenOf(bytes, explicit);
  const sdChildren = childrenOf(bytes, expectTag(signedData, Tag.sequence, "SignedData"));
  const signerInfos = expectTag(sdChildren[sdChildren.length - 1], Tag.set, "signerInfos");
  const infos = childrenOf(bytes, signerInfos);
  const [info] = infos;
  if (!info || infos.length !== 1) {
    throw new Asn1Error(`expected one SignerInfo, found ${infos.length}`);
  }
  const infoChildren = childrenOf(bytes, expectTag(info, Tag.sequence, "SignerInfo"));
  const last = infoChildren[infoChildren.length - 1];
  const kept = isContext(last, 1) ? infoChildren.slice(0, -1) : infoChildren;
  const existing = isContext(last, 1) ? childrenOf(bytes, last).map((a) => elementBytes(bytes, a)) : [];
  const unsigned = tlv(0xa1, [...existing, attribute]);
  const newInfo = tlv(0x30, [...kept.map((node) => elementBytes(bytes, node)), unsigned]);
  const newSignedData = tlv(0x30, [
    ...sdChildren.slice(0, -1).map((node) => elementBytes(bytes, node)),
    tlv(0x31, [newInfo]),
  ]);
  return tlv(0x30, [elementBytes(bytes, type), tlv(0xa0, [newSignedData])]);
}

/** A definite-length DER header (X.690 §8.1.3) around `parts`. */
function tlv(tag: number, parts: readonly Uint8Array[]): Uint8Array {
  const content = concatBytes(parts);
  const length = content.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const octets: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) {
      octets.unshift(rest & 0xff);
    }
    header = [tag, 0x80 | octets.length, ...octets];
  }
  return concatBytes([new Uint8Array(header), content]);
}
