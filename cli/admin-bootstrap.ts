/**
 * `npm run admin:bootstrap -- --table <name> --region <region> [--organ <code> [--name <Vietnamese name>]
 *  [--force] [--keep-policy]] [--exchange-certificate <chain.pem> [--exchange-key <KMS key>]] [--endpoint <url>]`
 * (at least one of --organ, --exchange-certificate)
 *
 * The first admin key of a fresh AWS deployment, written straight into its table with the
 * operator's own AWS credentials (the API cannot issue it: nobody holds a key yet). Puts the organ
 * in the directory if needed (`--name`), prints the key once (only its SHA-256 is stored), and
 * sets the recommended send policy if none is set. Refused while an admin key exists, unless
 * `--force`. Every step is an event of the admin audit chain (actor "bootstrap").
 *
 * `--exchange-certificate` registers the certificate chain the province's CA issued for the
 * exchange's evidence key (stack output EvidenceKeyArn) as organ signer `exchange`, which receipts
 * and audit seals are signed under (functions/runtime-evidence.ts). It is checked first
 * (shared/signing/exchange-certificate.ts): leaf first, each certificate signed by the next, the
 * leaf valid now, leading to one of the table's trust anchors if it has any, and, with
 * `--exchange-key`, certifying exactly that KMS key's public key (kms:GetPublicKey; the record then
 * names the key by its ARN). Usable alone (without `--organ`) when the certificate comes later.
 * The chain is checked before anything is written. The record is written as the runtime reads it,
 * with its `exchangeCertificate.registered` event in the admin chain (actor "bootstrap").
 *
 * `--exchange-csr <out.pem> --exchange-key <KMS key> --csr-common-name <CN> [--csr-organization <O>]
 * [--csr-organ-code <code>] --region <region>` writes the PKCS#10 request the CA certifies that key
 * from, signed by it through kms:Sign (shared/signing/certification-request.ts); no table needed.
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ExchangeError, isExchangeError } from "../shared/errors/index.ts";
import { bootstrapAdmin, registerExchangeCertificate } from "../shared/exchange/administration.ts";
import { toPem } from "../shared/pki/certificate.ts";
import { createCertificationRequest } from "../shared/signing/certification-request.ts";
import {
  checkEvidenceCertificate,
  type EvidenceCertificate,
  EXCHANGE_SIGNER_ORGAN,
} from "../shared/signing/exchange-certificate.ts";
import type { KmsSignClient } from "../shared/signing/kms-signer.ts";
import { DynamoAdminStore } from "../shared/storage/dynamo-admin.ts";
import { type KmsPublicKey, type KmsPublicKeyClient, kmsPublicKey, kmsSignDigest } from "./kms-key.ts";

const USAGE = [
  "usage: npm run admin:bootstrap -- --table <name> --region <region> (--organ <code> [--name <name>] [--force] [--keep-policy] | --exchange-certificate <chain.pem> [--exchange-key <KMS key id or ARN>]) [--endpoint <url>]",
  "       npm run admin:bootstrap -- --region <region> --exchange-csr <out.pem> --exchange-key <KMS key id or ARN> --csr-common-name <CN> [--csr-organization <O>] [--csr-organ-code <code>]",
].join("\n");

/** What tests replace: the KMS client (AWS KMS has no local emulator). */
export interface BootstrapDependencies {
  readonly kms?: KmsPublicKeyClient;
  /** For --exchange-csr. */
  readonly kmsSign?: KmsSignClient;
  /** Default: the current time. */
  readonly now?: Date;
}

