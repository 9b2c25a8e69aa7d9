/**
 * Adds an unsigned attribute to the (single) SignerInfo of an existing SignedData without
 * touching anything that is signed. Unsigned attributes are outside the signature (RFC 5652
 * §5.3), so this is how CAdES-T / PAdES B-T timestamps are added to a CMS made elsewhere.
 * Works on BER input: untouched elements are copied byte for byte, only the enclosing headers
 * are rewritten (definite lengths, which BER allows to mix with indefinite ones).
 */

import { BER, children, DerError, expectTag, isContext, readElement, TAG, tlv } from "../asn1/der.ts";
import { ExchangeError } from "../errors/index.ts";
import { type Asn1, encode } from "./asn1-builder.ts";

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
      detail: `cannot add an unsigned attribute: ${error instanceof DerError ? error.message : "unexpected structure"}`,
      cause: error,
    });
  }
}

function rebuild(bytes: Uint8Array, attribute: Uint8Array): Uint8Array {
  const contentInfo = expectTag(readElement(bytes, 0, BER), TAG.SEQUENCE, "ContentInfo");
  const [type, explicit] = children(contentInfo, BER);
  if (!type || !isContext(explicit, 0)) {
    throw new DerError("ContentInfo without [0] content");
  }
  const [signedData] = children(explicit, BER);
  const sdChildren = children(expectTag(signedData, TAG.SEQUENCE, "SignedData"), BER);
  const signerInfos = expectTag(sdChildren[sdChildren.length - 1], TAG.SET, "signerInfos");
  const infos = children(signerInfos, BER);
  const [info] = infos;
  if (!info || infos.length !== 1) {
    throw new DerError(`expected one SignerInfo, found ${infos.length}`);
  }
  const infoChildren = children(expectTag(info, TAG.SEQUENCE, "SignerInfo"), BER);
  const last = infoChildren[infoChildren.length - 1];
  const kept = isContext(last, 1) ? infoChildren.slice(0, -1) : infoChildren;
  const existing = isContext(last, 1) ? children(last, BER).map((a) => a.bytes) : [];
  // Definite-length headers around the untouched elements (X.690 §8.1.3).
  const unsigned = tlv(0xa1, ...existing, attribute);
  const newInfo = tlv(TAG.SEQUENCE, ...kept.map((node) => node.bytes), unsigned);
  const newSignedData = tlv(
    TAG.SEQUENCE,
    ...sdChildren.slice(0, -1).map((node) => node.bytes),
    tlv(TAG.SET, newInfo),
  );
  return tlv(TAG.SEQUENCE, type.bytes, tlv(0xa0, newSignedData));
}
