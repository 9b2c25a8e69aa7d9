/**
 * One-step CAdES-BES / PAdES B-B signing through the Signer port; B-T (CAdES-T) when a TSA is
 * given (ETSI EN 319 122-1 §5.3, EN 319 142-1 §6.3).
 */
import { ExchangeError } from "../errors/index.ts";
import type { HashAlgorithm } from "./algorithms.ts";
import type { Signer, Tsa } from "./ports.ts";
import { checkPreparedSignature, finishCmsSignature, prepareCmsSignature } from "./prepare-cms-signature.ts";

/** Input of {@link createCmsSignature}. */
export interface CreateCmsSignatureOptions {
  /** Digest of the signed content under `hashAlgorithm`. */
  readonly contentDigest: Uint8Array;
  /** Default "sha256". */
  readonly hashAlgorithm?: HashAlgorithm;
  readonly signer: Signer;
  /** When given, the signature value is timestamped (B-T); a TSA failure yields an error and no CMS. */
  readonly tsa?: Tsa;
  /** eContentType; default id-data. */
  readonly contentType?: string;
}

/**
 * Signs a content digest: builds the signed attributes, asks the signer for a signature over
 * them, checks that signature against the signer's certificate (a KMS key or token that does
 * not belong to the certificate is caught here, as SIGNER_FAILED), optionally timestamps it,
 * and returns the DER ContentInfo of a detached SignedData.
 *
 * @example
 * const signer = SoftwareSigner.fromPkcs12(p12, password);
 * const contentDigest = createHash("sha256").update(file).digest();
 * const p7s = await createCmsSignature({ contentDigest, signer, tsa: new HttpTsa({ url }) });
 */
export async function createCmsSignature(options: CreateCmsSignatureOptions): Promise<Uint8Array> {
  const { signer } = options;
  const prepared = prepareCmsSignature({
    contentDigest: options.contentDigest,
    certificate: signer.certificate,
    chain: signer.chain,
    ...(options.hashAlgorithm ? { hashAlgorithm: options.hashAlgorithm } : {}),
    ...(options.contentType ? { contentType: options.contentType } : {}),
  });
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
    throw new ExchangeError("SIGNER_FAILED", { detail: "the signer threw an error", cause: error });
  }
  const signature = checkPreparedSignature(prepared, value);
  if (!signature) {
    throw new ExchangeError("SIGNER_FAILED", {
      detail: `the signer's ${value.length}-byte value does not verify with the public key of certificate ${prepared.certificate.serialNumberHex} (key and certificate do not belong together?)`,
    });
  }
  return finishCmsSignature(prepared, signature, options.tsa ? { tsa: options.tsa } : {});
}