export async function main(
  argv: readonly string[],
  dependencies: BootstrapDependencies = {},
): Promise<number> {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values["exchange-csr"] !== undefined) {
    return certificationRequest(values, dependencies);
  }
  const certificateFile = values["exchange-certificate"];
  if (!values.table || !values.region || !(values.organ || certificateFile)) {
    console.error(USAGE);
    return 2;
  }
  if (values["exchange-key"] && !certificateFile) {
    console.error(`--exchange-key goes with --exchange-certificate\n${USAGE}`);
    return 2;
  }
  const client = new DynamoDBClient({
    region: values.region,
    ...(values.endpoint
      ? { endpoint: values.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
  });
  try {
    const store = new DynamoAdminStore(client, values.table);
    // Checked before anything is written: a refused chain leaves the table as it was.
    const exchange = certificateFile
      ? await checkedExchangeCertificate(store, certificateFile, {
          keyId: values["exchange-key"],
          region: values.region,
          ...dependencies,
        })
      : undefined;
    if (values.organ) {
      const result = await bootstrapAdmin(store, {
        organCode: values.organ,
        ...(values.name ? { name: values.name } : {}),
        force: values.force ?? false,
        keepPolicy: values["keep-policy"] ?? false,
      });
      console.log(
        [
          result.organCreated
            ? `Organ ${values.organ} added to the directory.`
            : `Organ ${values.organ} was in the directory.`,
          result.policy
            ? `Send policy set to the recommended one: ${JSON.stringify(result.policy)} (change it with PUT /v1/admin/send-policy).`
            : "Send policy left as it was.",
          `Admin key id ${result.key.id}`,
          "",
          "The admin key (shown this once; the exchange keeps only its SHA-256):",
          "",
          `  ${result.secret}`,
          "",
        ].join("\n"),
      );
    }
    if (exchange) {
      await registerExchangeCertificate(
        store,
        EXCHANGE_SIGNER_ORGAN,
        {
          ...(exchange.keyArn ? { kmsKeyId: exchange.keyArn } : {}),
          certificatesPem: exchange.certificate.certificatesPem,
        },
        exchange.certificate.leaf,
      );
      console.log(describeRegistration(exchange));
    }
    return 0;
  } catch (error) {
    return refused(error);
  } finally {
    client.destroy();
  }
}

interface CheckedExchangeCertificate {
  readonly certificate: EvidenceCertificate;
  /** The KMS key it was checked against, by ARN; undefined when none was given. */
  readonly keyArn?: string;
}

async function checkedExchangeCertificate(
  store: DynamoAdminStore,
  file: string,
  options: BootstrapDependencies & { readonly keyId: string | undefined; readonly region: string },
): Promise<CheckedExchangeCertificate> {
  let pem: string;
  try {
    pem = await readFile(file, "utf8");
  } catch (cause) {
    throw new ExchangeError("VALIDATION_FAILED", {
      detail: `--exchange-certificate: cannot read ${file}`,
      cause,
    });
  }
  const key = options.keyId ? await publicKeyOf(options.keyId, options) : undefined;
  const anchors = (await store.listTrustAnchors()).map((anchor) => anchor.pem);
  const certificate = checkEvidenceCertificate(pem, {
    at: options.now ?? new Date(),
    anchors,
    ...(key ? { publicKeySpki: key.spkiDer } : {}),
  });
  return { certificate, ...(key ? { keyArn: key.keyArn } : {}) };
}

/** The key's public key, through the given client or one of the table's region (loaded only then). */
async function publicKeyOf(
  keyId: string,
  options: BootstrapDependencies & { readonly region: string },
): Promise<KmsPublicKey> {
  if (options.kms) {
    return kmsPublicKey(options.kms, keyId);
  }
  const { KMSClient } = await import("@aws-sdk/client-kms");
  const client = new KMSClient({ region: options.region });
  try {
    return await kmsPublicKey(client, keyId);
  } finally {
    client.destroy();
  }
}

function describeRegistration({ certificate, keyArn }: CheckedExchangeCertificate): string {
  const { leaf, chain } = certificate;
  return [
    `Exchange evidence certificate registered as organ signer "${EXCHANGE_SIGNER_ORGAN}":`,
    `  ${leaf.subject.text}`,
    `  issued by ${leaf.issuer.text}, valid until ${leaf.notAfter.toISOString()}, SHA-256 ${leaf.sha256}`,
    `  with ${chain.length} issuer certificate(s)`,
    keyArn
      ? `  for KMS key ${keyArn} (its public key matches the certificate's)`
      : "  not checked against a KMS key (pass --exchange-key <EvidenceKeyArn> to check): receipts and seals are signed with EXCHANGE_KEY_ID",
    "",
  ].join("\n");
}

/** --exchange-csr: the KMS key's certification request, written as PEM. */
async function certificationRequest(
  values: ReturnType<typeof parse>["values"],
  dependencies: BootstrapDependencies,
): Promise<number> {
  const { region, "exchange-key": keyId, "exchange-csr": file, "csr-common-name": commonName } = values;
  if (!region || !keyId || !file || !commonName || values.organ || values["exchange-certificate"]) {
    console.error(
      `--exchange-csr takes --region, --exchange-key and --csr-common-name, and no --organ or --exchange-certificate\n${USAGE}`,
    );
    return 2;
  }
  const { KMSClient } = await import("@aws-sdk/client-kms");
  let own: InstanceType<typeof KMSClient> | undefined;
  const client = () => {
    own ??= new KMSClient({ region });
    return own;
  };
  try {
    const key = await kmsPublicKey(dependencies.kms ?? client(), keyId);
    const der = await createCertificationRequest({
      subject: {
        commonName,
        ...(values["csr-organization"] ? { organization: values["csr-organization"] } : {}),
        ...(values["csr-organ-code"] ? { organCode: values["csr-organ-code"] } : {}),
      },
      spkiDer: key.spkiDer,
      signDigest: (digest, keyType) =>
        kmsSignDigest(dependencies.kmsSign ?? client(), key.keyArn, digest, keyType),
    });
    await writeFile(file, toPem(der, "CERTIFICATE REQUEST"));
    console.log(
      [
        `Certification request for KMS key ${key.keyArn} written to ${file}.`,
        "Have the province's CA certify it, then register the chain it issues (leaf first):",
        `  npm run admin:bootstrap -- --table <name> --region ${region} --exchange-certificate <chain.pem> --exchange-key ${key.keyArn}`,
        "",
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    return refused(error);
  } finally {
    own?.destroy();
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      table: { type: "string" },
      region: { type: "string" },
      organ: { type: "string" },
      name: { type: "string" },
      endpoint: { type: "string" },
      force: { type: "boolean" },
      "keep-policy": { type: "boolean" },
      "exchange-certificate": { type: "string" },
      "exchange-key": { type: "string" },
      "exchange-csr": { type: "string" },
      "csr-common-name": { type: "string" },
      "csr-organization": { type: "string" },
      "csr-organ-code": { type: "string" },
    },
    strict: true,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}

/** A refusal the operator can act on, said in one line (exit code 1); anything else is a bug. */
function refused(error: unknown): number {
  if (isExchangeError(error)) {
    console.error(`${error.code}: ${error.detail ?? error.message}`);
    return 1;
  }
  throw error;
}
