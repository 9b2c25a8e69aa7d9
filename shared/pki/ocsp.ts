/**
 * OCSP (RFC 6960): requests built and responses walked with the DER toolkit (./der.ts),
 * checked for the responder's signature and authorisation (§4.2.2.2), the nonce (§4.4.1, RFC 8954),
 * the time window (§4.2.2.1) and the certificate status.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  bytesEqual,
  children,
  type DerElement,
  decodeDer,
  decodeOid,
  decodeSmallInteger,
  decodeTime,
  encodeExplicit,
  encodeNull,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  expectTag,
  integerHex,
  TAG,
} from "../asn1/der.ts";
import { OID } from "../asn1/oids.ts";
import { ExchangeError } from "../errors/index.ts";
import type { Certificate } from "./certificate.ts";
import { parseCertificate } from "./certificate.ts";
import { couldHaveIssued, isSignedBy, verifySignatureValue } from "./chain.ts";
import { reasonName } from "./crl.ts";

const OID_SHA1 = OID.sha1;
const OID_SHA256 = OID.sha256;
const OID_NONCE = "1.3.6.1.5.5.7.48.1.2";
const OID_BASIC = "1.3.6.1.5.5.7.48.1.1";
/** id-kp-OCSPSigning (RFC 6960 §4.2.2.2). */
export const OID_OCSP_SIGNING = "1.3.6.1.5.5.7.3.9";
const HASH_NAMES: Readonly<Record<string, string>> = { [OID_SHA1]: "sha1", [OID_SHA256]: "sha256" };

/** SHA-1 (default) of the subjectPublicKey BIT STRING contents, without the unused-bits octet (RFC 6960 §4.1.1 KeyHash). */
export function publicKeyHash(certificate: Certificate, algorithm = "sha1"): Uint8Array {
  const [, bits] = children(decodeDer(certificate.spkiDer));
  const key = expectTag(bits, TAG.BIT_STRING, "subjectPublicKey");
  return new Uint8Array(createHash(algorithm).update(key.content.subarray(1)).digest());
}

/** The fields of an RFC 6960 CertID, hashed with `hashName`. */
export interface CertId {
  readonly hashAlgorithm: string;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  readonly serialNumberHex: string;
}

/** CertID of `certificate` (RFC 6960 §4.1.1): hash of the issuer's name DER and of its key BIT STRING. */
export function certIdFor(certificate: Certificate, issuer: Certificate, hashName = "sha1"): CertId {
  return {
    hashAlgorithm: hashName,
    issuerNameHash: new Uint8Array(createHash(hashName).update(certificate.issuerDer).digest()),
    issuerKeyHash: publicKeyHash(issuer, hashName),
    serialNumberHex: certificate.serialNumberHex,
  };
}

export interface OcspRequest {
  readonly der: Uint8Array;
  readonly nonce?: Uint8Array;
  readonly certId: CertId;
}

/**
 * Builds a DER OCSPRequest for one certificate (RFC 6960 §4.1.1): CertID with SHA-1 (the hash every
 * responder supports), and a 16-byte nonce extension (RFC 8954) unless `nonce: false`.
 *
 * @example
 * const request = buildOcspRequest(leaf, intermediate);
 * const answer = await fetcher.fetch(leaf.ocspUrls[0], request.der);
 */
export function buildOcspRequest(
  certificate: Certificate,
  issuer: Certificate,
  options: { readonly nonce?: boolean | Uint8Array } = {},
): OcspRequest {
  const certId = certIdFor(certificate, issuer, "sha1");
  const certIdDer = encodeSequence(
    encodeSequence(encodeOid(OID_SHA1), encodeNull()),
    encodeOctetString(certId.issuerNameHash),
    encodeOctetString(certId.issuerKeyHash),
    certificate.serialNumberDer,
  );
  // TBSRequest: requestList SEQUENCE OF Request { reqCert CertID }.
  const tbsFields = [encodeSequence(encodeSequence(certIdDer))];
  const nonce =
    options.nonce === false
      ? undefined
      : options.nonce instanceof Uint8Array
        ? options.nonce
        : new Uint8Array(randomBytes(16));
  if (nonce) {
    // requestExtensions [2] EXPLICIT Extensions; the nonce value is an OCTET STRING inside extnValue (RFC 8954 §2.1).
    tbsFields.push(
      encodeExplicit(
        2,
        encodeSequence(encodeSequence(encodeOid(OID_NONCE), encodeOctetString(encodeOctetString(nonce)))),
      ),
    );
  }
  const der = encodeSequence(encodeSequence(...tbsFields));
  return { der, ...(nonce ? { nonce } : {}), certId };
}

