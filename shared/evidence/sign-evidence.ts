/**
 * Detached CAdES signatures over evidence documents (receipts, seals) through cms's Signer port.
 * Unlike a letter's CAdES-BES (whose time comes from a timestamp, shared/cms/signed-data.ts), the
 * exchange's own evidence carries a signing-time attribute (RFC 5652 §11.3): a receipt's claimed
 * time is then readable without a TSA. So the signed attributes are cms's (content-type,
 * message-digest, signing-certificate-v2) plus signing-time, re-sorted as DER SET OF requires;
 * signing, the key/certificate check, the optional timestamp and the assembly are cms's own.
 */
import {
  BER,
  children,
  encodeOid,
  encodeSequence,
  encodeSetOf,
  encodeTime,
  readElement,
} from "../asn1/der.ts";
import { digest, OID } from "../cms/algorithms.ts";
import type { Signer, Tsa } from "../cms/ports.ts";
import {
  checkPreparedSignature,
  finishCmsSignature,
  type PreparedCmsSignature,
  prepareCmsSignature,
} from "../cms/prepare-cms-signature.ts";
import { ExchangeError } from "../errors/index.ts";

/** Options of {@link signEvidence}. */
export interface SignEvidenceOptions {
  /** The exchange's own key (KMS in AWS, the demo PKI locally). */
  readonly signer: Signer;
  /** When given, the signature value is timestamped (CAdES-T); a TSA failure throws, nothing is signed. */
  readonly tsa?: Tsa;
  /** The signing-time attribute; default now. */
  readonly signingTime?: Date;
}

/**
 * Signs `content` (the canonical JSON bytes of a receipt or seal) with a detached CAdES signature
 * and returns the DER ContentInfo (.p7s). Always SHA-256.
 *
 * @example
 * const p7s = await signEvidence(receiptBytes, { signer: exchangeSigner });
 * // openssl cms -verify -binary -inform DER -in receipt.p7s -content receipt.json -CAfile root.pem
 */
export async function signEvidence(content: Uint8Array, options: SignEvidenceOptions): Promise<Uint8Array> {
  const { signer } = options;
  const base = prepareCmsSignature({
    contentDigest: digest("sha256", content),
    certificate: signer.certificate,
    chain: signer.chain,
  });
  const signedAttributes = withSigningTime(base.signedAttributes, options.signingTime ?? new Date());
  const prepared: PreparedCmsSignature = {
    ...base,
    signedAttributes,
    digestToSign: digest(base.hashAlgorithm, signedAttributes),
  };
  let value: Uint8Array;
  try {
    value = await signer.sign({
      hashAlgorithm: prepared.hashAlgorithm,
      digest: prepared.digestToSign,
      message: prepared.signedAttributes,
    });
  } catch (error) {
    if (error instanceof ExchangeError) {
      throw error;
    }
    throw new ExchangeError("SIGNER_FAILED", {
      detail: "the exchange's signer threw an error",
      cause: error,
    });
  }
  const signature = checkPreparedSignature(prepared, value);
  if (!signature) {
    throw new ExchangeError("SIGNER_FAILED", {
      detail: `the signer's value does not verify with certificate ${prepared.certificate.serialNumberHex} (key and certificate do not belong together?)`,
    });
  }
  return finishCmsSignature(prepared, signature, options.tsa ? { tsa: options.tsa } : {});
}

/** The DER SET OF Attribute with a signingTime attribute added (UTCTime through 2049, §11.3). */
function withSigningTime(signedAttributes: Uint8Array, time: Date): Uint8Array {
  const existing = children(readElement(signedAttributes, 0, BER)).map((element) => element.bytes);
  const signingTime = encodeSequence(encodeOid(OID.signingTimeAttr), encodeSetOf(encodeTime(time)));
  return encodeSetOf(...existing, signingTime);
}
