/**
 * A small OCSP responder (RFC 6960) for the demo PKI: answers for the certificates one CA issued,
 * signed by a delegated responder certificate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck).
 *
 * Hand-written rather than `openssl ocsp -port`: that one listens on every interface and exits on
 * the first malformed request (OpenSSL 3.0), neither acceptable for a server left running by
 * `npm start`. This one binds 127.0.0.1, answers a malformed request with `malformedRequest`, and
 * takes the statuses from a function (the demo PKI's manifest and CRL).
 */
import { createHash, createPrivateKey, type KeyObject, sign } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  bytesEqual,
  children,
  type DerElement,
  decodeDer,
  decodeOid,
  encodeBitString,
  encodeEnumerated,
  encodeExplicit,
  encodeGeneralizedTime,
  encodeImplicit,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  expectTag,
  integerHex,
  isContext,
  TAG,
} from "../shared/asn1/der.ts";
import { OID } from "../shared/asn1/oids.ts";
import { type Certificate, parseCertificate } from "../shared/pki/certificate.ts";
import { CRL_REASONS } from "../shared/pki/crl.ts";
import { publicKeyHash } from "../shared/pki/ocsp.ts";
import { signatureAlgorithm } from "./pki.ts";

/** What the responder says about one serial number of the CA's. */
export type OcspStatus =
  | { readonly status: "good" }
  | { readonly status: "revoked"; readonly revokedAt: Date; readonly reason?: string }
  | { readonly status: "unknown" };

export interface OcspResponderOptions {
  /** The CA whose certificates are answered for (PEM); any other issuer gets "unknown". */
  readonly issuerPem: string;
  /** The responder's certificate (issued by that CA, EKU OCSPSigning) and its private key (PEM). */
  readonly responderCertPem: string;
  readonly responderKeyPem: string;
  /** The status of a serial number (lowercase hex, as Certificate.serialNumberHex). */
  readonly statusOf: (serialNumberHex: string) => OcspStatus;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** How long an answer may be cached (nextUpdate − thisUpdate). Default 1 hour. */
  readonly validityMs?: number;
}

