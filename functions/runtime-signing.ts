import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RuntimeConfig } from "../shared/config.ts";
import { LetterSigning } from "../shared/exchange/letter-signing.ts";
import { HttpTsa } from "../shared/signing/http-tsa.ts";
import { KmsOrganSigners, type OrganSigners, Pkcs12OrganSigners } from "../shared/signing/organ-signers.ts";
import type { DynamoLedger } from "../shared/storage/dynamo-ledger.ts";
import { baseRuntime, lazily } from "./runtime.ts";
import { documentStore } from "./runtime-documents.ts";

/** Sealing and two-phase signing: the PDF writer, CMS, fonts and the organ's key (KMS or PKCS#12). */
export const letterSigning = lazily(async (): Promise<LetterSigning> => {
  const { config, ledger } = baseRuntime();
  const signers = await organSigners(config, ledger);
  const fonts = config.fontDir
    ? {
        regular: await readFile(join(config.fontDir, "LiberationSerif-Regular.ttf")),
        bold: await readFile(join(config.fontDir, "LiberationSerif-Bold.ttf")),
      }
    : undefined;
  return new LetterSigning({
    ledger,
    documents: documentStore(),
    ...(signers ? { signers } : {}),
    ...(config.tsaUrl ? { tsa: new HttpTsa({ url: config.tsaUrl }) } : {}),
    ...(fonts ? { fonts } : {}),
  });
});

async function organSigners(config: RuntimeConfig, ledger: DynamoLedger): Promise<OrganSigners | undefined> {
  if (config.signing?.mode === "pkcs12") {
    return new Pkcs12OrganSigners(config.signing.pkiDir);
  }
  if (config.signing?.mode === "kms") {
    // Loaded here so that a local run without KMS never loads the client.
    const { KMSClient } = await import("@aws-sdk/client-kms");
    return new KmsOrganSigners(
      new KMSClient({ region: config.region }),
      (organ) => ledger.organSigner(organ),
      config.signing.defaultKeyId,
    );
  }
  return undefined; // no SIGNER_MODE: two-phase signing only
}
