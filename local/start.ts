/**
 * `npm start`: the whole exchange on this machine, until Ctrl-C.
 *
 *   npm start                       keep data in .data/ across restarts
 *   npm start -- --reset            wipe .data/ first
 *   npm start -- --port 3001        serve the API elsewhere (default 3000, or $PORT)
 */
import { rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { DemoKey } from "./bootstrap.ts";
import { startLocalExchange } from "./exchange.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const HELP = `Usage: npm start -- [options]

Runs Lienthong locally: DynamoDB Local, an S3-compatible server, demo organs and the API.

Options:
  --port <n>        API port (default: $PORT or 3000)
  --data-dir <dir>  where tables, files, demo keys and the demo PKI are kept (default: .data)
  --crl-port <n>    port of the demo CAs' CRL distribution point, written into the demo
                    certificates when the PKI is made (default: 8790)
  --reset           wipe the data directory first
  -h, --help        show this help

Environment:
  LIENTHONG_SEND_POLICY  which verification verdicts send delivers: require-total-passed
                         (default), allow-indeterminate or record-only`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "data-dir": { type: "string" },
      "crl-port": { type: "string" },
      reset: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = Number(values.port ?? process.env["PORT"] ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`lienthong: --port must be a port number, got '${values.port}'`);
    return 2;
  }
  const crlPort = values["crl-port"] === undefined ? undefined : Number(values["crl-port"]);
  if (crlPort !== undefined && (!Number.isInteger(crlPort) || crlPort < 1 || crlPort > 65534)) {
    console.error(`lienthong: --crl-port must be a port number, got '${values["crl-port"]}'`);
    return 2;
  }
  const dataDir = resolve(values["data-dir"] ?? join(root, ".data"));
  if (values.reset) {
    rmSync(dataDir, { recursive: true, force: true });
    console.log(`Wiped ${dataDir}`);
  }

  const exchange = await startLocalExchange({
    root,
    cacheDir: join(root, ".cache"),
    dataDir,
    apiPort: port,
    ...(crlPort ? { crlPort } : {}),
    onProgress: (step) => console.log(`… ${step}`),
  });

  console.log(`
Lienthong is running.

  API          ${exchange.apiUrl}/v1
  DynamoDB     ${exchange.config.dynamodbEndpoint} (table ${exchange.config.tableName})
  S3           ${exchange.config.s3Endpoint} (bucket ${exchange.config.bucketName})
  Data         ${dataDir}
  Demo PKI     ${exchange.pkiDir} (password lienthong-demo; trusted root: root-ca.pem)
  TSA          ${exchange.tsaUrl} (RFC 3161)
  Send policy  ${exchange.sendPolicy} (set with LIENTHONG_SEND_POLICY)

Demo organs and their API keys (Authorization: Bearer <key>), one per role:
${keyList(exchange.keys)}

Try it: npm run demo   (sends a letter from the first organ to two others)
Press Ctrl-C to stop.`);

  await new Promise<void>((resolveStop) => {
    const shutdown = (signal: string) => {
      console.log(`\n${signal}: stopping…`);
      resolveStop();
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
  await exchange.stop();
  console.log("Stopped.");
  return 0;
}

/** What each demo key's role is for (the whole matrix: shared/exchange/roles.ts, README "Roles"). */
const ROLE_USE: Readonly<Record<DemoKey["role"], string>> = {
  integration: "office software: drafts, sends, reads",
  clerk: "văn thư: applies the organ's seal, sets statuses, reads",
  admin: "administers the exchange",
};

function keyList(keys: readonly DemoKey[]): string {
  const lines: string[] = [];
  for (const [index, key] of keys.entries()) {
    if (keys[index - 1]?.organCode !== key.organCode) {
      lines.push(`  ${key.organCode}  ${key.organName}`);
    }
    lines.push(`                 ${key.apiKey.padEnd(46)}  ${key.role} (${ROLE_USE[key.role]})`);
  }
  return lines.join("\n");
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`lienthong: could not start: ${error.message}`);
    process.exit(1);
  },
);