export interface OcspSingleResponse {
  readonly certId: CertId;
  readonly status: "good" | "revoked" | "unknown";
  readonly revocationTime?: Date;
  readonly reason?: string;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

/** A parsed OCSPResponse; byte fields are views into the input. */
export interface OcspResponse {
  /** RFC 6960 §4.2.1 OCSPResponseStatus: 0 successful, 1 malformedRequest, 2 internalError, 3 tryLater, 5 sigRequired, 6 unauthorized. */
  readonly responseStatus: number;
  readonly tbsResponseDataDer?: Uint8Array;
  readonly responderId?: { readonly byName: Uint8Array } | { readonly byKey: Uint8Array };
  readonly producedAt?: Date;
  readonly responses: readonly OcspSingleResponse[];
  readonly nonce?: Uint8Array;
  readonly signatureAlgorithmOid?: string;
  readonly signatureAlgorithmDer?: Uint8Array;
  readonly signatureValue?: Uint8Array;
  readonly certificates: readonly Certificate[];
}

function parseCertId(element: DerElement | undefined): CertId {
  const [algorithm, nameHash, keyHash, serial] = children(expectTag(element, TAG.SEQUENCE, "CertID"));
  const oid = decodeOid(children(expectTag(algorithm, TAG.SEQUENCE, "hashAlgorithm"))[0]!);
  return {
    hashAlgorithm: HASH_NAMES[oid] ?? oid,
    issuerNameHash: expectTag(nameHash, TAG.OCTET_STRING, "issuerNameHash").content,
    issuerKeyHash: expectTag(keyHash, TAG.OCTET_STRING, "issuerKeyHash").content,
    serialNumberHex: integerHex(expectTag(serial, TAG.INTEGER, "serialNumber")),
  };
}

function parseSingleResponse(element: DerElement): OcspSingleResponse {
  const [certIdElement, statusElement, thisUpdateElement, ...rest] = children(element);
  const certId = parseCertId(certIdElement);
  if (!statusElement || !thisUpdateElement) {
    throw new Error("SingleResponse lacks certStatus or thisUpdate");
  }
  let status: OcspSingleResponse["status"];
  let revocationTime: Date | undefined;
  let reason: string | undefined;
  if (statusElement.tag === 0x80) {
    status = "good";
  } else if (statusElement.tag === 0xa1) {
    status = "revoked";
    const [time, reasonElement] = children(statusElement);
    revocationTime = decodeTime(expectTag(time, TAG.GENERALIZED_TIME, "revocationTime"));
    if (reasonElement?.tag === 0xa0) {
      reason = reasonName(children(reasonElement)[0]!);
    }
  } else if (statusElement.tag === 0x82 || statusElement.tag === 0xa2) {
    status = "unknown";
  } else {
    throw new Error(`unknown certStatus tag 0x${statusElement.tag.toString(16)}`);
  }
  const nextUpdateElement = rest.find((child) => child.tag === 0xa0);
  const nextUpdate = nextUpdateElement ? decodeTime(children(nextUpdateElement)[0]!) : undefined;
  return {
    certId,
    status,
    ...(revocationTime ? { revocationTime } : {}),
    ...(reason ? { reason } : {}),
    thisUpdate: decodeTime(expectTag(thisUpdateElement, TAG.GENERALIZED_TIME, "thisUpdate")),
    ...(nextUpdate ? { nextUpdate } : {}),
  };
}

/**
 * Parses a DER OCSPResponse (RFC 6960 §4.2.1). Throws ExchangeError OCSP_MALFORMED.
 *
 * @example
 * const response = parseOcspResponse(answer);
 */
export function parseOcspResponse(der: Uint8Array): OcspResponse {
  try {
    const outer = expectTag(decodeDer(der), TAG.SEQUENCE, "OCSPResponse");
    const [statusElement, bytesElement] = children(outer);
    const responseStatus = decodeSmallInteger(expectTag(statusElement, TAG.ENUMERATED, "responseStatus"));
    if (responseStatus !== 0 || !bytesElement) {
      return { responseStatus, responses: [], certificates: [] };
    }
    const [typeElement, octetElement] = children(
      expectTag(children(expectTag(bytesElement, 0xa0, "responseBytes"))[0], TAG.SEQUENCE, "ResponseBytes"),
    );
    const type = decodeOid(expectTag(typeElement, TAG.OID, "responseType"));
    if (type !== OID_BASIC) {
      throw new Error(`expected id-pkix-ocsp-basic, got ${type}`);
    }
    const basic = decodeDer(expectTag(octetElement, TAG.OCTET_STRING, "response").content);
    const [tbs, algorithm, signature, certsElement] = children(
      expectTag(basic, TAG.SEQUENCE, "BasicOCSPResponse"),
    );
    const tbsElement = expectTag(tbs, TAG.SEQUENCE, "ResponseData");
    const algorithmElement = expectTag(algorithm, TAG.SEQUENCE, "signatureAlgorithm");
    const signatureElement = expectTag(signature, TAG.BIT_STRING, "signature");

    const fields = children(tbsElement);
    let index = 0;
    if (fields[index]?.tag === 0xa0) {
      index++; // version
    }
    const responderElement = fields[index++];
    let responderId: OcspResponse["responderId"];
    if (responderElement?.tag === 0xa1) {
      responderId = { byName: expectTag(children(responderElement)[0], TAG.SEQUENCE, "byName").bytes };
    } else if (responderElement?.tag === 0xa2) {
      responderId = { byKey: expectTag(children(responderElement)[0], TAG.OCTET_STRING, "byKey").content };
    } else {
      throw new Error("expected a ResponderID");
    }
    const producedAt = decodeTime(expectTag(fields[index++], TAG.GENERALIZED_TIME, "producedAt"));
    const responses = children(expectTag(fields[index++], TAG.SEQUENCE, "responses")).map(
      parseSingleResponse,
    );
    let nonce: Uint8Array | undefined;
    const extensionsElement = fields[index];
    if (extensionsElement?.tag === 0xa1) {
      for (const extension of children(
        expectTag(children(extensionsElement)[0], TAG.SEQUENCE, "responseExtensions"),
      )) {
        const parts = children(extension);
        if (decodeOid(parts[0]!) !== OID_NONCE) {
          continue;
        }
        const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, "extnValue").content;
        // RFC 8954: an OCTET STRING inside extnValue; some responders put the raw bytes directly.
        let inner: DerElement | undefined;
        try {
          inner = decodeDer(value);
        } catch {
          inner = undefined;
        }
        nonce = inner?.tag === TAG.OCTET_STRING ? inner.content : value;
      }
    }
    const certificates: Certificate[] = [];
    if (certsElement?.tag === 0xa0) {
      for (const certificate of children(expectTag(children(certsElement)[0], TAG.SEQUENCE, "certs"))) {
        certificates.push(parseCertificate(certificate.bytes));
      }
    }
    return {
      responseStatus,
      tbsResponseDataDer: tbsElement.bytes,
      responderId,
      producedAt,
      responses,
      ...(nonce ? { nonce } : {}),
      signatureAlgorithmOid: decodeOid(children(algorithmElement)[0]!),
      signatureAlgorithmDer: algorithmElement.bytes,
      signatureValue: signatureElement.content.subarray(1),
      certificates,
    };
  } catch (cause) {
    if (cause instanceof ExchangeError && cause.code === "OCSP_MALFORMED") {
      throw cause;
    }
    throw new ExchangeError("OCSP_MALFORMED", {
      detail: `expected an RFC 6960 OCSPResponse: ${(cause as Error).message}`,
      cause,
    });
  }
}

