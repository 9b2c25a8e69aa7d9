/**
 * RFC 3161 time-stamping: requests, responses and tokens (the HTTP transport, `HttpTsa`, is an
 * adapter in shared/signing/http-tsa.ts).
 * The token stamps the SignerInfo's signature value and travels in the unsigned attribute
 * id-aa-signatureTimeStampToken (RFC 3161 Appendix A; CAdES-T / PAdES B-T).
 */

import {
  BER,
  bytesEqual,
  bytesToHex,
  children,
  DerError,
  decodeOctetString,
  decodeOid,
  decodeSmallInteger,
  decodeTime,
  encodeBoolean,
  encodeInteger,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  expectTag,
  integerHex,
  isContext,
  readElement,
  TAG,
} from "../asn1/der.ts";
import { ExchangeError } from "../errors/index.ts";
import { digest, HASH_LENGTHS, HASH_OIDS, type HashAlgorithm, hashNameForOid, OID } from "./algorithms.ts";
import { type ParsedSignedData, parseSignedData } from "./parse.ts";
import type { Tsa } from "./ports.ts";
import { verifySignerInfo } from "./verify.ts";

/** id-kp-timeStamping (RFC 3161 §2.3). */
const EKU_TIME_STAMPING = "1.3.6.1.5.5.7.3.8";

export interface TimeStampRequestOptions {
  /** The hash of the data to stamp. */
  readonly messageImprint: Uint8Array;
  readonly hashAlgorithm: HashAlgorithm;
  /** Big-endian nonce; default none. */
  readonly nonce?: Uint8Array;
  /** Ask the TSA to include its certificate (default true: the token must be verifiable alone). */
  readonly certReq?: boolean;
  /** TSAPolicyId to request; default: the TSA's default policy. */
  readonly policyOid?: string;
}

/**
 * DER TimeStampReq (RFC 3161 §2.4.1).
 *
 * @example
 * const query = buildTimeStampRequest({ messageImprint: sha256(sig), hashAlgorithm: "sha256", nonce });
 */
export function buildTimeStampRequest(options: TimeStampRequestOptions): Uint8Array {
  assertImprintLength(options.messageImprint, options.hashAlgorithm);
  const fields = [
    encodeInteger(1),
    encodeSequence(
      encodeSequence(encodeOid(HASH_OIDS[options.hashAlgorithm]!)),
      encodeOctetString(options.messageImprint),
    ),
  ];
  if (options.policyOid) {
    fields.push(encodeOid(options.policyOid));
  }
  if (options.nonce) {
    fields.push(encodeInteger(options.nonce));
  }
  if (options.certReq ?? true) {
    fields.push(encodeBoolean(true));
  }
  return encodeSequence(...fields);
}

/** A parsed TimeStampResp (RFC 3161 §2.4.2). */
export interface TimeStampResponse {
  /** PKIStatus: 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4/5 revocation notices. */
  readonly status: number;
  readonly statusText?: string;
  /** DER ContentInfo of the token, when granted. */
  readonly token?: Uint8Array;
}

/** Parses a DER TimeStampResp; throws ExchangeError TSA_BAD_RESPONSE. */
export function parseTimeStampResponse(der: Uint8Array): TimeStampResponse {
  try {
    const root = expectTag(readElement(der, 0, BER), TAG.SEQUENCE, "TimeStampResp");
    const [statusInfo, token] = children(root, BER);
    const statusFields = children(expectTag(statusInfo, TAG.SEQUENCE, "PKIStatusInfo"), BER);
    const status = decodeSmallInteger(expectTag(statusFields[0], TAG.INTEGER, "PKIStatus"), { min: 0 });
    let statusText: string | undefined;
    const freeText = statusFields[1];
    if (freeText?.tag === TAG.SEQUENCE) {
      // PKIFreeText ::= SEQUENCE OF UTF8String (RFC 4210 §5.1.1).
      statusText = children(freeText, BER)
        .map((text) => Buffer.from(text.content).toString("utf8"))
        .join("; ");
    }
    return {
      status,
      ...(statusText ? { statusText } : {}),
      ...(token ? { token: expectTag(token, TAG.SEQUENCE, "TimeStampToken").bytes.slice() } : {}),
    };
  } catch (error) {
    throw new ExchangeError("TSA_BAD_RESPONSE", {
      detail: `unreadable TimeStampResp: ${error instanceof DerError ? error.message : "unexpected structure"}`,
      cause: error,
    });
  }
}

