/**
 * Collects the checks of one signature and derives its indication: the worst failure wins
 * (TOTAL_FAILED before INDETERMINATE), and within one indication the sub-indication that comes first
 * in the ETSI EN 319 102-1 §5.1.3 order below (format before hash before crypto, …).
 */
import type { Check, CheckName, Indication, SubIndication } from "./report.ts";

const PRIORITY: readonly SubIndication[] = [
  "FORMAT_FAILURE",
  "HASH_FAILURE",
  "SIG_CRYPTO_FAILURE",
  "REVOKED",
  "EXPIRED",
  "NOT_YET_VALID",
  "NO_SIGNING_CERTIFICATE_FOUND",
  "NO_CERTIFICATE_CHAIN_FOUND",
  "CRYPTO_CONSTRAINTS_FAILURE",
  "CHAIN_CONSTRAINTS_FAILURE",
  "SIG_CONSTRAINTS_FAILURE",
  "TIMESTAMP_ORDER_FAILURE",
  "TRY_LATER",
];

interface Failure {
  readonly indication: Exclude<Indication, "TOTAL_PASSED">;
  readonly subIndication: SubIndication;
}

export class Outcome {
  readonly checks: Check[] = [];
  readonly #failures: Failure[] = [];

  passed(name: CheckName, code: string, detail?: string): void {
    this.checks.push({ name, status: "passed", code, ...(detail ? { detail } : {}) });
  }

  skipped(name: CheckName, code: string, detail?: string): void {
    this.checks.push({ name, status: "skipped", code, ...(detail ? { detail } : {}) });
  }

  /** A check that could not be decided; `failure` when that blocks TOTAL_PASSED. */
  unknown(name: CheckName, code: string, detail: string, failure?: Failure): void {
    this.checks.push({ name, status: "unknown", code, detail });
    if (failure) {
      this.#failures.push(failure);
    }
  }

  failed(
    name: CheckName,
    code: string,
    indication: Failure["indication"],
    subIndication: SubIndication,
    detail: string,
  ): void {
    this.checks.push({ name, status: "failed", code, detail });
    this.#failures.push({ indication, subIndication });
  }

  get hasFailures(): boolean {
    return this.#failures.length > 0;
  }

  result(): { readonly indication: Indication; readonly subIndication?: SubIndication } {
    if (this.#failures.length === 0) {
      return { indication: "TOTAL_PASSED" };
    }
    const rank = (f: Failure): number =>
      (f.indication === "TOTAL_FAILED" ? 0 : 100) + PRIORITY.indexOf(f.subIndication);
    const worst = [...this.#failures].sort((a, b) => rank(a) - rank(b))[0]!;
    return { indication: worst.indication, subIndication: worst.subIndication };
  }
}
