/**
 * `npm run admin:bootstrap -- --table <name> --region <region> --organ <code> [--name <Vietnamese name>]
 *  [--force] [--keep-policy] [--exchange-certificate <chain.pem> [--exchange-key <KMS key>]] [--endpoint <url>]`
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
 * Checked before anything is written. The record is written as the runtime reads it
 * (DynamoLedger.putOrganSigner); it is not an admin-chain event: the admin store has none for it.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ExchangeError, isExchangeError } from "../shared/errors/index.ts";
import { bootstrapAdmin } from "../shared/exchange/administration.ts";
import {
  checkEvidenceCertificate,
  type EvidenceCertificate,
  EXCHANGE_SIGNER_ORGAN,
} from "../shared/signing/exchange-certificate.ts";
import { DynamoAdminStore } from "../shared/storage/dynamo-admin.ts";
import { DynamoLedger } from "../shared/storage/dynamo-ledger.ts";
import { type KmsPublicKey, type KmsPublicKeyClient, kmsPublicKey } from "./kms-public-key.ts";

const USAGE =
  "usage: npm run admin:bootstrap -- --table <name> --region <region> (--organ <code> [--name <name>] [--force] [--keep-policy] | --exchange-certificate <chain.pem> [--exchange-key <KMS key id or ARN>]) [--endpoint <url>]";

/** What tests replace: the KMS client (AWS KMS has no local emulator). */
export interface BootstrapDependencies {
  readonly kms?: KmsPublicKeyClient;
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
      await new DynamoLedger(client, values.table).putOrganSigner(EXCHANGE_SIGNER_ORGAN, {
        ...(exchange.keyArn ? { kmsKeyId: exchange.keyArn } : {}),
        certificatesPem: exchange.certificate.certificatesPem,
      });
      console.log(describeRegistration(exchange));
    }
    return 0;
  } catch (error) {
    if (isExchangeError(error)) {
      console.error(`${error.code}: ${error.detail ?? error.message}`);
      return 1;
    }
    throw error;
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