/** A parsed TimeStampToken (RFC 3161 §2.4.2) with its TSTInfo. */
export interface TimestampToken {
  readonly genTime: Date;
  readonly messageImprint: Uint8Array;
  /** Digest algorithm name of the imprint ("sha256" …) or its OID when unknown. */
  readonly hashAlgorithm: string;
  /** Lowercase hex, no sign padding. */
  readonly serialNumberHex: string;
  readonly signedData: ParsedSignedData;
  /** The DER TSTInfo: the eContent the token's SignerInfo signs. */
  readonly tstInfoDer: Uint8Array;
  readonly policyOid: string;
  readonly nonceHex?: string;
}

/**
 * Parses a TimeStampToken without verifying it; throws ExchangeError CMS_MALFORMED.
 *
 * @example
 * const { genTime, messageImprint } = parseTimestampToken(info.timestampTokens[0]!);
 */
export function parseTimestampToken(der: Uint8Array): TimestampToken {
  const signedData = parseSignedData(der);
  try {
    if (signedData.contentType !== OID.tstInfo || !signedData.encapsulatedContent) {
      throw new DerError(`expected encapsulated id-ct-TSTInfo, got ${signedData.contentType}`);
    }
    const tstInfoDer = signedData.encapsulatedContent;
    const fields = children(expectTag(readElement(tstInfoDer, 0, BER), TAG.SEQUENCE, "TSTInfo"), BER);
    let index = 0;
    decodeSmallInteger(expectTag(fields[index++], TAG.INTEGER, "TSTInfo version"), { min: 0 });
    const policyOid = decodeOid(expectTag(fields[index++], TAG.OID, "policy"));
    const imprint = children(expectTag(fields[index++], TAG.SEQUENCE, "messageImprint"), BER);
    const [algorithm] = children(expectTag(imprint[0], TAG.SEQUENCE, "hashAlgorithm"), BER);
    const algorithmOid = decodeOid(expectTag(algorithm, TAG.OID, "hashAlgorithm OID"));
    const messageImprint = decodeOctetString(imprint[1], "hashedMessage");
    const serialNumberHex = integerHex(expectTag(fields[index++], TAG.INTEGER, "serialNumber"));
    // RFC 3161 §2.4.2: genTime is a GeneralizedTime in UTC ("Z").
    const genTime = decodeTime(expectTag(fields[index++], TAG.GENERALIZED_TIME, "genTime"), {
      requireZulu: true,
    });
    let nonceHex: string | undefined;
    for (; index < fields.length; index++) {
      const field = fields[index]!;
      if (field.tag === TAG.INTEGER) {
        nonceHex = integerHex(field);
      } else if (isContext(field, 0) || isContext(field, 1)) {
        break;
      }
    }
    return {
      genTime,
      messageImprint: messageImprint.slice(),
      hashAlgorithm: hashNameForOid(algorithmOid) ?? algorithmOid,
      serialNumberHex,
      signedData,
      tstInfoDer,
      policyOid,
      ...(nonceHex ? { nonceHex } : {}),
    };
  } catch (error) {
    throw new ExchangeError("CMS_MALFORMED", {
      detail: `timestamp token: ${error instanceof DerError ? error.message : "unexpected structure"}`,
      cause: error,
    });
  }
}

export interface TokenExpectations {
  readonly messageImprint: Uint8Array;
  readonly hashAlgorithm: HashAlgorithm;
  /** Big-endian nonce sent in the request, if any. */
  readonly nonce?: Uint8Array;
}

/**
 * Checks a token returned for our request: imprint and nonce echo it (RFC 3161 §2.4.2), the
 * token's own signature verifies with the embedded TSA certificate, whose EKU is
 * id-kp-timeStamping (§2.3). Trust in the TSA is left to verification. Throws TSA_BAD_RESPONSE.
 */
