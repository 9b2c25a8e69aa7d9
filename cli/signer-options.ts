/**
 * The options `lienthong sign` and `lienthong sign-detached` share: the PKCS#12 key, its password,
 * the digest algorithm and the RFC 3161 timestamp authority.
 */
import { type HashAlgorithm, isHashAlgorithm } from "../shared/cms/algorithms.ts";
import { HttpTsa } from "../shared/signing/http-tsa.ts";
import { SoftwareSigner } from "../shared/signing/software-signer.ts";
import { positiveInteger, readInput, UsageError } from "./common.ts";

/** Environment variable read when --password is not given (keeps the password out of `ps`). */
export const PASSWORD_ENV = "LIENTHONG_P12_PASSWORD";

/** Default timeout of a timestamp request, in milliseconds. */
const DEFAULT_TSA_TIMEOUT_MS = 15_000;

/** parseArgs definitions of the shared options (their help lines stay in each command's usage). */
export const SIGNER_OPTIONS = {
  p12: { type: "string" },
  password: { type: "string" },
  tsa: { type: "string" },
  "tsa-timeout": { type: "string" },
  hash: { type: "string" },
} as const;

/** The shared options as parsed. */
export interface SignerArguments {
  readonly p12?: string | undefined;
  readonly password?: string | undefined;
  readonly tsa?: string | undefined;
  readonly "tsa-timeout"?: string | undefined;
  readonly hash?: string | undefined;
}

/** The shared options, checked. */
export interface SignerSettings {
  readonly p12Path: string;
  readonly password: string;
  /** Default sha256. */
  readonly hashAlgorithm: HashAlgorithm;
  readonly tsaUrl?: string;
  /** Default 15000. */
  readonly tsaTimeoutMs: number;
}

/**
 * Checks the shared options without touching any file: --p12 given, a password from --password
 * or $LIENTHONG_P12_PASSWORD, a known --hash, a positive --tsa-timeout and an http(s) --tsa.
 * Throws {@link UsageError}.
 */
export function signerSettings(values: SignerArguments): SignerSettings {
  if (!values.p12) {
    throw new UsageError("--p12 <file.p12> is required");
  }
  const password = values.password ?? process.env[PASSWORD_ENV];
  if (password === undefined) {
    throw new UsageError(`--password is required (or set ${PASSWORD_ENV})`);
  }
  const hashAlgorithm = values.hash ?? "sha256";
  if (!isHashAlgorithm(hashAlgorithm)) {
    throw new UsageError(`--hash: expected sha256, sha384 or sha512, got '${hashAlgorithm}'`);
  }
  const tsaTimeoutMs = positiveInteger(values["tsa-timeout"], "--tsa-timeout") ?? DEFAULT_TSA_TIMEOUT_MS;
  if (values.tsa !== undefined && !/^https?:\/\//i.test(values.tsa)) {
    throw new UsageError(`--tsa: expected an http(s) URL, got '${values.tsa}'`);
  }
  return {
    p12Path: values.p12,
    password,
    hashAlgorithm,
    tsaTimeoutMs,
    ...(values.tsa ? { tsaUrl: values.tsa } : {}),
  };
}

/**
 * Opens the PKCS#12 (KEY_MALFORMED on a wrong password) and makes the TSA client when --tsa was given.
 *
 * @example
 * const { signer, tsa } = await openSigner(signerSettings(values));
 */
export async function openSigner(
  settings: SignerSettings,
): Promise<{ readonly signer: SoftwareSigner; readonly tsa?: HttpTsa }> {
  const signer = SoftwareSigner.fromPkcs12(await readInput(settings.p12Path), settings.password);
  if (!settings.tsaUrl) {
    return { signer };
  }
  return { signer, tsa: new HttpTsa({ url: settings.tsaUrl, timeoutMs: settings.tsaTimeoutMs }) };
}
