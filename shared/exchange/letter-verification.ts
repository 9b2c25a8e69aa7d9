import { ExchangeError } from "../errors/index.ts";
import { parseCertificates } from "../pki/certificate.ts";
import { OcspCache, type RevocationFetcher } from "../pki/revocation.ts";
import { type TrustAnchors, trustAnchorsFrom } from "../pki/trust.ts";
import type { RevocationPolicy, ValidationOptions } from "../verification/options.ts";
import type { ValidationReport } from "../verification/report.ts";
import { summarise } from "../verification/summary.ts";
import { validateDetached } from "../verification/validate-detached.ts";
import { validatePdf } from "../verification/validate-pdf.ts";
import type { ExchangeLedger } from "./ports.ts";
import type { VerificationSummary } from "./types.ts";

export type { SendVerification, VerificationSummary } from "./types.ts";

export interface LetterVerifierOptions {
  readonly ledger: ExchangeLedger;
  /** Default "require": a signature whose revocation cannot be checked is INDETERMINATE. */
  readonly revocation?: RevocationPolicy;
  readonly fetcher?: RevocationFetcher;
  /** How long the trust anchors read from the table are reused; default 5 minutes. */
  readonly anchorsTtlMs?: number;
}

/**
 * Verifies letters against the exchange's trust anchors and organ directory (both in the table),
 * requiring every signer to be bound to the organ that claims to send.
 */
export class LetterVerifier {
  private anchors: { readonly anchors: TrustAnchors; readonly at: number } | undefined;
  /** A warm function reuses OCSP answers for a while (revocation.ts): not one request per letter. */
  private readonly ocspCache = new OcspCache();

  constructor(private readonly options: LetterVerifierOptions) {}

  async verify(pdf: Uint8Array, expectedOrganCode?: string): Promise<ValidationReport> {
    return validatePdf(pdf, await this.validationOptions(expectedOrganCode));
  }

  /** A file with its detached CAdES signature (an appendix), under the same trust and binding rules. */
  async verifyDetached(
    content: Uint8Array,
    p7s: Uint8Array,
    expectedOrganCode?: string,
  ): Promise<ValidationReport> {
    // A copy: the CMS parser reads the view's whole ArrayBuffer, and a store's read may hand back a
    // view into a pooled one (bytes at an offset are then misread as CMS_UNREADABLE).
    return validateDetached(content, new Uint8Array(p7s), await this.validationOptions(expectedOrganCode));
  }

  private async validationOptions(expectedOrganCode?: string): Promise<ValidationOptions> {
    const { ledger } = this.options;
    return {
      trustAnchors: await this.trustAnchors(),
      revocation: this.options.revocation ?? "require",
      ...(this.options.fetcher ? { fetcher: this.options.fetcher } : {}),
      ocspCache: this.ocspCache,
      ...(expectedOrganCode ? { expectedOrganCode } : {}),
      organDirectory: {
        isBound: (organCode, certificate) => ledger.isCertificateBound(organCode, certificate.sha256),
      },
    };
  }

  private async trustAnchors(): Promise<TrustAnchors> {
    const ttl = this.options.anchorsTtlMs ?? 300_000;
    if (!this.anchors || Date.now() - this.anchors.at > ttl) {
      const pems = await this.options.ledger.trustAnchors();
      try {
        this.anchors = {
          anchors: trustAnchorsFrom(pems.flatMap((pem) => parseCertificates(pem))),
          at: Date.now(),
        };
      } catch (cause) {
        // The exchange's configuration is broken, not the caller's letter.
        throw new ExchangeError("INTERNAL", { detail: "a trust anchor in the table cannot be read", cause });
      }
    }
    return this.anchors.anchors;
  }
}

export function summariseVerification(report: ValidationReport, reportKey?: string): VerificationSummary {
  return {
    verdict: report.verdict,
    checkedAt: report.validationTime,
    ...(reportKey ? { reportKey } : {}),
    signatures: report.signatures.map((signature) => ({
      ...(signature.signer?.name ? { name: signature.signer.name } : {}),
      ...(signature.signer?.organCode ? { organCode: signature.signer.organCode } : {}),
      indication: signature.indication,
      ...(signature.subIndication ? { subIndication: signature.subIndication } : {}),
    })),
    summary: { vi: summarise(report, "vi"), en: summarise(report, "en") },
  };
}
