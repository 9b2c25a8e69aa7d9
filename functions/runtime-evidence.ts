import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Signer, Tsa } from "../shared/cms/ports.ts";
import { ExchangeError } from "../shared/errors/index.ts";
import { Audit } from "../shared/exchange/audit.ts";
import { Receipts } from "../shared/exchange/receipts.ts";
import type { DemoPkiManifest } from "../shared/pki/pki-directory.ts";
import { HttpTsa } from "../shared/signing/http-tsa.ts";
import { KmsOrganSigners, Pkcs12OrganSigners } from "../shared/signing/organ-signers.ts";
import { baseRuntime, lazily } from "./runtime.ts";
import { documentStore } from "./runtime-documents.ts";
import { eventStore } from "./runtime-lifecycle.ts";

/**
 * The exchange's own evidence key, through cms's Signer port: it signs receipts and the daily
 * seals. In AWS its own KMS key (`EXCHANGE_KEY_ID`: the stack's evidence key, apart from the organs') whose
 * certificate chain is the organ-signer record of `EXCHANGE_SIGNER_ORGAN` (default `exchange`) in
 * the table. Locally (demo PKI) the organisation certificate of `EXCHANGE_SIGNER_ORGAN`, by default
 * the first organ of the PKI (the province's people's committee, which runs the provincial
 * exchange): it chains to the demo root, so `openssl cms -verify` and `lienthong verify` accept
 * its receipts with the root the letters are checked with.
 */
export const exchangeSigner = lazily(async (): Promise<Signer> => {
  const { config, ledger } = baseRuntime();
  const organ = process.env["EXCHANGE_SIGNER_ORGAN"];
  if (config.signing?.mode === "pkcs12") {
    const { pkiDir } = config.signing;
    return new Pkcs12OrganSigners(pkiDir).signerFor(organ ?? (await firstOrganisation(pkiDir)));
  }
  if (config.signing?.mode === "kms") {
    const { KMSClient } = await import("@aws-sdk/client-kms");
    return new KmsOrganSigners(
      new KMSClient({ region: config.region }),
      (code) => ledger.organSigner(code),
      process.env["EXCHANGE_KEY_ID"],
    ).signerFor(organ ?? "exchange");
  }
  throw new ExchangeError("SEAL_NOT_AVAILABLE", {
    detail: "no exchange signing key is configured (SIGNER_MODE)",
  });
});

async function firstOrganisation(pkiDir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(pkiDir, "manifest.json"), "utf8")) as DemoPkiManifest;
  const entry = manifest.entries.find((candidate) => candidate.role === "organisation" && !candidate.revoked);
  if (!entry) {
    throw new ExchangeError("SEAL_NOT_AVAILABLE", { detail: "the demo PKI has no organisation certificate" });
  }
  return entry.organCode;
}

const tsa = lazily((): Tsa | undefined => {
  const { tsaUrl } = baseRuntime().config;
  return tsaUrl ? new HttpTsa({ url: tsaUrl }) : undefined;
});

/** Receipts, signed on request with the exchange's key. */
export const receipts = lazily(
  (): Receipts =>
    new Receipts({ ledger: baseRuntime().ledger, events: eventStore(), signer: exchangeSigner }),
);

/** The daily seal and the letter audit: table, the evidence prefix of the bucket, key and TSA. */
export const audit = lazily((): Audit => {
  const timestamps = tsa();
  return new Audit({
    ledger: baseRuntime().ledger,
    events: eventStore(),
    documents: documentStore(),
    signer: exchangeSigner,
    ...(timestamps ? { tsa: timestamps } : {}),
  });
});