export function checkTimestampToken(token: Uint8Array, expected: TokenExpectations): TimestampToken {
  let parsed: TimestampToken;
  try {
    parsed = parseTimestampToken(token);
  } catch (error) {
    throw new ExchangeError("TSA_BAD_RESPONSE", {
      detail: `unreadable timestamp token (${error instanceof ExchangeError ? error.detail : "unexpected"})`,
      cause: error,
    });
  }
  if (
    parsed.hashAlgorithm !== expected.hashAlgorithm ||
    !bytesEqual(parsed.messageImprint, expected.messageImprint)
  ) {
    throw new ExchangeError("TSA_BAD_RESPONSE", {
      detail: `messageImprint mismatch: expected ${expected.hashAlgorithm} ${bytesToHex(expected.messageImprint)}, got ${parsed.hashAlgorithm} ${bytesToHex(parsed.messageImprint)}`,
    });
  }
  if (expected.nonce) {
    const want = bytesToHex(expected.nonce).replace(/^(00)+(?=.)/, "");
    if (parsed.nonceHex !== want) {
      throw new ExchangeError("TSA_BAD_RESPONSE", {
        detail: `nonce mismatch: expected ${want}, got ${parsed.nonceHex ?? "none"}`,
      });
    }
  }
  const info = parsed.signedData.signerInfos[0];
  if (!info || parsed.signedData.signerInfos.length !== 1) {
    throw new ExchangeError("TSA_BAD_RESPONSE", {
      detail: `expected one SignerInfo in the token, found ${parsed.signedData.signerInfos.length}`,
    });
  }
  const certificate = parsed.signedData.certificates.find((cert) =>
    "subjectKeyIdentifier" in info.sid
      ? cert.subjectKeyIdentifier === info.sid.subjectKeyIdentifier
      : bytesEqual(cert.issuerDer, info.sid.issuerDer) && cert.serialNumberHex === info.sid.serialNumberHex,
  );
  if (!certificate) {
    throw new ExchangeError("TSA_BAD_RESPONSE", { detail: "the token does not contain the TSA certificate" });
  }
  if (!certificate.extendedKeyUsage.includes(EKU_TIME_STAMPING)) {
    throw new ExchangeError("TSA_BAD_RESPONSE", {
      detail: `TSA certificate ${certificate.subject.text} lacks EKU id-kp-timeStamping`,
    });
  }
  if (!HASH_OIDS[info.digestAlgorithm]) {
    throw new ExchangeError("TSA_BAD_RESPONSE", {
      detail: `unsupported token digest ${info.digestAlgorithm}`,
    });
  }
  const check = verifySignerInfo(info, certificate, digest(info.digestAlgorithm, parsed.tstInfoDer));
  if (!check.digestMatches || !check.signatureValid || check.essMatches === false) {
    throw new ExchangeError("TSA_BAD_RESPONSE", {
      detail: `token signature check failed (digest ${check.digestMatches}, signature ${check.signatureValid}, ESS ${check.essMatches})`,
    });
  }
  return parsed;
}

/**
 * Gets a checked timestamp token over a SignerInfo signature value: imprint = SHA-256 of the
 * signature OCTET STRING's value (RFC 3161 Appendix A). Any failure of a Tsa implementation that
 * is not already an ExchangeError is reported as TSA_UNAVAILABLE.
 */
export async function timestampSignatureValue(signature: Uint8Array, tsa: Tsa): Promise<Uint8Array> {
  const messageImprint = digest("sha256", signature);
  let token: Uint8Array;
  try {
    token = await tsa.timestamp(messageImprint, "sha256");
  } catch (error) {
    if (error instanceof ExchangeError) {
      throw error;
    }
    throw new ExchangeError("TSA_UNAVAILABLE", { detail: "the timestamp authority failed", cause: error });
  }
  checkTimestampToken(token, { messageImprint, hashAlgorithm: "sha256" });
  return token;
}

function assertImprintLength(imprint: Uint8Array, hashAlgorithm: HashAlgorithm): void {
  const expected = HASH_LENGTHS[hashAlgorithm];
  if (imprint.length !== expected) {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: `messageImprint for ${hashAlgorithm}: expected ${expected} bytes, got ${imprint.length}`,
    });
  }
}