export interface OcspCheck {
  /** "unknown" also when the answer cannot be trusted (then `problems` says why). */
  readonly status: "good" | "revoked" | "unknown";
  readonly problems: readonly string[];
  readonly revocationTime?: Date;
  readonly reason?: string;
  readonly thisUpdate?: Date;
  readonly nextUpdate?: Date;
  readonly producedAt?: Date;
  /** The certificate that signed the response. */
  readonly responder?: Certificate;
}

export interface CheckOcspOptions {
  /** Current time, for the freshness window. */
  readonly now: Date;
  /** The nonce sent; a response carrying a different one is rejected. */
  readonly nonce?: Uint8Array;
  /** Allowed clock skew, default 5 minutes. */
  readonly skewMs?: number;
  /** Oldest acceptable thisUpdate when the response has no nextUpdate; default 24 hours. */
  readonly maxAgeMs?: number;
}

function matchesResponder(response: OcspResponse, candidate: Certificate): boolean {
  const id = response.responderId;
  if (!id) {
    return false;
  }
  if ("byName" in id) {
    return bytesEqual(id.byName, candidate.subjectDer);
  }
  return bytesEqual(id.byKey, publicKeyHash(candidate));
}

/**
 * Checks an OCSP response about `certificate` (issued by `issuer`): signed by the issuer itself or by a
 * responder certificate the issuer issued with id-kp-OCSPSigning (RFC 6960 §4.2.2.2), nonce echoed,
 * thisUpdate not in the future and not stale (§4.2.2.1), CertID matching. Any failure gives status
 * "unknown" with the reasons: an untrusted answer is no answer.
 *
 * @example
 * const check = checkOcspResponse(parseOcspResponse(answer), leaf, intermediate, { now: new Date(), nonce });
 */