export interface OcspResponder {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const OID_BASIC = "1.3.6.1.5.5.7.48.1.1";
const OID_NONCE = "1.3.6.1.5.5.7.48.1.2";
const HASHES: Readonly<Record<string, string>> = { [OID.sha1]: "sha1", [OID.sha256]: "sha256" };
/** Real requests are a few hundred bytes. */
const MAX_REQUEST_BYTES = 16 * 1024;

/** RFC 6960 §4.2.1 OCSPResponseStatus values used here. */
const MALFORMED_REQUEST = 1;
const INTERNAL_ERROR = 2;

interface Responder {
  readonly issuer: Certificate;
  readonly certificate: Certificate;
  readonly key: KeyObject;
  readonly statusOf: OcspResponderOptions["statusOf"];
  readonly validityMs: number;
}

/** An OCSPResponse with only a (non-successful) status. */
function statusOnly(status: number): Uint8Array {
  return encodeSequence(encodeEnumerated(status));
}

function certStatus(status: OcspStatus): Uint8Array {
  switch (status.status) {
    case "good":
      return encodeImplicit(0, new Uint8Array(0)); // [0] IMPLICIT NULL
    case "unknown":
      return encodeImplicit(2, new Uint8Array(0));
    case "revoked": {
      const reason = status.reason === undefined ? -1 : CRL_REASONS.indexOf(status.reason as never);
      return encodeImplicit(
        1,
        Buffer.concat([
          encodeGeneralizedTime(status.revokedAt),
          ...(reason >= 0 ? [encodeExplicit(0, encodeEnumerated(reason))] : []),
        ]),
        true,
      );
    }
  }
}

/** Answers one DER OCSPRequest (RFC 6960 §4.1.1) with a DER OCSPResponse (§4.2.1). */
function answerOcspRequest(responder: Responder, request: Uint8Array, now = new Date()): Uint8Array {
  let requests: DerElement[];
  let nonce: Uint8Array | undefined;
  try {
    const [tbs] = children(expectTag(decodeDer(request), TAG.SEQUENCE, "OCSPRequest"));
    const fields = children(expectTag(tbs, TAG.SEQUENCE, "TBSRequest"));
    const list = fields.find((field) => field.tag === TAG.SEQUENCE);
    requests = children(expectTag(list, TAG.SEQUENCE, "requestList"));
    const extensions = fields.find((field) => isContext(field, 2));
    for (const extension of extensions ? children(children(extensions)[0]!) : []) {
      const [oid, value] = children(extension);
      if (oid && decodeOid(oid) === OID_NONCE && value) {
        nonce = value.content; // extnValue's content: the nonce's own OCTET STRING, echoed as it came
      }
    }
    if (requests.length === 0) {
      return statusOnly(MALFORMED_REQUEST);
    }
  } catch {
    return statusOnly(MALFORMED_REQUEST);
  }
  try {
    const singles = requests.map((single) => {
      const certId = expectTag(children(single)[0], TAG.SEQUENCE, "CertID");
      const [algorithm, nameHash, keyHash, serial] = children(certId);
      const hash = HASHES[decodeOid(children(expectTag(algorithm, TAG.SEQUENCE, "hashAlgorithm"))[0]!)];
      const ours =
        hash !== undefined &&
        bytesEqual(
          expectTag(nameHash, TAG.OCTET_STRING, "issuerNameHash").content,
          createHash(hash).update(responder.issuer.subjectDer).digest(),
        ) &&
        bytesEqual(
          expectTag(keyHash, TAG.OCTET_STRING, "issuerKeyHash").content,
          publicKeyHash(responder.issuer, hash),
        );
      const serialHex = integerHex(expectTag(serial, TAG.INTEGER, "serialNumber"));
      const status: OcspStatus = ours ? responder.statusOf(serialHex) : { status: "unknown" };
      return encodeSequence(
        certId.bytes,
        certStatus(status),
        encodeGeneralizedTime(now),
        encodeExplicit(0, encodeGeneralizedTime(new Date(now.getTime() + responder.validityMs))),
      );
    });
    const responseData = encodeSequence(
      // responderID byKey [2] EXPLICIT KeyHash
      encodeExplicit(2, encodeOctetString(publicKeyHash(responder.certificate))),
      encodeGeneralizedTime(now),
      encodeSequence(...singles),
      ...(nonce
        ? [encodeExplicit(1, encodeSequence(encodeSequence(encodeOid(OID_NONCE), encodeOctetString(nonce))))]
        : []),
    );
    const algorithm = signatureAlgorithm(responder.key);
    const basic = encodeSequence(
      responseData,
      algorithm.identifier,
      encodeBitString(sign(algorithm.hash, responseData, responder.key)),
      encodeExplicit(0, encodeSequence(responder.certificate.der)),
    );
    return encodeSequence(
      encodeEnumerated(0),
      encodeExplicit(0, encodeSequence(encodeOid(OID_BASIC), encodeOctetString(basic))),
    );
  } catch {
    return statusOnly(MALFORMED_REQUEST);
  }
}

/** The request of a POST body, or of a GET path (RFC 6960 Appendix A.1: base64 of the DER, URL-encoded). */
async function readRequest(req: IncomingMessage): Promise<Uint8Array | undefined> {
  if (req.method === "GET") {
    const path = (req.url ?? "/").replace(/^\/+/, "");
    try {
      return new Uint8Array(Buffer.from(decodeURIComponent(path), "base64"));
    } catch {
      return undefined;
    }
  }
  if (req.method !== "POST") {
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) {
      return undefined;
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Starts the responder; it answers until `close()`.
 *
 * @example
 * const ocsp = await startOcspResponder({ issuerPem, responderCertPem, responderKeyPem, statusOf: () => ({ status: "good" }) });
 */
export async function startOcspResponder(options: OcspResponderOptions): Promise<OcspResponder> {
  const responder: Responder = {
    issuer: parseCertificate(options.issuerPem),
    certificate: parseCertificate(options.responderCertPem),
    key: createPrivateKey(options.responderKeyPem),
    statusOf: options.statusOf,
    validityMs: options.validityMs ?? 3_600_000,
  };
  const server: Server = createServer((req, res) => {
    readRequest(req).then(
      (request) => {
        const body = request ? answerOcspRequest(responder, request) : statusOnly(MALFORMED_REQUEST);
        res.writeHead(200, { "content-type": "application/ocsp-response" }).end(body);
      },
      () =>
        res.writeHead(200, { "content-type": "application/ocsp-response" }).end(statusOnly(INTERNAL_ERROR)),
    );
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
