/**
 * `npm run admin:bootstrap -- --table <name> --region <region> --organ <code> [--name <Vietnamese name>]
 *  [--force] [--keep-policy] [--endpoint <url>]`
 *
 * The first admin key of a fresh AWS deployment, written straight into its table with the
 * operator's own AWS credentials (the API cannot issue it: nobody holds a key yet). Puts the organ
 * in the directory if needed (`--name`), prints the key once (only its SHA-256 is stored), and
 * sets the recommended send policy if none is set. Refused while an admin key exists, unless
 * `--force`. Every step is an event of the admin audit chain (actor "bootstrap").
 */
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { isExchangeError } from "../shared/errors/index.ts";
import { bootstrapAdmin } from "../shared/exchange/administration.ts";
import { DynamoAdminStore } from "../shared/storage/dynamo-admin.ts";

const USAGE =
  "usage: npm run admin:bootstrap -- --table <name> --region <region> --organ <code> [--name <name>] [--force] [--keep-policy] [--endpoint <url>]";

export async function main(argv: readonly string[]): Promise<number> {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.table || !values.region || !values.organ) {
    console.error(USAGE);
    return 2;
  }
  const client = new DynamoDBClient({
    region: values.region,
    ...(values.endpoint
      ? { endpoint: values.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
  });
  try {
    const result = await bootstrapAdmin(new DynamoAdminStore(client, values.table), {
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