export function checkOcspResponse(
  response: OcspResponse,
  certificate: Certificate,
  issuer: Certificate,
  options: CheckOcspOptions,
): OcspCheck {
  if (response.responseStatus !== 0) {
    return {
      status: "unknown",
      problems: [`responder answered status ${response.responseStatus} (not successful)`],
    };
  }
  const candidates = [issuer, ...response.certificates];
  const responder = candidates.find((candidate) => matchesResponder(response, candidate));
  if (!responder) {
    return {
      status: "unknown",
      problems: ["the responder's certificate is neither the issuer nor included"],
    };
  }
  const problems: string[] = [];
  const isIssuer =
    responder.sha256 === issuer.sha256 ||
    (bytesEqual(responder.subjectDer, issuer.subjectDer) &&
      bytesEqual(publicKeyHash(responder), publicKeyHash(issuer)));
  if (!isIssuer) {
    if (!couldHaveIssued(issuer, responder) || !isSignedBy(responder, issuer)) {
      problems.push("the responder certificate was not issued by the certificate's issuer");
    }
    if (!responder.extendedKeyUsage.includes(OID_OCSP_SIGNING)) {
      problems.push("the responder certificate lacks extendedKeyUsage id-kp-OCSPSigning");
    }
    if (
      responder.notAfter.getTime() < options.now.getTime() ||
      responder.notBefore.getTime() > options.now.getTime()
    ) {
      problems.push("the responder certificate is outside its validity period");
    }
  }
  if (
    !response.tbsResponseDataDer ||
    !response.signatureValue ||
    !verifySignatureValue(
      response.tbsResponseDataDer,
      response.signatureAlgorithmOid ?? "",
      response.signatureValue,
      responder.publicKey,
      response.signatureAlgorithmDer,
    )
  ) {
    problems.push("the response signature does not verify with the responder's key");
  }
  if (options.nonce && response.nonce && !bytesEqual(options.nonce, response.nonce)) {
    problems.push("the response nonce differs from the request nonce (replay?)");
  }
  const single = response.responses.find((candidate) => {
    const hashName = candidate.certId.hashAlgorithm;
    if (hashName !== "sha1" && hashName !== "sha256") {
      return false;
    }
    const expected = certIdFor(certificate, issuer, hashName);
    return (
      candidate.certId.serialNumberHex === expected.serialNumberHex &&
      bytesEqual(candidate.certId.issuerNameHash, expected.issuerNameHash) &&
      bytesEqual(candidate.certId.issuerKeyHash, expected.issuerKeyHash)
    );
  });
  if (!single) {
    problems.push("the response has no status for this certificate");
    return { status: "unknown", problems, responder };
  }
  const skew = options.skewMs ?? 300_000;
  const now = options.now.getTime();
  if (single.thisUpdate.getTime() > now + skew) {
    problems.push(`thisUpdate ${single.thisUpdate.toISOString()} is in the future`);
  }
  if (single.nextUpdate) {
    if (single.nextUpdate.getTime() < now - skew) {
      problems.push(`the response expired at nextUpdate ${single.nextUpdate.toISOString()}`);
    }
  } else if (single.thisUpdate.getTime() < now - (options.maxAgeMs ?? 86_400_000)) {
    problems.push(`the response (thisUpdate ${single.thisUpdate.toISOString()}) is too old`);
  }
  const details = {
    thisUpdate: single.thisUpdate,
    ...(single.nextUpdate ? { nextUpdate: single.nextUpdate } : {}),
    ...(response.producedAt ? { producedAt: response.producedAt } : {}),
    responder,
  };
  if (problems.length > 0) {
    return { status: "unknown", problems, ...details };
  }
  return {
    status: single.status,
    problems,
    ...(single.revocationTime ? { revocationTime: single.revocationTime } : {}),
    ...(single.reason ? { reason: single.reason } : {}),
    ...details,
  };
}
